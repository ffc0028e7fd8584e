#pragma once
// The decision process of RFC 4271 section 9.1.2 over the facts of each path, as a pure
// function. The RIB extracts the facts; tests drive it directly.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "tabby/bgp/path_attributes.h"
#include "tabby/common/ip.h"

namespace tabby::bgp {

// What the decision process looks at, per path. Defaults are those of a path with absent
// attributes from an iBGP peer.
struct PathFacts {
  bool local = false;  // originated by the owner: beats every learned path
  bool ebgp = false;   // learned from an eBGP peer
  std::uint32_t local_pref = 100;
  std::size_t as_path_length = 0;  // AsPath::length(): a SET counts 1
  Origin origin = Origin::kIgp;
  std::uint32_t neighbor_as = 0;  // first AS of AS_PATH, the local AS when it is empty
  std::uint32_t med = 0;          // an absent MED counts as 0 (RFC 4271 9.1.2.2 c)
  std::uint32_t router_id = 0;    // ORIGINATOR_ID when present (RFC 4456 9), else the peer's
  std::size_t cluster_list_length = 0;
  IpAddress peer_address;
  std::uint32_t path_id = 0;  // last resort between ADD-PATH paths of one peer
};

// The steps, in order, for naming which one decided.
enum class DecisionStep : std::uint8_t {
  kOnlyPath,
  kLocal,
  kLocalPref,
  kAsPathLength,
  kOrigin,
  kMed,
  kEbgpOverIbgp,
  kRouterId,
  kClusterListLength,
  kPeerAddress,
  kPathId,
};
std::string to_string(DecisionStep step);

struct Decision {
  std::size_t best = 0;  // index into the paths
  // The best and the paths equal to it up to and including the eBGP-over-iBGP step, best
  // first then in tie-break order, at most max_paths (so {best} when ECMP is off).
  std::vector<std::size_t> multipath;
  DecisionStep decided_by = DecisionStep::kOnlyPath;  // the step that left one path
};

// `paths` must not be empty. MED is compared only between paths with the same neighbor AS
// unless always_compare_med (the elimination of RFC 4271 9.1.2.2 c, which is not a total
// order, hence a procedure rather than a comparator).
Decision decide(std::span<const PathFacts> paths, bool always_compare_med, std::size_t max_paths);

}  // namespace tabby::bgp
