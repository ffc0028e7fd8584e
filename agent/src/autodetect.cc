#include "tabby/agent/autodetect.h"

#include <fmt/format.h>

#include <algorithm>
#include <regex>

#include "tabby/agent/text_lists.h"

namespace tabby::agent {

namespace {

std::string_view family_name(IpFamily family) {
  return family == IpFamily::kV4 ? "IPv4" : "IPv6";
}

// Calico ORs a list into one regex `(r1)|(r2)|...`; matching any one of them is the same.
class NameMatcher {
 public:
  explicit NameMatcher(const std::vector<std::string>& regexes) {
    for (const auto& text : regexes)
      regexes_.emplace_back(text);
  }
  bool empty() const { return regexes_.empty(); }
  bool matches(const std::string& name) const {
    return std::any_of(regexes_.begin(), regexes_.end(),
                       [&](const std::regex& re) { return std::regex_search(name, re); });
  }

 private:
  std::vector<std::regex> regexes_;
};

std::string describe(const AutodetectionMethod& method, std::span<const HostInterface> tried) {
  std::vector<std::string> names;
  for (const auto& host : tried)
    names.push_back(host.name);
  return fmt::format("(method {}; interfaces tried: {})", method.to_string(),
                     names.empty() ? std::string("none") : join_comma_list(names));
}

// first-found, interface=, skip-interface= and cidr=: Calico's interface walk.
Result<DetectedAddress> walk_interfaces(const AutodetectionMethod& method, IpFamily family,
                                        std::span<const HostInterface> interfaces) {
  using Kind = AutodetectionMethod::Kind;
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  switch (method.kind) {
    case Kind::kFirstFound:
      exclude = default_interface_exclusions();
      break;
    case Kind::kInterface:
      include = method.interface_regexes;
      break;
    case Kind::kSkipInterface:
      exclude = default_interface_exclusions();
      exclude.insert(exclude.end(), method.interface_regexes.begin(),
                     method.interface_regexes.end());
      break;
    default:  // cidr=: every interface
      break;
  }
  const NameMatcher includes(include);
  const NameMatcher excludes(exclude);

  // Reverse kernel order, as Calico keeps "for compatibility with older versions".
  std::vector<HostInterface> candidates;
  for (auto it = interfaces.rbegin(); it != interfaces.rend(); ++it) {
    if (!includes.empty() && !includes.matches(it->name)) continue;
    if (!excludes.empty() && excludes.matches(it->name)) continue;
    candidates.push_back(*it);
  }
  if (candidates.empty()) {
    return Error{fmt::format("no valid host interfaces found {}", describe(method, candidates))};
  }
  for (const auto& host : candidates) {
    for (const auto& address : host.addresses) {
      if (address.address.family() != family || !is_global_unicast(address.address)) continue;
      if (method.kind == Kind::kCidr &&
          std::none_of(method.cidrs.begin(), method.cidrs.end(),
                       [&](const IpPrefix& cidr) { return cidr.contains(address.address); })) {
        continue;
      }
      return DetectedAddress{host.name, address.address, address.prefix_length};
    }
  }
  return Error{fmt::format("no valid {} addresses found on the host interfaces {}",
                           family_name(family), describe(method, candidates))};
}

Result<DetectedAddress> by_can_reach(const AutodetectionMethod& method, IpFamily family,
                                     std::span<const HostInterface> interfaces,
                                     const DetectionInputs& inputs) {
  if (!inputs.can_reach_source) {
    return Error{fmt::format("can-reach={}: no connection attempt was made", method.destination)};
  }
  const auto& source = *inputs.can_reach_source;
  if (!source) {
    return Error{fmt::format("Unable to auto-detect {} address by connecting to {}: {}",
                             family_name(family), method.destination, source.error().message)};
  }
  if (auto found = find_local_address(*source, interfaces)) return *found;
  return Error{fmt::format(
      "autodetected {} address does not match any addresses found on local interfaces: {}",
      family_name(family), source->to_string())};
}

Result<DetectedAddress> by_kubernetes_internal_ip(IpFamily family,
                                                  std::span<const HostInterface> interfaces,
                                                  const DetectionInputs& inputs) {
  if (!inputs.kubernetes_addresses) {
    return Error{
        "Cannot use method 'kubernetes-internal-ip' when not running on a Kubernetes cluster"};
  }
  // The first InternalIP of the family, as Calico takes it.
  for (const auto& entry : *inputs.kubernetes_addresses) {
    if (entry.type != "InternalIP") continue;
    // Calico's Node addresses may carry a prefix length ("10.0.1.10/24").
    auto address =
        IpAddress::parse(std::string_view(entry.address).substr(0, entry.address.find('/')));
    if (!address || address->family() != family) continue;
    if (auto found = find_local_address(*address, interfaces)) return *found;
    return Error{fmt::format(
        "kubernetes-internal-ip: the Node's InternalIP {} is not on any local interface",
        entry.address)};
  }
  return Error{fmt::format("kubernetes-internal-ip: the Node has no {} InternalIP address",
                           family_name(family))};
}

}  // namespace

bool excluded_by_default(const std::string& name) {
  static const NameMatcher exclusions(default_interface_exclusions());
  return exclusions.matches(name);
}

std::string DetectedAddress::to_string() const {
  return fmt::format("{}/{}", address.to_string(), prefix_length);
}

const std::vector<std::string>& default_interface_exclusions() {
  static const std::vector<std::string> kExclusions = {
      "^docker.*",
      "^cbr.*",
      "^dummy.*",
      "^podman.*",
      "^virbr.*",
      "^lxcbr.*",
      "^veth.*",
      "^lo",
      "^br-.*",
      "^cali.*",
      "^tunl.*",
      "^flannel.*",
      "^kube-ipvs.*",
      "^cni.*",
      "^vxlan\\.calico.*",
      "^vxlan-v6\\.calico.*",
      "^wireguard\\.cali.*",
      "^wg-v6\\.cali.*",
      "^nodelocaldns.*",
  };
  return kExclusions;
}

bool is_global_unicast(const IpAddress& address) {
  const std::uint8_t* b = address.bytes();
  if (address.is_v4()) {
    const std::uint32_t v = address.v4_value();
    if (v == 0 || v == 0xffffffffU) return false;  // unspecified, limited broadcast
    if (b[0] == 127) return false;                 // loopback
    if (b[0] >= 224 && b[0] <= 239) return false;  // multicast
    if (b[0] == 169 && b[1] == 254) return false;  // link-local
    return true;
  }
  const bool all_zero = std::all_of(b, b + 16, [](std::uint8_t x) { return x == 0; });
  if (all_zero) return false;  // ::
  if (std::all_of(b, b + 15, [](std::uint8_t x) { return x == 0; }) && b[15] == 1) return false;
  if (b[0] == 0xff) return false;                           // multicast
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return false;  // fe80::/10
  return true;
}

std::optional<DetectedAddress> find_local_address(const IpAddress& address,
                                                  std::span<const HostInterface> interfaces) {
  for (const auto& host : interfaces) {
    for (const auto& held : host.addresses) {
      if (held.address == address) return DetectedAddress{host.name, address, held.prefix_length};
    }
  }
  return std::nullopt;
}

Result<DetectedAddress> detect_address(const AutodetectionMethod& method, IpFamily family,
                                       std::span<const HostInterface> interfaces,
                                       const DetectionInputs& inputs) {
  switch (method.kind) {
    case AutodetectionMethod::Kind::kCanReach:
      return by_can_reach(method, family, interfaces, inputs);
    case AutodetectionMethod::Kind::kKubernetesInternalIp:
      return by_kubernetes_internal_ip(family, interfaces, inputs);
    default:
      return walk_interfaces(method, family, interfaces);
  }
}

}  // namespace tabby::agent
