#include "tabby/agent/calc_bgp_routes.h"

#include <algorithm>
#include <map>

namespace tabby::agent {
namespace {

PathDecision skip(std::string reason) {
  return {.kind = PathDecision::Kind::kNotProgrammed, .next_hop = {}, .reason = std::move(reason)};
}

}  // namespace

BgpRouteContext bgp_route_context(const ClusterSnapshot& snapshot, const DesiredBgp& bgp,
                                  const BgpExport& exports) {
  BgpRouteContext context;
  context.address_v4 = bgp.address_v4;
  context.address_v6 = bgp.address_v6;
  context.subnet_v4 = bgp.subnet_v4;
  context.pools = pool_views(snapshot.ip_pools);
  context.blackholes = exports.blackholes;
  context.kernel_reject = exports.kernel_reject;
  const auto config = api::bgp_configuration_view(snapshot.bgp_configurations, bgp.node_name);
  context.metric_v4 = static_cast<std::uint32_t>(config.ipv4_normal_route_priority);
  context.metric_v6 = static_cast<std::uint32_t>(config.ipv6_normal_route_priority);
  for (const DesiredPeer& peer : bgp.peers) {
    if (peer.reachable_by && peer.reachable_by->family() == peer.address.family())
      context.peer_host_routes.push_back({peer.address, *peer.reachable_by});
  }
  std::sort(context.peer_host_routes.begin(), context.peer_host_routes.end());
  context.peer_host_routes.erase(
      std::unique(context.peer_host_routes.begin(), context.peer_host_routes.end()),
      context.peer_host_routes.end());
  return context;
}

std::string connected_interface(const IpAddress& gateway,
                                const std::vector<dataplane::HostInterface>& interfaces) {
  for (const dataplane::HostInterface& interface : interfaces) {
    if (!interface.up || interface.loopback) continue;
    for (const dataplane::HostAddress& address : interface.addresses) {
      if (address.address.family() != gateway.family()) continue;
      if (address.prefix_length < 0 || address.prefix_length > address.address.bit_length())
        continue;
      if (IpPrefix(address.address, address.prefix_length).contains(gateway)) return interface.name;
    }
  }
  return "";
}

PathDecision decide_path(const BgpRouteContext& context, const LearnedPath& path) {
  const IpPrefix& prefix = path.prefix;
  if (!path.from_bgp) return skip("originated on this node");
  const auto own = prefix.family() == IpFamily::kV4 ? context.address_v4 : context.address_v6;
  if (own == path.next_hop) return skip("the next hop is this node");
  if (inside_any(context.kernel_reject, prefix)) return skip("inside a service range");
  // BIRD prefers its static blackhole (preference 200) over a BGP route (100) for the block.
  if (std::find(context.blackholes.begin(), context.blackholes.end(), prefix) !=
      context.blackholes.end()) {
    return skip("one of this node's blocks, which stays a blackhole");
  }
  const api::IpPoolView* pool = pool_containing(context.pools, prefix);
  if (pool && pool->vxlan_mode != api::EncapMode::kNever) {
    return skip("inside a VXLAN pool, routed from IPAM by the VXLAN calculation");
  }
  const dataplane::NextHop direct{.gateway = path.next_hop,
                                  .device = prefix.family() == IpFamily::kV4
                                                ? context.parent_interface
                                                : context.parent_interface_v6};
  if (pool && prefix.family() == IpFamily::kV4) {
    const bool same_subnet = context.subnet_v4 && context.subnet_v4->contains(path.next_hop);
    const bool tunnel = pool->ipip_mode == api::EncapMode::kAlways ||
                        (pool->ipip_mode == api::EncapMode::kCrossSubnet && !same_subnet);
    if (tunnel) {
      return {
          .kind = PathDecision::Kind::kIpip,
          .next_hop = {.gateway = path.next_hop, .device = dataplane::kIpipDevice, .onlink = true},
          .reason = pool->ipip_mode == api::EncapMode::kAlways
                        ? "IPIP pool (Always)"
                        : "IPIP pool (CrossSubnet), next hop outside this node's subnet"};
    }
    if (pool->ipip_mode == api::EncapMode::kCrossSubnet) {
      return {.kind = PathDecision::Kind::kDirect,
              .next_hop = direct,
              .reason = "IPIP pool (CrossSubnet), next hop inside this node's subnet"};
    }
  }
  return {.kind = PathDecision::Kind::kDirect,
          .next_hop = direct,
          .reason = pool ? "pool without encapsulation" : "outside every pool"};
}

std::vector<dataplane::Route> bgp_static_routes(const BgpRouteContext& context) {
  std::map<IpPrefix, dataplane::Route> routes;
  for (const auto& block : context.blackholes) {
    auto route = dataplane::blackhole_route(block);
    route.protocol = dataplane::kProtoBird;
    routes[block] = std::move(route);
  }
  for (const PeerHostRoute& host : context.peer_host_routes) {
    const IpPrefix prefix = IpPrefix::host(host.peer);
    auto route = dataplane::direct_route(prefix, host.gateway,
                                         connected_interface(host.gateway, context.interfaces),
                                         dataplane::kProtoBird);
    route.metric = prefix.family() == IpFamily::kV4 ? context.metric_v4 : context.metric_v6;
    routes[prefix] = std::move(route);
  }
  std::vector<dataplane::Route> out;
  out.reserve(routes.size());
  for (auto& [prefix, route] : routes)
    out.push_back(std::move(route));
  return out;
}

std::optional<dataplane::Route> learned_route(const BgpRouteContext& context,
                                              const IpPrefix& prefix,
                                              const std::vector<LearnedPath>& paths) {
  std::vector<dataplane::NextHop> hops;
  bool ipip = false;
  for (const LearnedPath& path : paths) {
    PathDecision decision = decide_path(context, path);
    if (decision.kind == PathDecision::Kind::kNotProgrammed) continue;
    hops.push_back(std::move(decision.next_hop));
    ipip = ipip || decision.kind == PathDecision::Kind::kIpip;
  }
  if (hops.empty()) return std::nullopt;
  std::sort(hops.begin(), hops.end());
  hops.erase(std::unique(hops.begin(), hops.end()), hops.end());
  auto route = dataplane::ecmp_route(prefix, std::move(hops), dataplane::kProtoBird);
  route.metric = prefix.family() == IpFamily::kV4 ? context.metric_v4 : context.metric_v6;
  if (ipip) route.mtu = context.ipip_mtu;
  return route;
}

LearnedRouteInputs learned_route_inputs(const BgpRouteContext& context) {
  LearnedRouteInputs inputs{.address_v4 = context.address_v4,
                            .address_v6 = context.address_v6,
                            .subnet_v4 = context.subnet_v4,
                            .pools = {},
                            .blackholes = context.blackholes,
                            .kernel_reject = context.kernel_reject,
                            .parent_interface = context.parent_interface,
                            .parent_interface_v6 = context.parent_interface_v6,
                            .ipip_mtu = context.ipip_mtu,
                            .metric_v4 = context.metric_v4,
                            .metric_v6 = context.metric_v6};
  for (const api::IpPoolView& pool : context.pools)
    inputs.pools.push_back({pool.cidr, pool.ipip_mode, pool.vxlan_mode, pool.disabled});
  return inputs;
}

std::vector<dataplane::Route> bgp_routes(const BgpRouteContext& context,
                                         const std::vector<LearnedPath>& paths) {
  std::map<IpPrefix, dataplane::Route> routes;
  for (auto& route : bgp_static_routes(context))
    routes.emplace(route.destination, std::move(route));
  std::map<IpPrefix, std::vector<LearnedPath>> learned;
  for (const LearnedPath& path : paths)
    learned[path.prefix].push_back(path);
  for (const auto& [prefix, prefix_paths] : learned) {
    if (routes.contains(prefix)) continue;
    if (auto route = learned_route(context, prefix, prefix_paths))
      routes.emplace(prefix, std::move(*route));
  }
  std::vector<dataplane::Route> out;
  out.reserve(routes.size());
  for (auto& [prefix, route] : routes)
    out.push_back(std::move(route));
  return out;
}

}  // namespace tabby::agent
