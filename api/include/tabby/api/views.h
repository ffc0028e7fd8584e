#pragma once
// Typed views of the specs the agent and IPAM act on, with Calico's effective defaults
// applied (the ones Calico applies when it uses a resource, not when it stores it: BGP
// configuration without a `default` object means AS 64512 and the mesh on). A Resource is
// valid by construction, so these cannot fail; asking for the wrong kind is a programming
// error (std::logic_error).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tabby/api/resource.h"
#include "tabby/api/selector.h"
#include "tabby/api/values.h"
#include "tabby/common/ip.h"

namespace tabby::api {

enum class EncapMode { kNever, kAlways, kCrossSubnet };

struct IpPoolView {
  IpPrefix cidr;
  int block_size = 26;
  EncapMode ipip_mode = EncapMode::kNever;
  EncapMode vxlan_mode = EncapMode::kNever;
  bool nat_outgoing = false;
  bool disabled = false;
  bool disable_bgp_export = false;
  Selector node_selector;
  Selector namespace_selector;
  bool workload = true, tunnel = true, load_balancer = false;  // allowedUses
  bool manual_assignment = false;
};
IpPoolView ip_pool_view(const Resource& pool);

struct BgpPeerView {
  std::string node;                       // only this node gets the peering
  std::optional<Selector> node_selector;  // else these nodes; neither: every node
  std::optional<PeerAddress> peer_ip;
  std::optional<std::uint32_t> as_number;
  std::optional<Selector> peer_selector;
  std::optional<Selector> local_workload_selector;
  std::optional<std::uint32_t> local_as_number;
  bool keep_original_next_hop = false;
  std::string next_hop_mode = "Auto";
  std::optional<std::string> password_secret_name, password_secret_key;
  bool source_address_node_ip = true;  // sourceAddress UseNodeIP (default) vs None
  std::chrono::seconds max_restart_time{120};
  std::optional<std::chrono::seconds> keepalive_time;
  std::optional<int> num_allowed_local_as_numbers;
  std::optional<int> ttl_security;
  std::vector<std::string> filters;
  std::optional<IpAddress> reachable_by;
  bool reverse_peering_manual = false;

  bool global() const { return node.empty() && !node_selector; }
};
BgpPeerView bgp_peer_view(const Resource& peer);

struct BgpConfigurationView {
  std::string log_severity = "Info";
  bool node_to_node_mesh = true;
  std::uint32_t as_number = 64512;
  std::uint16_t listen_port = 179;
  bool bind_node_ip = false;
  std::vector<IpPrefix> service_cluster_ips, service_external_ips, service_load_balancer_ips;
  std::vector<std::string> ignored_interfaces;
  std::optional<std::chrono::seconds> node_mesh_max_restart_time;
  std::string program_cluster_routes = "Enabled";
  int ipv4_normal_route_priority = 1024;
  int ipv6_normal_route_priority = 1024;
};
// The effective configuration for `node`: Calico's defaults, then the `default` object,
// then `node.<node>` (which may set only the node-level fields). Other objects are ignored.
BgpConfigurationView bgp_configuration_view(const std::vector<Resource>& configurations,
                                            std::string_view node);

struct NodeBgpView {
  std::optional<IpPrefix> ipv4_subnet;  // ipv4Address "10.0.0.11/24" -> 10.0.0.0/24
  std::optional<IpAddress> ipv4_address;
  std::optional<IpPrefix> ipv6_subnet;
  std::optional<IpAddress> ipv6_address;
  std::optional<std::uint32_t> as_number;  // unset: the global AS applies
  std::optional<IpAddress> route_reflector_cluster_id;
  std::optional<IpAddress> ipv4_ipip_tunnel_addr;
  std::optional<IpAddress> ipv4_vxlan_tunnel_addr;
  std::string vxlan_tunnel_mac;
};
NodeBgpView node_bgp_view(const Resource& node);

// IPReservation.reservedCIDRs as prefixes (bare addresses become /32 or /128).
std::vector<IpPrefix> reserved_prefixes(const Resource& reservation);

}  // namespace tabby::api
