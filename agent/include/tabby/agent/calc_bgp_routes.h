#pragma once
// Kernel routes for the BGP backend, as BIRD's kernel export filter
// `calico_kernel_programming` and Calico's BIRD fork (krt_tunnel) write them
// (calico-bgp.md §2.7, calico-node.md §4.4-4.7): a learned path in an IPIP pool goes
// `via <next hop> dev tunl0 onlink` (CrossSubnet: only when the next hop is outside this
// node's subnet), any other learned path goes `via <next hop>`, this node's own blocks are
// blackholes. Learned routes inside VXLAN pools are left to the VXLAN calculation, those
// inside service ranges are never programmed. A BGPPeer's reachableBy becomes the static host
// route `peerIP/32 via reachableBy` of BIRD's static protocol, so the peer's address is never
// resolved through a BGP-learned route.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tabby/agent/calc_bgp_export.h"
#include "tabby/agent/calc_bgp_state.h"
#include "tabby/agent/calc_inputs.h"
#include "tabby/api/views.h"
#include "tabby/dataplane/interface_addresses.h"
#include "tabby/dataplane/route.h"

namespace tabby::agent {

// A best path the speaker selected for a prefix (several for ECMP).
struct LearnedPath {
  IpPrefix prefix;
  IpAddress next_hop;
  bool from_bgp = true;  // false: originated on this node (static, kernel, direct)
};

// A peer's reachableBy: `peer/32 (or /128) via gateway`.
struct PeerHostRoute {
  IpAddress peer;
  IpAddress gateway;
  friend bool operator==(const PeerHostRoute&, const PeerHostRoute&) = default;
  friend auto operator<=>(const PeerHostRoute&, const PeerHostRoute&) = default;
};

struct BgpRouteContext {
  std::optional<IpAddress> address_v4, address_v6;
  // The node's subnet (prefix of spec.bgp.ipv4Address): the CrossSubnet test. Without one,
  // no next hop counts as local, so CrossSubnet always tunnels.
  std::optional<IpPrefix> subnet_v4;
  std::vector<api::IpPoolView> pools;
  std::vector<IpPrefix> blackholes;     // BgpExport::blackholes
  std::vector<IpPrefix> kernel_reject;  // BgpExport::kernel_reject
  // The NICs holding the node's IPv4 and IPv6 addresses, for direct routes of that family;
  // empty: the kernel picks it from the gateway (which must then be on a connected subnet).
  std::string parent_interface;
  std::string parent_interface_v6;
  std::uint32_t ipip_mtu = 0;  // 0: no route MTU
  // The desired peers' reachableBy routes (unique, sorted), and the host's interfaces the
  // gateways are found on (the agent lists them only when there are such routes).
  std::vector<PeerHostRoute> peer_host_routes;
  std::vector<dataplane::HostInterface> interfaces;
  // v3.32's BIRD writes learned routes with metric = the normal route priority.
  std::uint32_t metric_v4 = 1024, metric_v6 = 1024;
};

BgpRouteContext bgp_route_context(const ClusterSnapshot& snapshot, const DesiredBgp& bgp,
                                  const BgpExport& exports);

struct PathDecision {
  enum class Kind { kIpip, kDirect, kNotProgrammed };
  Kind kind = Kind::kNotProgrammed;
  dataplane::NextHop next_hop;
  std::string reason;
};

PathDecision decide_path(const BgpRouteContext& context, const LearnedPath& path);

// The up interface with an address whose subnet holds `gateway` (the first, in the order
// given), else "": how BIRD resolves a static route's `via` to a device.
std::string connected_interface(const IpAddress& gateway,
                                const std::vector<dataplane::HostInterface>& interfaces);

// The routes the BGP backend wants whatever is learned: this node's blocks as blackholes
// and the peers' reachableBy host routes; proto bird, sorted by prefix. They win over a
// learned route for the same destination, as BIRD's static routes do (preference 200 over
// 100).
std::vector<dataplane::Route> bgp_static_routes(const BgpRouteContext& context);

// The kernel route for one learned prefix from the paths selected for it (ECMP when several
// are programmed), or none when no path is programmed (see decide_path). The paths are all
// the prefix's: a change of the Loc-RIB for one prefix costs one call.
std::optional<dataplane::Route> learned_route(const BgpRouteContext& context,
                                              const IpPrefix& prefix,
                                              const std::vector<LearnedPath>& paths);

// What of the context learned_route reads: when it is unchanged by a datastore change, the
// learned routes are too, and the agent need not derive them again from the whole table.
struct LearnedRouteInputs {
  struct Pool {
    IpPrefix cidr;
    api::EncapMode ipip = api::EncapMode::kNever;
    api::EncapMode vxlan = api::EncapMode::kNever;
    bool disabled = false;
    friend bool operator==(const Pool&, const Pool&) = default;
  };
  std::optional<IpAddress> address_v4, address_v6;
  std::optional<IpPrefix> subnet_v4;
  std::vector<Pool> pools;
  std::vector<IpPrefix> blackholes, kernel_reject;
  std::string parent_interface, parent_interface_v6;
  std::uint32_t ipip_mtu = 0, metric_v4 = 0, metric_v6 = 0;
  friend bool operator==(const LearnedRouteInputs&, const LearnedRouteInputs&) = default;
};
LearnedRouteInputs learned_route_inputs(const BgpRouteContext& context);

// Every route the BGP backend wants in the kernel: the static routes, then one route per
// learned prefix that no static route holds; sorted by prefix.
std::vector<dataplane::Route> bgp_routes(const BgpRouteContext& context,
                                         const std::vector<LearnedPath>& paths);

}  // namespace tabby::agent
