#include "tabby/bgp/path_attributes.h"

#include <algorithm>

namespace tabby::bgp {

// Confederation segments count 0 as RFC 5065 section 5.3 has it inside a confederation;
// tabby is in none, so received paths never hold them (the RIB treats them as withdrawn).
std::size_t AsPath::length() const {
  std::size_t n = 0;
  for (const auto& s : segments) {
    if (s.type == AsSegmentType::kSequence) n += s.asns.size();
    if (s.type == AsSegmentType::kSet) n += 1;
  }
  return n;
}

bool PathAttributes::has_community(Community community) const {
  return std::find(communities.begin(), communities.end(), community) != communities.end();
}

bool operator==(const PathAttributes& a, const PathAttributes& b) {
  return a.origin == b.origin && a.as_path == b.as_path && a.next_hop == b.next_hop &&
         a.med == b.med && a.local_pref == b.local_pref &&
         a.atomic_aggregate == b.atomic_aggregate && a.aggregator == b.aggregator &&
         a.communities == b.communities && a.originator_id == b.originator_id &&
         a.cluster_list == b.cluster_list && a.mp_reach == b.mp_reach &&
         a.mp_unreach == b.mp_unreach && a.as4_path == b.as4_path &&
         a.as4_aggregator == b.as4_aggregator && a.large_communities == b.large_communities &&
         a.unknown == b.unknown;
}

PathAttributes attributes_to_pass_on(const PathAttributes& received) {
  PathAttributes out = received;
  out.placement.clear();
  out.unknown.clear();
  for (auto u : received.unknown) {
    if (!u.optional() || !u.transitive()) continue;
    u.flags |= attr_flag::kPartial;
    out.unknown.push_back(std::move(u));
  }
  return out;
}

}  // namespace tabby::bgp
