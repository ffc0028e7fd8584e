#pragma once
// Drives the kernel's routes to the desired set and keeps them there: one dump at start
// (so a restarted agent keeps forwarding and removes only what is stale), a cache kept
// current from netlink notifications, repair of whatever someone else changes, and full
// resyncs on demand. Touches only what the OwnershipPolicy says is tabby's.
//
// Not thread-safe: the agent calls it from its event loop (see ReconcilerLoop).

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tabby/dataplane/netlink_layer.h"
#include "tabby/dataplane/ownership.h"
#include "tabby/dataplane/route_plan.h"

namespace tabby::dataplane {

struct ReconcilerStats {
  std::uint64_t added = 0;
  std::uint64_t replaced = 0;
  std::uint64_t removed = 0;
  std::uint64_t repaired = 0;  // changes made because someone else changed the kernel
  std::uint64_t failures = 0;  // writes the kernel refused (retried at the next resync)
  std::uint64_t resyncs = 0;
  std::uint64_t conflicts = 0;  // wanted keys held by routes that are not tabby's
};

// One key's change of the desired set: the route wanted there now (normalized, so that its
// key() is `key`), or none.
struct DesiredRouteChange {
  RouteKey key;
  std::optional<Route> route;
  friend bool operator==(const DesiredRouteChange&, const DesiredRouteChange&) = default;
};

class RouteReconciler {
 public:
  explicit RouteReconciler(NetlinkLayer& netlink, OwnershipPolicy policy = {});

  // Replaces the whole desired set and applies the difference. The first call, or any
  // call before resync(), dumps the kernel first.
  Status set_desired(const std::vector<Route>& routes);
  // Wants one more route (or a changed one at the same key) / no longer wants one.
  Status want(const Route& route);
  Status unwant(const RouteKey& key);
  // Applies a batch of changes to the desired set and makes the kernel right at those keys
  // only, in one pipelined write: the work is proportional to the batch, not to the table.
  Status update_desired(std::span<const DesiredRouteChange> changes);

  // From keep_unwanted() to remove_unwanted(), a route of tabby's that is no longer wanted
  // stays in the kernel: the routes from before an agent restart, until the datastore and
  // every BGP peer's table are in. Only additions and changes are applied meanwhile;
  // remove_unwanted() then removes what is unwanted (one plan over the cache, no dump).
  void keep_unwanted() { keep_unwanted_ = true; }
  Status remove_unwanted();
  bool keeping_unwanted() const { return keep_unwanted_; }

  // Dumps the kernel and fixes every difference: at start, periodically, after an error or
  // a notification overflow.
  Status resync();
  // Reads pending notifications and repairs what they show went wrong. Cheap when nothing
  // is pending.
  Status handle_events();

  bool in_sync() const { return synced_ && failed_keys_.empty(); }
  const RouteSet& desired() const { return desired_; }
  const ReconcilerStats& stats() const { return stats_; }
  const OwnershipPolicy& policy() const { return policy_; }

 private:
  Status apply(const RoutePlan& plan, bool repair);
  Status resync_or_plan();
  Status reconcile_key(const RouteKey& key, bool repair);
  void cache_put(const Route& route);
  void cache_erase(const Route& route);

  NetlinkLayer& netlink_;
  OwnershipPolicy policy_;
  RouteSet desired_;
  // The kernel's routes in the tables we manage, by key (normally one per key).
  std::map<RouteKey, std::vector<Route>> kernel_;
  std::map<RouteKey, std::string> failed_keys_;  // last error per key that could not be fixed
  bool synced_ = false;
  bool keep_unwanted_ = false;
  ReconcilerStats stats_;
};

}  // namespace tabby::dataplane
