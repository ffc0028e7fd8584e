#pragma once
// The sysctls Felix sets (calico-node.md §4.10): globally (forwarding) and on every workload
// interface (proxy ARP answering for 169.254.1.1, forwarding, no router advertisements, ...).

#include <string>
#include <vector>

#include "tabby/common/result.h"
#include "tabby/dataplane/netlink_layer.h"

namespace tabby::dataplane {

struct Sysctl {
  std::string path;  // below /proc/sys
  std::string value;
  friend bool operator==(const Sysctl&, const Sysctl&) = default;
};

std::vector<Sysctl> global_sysctls(bool ipv6);

// rp_filter: the value of net.ipv4.conf.default.rp_filter when the agent started ("1" if
// unreadable), as Felix does.
std::vector<Sysctl> workload_interface_sysctls(const std::string& interface, bool ipv4, bool ipv6,
                                               const std::string& rp_filter);

// Writes each; stops at the first failure, naming it.
Status apply_sysctls(NetlinkLayer& netlink, const std::vector<Sysctl>& sysctls);

}  // namespace tabby::dataplane
