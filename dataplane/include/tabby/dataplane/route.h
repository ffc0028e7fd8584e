#pragma once
// Routes as tabby wants them in the kernel, and as it reads them back: plain values, so the
// planner and the reconciler are pure and the netlink layer only translates.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tabby/common/ip.h"

namespace tabby::dataplane {

// Route protocols (rtm_protocol). Calico's numbers, so tabby can adopt a running
// calico-node's routes in place (../shared/reference/calico-node.md §4.2).
inline constexpr std::uint8_t kProtoBoot = 3;     // workload routes (Felix's DeviceRouteProtocol)
inline constexpr std::uint8_t kProtoBird = 12;    // BGP-learned routes (BIRD's kernel protocol)
inline constexpr std::uint8_t kProtoFelix = 80;   // blackholes, tunnel and same-subnet routes
inline constexpr std::uint32_t kMainTable = 254;  // RT_TABLE_MAIN

enum class RouteType : std::uint8_t { kUnicast, kBlackhole };
enum class RouteScope : std::uint8_t { kUniverse, kLink };

struct NextHop {
  std::optional<IpAddress> gateway;
  std::string device;  // empty: the kernel picks it from the gateway
  bool onlink = false;
  int weight = 1;  // ECMP weight, 1-256

  friend bool operator==(const NextHop&, const NextHop&) = default;
  friend auto operator<=>(const NextHop&, const NextHop&) = default;
};

// Identity of a route in the kernel: Felix's (table, CIDR, metric) index.
struct RouteKey {
  std::uint32_t table = kMainTable;
  IpPrefix destination;
  std::uint32_t metric = 0;

  friend bool operator==(const RouteKey&, const RouteKey&) = default;
  friend auto operator<=>(const RouteKey&, const RouteKey&) = default;
};

struct Route {
  std::uint32_t table = kMainTable;
  IpPrefix destination;
  // IPv6 routes without a metric get 1024 from the kernel; normalized() makes that explicit.
  std::uint32_t metric = 0;
  RouteType type = RouteType::kUnicast;
  std::uint8_t protocol = kProtoFelix;
  RouteScope scope = RouteScope::kUniverse;
  // One next hop for an ordinary route, several for ECMP, none for a blackhole.
  std::vector<NextHop> next_hops;
  std::uint32_t mtu = 0;  // 0: none (RTAX_MTU unset)
  std::optional<IpAddress> source;

  RouteKey key() const { return {table, destination, metric}; }
  // The form the kernel reports back (IPv6 default metric, sorted ECMP next hops, no
  // device on blackholes), so a desired route and its dumped copy compare equal.
  Route normalized() const;
  std::string to_string() const;

  friend bool operator==(const Route&, const Route&) = default;
};

// The route kinds tabby programs (../shared/reference/calico-node.md §4.3-4.7).

// A local pod: <ip>/32 (or /128) dev caliX scope link, proto boot.
Route workload_route(const IpAddress& pod, const std::string& interface);
// A block affine to this node: blackhole <block>, so unused addresses in it go nowhere.
Route blackhole_route(const IpPrefix& block);
// A remote block reached directly over a shared subnet (BGP without encapsulation, or
// CrossSubnet within the subnet): <block> via <node IP> dev <NIC>.
Route direct_route(const IpPrefix& block, const IpAddress& node, const std::string& interface,
                   std::uint8_t protocol = kProtoFelix);
// A remote block over IPIP: <block> via <node IP> dev tunl0 onlink.
Route ipip_route(const IpPrefix& block, const IpAddress& node, std::uint32_t mtu = 0,
                 std::uint8_t protocol = kProtoFelix);
// A remote block over VXLAN: <block> via <remote VTEP IP> dev vxlan.calico onlink.
Route vxlan_route(const IpPrefix& block, const IpAddress& vtep, std::uint32_t mtu = 0);
// A remote block over several paths at once.
Route ecmp_route(const IpPrefix& block, std::vector<NextHop> next_hops,
                 std::uint8_t protocol = kProtoBird);

inline constexpr const char* kIpipDevice = "tunl0";
inline constexpr const char* kVxlanDevice = "vxlan.calico";
inline constexpr const char* kVxlanV6Device = "vxlan-v6.calico";

}  // namespace tabby::dataplane
