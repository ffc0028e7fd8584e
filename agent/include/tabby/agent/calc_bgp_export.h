#pragma once
// What this node advertises, as Calico's export filter `calico_export_to_bgp_peers` and the
// BIRD static protocol decide it (calico-bgp.md §2.6, §2.10): the policy as data, a pure
// decision for any route the speaker considers exporting (originated or reflected), and the
// set of prefixes this node originates (its blocks, borrowed addresses, service ranges).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tabby/agent/calc_bgp_state.h"
#include "tabby/agent/calc_inputs.h"
#include "tabby/common/ip.h"

namespace tabby::agent {

// The inputs of Calico's export filter, first match wins in this order:
struct ExportPolicy {
  std::vector<IpPrefix> export_disabled_pools;  // a. disableBGPExport pools: reject within
  // b. on iBGP sessions, routes through a tunnel device (tunl0, *.cali, *.calico): reject
  std::vector<PrefixAdvertisement> prefix_advertisements;  // d. add communities, go on
  std::vector<IpPrefix> aggregated_blocks;         // e. confirmed affine blocks: the block itself
                                                   //    only (and elevated-priority more-specifics)
  std::vector<IpPrefix> static_routes;             // f. service ranges this node originates
  std::vector<IpPrefix> reflected_service_ranges;  // g. on a route reflector: LB/external IPs
  std::vector<IpPrefix> pools;                     // h. every other pool: accept within
  std::uint32_t normal_route_priority_v4 = 1024, normal_route_priority_v6 = 1024;
  // i. anything else: reject
};

struct ExportCandidate {
  IpPrefix prefix;
  bool learned_from_bgp = false;        // reflected / re-advertised rather than originated here
  std::string interface;                // the route's outgoing device, if any
  bool ibgp_session = true;             // the session the route would be exported on
  std::optional<std::uint32_t> metric;  // none: the normal route priority
};

struct ExportDecision {
  bool accept = false;
  std::vector<std::string> communities;  // added on export (prefixAdvertisements)
  std::string reason;                    // which rule decided, for logs and tests
};

ExportDecision decide_export(const ExportPolicy& policy, const ExportCandidate& candidate);

enum class ExportOrigin {
  kAffineBlock,
  kBorrowedAddress,
  kServiceClusterIps,
  kServiceExternalIps,
  kServiceLoadBalancerIps,
};

struct OriginatedPrefix {
  IpPrefix prefix;
  ExportOrigin origin = ExportOrigin::kAffineBlock;
  std::vector<std::string> communities;
  // The route's device as Calico's BIRD would see it, for BGPFilter `interface`: a borrowed
  // address is a local workload's /32 through its cali* interface; blocks and service
  // ranges are blackholes, without one ("").
  std::string interface = {};

  friend bool operator==(const OriginatedPrefix&, const OriginatedPrefix&) = default;
};

struct BgpExport {
  ExportPolicy policy;
  // What this node originates and the policy lets out, sorted by prefix.
  std::vector<OriginatedPrefix> advertised;
  // BIRD's static protocol: a blackhole per affine block (confirmed or pending deletion;
  // not /32 or /128 blocks) and per service range this node advertises.
  std::vector<IpPrefix> blackholes;
  // Learned routes inside these are never programmed into the kernel (rejectcidrs: the
  // service ranges, even on a node excluded from advertising them).
  std::vector<IpPrefix> kernel_reject;
};

// `bgp` is desired_bgp()'s result for snapshot.node_name.
BgpExport bgp_export(const ClusterSnapshot& snapshot, const DesiredBgp& bgp);

// Addresses allocated to `node` from blocks that are not affine to it, as host prefixes
// (tunnel addresses excluded: they are not workload routes), sorted.
std::vector<IpPrefix> borrowed_addresses(const std::vector<api::AllocationBlock>& blocks,
                                         std::string_view node);

inline constexpr const char* kExcludeFromLoadBalancersLabel =
    "node.kubernetes.io/exclude-from-external-load-balancers";

}  // namespace tabby::agent
