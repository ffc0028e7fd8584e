#include "tabby/dataplane/cleanup.h"

#include <fmt/format.h>

#include "tabby/dataplane/route_plan.h"

namespace tabby::dataplane {

Result<CleanupReport> remove_everything(NetlinkLayer& netlink, const OwnershipPolicy& policy) {
  CleanupReport report;
  auto routes = netlink.dump_routes();
  if (!routes) return routes.error();
  // Wanting nothing: the plan removes exactly the routes tabby owns.
  const RoutePlan plan = plan_routes({}, *routes, policy);
  std::vector<RouteOp> ops;
  for (const auto& route : plan.remove)
    ops.push_back({RouteOp::Kind::kDelete, route});
  const auto results = netlink.apply_routes(ops);
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (!results[i]) return Error{"cleanup: " + results[i].error().message};
    ++report.routes_removed;
  }

  auto links = netlink.dump_links();
  if (!links) return links.error();
  for (const auto& link : *links) {
    if (link.name == kVxlanDevice || link.name == kVxlanV6Device) {
      if (auto status = netlink.delete_link(link.name); !status)
        return Error{"cleanup: " + status.error().message};
      report.links_removed.push_back(link.name);
    }
  }
  auto addresses = netlink.dump_addresses();
  if (!addresses) return addresses.error();
  for (const auto& address : *addresses) {
    if (address.link != kIpipDevice) continue;
    if (auto status = netlink.delete_address(address); !status)
      return Error{"cleanup: " + status.error().message};
    ++report.addresses_removed;
  }
  return report;
}

}  // namespace tabby::dataplane
