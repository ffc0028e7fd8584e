#include "tabby/bgp/path_attributes.h"

#include <algorithm>

namespace tabby::bgp {

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
