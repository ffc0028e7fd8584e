#include "tabby/bgp/as4_path.h"

#include <algorithm>

namespace tabby::bgp {
namespace {

bool is_confederation(const AsSegment& s) {
  return s.type == AsSegmentType::kConfedSequence || s.type == AsSegmentType::kConfedSet;
}

AsPath without_confederation(const AsPath& path) {
  AsPath out;
  for (const auto& s : path.segments)
    if (!is_confederation(s)) out.segments.push_back(s);
  return out;
}

void append(AsPath& path, const AsSegment& segment) {
  if (!path.segments.empty() && path.segments.back().type == AsSegmentType::kSequence &&
      segment.type == AsSegmentType::kSequence) {
    auto& asns = path.segments.back().asns;
    asns.insert(asns.end(), segment.asns.begin(), segment.asns.end());
  } else {
    path.segments.push_back(segment);
  }
}

}  // namespace

AsPath merge_as4_path(const AsPath& as_path, const AsPath& received_as4_path) {
  // Confederation segments have no place in AS4_PATH (RFC 6793 section 3); drop them.
  const AsPath as4_path = without_confederation(received_as4_path);
  const std::size_t n = as_path.length();
  const std::size_t m = as4_path.length();
  // A longer AS4_PATH than AS_PATH means some speaker did not update it: ignore it.
  if (n < m) return as_path;

  std::size_t needed = n - m;
  AsPath merged;
  bool took_previous = false;
  for (std::size_t i = 0; i < as_path.segments.size(); ++i) {
    const auto& segment = as_path.segments[i];
    if (is_confederation(segment)) {
      // Kept when leading or next to a segment that was taken (section 4.2.3).
      if (i == 0 || took_previous || needed > 0) {
        merged.segments.push_back(segment);
        took_previous = true;
        continue;
      }
      break;
    }
    if (needed == 0) break;
    if (segment.type == AsSegmentType::kSet) {
      merged.segments.push_back(segment);
      needed -= 1;
    } else {
      const std::size_t take = std::min(needed, segment.asns.size());
      merged.segments.push_back(AsSegment{
          segment.type,
          std::vector<std::uint32_t>(segment.asns.begin(),
                                     segment.asns.begin() + static_cast<std::ptrdiff_t>(take))});
      needed -= take;
    }
    took_previous = true;
  }
  for (const auto& segment : as4_path.segments)
    append(merged, segment);
  return merged;
}

PathAttributes to_two_octet_peer(const PathAttributes& attributes) {
  PathAttributes out = attributes;
  out.as4_path.reset();
  out.as4_aggregator.reset();
  if (attributes.as_path) {
    bool replaced = false;
    for (auto& segment : out.as_path->segments) {
      for (auto& as : segment.asns) {
        if (as > 0xFFFF) {
          as = kAsTrans;
          replaced = true;
        }
      }
    }
    if (replaced) out.as4_path = without_confederation(*attributes.as_path);
  }
  if (attributes.aggregator && attributes.aggregator->as > 0xFFFF) {
    out.aggregator->as = kAsTrans;
    out.as4_aggregator = attributes.aggregator;
  }
  return out;
}

PathAttributes from_two_octet_peer(const PathAttributes& attributes) {
  PathAttributes out = attributes;
  out.as4_path.reset();
  out.as4_aggregator.reset();
  // Section 4.2.3: an AGGREGATOR with a real 2-octet AS means the AS4_* attributes are stale.
  if (attributes.aggregator && attributes.aggregator->as != kAsTrans) return out;
  if (attributes.aggregator && attributes.as4_aggregator)
    out.aggregator = attributes.as4_aggregator;
  if (attributes.as_path && attributes.as4_path) {
    out.as_path = merge_as4_path(*attributes.as_path, *attributes.as4_path);
  }
  return out;
}

}  // namespace tabby::bgp
