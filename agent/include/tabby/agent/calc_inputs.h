#pragma once
// What the agent's calculation reads: a snapshot of the datastore as typed values. Every
// calc_* function is pure over these; the agent's watch loop keeps a snapshot current and
// recomputes from scratch on any change (as confd does), then diffs the results.

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tabby/api/ipam_records.h"
#include "tabby/api/resource.h"
#include "tabby/api/selector.h"
#include "tabby/api/views.h"
#include "tabby/common/ip.h"

namespace tabby::agent {

// Secret values the caller has resolved: (secret name, key) -> value. BGPPeer.password and
// BGPConfiguration.nodeMeshPassword refer to these; a missing entry means "unreadable".
using SecretValues = std::map<std::pair<std::string, std::string>, std::string>;

// A BlockAffinity record (/calico/ipam/v2/host/<node>/<family>/block/<cidr>).
struct AffinityRecord {
  std::string node;
  IpPrefix cidr;
  api::AffinityState state = api::AffinityState::kConfirmed;
};

struct ClusterSnapshot {
  std::string node_name;  // this node
  std::vector<api::Resource> nodes;
  std::vector<api::Resource> ip_pools;
  std::vector<api::Resource> bgp_peers;
  std::vector<api::Resource> bgp_configurations;
  std::vector<api::Resource> bgp_filters;
  SecretValues secrets;
  std::vector<AffinityRecord> affinities;
  std::vector<api::AllocationBlock> blocks;
  // This node's workload addresses (/32, /128) and the cali* interface each is routed through.
  std::map<IpPrefix, std::string> workload_interfaces;
};

// A Node resource as the calculation uses it.
struct CalcNode {
  std::string name;
  api::Labels labels;
  api::NodeBgpView bgp;
  std::optional<IpAddress> ipv6_vxlan_tunnel_addr;  // spec.ipv6VXLANTunnelAddr
  std::string vxlan_tunnel_mac_v6;                  // spec.vxlanTunnelMACAddrV6

  // The node's BGP address / subnet of a family (spec.bgp.ipv4Address / ipv6Address).
  std::optional<IpAddress> address(IpFamily family) const;
  std::optional<IpPrefix> subnet(IpFamily family) const;
  std::optional<IpAddress> vxlan_tunnel_address(IpFamily family) const;
  // spec.vxlanTunnelMACAddr(V6), else Calico's deterministic MAC from the node name.
  std::string vxlan_mac(IpFamily family) const;
  // spec.bgp.asNumber, else the cluster-wide AS.
  std::uint32_t as_number(std::uint32_t global_as) const {
    return bgp.as_number.value_or(global_as);
  }
  bool route_reflector() const { return bgp.route_reflector_cluster_id.has_value(); }
};

CalcNode calc_node(const api::Resource& node);
// Sorted by name.
std::vector<CalcNode> calc_nodes(const std::vector<api::Resource>& nodes);
const CalcNode* find_node(const std::vector<CalcNode>& nodes, std::string_view name);

std::vector<api::IpPoolView> pool_views(const std::vector<api::Resource>& pools);
// The most specific pool whose CIDR contains `prefix`, or null.
const api::IpPoolView* pool_containing(const std::vector<api::IpPoolView>& pools,
                                       const IpPrefix& prefix);

// Blocks with affinity to `node` whose affinity records are in one of `states`
// (from the BlockAffinity records), sorted.
std::vector<IpPrefix> affine_blocks(const std::vector<AffinityRecord>& affinities,
                                    std::string_view node,
                                    std::initializer_list<api::AffinityState> states);

// A /32 or /128: no blackhole for such a block, and not a range to advertise whole.
inline bool is_host_prefix(const IpPrefix& prefix) {
  return prefix.length() == prefix.address().bit_length();
}

// Whether `prefix` lies inside one of `ranges` (of its family).
bool inside_any(const std::vector<IpPrefix>& ranges, const IpPrefix& prefix);

// An allocated address of an IPAM block and the node it was allocated to (the `node`
// attribute; empty when the allocation has none).
struct Allocation {
  IpAddress address;
  std::string node;
  bool tunnel = false;  // a tunnel device's address (IPIP, VXLAN, WireGuard), not a workload's
};
std::vector<Allocation> allocations(const api::AllocationBlock& block);

// "10.0.0.0/24" or a bare address (a host prefix): the form Calico's CIDR fields accept.
IpPrefix prefix_or_host(const std::string& text);

}  // namespace tabby::agent
