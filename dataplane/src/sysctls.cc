#include "tabby/dataplane/sysctls.h"

namespace tabby::dataplane {

std::vector<Sysctl> global_sysctls(bool ipv6) {
  std::vector<Sysctl> sysctls = {{"net/ipv4/ip_forward", "1"}};
  if (ipv6) sysctls.push_back({"net/ipv6/conf/all/forwarding", "1"});
  return sysctls;
}

std::vector<Sysctl> workload_interface_sysctls(const std::string& interface, bool ipv4, bool ipv6,
                                               const std::string& rp_filter) {
  // The IPv6 conf directory exists whenever the kernel has IPv6; accept_ra is always set.
  std::vector<Sysctl> sysctls;
  if (ipv6) sysctls.push_back({"net/ipv6/conf/" + interface + "/accept_ra", "0"});
  if (ipv4) {
    sysctls.push_back({"net/ipv4/conf/" + interface + "/route_localnet", "1"});
    sysctls.push_back({"net/ipv4/neigh/" + interface + "/proxy_delay", "0"});
    sysctls.push_back({"net/ipv4/conf/" + interface + "/proxy_arp", "1"});
    sysctls.push_back({"net/ipv4/conf/" + interface + "/forwarding", "1"});
    sysctls.push_back({"net/ipv4/conf/" + interface + "/rp_filter", rp_filter});
  }
  if (ipv6) {
    sysctls.push_back({"net/ipv6/conf/" + interface + "/proxy_ndp", "1"});
    sysctls.push_back({"net/ipv6/conf/" + interface + "/forwarding", "1"});
  }
  return sysctls;
}

Status apply_sysctls(NetlinkLayer& netlink, const std::vector<Sysctl>& sysctls) {
  for (const auto& sysctl : sysctls) {
    auto current = netlink.read_sysctl(sysctl.path);
    if (current && *current == sysctl.value) continue;
    if (auto status = netlink.write_sysctl(sysctl.path, sysctl.value); !status) return status;
  }
  return {};
}

}  // namespace tabby::dataplane
