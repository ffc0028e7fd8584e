// RFC 4271 section 9.1.2.2 as successive eliminations: each step keeps the paths that are
// best by its criterion among those left, until one is left.

#include "tabby/bgp/rib_decision.h"

#include <algorithm>

namespace tabby::bgp {
namespace {

using Indices = std::vector<std::size_t>;

// Keeps the paths whose key is lowest. Returns true if that removed any.
template <typename Key>
bool keep_lowest(std::span<const PathFacts> paths, Indices& left, Key key) {
  auto lowest = key(paths[left.front()]);
  for (auto i : left)
    lowest = std::min(lowest, key(paths[i]));
  const auto before = left.size();
  std::erase_if(left, [&](std::size_t i) { return key(paths[i]) != lowest; });
  return left.size() != before;
}

// Step c: a path goes if another path from the same neighbor AS has a lower MED.
bool eliminate_by_med(std::span<const PathFacts> paths, Indices& left, bool always_compare) {
  if (always_compare) {
    return keep_lowest(paths, left, [](const PathFacts& p) { return p.med; });
  }
  Indices kept;
  for (auto i : left) {
    const bool beaten = std::any_of(left.begin(), left.end(), [&](std::size_t j) {
      return paths[j].neighbor_as == paths[i].neighbor_as && paths[j].med < paths[i].med;
    });
    if (!beaten) kept.push_back(i);
  }
  const bool removed = kept.size() != left.size();
  left = std::move(kept);
  return removed;
}

// Steps up to and including eBGP over iBGP: what ECMP treats as equal.
void eliminate_to_multipath(std::span<const PathFacts> paths, Indices& left, bool always_med,
                            DecisionStep& decided_by) {
  const auto step = [&](DecisionStep s, bool removed) {
    if (removed && left.size() == 1 && decided_by == DecisionStep::kOnlyPath) decided_by = s;
  };
  step(DecisionStep::kLocal, keep_lowest(paths, left, [](const PathFacts& p) { return !p.local; }));
  step(DecisionStep::kLocalPref, keep_lowest(paths, left, [](const PathFacts& p) {
         return ~p.local_pref;  // highest wins
       }));
  step(DecisionStep::kAsPathLength,
       keep_lowest(paths, left, [](const PathFacts& p) { return p.as_path_length; }));
  step(DecisionStep::kOrigin,
       keep_lowest(paths, left, [](const PathFacts& p) { return static_cast<int>(p.origin); }));
  step(DecisionStep::kMed, eliminate_by_med(paths, left, always_med));
  step(DecisionStep::kEbgpOverIbgp,
       keep_lowest(paths, left, [](const PathFacts& p) { return !p.ebgp; }));
}

// The tie-breaks after it, as a strict order (they are all plain comparisons).
bool tie_break_less(const PathFacts& a, const PathFacts& b, DecisionStep* step) {
  const auto decide_on = [&](DecisionStep s, auto x, auto y) -> int {
    if (x == y) return 0;
    if (step) *step = s;
    return x < y ? -1 : 1;
  };
  if (int c = decide_on(DecisionStep::kRouterId, a.router_id, b.router_id)) return c < 0;
  if (int c =
          decide_on(DecisionStep::kClusterListLength, a.cluster_list_length, b.cluster_list_length))
    return c < 0;
  if (int c = decide_on(DecisionStep::kPeerAddress, a.peer_address, b.peer_address)) return c < 0;
  if (int c = decide_on(DecisionStep::kPathId, a.path_id, b.path_id)) return c < 0;
  return false;
}

}  // namespace

std::string to_string(DecisionStep step) {
  switch (step) {
    case DecisionStep::kOnlyPath:
      return "only path";
    case DecisionStep::kLocal:
      return "local origination";
    case DecisionStep::kLocalPref:
      return "LOCAL_PREF";
    case DecisionStep::kAsPathLength:
      return "AS_PATH length";
    case DecisionStep::kOrigin:
      return "ORIGIN";
    case DecisionStep::kMed:
      return "MED";
    case DecisionStep::kEbgpOverIbgp:
      return "eBGP over iBGP";
    case DecisionStep::kRouterId:
      return "router ID";
    case DecisionStep::kClusterListLength:
      return "CLUSTER_LIST length";
    case DecisionStep::kPeerAddress:
      return "peer address";
    case DecisionStep::kPathId:
      return "path ID";
  }
  return "unknown";
}

Decision decide(std::span<const PathFacts> paths, bool always_compare_med, std::size_t max_paths) {
  Decision decision;
  Indices left(paths.size());
  for (std::size_t i = 0; i < left.size(); ++i)
    left[i] = i;
  eliminate_to_multipath(paths, left, always_compare_med, decision.decided_by);
  DecisionStep last = DecisionStep::kOnlyPath;
  std::sort(left.begin(), left.end(), [&](std::size_t a, std::size_t b) {
    return tie_break_less(paths[a], paths[b], nullptr);
  });
  if (left.size() > 1 && decision.decided_by == DecisionStep::kOnlyPath) {
    tie_break_less(paths[left[0]], paths[left[1]], &last);
    decision.decided_by = last;
  }
  decision.best = left.front();
  left.resize(std::min(left.size(), std::max<std::size_t>(max_paths, 1)));
  decision.multipath = std::move(left);
  return decision;
}

}  // namespace tabby::bgp
