#include "tabby/dataplane/route_plan.h"

#include <set>

namespace tabby::dataplane {

RouteSet make_route_set(const std::vector<Route>& routes) {
  RouteSet set;
  for (const auto& route : routes) {
    Route normal = route.normalized();
    set.insert_or_assign(normal.key(), std::move(normal));
  }
  return set;
}

RoutePlan plan_routes(const RouteSet& desired, const std::vector<Route>& kernel,
                      const OwnershipPolicy& policy) {
  RoutePlan plan;
  std::set<RouteKey> satisfied;  // desired keys the kernel already has right
  std::set<RouteKey> occupied;   // desired keys the kernel has something else at
  std::set<RouteKey> foreign;    // of them, those where that something is not ours
  for (const auto& raw : kernel) {
    const Route route = raw.normalized();
    const auto wanted = desired.find(route.key());
    if (wanted == desired.end()) {
      if (policy.owns(route)) plan.remove.push_back(route);
      continue;
    }
    if (route == wanted->second) {
      satisfied.insert(route.key());
    } else {
      occupied.insert(route.key());
      if (!policy.owns(route)) foreign.insert(route.key());
    }
  }
  for (const auto& [key, route] : desired) {
    if (satisfied.contains(key)) continue;
    if (!occupied.contains(key)) {
      plan.add.push_back(route);
      continue;
    }
    // Something else sits at this key. Ours (a stale version, or calico-node's to adopt):
    // replace it in one atomic step, so forwarding never has a gap. Not ours: leave it.
    (foreign.contains(key) ? plan.conflicts : plan.replace).push_back(route);
  }
  return plan;
}

}  // namespace tabby::dataplane
