#include "tabby/agent/node_address.h"

#include <algorithm>

namespace tabby::agent {

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
