#pragma once
// The routes the agent wants in the kernel, merged by key from the parts that want them: each
// source (the local workloads, the BGP backend's own routes, the routes it learned, VXLAN)
// claims routes, and at each key the first source in RouteSource order wins; when it lets go,
// the next claimant's route is the one wanted. Changes are queued by key and taken in
// batches, each key once with its state at the time it is taken, so many changes to one
// prefix between two batches cost one kernel write. A pure value: no I/O, no clock.
//
// Work is proportional to what changed: claiming or releasing one route is a few map
// operations; only replacing a whole source (set_source) looks at all of that source's routes.

#include <array>
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "tabby/dataplane/route.h"
#include "tabby/dataplane/route_reconciler.h"

namespace tabby::agent {

// Claim order: a local pod's /32 before anything learned; this node's blackholes and the
// peers' reachableBy routes before learned routes (BIRD's static routes, preference 200 over
// BGP's 100); VXLAN's routes, which agree with a blackhole for the same block, last.
enum class RouteSource : std::uint8_t { kWorkload, kBgpStatic, kBgpLearned, kVxlan };
inline constexpr std::size_t kRouteSourceCount = 4;

class RouteClaims {
 public:
  // Replaces everything `source` claims with `routes` (a later route with the same key wins).
  void set_source(RouteSource source, const std::vector<dataplane::Route>& routes);
  // Claims one route at its key, replacing what `source` claimed there.
  void claim(RouteSource source, const dataplane::Route& route);
  void release(RouteSource source, const dataplane::RouteKey& key);
  // What `source` claims at this destination in the main table (whatever the metric) becomes
  // `route`, or nothing: for a learned prefix, whose route's key the caller need not keep.
  void set_destination(RouteSource source, const IpPrefix& destination,
                       const std::optional<dataplane::Route>& route);

  // The route wanted at the key: the first claimant's, or none.
  const dataplane::Route* wanted(const dataplane::RouteKey& key) const;
  // Up to `limit` queued keys, each with the route wanted there now; the sources' keys in
  // claim order, so a pod's route is never queued behind a full table of learned ones.
  std::vector<dataplane::DesiredRouteChange> take_changes(std::size_t limit = SIZE_MAX);
  // Keys queued (a key queued by two sources counts twice until it is taken).
  std::size_t pending() const;

  std::size_t size(RouteSource source) const { return claims_[index(source)].size(); }
  // Destinations of the family with a wanted route (keys, all tables).
  std::size_t wanted_count(IpFamily family) const {
    return family == IpFamily::kV4 ? wanted_v4_ : wanted_v6_;
  }

 private:
  using Claims = std::map<dataplane::RouteKey, dataplane::Route>;
  static std::size_t index(RouteSource source) { return static_cast<std::size_t>(source); }
  // Whether a source ahead of `source` claims the key, which then hides `source`'s changes.
  bool claimed_before(std::size_t source, const dataplane::RouteKey& key) const;
  bool claimed_by_any(const dataplane::RouteKey& key) const;
  // Records that `source` changed at `key` (was_claimed: whether any source claimed it before
  // the change): counts, and queues the key unless an earlier source shadows it.
  void changed(std::size_t source, const dataplane::RouteKey& key, bool was_claimed);
  void put(std::size_t source, const dataplane::Route& normalized);
  void erase(std::size_t source, Claims::iterator it);

  std::array<Claims, kRouteSourceCount> claims_;
  std::array<std::set<dataplane::RouteKey>, kRouteSourceCount> queued_;
  std::size_t wanted_v4_ = 0, wanted_v6_ = 0;
};

}  // namespace tabby::agent
