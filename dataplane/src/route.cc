#include "tabby/dataplane/route.h"

#include <fmt/format.h>

#include <algorithm>

namespace tabby::dataplane {

Route Route::normalized() const {
  Route route = *this;
  if (route.destination.family() == IpFamily::kV6) {
    if (route.metric == 0) route.metric = 1024;
    // IPv6 routes have no scope in the kernel; they always read back as universe.
    route.scope = RouteScope::kUniverse;
  }
  if (route.type == RouteType::kBlackhole) route.next_hops.clear();
  if (route.next_hops.size() > 1) std::sort(route.next_hops.begin(), route.next_hops.end());
  return route;
}

std::string Route::to_string() const {
  std::string text = type == RouteType::kBlackhole ? "blackhole " : "";
  text += destination.to_string();
  for (const auto& hop : next_hops) {
    if (next_hops.size() > 1) text += " nexthop";
    if (hop.gateway) text += " via " + hop.gateway->to_string();
    if (!hop.device.empty()) text += " dev " + hop.device;
    if (hop.onlink) text += " onlink";
    if (next_hops.size() > 1) text += fmt::format(" weight {}", hop.weight);
  }
  if (table != kMainTable) text += fmt::format(" table {}", table);
  text += fmt::format(" proto {}", protocol);
  if (scope == RouteScope::kLink) text += " scope link";
  if (metric) text += fmt::format(" metric {}", metric);
  if (mtu) text += fmt::format(" mtu {}", mtu);
  if (source) text += " src " + source->to_string();
  return text;
}

Route workload_route(const IpAddress& pod, const std::string& interface) {
  Route route;
  route.destination = IpPrefix::host(pod);
  route.protocol = kProtoBoot;
  route.scope = RouteScope::kLink;
  route.next_hops = {NextHop{.device = interface}};
  return route;
}

Route blackhole_route(const IpPrefix& block) {
  Route route;
  route.destination = block;
  route.type = RouteType::kBlackhole;
  return route;
}

Route direct_route(const IpPrefix& block, const IpAddress& node, const std::string& interface,
                   std::uint8_t protocol) {
  Route route;
  route.destination = block;
  route.protocol = protocol;
  route.next_hops = {NextHop{.gateway = node, .device = interface}};
  return route;
}

Route ipip_route(const IpPrefix& block, const IpAddress& node, std::uint32_t mtu,
                 std::uint8_t protocol) {
  Route route;
  route.destination = block;
  route.protocol = protocol;
  route.mtu = mtu;
  route.next_hops = {NextHop{.gateway = node, .device = kIpipDevice, .onlink = true}};
  return route;
}

Route vxlan_route(const IpPrefix& block, const IpAddress& vtep, std::uint32_t mtu) {
  Route route;
  route.destination = block;
  route.mtu = mtu;
  route.next_hops = {NextHop{
      .gateway = vtep, .device = vtep.is_v4() ? kVxlanDevice : kVxlanV6Device, .onlink = true}};
  return route;
}

Route ecmp_route(const IpPrefix& block, std::vector<NextHop> next_hops, std::uint8_t protocol) {
  Route route;
  route.destination = block;
  route.protocol = protocol;
  route.next_hops = std::move(next_hops);
  return route;
}

}  // namespace tabby::dataplane
