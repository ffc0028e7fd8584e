#pragma once
// The pure heart of route reconciliation: given what tabby wants and what the kernel has,
// the smallest set of changes that makes the kernel right without touching what tabby does
// not own.

#include <map>
#include <string>
#include <vector>

#include "tabby/dataplane/ownership.h"
#include "tabby/dataplane/route.h"

namespace tabby::dataplane {

// Desired routes by key; the caller has already chosen one route per key.
using RouteSet = std::map<RouteKey, Route>;

// Builds a RouteSet from routes (normalized); a later route with the same key wins.
RouteSet make_route_set(const std::vector<Route>& routes);

struct RoutePlan {
  std::vector<Route> add;      // missing from the kernel
  std::vector<Route> replace;  // present but different, and ours to change
  std::vector<Route> remove;   // ours, present, not wanted
  // Wanted, but the kernel holds a different route at that key that is not ours: left alone
  // (and reported), since tabby never changes what it does not own.
  std::vector<Route> conflicts;

  bool empty() const { return add.empty() && replace.empty() && remove.empty(); }
  std::size_t size() const { return add.size() + replace.size() + remove.size(); }
};

// `kernel` may hold several routes per key (it never should for tabby's tables, but a dump
// can); each is judged on its own.
RoutePlan plan_routes(const RouteSet& desired, const std::vector<Route>& kernel,
                      const OwnershipPolicy& policy);

}  // namespace tabby::dataplane
