#include "tabby/agent/route_claims.h"

namespace tabby::agent {

using dataplane::DesiredRouteChange;
using dataplane::Route;
using dataplane::RouteKey;

bool RouteClaims::claimed_before(std::size_t source, const RouteKey& key) const {
  for (std::size_t earlier = 0; earlier < source; ++earlier) {
    if (claims_[earlier].contains(key)) return true;
  }
  return false;
}

bool RouteClaims::claimed_by_any(const RouteKey& key) const {
  return claimed_before(kRouteSourceCount, key);
}

void RouteClaims::changed(std::size_t source, const RouteKey& key, bool was_claimed) {
  const bool is_claimed = claimed_by_any(key);
  std::size_t& count = key.destination.family() == IpFamily::kV4 ? wanted_v4_ : wanted_v6_;
  if (!was_claimed && is_claimed) ++count;
  if (was_claimed && !is_claimed) --count;
  if (!claimed_before(source, key)) queued_[source].insert(key);
}

void RouteClaims::put(std::size_t source, const Route& normalized) {
  const RouteKey key = normalized.key();
  const bool was_claimed = claimed_by_any(key);
  auto [it, inserted] = claims_[source].try_emplace(key, normalized);
  if (!inserted) {
    if (it->second == normalized) return;
    it->second = normalized;
  }
  changed(source, key, was_claimed);
}

void RouteClaims::erase(std::size_t source, Claims::iterator it) {
  const RouteKey key = it->first;
  claims_[source].erase(it);
  changed(source, key, /*was_claimed=*/true);
}

void RouteClaims::claim(RouteSource source, const Route& route) {
  put(index(source), route.normalized());
}

void RouteClaims::release(RouteSource source, const RouteKey& key) {
  Claims& claims = claims_[index(source)];
  if (auto it = claims.find(key); it != claims.end()) erase(index(source), it);
}

void RouteClaims::set_destination(RouteSource source, const IpPrefix& destination,
                                  const std::optional<Route>& route) {
  const std::size_t at = index(source);
  std::optional<Route> normalized;
  if (route) normalized = route->normalized();
  Claims& claims = claims_[at];
  const std::uint32_t table = normalized ? normalized->table : dataplane::kMainTable;
  auto it = claims.lower_bound(RouteKey{table, destination, 0});
  while (it != claims.end() && it->first.table == table && it->first.destination == destination) {
    if (normalized && it->first == normalized->key()) {
      ++it;
      continue;
    }
    auto gone = it++;
    erase(at, gone);
  }
  if (normalized) put(at, *normalized);
}

void RouteClaims::set_source(RouteSource source, const std::vector<Route>& routes) {
  const std::size_t at = index(source);
  Claims next;
  for (const Route& route : routes) {
    Route normalized = route.normalized();
    next.insert_or_assign(normalized.key(), std::move(normalized));
  }
  Claims& claims = claims_[at];
  for (auto it = claims.begin(); it != claims.end();) {
    if (next.contains(it->first)) {
      ++it;
      continue;
    }
    auto gone = it++;
    erase(at, gone);
  }
  for (const auto& [key, route] : next)
    put(at, route);
}

const Route* RouteClaims::wanted(const RouteKey& key) const {
  for (const Claims& claims : claims_) {
    if (auto it = claims.find(key); it != claims.end()) return &it->second;
  }
  return nullptr;
}

std::vector<DesiredRouteChange> RouteClaims::take_changes(std::size_t limit) {
  std::vector<DesiredRouteChange> changes;
  for (std::size_t source = 0; source < kRouteSourceCount && changes.size() < limit; ++source) {
    auto& queue = queued_[source];
    while (!queue.empty() && changes.size() < limit) {
      const RouteKey key = *queue.begin();
      queue.erase(queue.begin());
      for (std::size_t later = source + 1; later < kRouteSourceCount; ++later)
        queued_[later].erase(key);
      const Route* route = wanted(key);
      changes.push_back({key, route ? std::optional<Route>(*route) : std::nullopt});
    }
  }
  return changes;
}

std::size_t RouteClaims::pending() const {
  std::size_t count = 0;
  for (const auto& queue : queued_)
    count += queue.size();
  return count;
}

}  // namespace tabby::agent
