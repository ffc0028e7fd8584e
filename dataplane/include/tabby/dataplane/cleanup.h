#pragma once
// Uninstall: removes everything tabby put in the kernel — every route it owns, vxlan.calico
// and vxlan-v6.calico (with their neighbour and FDB entries), tunl0's addresses (the kernel
// keeps the fallback device itself). Workload interfaces go with their pods (CNI DEL);
// sysctls are left, since their values before tabby are unknown.

#include <string>
#include <vector>

#include "tabby/dataplane/netlink_layer.h"
#include "tabby/dataplane/ownership.h"

namespace tabby::dataplane {

struct CleanupReport {
  std::size_t routes_removed = 0;
  std::vector<std::string> links_removed;
  std::size_t addresses_removed = 0;
};

Result<CleanupReport> remove_everything(NetlinkLayer& netlink, const OwnershipPolicy& policy);

}  // namespace tabby::dataplane
