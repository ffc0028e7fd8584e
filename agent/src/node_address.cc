#include "tabby/agent/node_address.h"

#include <fmt/format.h>

#include <algorithm>

namespace tabby::agent {

namespace {

std::string_view family_name(IpFamily family) {
  return family == IpFamily::kV4 ? "IPv4" : "IPv6";
}

bool on_host(const IpAddress& address, std::span<const HostInterface> interfaces) {
  return find_local_address(address, interfaces).has_value();
}

// Calico "validates" a kept or explicit address only with a warning.
void warn_if_not_on_host(AddressDecision& decision, std::span<const HostInterface> interfaces) {
  if (decision.address && !on_host(decision.address->address, interfaces)) {
    decision.warnings.push_back(fmt::format("the node's address {} is not on any local interface",
                                            decision.address->to_string()));
  }
}

AddressDecision keep(const std::optional<NodeAddressValue>& current,
                     std::span<const HostInterface> interfaces) {
  AddressDecision decision;
  decision.address = current;
  warn_if_not_on_host(decision, interfaces);
  return decision;
}

Result<AddressDecision> detect_or_keep(IpFamily family,
                                       const std::optional<NodeAddressValue>& current,
                                       const Detector& detect) {
  auto detected = detect();
  AddressDecision decision;
  if (detected) {
    decision.address = NodeAddressValue{detected->address, detected->prefix_length};
    decision.autodetected = true;
    return decision;
  }
  if (!current) {
    return Error{
        fmt::format("Couldn't autodetect an {} address ({}). If auto-detecting, choose a different "
                    "autodetection method. Otherwise provide an explicit address.",
                    family_name(family), detected.error().message)};
  }
  decision.address = current;
  decision.warnings.push_back(fmt::format("Unable to auto-detect an {} address ({}); keeping {}",
                                          family_name(family), detected.error().message,
                                          current->to_string()));
  return decision;
}

}  // namespace

Result<NodeAddressValue> NodeAddressValue::parse(std::string_view text) {
  const auto slash = text.find('/');
  auto address = IpAddress::parse(text.substr(0, slash));
  if (!address) return Error{fmt::format("\"{}\" is not an address", text)};
  NodeAddressValue value{*address, address->bit_length()};
  if (slash != std::string_view::npos) {
    auto prefix = IpPrefix::parse_interface(text);
    if (!prefix) return Error{fmt::format("\"{}\" is not an address with a prefix length", text)};
    value.prefix_length = prefix->length();
  }
  return value;
}

std::string NodeAddressValue::to_string() const {
  return fmt::format("{}/{}", address.to_string(), prefix_length);
}

Result<AddressDecision> decide_node_address(const AddressSetting& setting, IpFamily family,
                                            const std::optional<NodeAddressValue>& current,
                                            std::span<const HostInterface> interfaces,
                                            const Detector& detect) {
  using Mode = AddressSetting::Mode;
  switch (setting.mode) {
    case Mode::kAutodetect:
      return detect_or_keep(family, current, detect);
    case Mode::kUnset:
      // IPv4 is detected when the Node has none; IPv6 never unless asked.
      if (family == IpFamily::kV4 && !current) return detect_or_keep(family, current, detect);
      return keep(current, interfaces);
    case Mode::kNone:
      return keep(current, interfaces);
    case Mode::kExplicit:
      break;
  }
  AddressDecision decision;
  NodeAddressValue value{setting.address, setting.address.bit_length()};
  if (setting.prefix_length) {
    value.prefix_length = *setting.prefix_length;
  } else if (auto found = find_local_address(setting.address, interfaces)) {
    value.prefix_length = found->prefix_length;
  } else {
    decision.warnings.push_back(
        fmt::format("{} is not on any local interface, so its prefix length is unknown: using /{}",
                    setting.address.to_string(), value.prefix_length));
  }
  decision.address = value;
  if (decision.warnings.empty()) warn_if_not_on_host(decision, interfaces);
  return decision;
}

std::vector<NodeAddress> node_resource_addresses(const api::Resource& node) {
  std::vector<NodeAddress> addresses;
  if (!node.spec.contains("addresses") || !node.spec["addresses"].is_array()) return addresses;
  for (const auto& entry : node.spec["addresses"]) {
    if (!entry.is_object() || !entry.contains("address") || !entry["address"].is_string()) continue;
    NodeAddress address;
    address.address = entry["address"].get<std::string>();
    if (entry.contains("type") && entry["type"].is_string())
      address.type = entry["type"].get<std::string>();
    addresses.push_back(std::move(address));
  }
  return addresses;
}

IpPrefix default_ipv4_pool_cidr(std::span<const HostInterface> interfaces) {
  const auto holds_host_address = [&](const IpPrefix& candidate) {
    return std::any_of(interfaces.begin(), interfaces.end(), [&](const HostInterface& host) {
      return std::any_of(host.addresses.begin(), host.addresses.end(),
                         [&](const HostAddress& held) { return candidate.contains(held.address); });
    });
  };
  const IpPrefix preferred(IpAddress::v4(0xc0a80000U), 16);  // 192.168.0.0/16
  if (!holds_host_address(preferred)) return preferred;
  for (std::uint32_t second = 16; second <= 31; ++second) {
    const IpPrefix candidate(IpAddress::v4((172U << 24) | (second << 16)), 16);
    if (!holds_host_address(candidate)) return candidate;
  }
  return preferred;
}

IpPrefix default_ipv6_pool_cidr(const std::array<std::uint8_t, 5>& random_bytes) {
  std::array<std::uint8_t, 16> bytes{};
  bytes[0] = 0xfd;
  std::copy(random_bytes.begin(), random_bytes.end(), bytes.begin() + 1);
  return IpPrefix(IpAddress::from_bytes(IpFamily::kV6, bytes.data()), 48);
}

}  // namespace tabby::agent
