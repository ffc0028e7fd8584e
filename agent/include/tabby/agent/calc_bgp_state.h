#pragma once
// This node's desired BGP state, as confd's templates make BIRD's configuration
// (calico-bgp.md §2.3-2.5): the node-wide settings from BGPConfiguration and the Node, and
// the peer set: the node-to-node mesh, global and node-specific BGPPeers (peerIP or
// peerSelector, with the automatic reverse peerings), route-reflector clients. Pure: the
// caller maps the result onto the speaker and diffs it against what runs, so sessions whose
// settings did not change are left alone.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tabby/agent/calc_bgp_filters.h"
#include "tabby/agent/calc_inputs.h"
#include "tabby/common/ip.h"
#include "tabby/common/result.h"

namespace tabby::agent {

enum class PeerType { kNodeMesh, kGlobal, kNodeSpecific };
// As `calicoctl node status` prints it: "node-to-node mesh", "global", "node specific".
std::string_view peer_type_name(PeerType type);

enum class NextHopMode { kAuto, kSelf, kKeep };

struct DesiredPeer {
  // BIRD's protocol name, stable across recomputations: Mesh_10_0_0_2, Global_fd00__1,
  // Node_10_0_0_1_port_1790 ('.' and ':' become '_'; the port suffix when one was given).
  std::string key;
  PeerType type = PeerType::kNodeMesh;
  IpAddress address;
  std::uint16_t port = 179;
  std::uint32_t local_as = 64512;  // the node's AS, or the BGPPeer's localASNumber
  std::uint32_t remote_as = 64512;
  bool passive = false;                     // wait for the peer to connect
  std::optional<IpAddress> source_address;  // sourceAddress UseNodeIP; none: kernel's choice
  std::optional<std::string> password;      // TCP-MD5
  std::chrono::seconds restart_time{120};   // graceful restart time advertised
  std::optional<std::chrono::seconds> keepalive_time;
  NextHopMode next_hop = NextHopMode::kAuto;
  std::optional<int> ttl_security;  // GTSM hops; none: multihop with TTL 64
  std::optional<int> allowed_local_as;
  // This node reflects routes to the peer (BIRD's `rr client; rr cluster id <id>`).
  bool route_reflector_client = false;
  std::optional<IpAddress> rr_cluster_id;  // this node's cluster ID when it is a client
  std::string peer_node;                   // the Calico node at `address`, if any
  std::optional<IpAddress> reachable_by;   // install `address/32 via reachable_by`
  std::vector<PeerFilter> filters;         // in order, for this peer's family
  std::string origin;                      // "node-to-node mesh" or `BGPPeer "name"`

  IpFamily family() const { return address.family(); }
  bool ibgp() const { return local_as == remote_as; }

  friend bool operator==(const DesiredPeer&, const DesiredPeer&) = default;
};

struct PrefixAdvertisement {
  IpPrefix cidr;
  std::vector<std::string> communities;  // values ("aa:nn", "aa:nn:mm"), sorted, unique

  friend bool operator==(const PrefixAdvertisement&, const PrefixAdvertisement&) = default;
};

struct DesiredBgp {
  std::string node_name;
  std::optional<IpAddress> router_id;  // none: the node has no IPv4 address and no override
  std::uint32_t as_number = 64512;
  std::uint16_t listen_port = 179;
  // bindMode NodeIP: listen only on the node's address of each family.
  bool bind_node_ip = false;
  std::optional<IpAddress> address_v4, address_v6;
  std::optional<IpPrefix> subnet_v4, subnet_v6;
  std::string log_severity = "Info";
  std::optional<IpAddress> route_reflector_cluster_id;
  bool node_to_node_mesh = true;
  std::vector<PrefixAdvertisement> prefix_advertisements;
  std::vector<IpPrefix> service_cluster_ips, service_external_ips, service_load_balancer_ips;
  bool service_load_balancer_aggregation = true;
  std::vector<DesiredPeer> peers;  // sorted by key
  // Problems that do not stop the calculation: an unreadable secret, an unknown filter.
  std::vector<std::string> warnings;

  std::optional<IpAddress> address(IpFamily family) const {
    return family == IpFamily::kV4 ? address_v4 : address_v6;
  }
};

struct BgpCalcOptions {
  // CALICO_ROUTER_ID: an explicit address, or "hash" (router_id_from_hash); else the
  // node's IPv4 address.
  std::optional<IpAddress> router_id;
  bool router_id_from_hash = false;
};

// confd's hashToIPv4 for CALICO_ROUTER_ID=hash: the first four bytes of SHA-256(node name),
// the first byte lowered by 32 when above 223 (no multicast or reserved router IDs).
IpAddress hashed_router_id(std::string_view node_name);

// Fails only when the snapshot has no Node resource for snapshot.node_name.
Result<DesiredBgp> desired_bgp(const ClusterSnapshot& snapshot, const BgpCalcOptions& options = {});

// The prefixAdvertisements in effect on `node` (the node.<name> list replaces the default
// one), community names resolved against the communities defined (node level first).
std::vector<PrefixAdvertisement> prefix_advertisements(
    const std::vector<api::Resource>& configurations, std::string_view node);

// "Mesh_10_0_0_2", "Node_fd00__1_port_1790".
std::string peer_key(PeerType type, const IpAddress& address, std::optional<std::uint16_t> port);

}  // namespace tabby::agent
