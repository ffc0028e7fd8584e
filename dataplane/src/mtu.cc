#include "tabby/dataplane/mtu.h"

#include <fmt/format.h>

#include <algorithm>
#include <regex>

namespace tabby::dataplane {

Result<std::optional<std::uint32_t>> detect_host_mtu(const std::vector<LinkInfo>& links,
                                                     const std::string& interface_pattern) {
  std::regex pattern;
  try {
    pattern = std::regex(interface_pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& error) {
    return Error{fmt::format("MTU interface pattern \"{}\": {}", interface_pattern, error.what())};
  }
  std::optional<std::uint32_t> smallest;
  for (const auto& link : links) {
    if (!link.oper_up || !std::regex_search(link.name, pattern)) continue;
    smallest = smallest ? std::min(*smallest, link.mtu) : link.mtu;
  }
  return smallest;
}

Mtus compute_mtus(std::uint32_t host_mtu, const MtuConfig& config) {
  // A host MTU too small for the overhead gives IPv4's minimum, not an unsigned wrap-around.
  const auto less = [&](std::uint32_t overhead) -> std::uint32_t {
    constexpr std::uint32_t kMinimum = 68;
    return host_mtu > overhead + kMinimum ? host_mtu - overhead : kMinimum;
  };
  Mtus mtus;
  mtus.host = host_mtu;
  mtus.ipip = config.ipip ? config.ipip : less(kIpipOverhead);
  mtus.vxlan = config.vxlan ? config.vxlan : less(kVxlanOverhead);
  mtus.vxlan_v6 = config.vxlan_v6 ? config.vxlan_v6 : less(kVxlanV6Overhead);
  mtus.pod = host_mtu;
  std::vector<std::uint32_t> enabled;
  if (config.ipip_enabled) enabled.push_back(mtus.ipip);
  if (config.vxlan_enabled) enabled.push_back(mtus.vxlan);
  if (config.vxlan_v6_enabled) enabled.push_back(mtus.vxlan_v6);
  if (!enabled.empty()) mtus.pod = *std::min_element(enabled.begin(), enabled.end());
  return mtus;
}

}  // namespace tabby::dataplane
