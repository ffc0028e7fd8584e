// Policy evaluation: match conditions are ANDed, list conditions are "any of".

#include "tabby/bgp/policy.h"

#include <algorithm>

namespace tabby::bgp {
namespace {

template <typename T>
bool contains(const std::vector<T>& values, const T& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

template <typename T>
bool any_in(const std::vector<T>& wanted, const std::vector<T>& present) {
  return std::any_of(wanted.begin(), wanted.end(),
                     [&](const T& value) { return contains(present, value); });
}

bool path_contains(const std::optional<AsPath>& path, std::uint32_t as) {
  if (!path) return false;
  return std::any_of(path->segments.begin(), path->segments.end(),
                     [&](const AsSegment& s) { return contains(s.asns, as); });
}

template <typename T>
void edit_list(std::vector<T>& list, const std::optional<std::vector<T>>& set,
               const std::vector<T>& remove, const std::vector<T>& add) {
  if (set) list = *set;
  std::erase_if(list, [&](const T& value) { return contains(remove, value); });
  for (const auto& value : add)
    if (!contains(list, value)) list.push_back(value);
}

void apply_actions(const Actions& actions, const RouteContext& route, PathAttributes& attributes,
                   PolicyOutcome& outcome) {
  edit_list(attributes.communities, actions.set_communities, actions.remove_communities,
            actions.add_communities);
  edit_list(attributes.large_communities, actions.set_large_communities,
            actions.remove_large_communities, actions.add_large_communities);
  prepend_path(attributes, actions.prepend_path);
  prepend_as(attributes, actions.prepend_as != 0 ? actions.prepend_as : route.local_as,
             actions.prepend_count);
  if (actions.set_local_pref) attributes.local_pref = actions.set_local_pref;
  if (actions.set_med) attributes.med = actions.set_med;
  if (actions.next_hop_self) outcome.next_hop_self = true;
}

}  // namespace

void prepend_as(PathAttributes& attributes, std::uint32_t as, std::size_t count) {
  if (count == 0) return;
  AsPath& path = attributes.as_path ? *attributes.as_path : attributes.as_path.emplace();
  if (path.segments.empty() || path.segments.front().type != AsSegmentType::kSequence) {
    path.segments.insert(path.segments.begin(), AsSegment{AsSegmentType::kSequence, {}});
  }
  auto& asns = path.segments.front().asns;
  asns.insert(asns.begin(), count, as);
}

void prepend_path(PathAttributes& attributes, const std::vector<std::uint32_t>& asns) {
  for (auto it = asns.rbegin(); it != asns.rend(); ++it)
    prepend_as(attributes, *it);
}

bool glob_matches(std::string_view glob, std::string_view text) {
  // Iterative matching with one backtrack point (the latest '*'): linear in practice.
  std::size_t g = 0, t = 0;
  std::size_t star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (g < glob.size() && (glob[g] == '?' || glob[g] == text[t])) {
      ++g;
      ++t;
    } else if (g < glob.size() && glob[g] == '*') {
      star = g++;
      resume = t;
    } else if (star != std::string_view::npos) {
      g = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (g < glob.size() && glob[g] == '*')
    ++g;
  return g == glob.size();
}

bool as_path_starts_with(const std::optional<AsPath>& path,
                         const std::vector<std::uint32_t>& asns) {
  std::size_t next = 0;
  if (path) {
    for (const AsSegment& segment : path->segments) {
      if (next == asns.size() || segment.type != AsSegmentType::kSequence) break;
      for (std::uint32_t as : segment.asns) {
        if (next == asns.size()) break;
        if (as != asns[next]) return false;
        ++next;
      }
    }
  }
  return next == asns.size();
}

bool PrefixMatch::matches(const IpPrefix& route) const {
  if (route.family() != prefix.family() || !prefix.contains(route)) return false;
  const int max = route.address().bit_length();
  int low = prefix.length();
  int high = prefix.length();
  if (ge) {
    low = *ge;
    high = max;
  }
  if (le) high = *le;
  return route.length() >= low && route.length() <= high;
}

bool matches(const Match& match, const RouteContext& route, const PathAttributes& attributes) {
  if (!match.prefixes.empty()) {
    const bool any = std::any_of(match.prefixes.begin(), match.prefixes.end(),
                                 [&](const PrefixMatch& p) { return p.matches(route.prefix); });
    if (any == match.prefixes_negated) return false;
  }
  if (match.family && route.prefix.family() != *match.family) return false;
  if (!match.any_community.empty() && !any_in(match.any_community, attributes.communities)) {
    return false;
  }
  if (!match.any_large_community.empty() &&
      !any_in(match.any_large_community, attributes.large_communities)) {
    return false;
  }
  if (match.as_path_contains && !path_contains(attributes.as_path, *match.as_path_contains)) {
    return false;
  }
  if (!match.as_path_prefix.empty() &&
      !as_path_starts_with(attributes.as_path, match.as_path_prefix)) {
    return false;
  }
  if (!match.from_peers.empty() && !contains(match.from_peers, route.from_peer)) return false;
  if (!match.sources.empty() && !contains(match.sources, route.source)) return false;
  if (match.origin && attributes.origin != match.origin) return false;
  if (match.local_pref && attributes.local_pref != match.local_pref) return false;
  if (match.ebgp_session && *match.ebgp_session != route.ebgp_session) return false;
  if (match.interface_glob && !glob_matches(*match.interface_glob, route.interface)) return false;
  return true;
}

PolicyOutcome apply_policy(const Policy& policy, const RouteContext& route,
                           PathAttributes& attributes) {
  PolicyOutcome outcome;
  for (const auto& term : policy.terms) {
    if (!matches(term.match, route, attributes)) continue;
    apply_actions(term.actions, route, attributes, outcome);
    if (term.verdict == Verdict::kContinue) continue;
    outcome.accepted = term.verdict == Verdict::kAccept;
    return outcome;
  }
  outcome.accepted = policy.default_verdict != Verdict::kReject;
  return outcome;
}

}  // namespace tabby::bgp
