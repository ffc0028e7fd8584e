#pragma once
// The text bgp-peer prints: one line per peer, then one per Loc-RIB prefix, with the
// attributes it has among MED, communities (ASN:value, comma-separated), large communities,
// ORIGINATOR_ID and CLUSTER_LIST (RFC 4456), and "stale" for a route kept through a graceful
// restart (RFC 4724).
//   peer bird 10.0.0.2 Established received=1 accepted=1 advertised=1 refused=0
//     collisions-lost=0 error="..."  (refused: the peer's connections not taken, but for a
//     collision's loser)
//   route 10.202.0.0/24 via 10.0.0.2 peer 10.0.0.2 as-path 65002 local-pref 100
//   route 10.203.0.0/24 via 10.0.0.3 peer 10.0.0.2 as-path - local-pref 200 communities
//       65000:42,no-export originator-id 10.0.0.3 cluster-list 10.255.0.2 stale  (one line)
//   route 10.100.0.0/24 local
// Then, when `paths` is given (bgp-peer --all-paths), for prefixes with more than one path
// (ADD-PATH peers, several peers), every path,
// best first, with the path identifier it came with (0 without ADD-PATH):
//   path 10.50.0.0/24 path-id 2 via 10.0.0.3 peer 10.0.0.2 as-path 65002 65003 local-pref 100

#include <string>
#include <utility>
#include <vector>

#include "tabby/bgp/speaker.h"

namespace tabby::bgp_peer {

std::string format_rib(
    const std::vector<bgp::PeerStatus>& peers,
    const std::vector<std::pair<IpPrefix, bgp::RoutePath>>& loc_rib,
    const std::vector<std::pair<IpPrefix, std::vector<bgp::RoutePath>>>& paths = {});

}  // namespace tabby::bgp_peer
