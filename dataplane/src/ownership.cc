#include "tabby/dataplane/ownership.h"

#include <algorithm>

namespace tabby::dataplane {
namespace {

constexpr std::uint8_t kProtoKernel = 2;  // routes the kernel derives from addresses

bool contains(const auto& list, const auto& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

bool OwnershipPolicy::is_workload_interface(const std::string& name) const {
  return std::any_of(workload_prefixes.begin(), workload_prefixes.end(),
                     [&](const std::string& prefix) { return name.starts_with(prefix); });
}

bool OwnershipPolicy::owns(const Route& route) const {
  if (!contains(tables, route.table)) return false;
  // The kernel's own routes come and go with addresses (e.g. fe80::/64 on every link).
  if (route.protocol == kProtoKernel) return false;
  if (contains(exclusive_protocols, route.protocol)) return true;
  for (const auto& hop : route.next_hops) {
    if (contains(owned_devices, hop.device)) return true;
    if (is_workload_interface(hop.device) &&
        (remove_external_routes || route.protocol == kProtoBoot)) {
      return true;
    }
  }
  return false;
}

}  // namespace tabby::dataplane
