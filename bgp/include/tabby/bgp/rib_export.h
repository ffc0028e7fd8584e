#pragma once
// What a route becomes toward a peer (RFC 4271 5.1 and 9.1.3, RFC 4456 for reflection,
// RFC 1997 well-known communities, RFC 6793 for 2-octet peers), as a pure function. The RIB
// applies it per update group to the best path of each prefix.

#include <cstdint>
#include <optional>
#include <string_view>

#include "tabby/bgp/path_attributes.h"
#include "tabby/bgp/policy.h"
#include "tabby/bgp/rib_types.h"

namespace tabby::bgp {

// Where the route came from.
struct ExportSource {
  PeerId peer = kLocalPeer;
  RouteSource source = RouteSource::kLocal;
  bool route_reflector_client = false;  // the source peer is our client
  IpAddress router_id;                  // the source peer's BGP identifier
  std::string_view interface = {};      // a local route's LocalRoute::interface
};

// The peers it goes to (an update group): everything here must be equal for them.
struct ExportTarget {
  bool ebgp = false;
  std::uint32_t local_as = 0;
  bool route_reflector_client = false;
  NextHopMode next_hop = NextHopMode::kAuto;
  LocalAddresses local;
  const Policy* policy = nullptr;  // export policy; null = accept all
  bool four_octet_as = true;       // false: AS_TRANS and AS4_PATH (RFC 6793)
};

struct ExportRules {
  IpAddress cluster_id;  // prepended to CLUSTER_LIST when reflecting
  std::uint32_t default_local_pref = 100;
};

// The attributes to send for `prefix`, or none when the route is not to be advertised there:
// NO_ADVERTISE, NO_EXPORT (and NO_EXPORT_SUBCONFED) toward eBGP, iBGP-learned toward iBGP
// unless reflected (client routes to everyone, non-client routes to clients only), export
// policy rejects, or no local address of the prefix's family to use as next hop. The next hop
// is in NEXT_HOP for IPv4 prefixes and in an MP_REACH_NLRI without NLRI for IPv6 ones.
std::optional<PathAttributes> export_route(const IpPrefix& prefix, const PathAttributes& route,
                                           const ExportSource& source, const ExportTarget& target,
                                           const ExportRules& rules);

// The next hop a stored route carries: NEXT_HOP, or MP_REACH_NLRI's (and its link-local).
std::optional<IpAddress> next_hop_of(const PathAttributes& attributes);

}  // namespace tabby::bgp
