#include "tabby/agent/calc_vxlan.h"

#include <map>

namespace tabby::agent {
namespace {

bool vxlan_pool(const api::IpPoolView* pool) {
  return pool && pool->vxlan_mode != api::EncapMode::kNever;
}

class VxlanCalculator {
 public:
  VxlanCalculator(const ClusterSnapshot& snapshot, const VxlanCalcSettings& settings,
                  std::vector<CalcNode> nodes, const CalcNode& self)
      : snapshot_(snapshot),
        settings_(settings),
        nodes_(std::move(nodes)),
        self_(self),
        pools_(pool_views(snapshot.ip_pools)) {}

  VxlanDesired run() {
    VxlanDesired out;
    const IpFamily family = settings_.family;
    out.node_address = self_.address(family);
    out.tunnel_address = self_.vxlan_tunnel_address(family);
    out.mac = self_.vxlan_mac(family);
    for (const auto& node : nodes_) {
      if (node.name == self_.name) continue;
      const auto address = node.address(family);
      const auto tunnel = node.vxlan_tunnel_address(family);
      if (!address || !tunnel) continue;  // Felix waits until the node has both
      out.remotes.push_back({*address, *tunnel, node.vxlan_mac(family)});
    }

    std::map<std::string, std::vector<IpPrefix>> blocks_of;  // node -> its affine blocks
    for (const auto& block : snapshot_.blocks) {
      if (block.cidr.family() != family || block.deleted) continue;
      const std::string host = block.host();
      if (!host.empty()) blocks_of[host].push_back(block.cidr);
      const api::IpPoolView* pool = pool_containing(pools_, block.cidr);
      if (!vxlan_pool(pool)) continue;
      if (host == self_.name) {
        if (!is_host_prefix(block.cidr)) {
          routes_[block.cidr] = dataplane::blackhole_route(block.cidr);
        }
      } else if (!host.empty()) {
        to_node(block.cidr, host, *pool);
      }
      borrowed(block, host, *pool);
    }

    // Remote tunnel addresses not covered by one of their node's blocks (borrowed, or in a
    // host-size block) are reached directly on the VXLAN device.
    for (const auto& remote : nodes_) {
      const auto tunnel = remote.vxlan_tunnel_address(family);
      if (remote.name == self_.name || !tunnel) continue;
      bool covered = false;
      for (const auto& block : blocks_of[remote.name]) {
        covered = covered || (block.contains(*tunnel) && !is_host_prefix(block));
      }
      if (covered) continue;
      const auto host = IpPrefix::host(*tunnel);
      dataplane::Route route;
      route.destination = host;
      route.scope = dataplane::RouteScope::kLink;
      route.mtu = settings_.mtu;
      route.next_hops = {{.gateway = std::nullopt, .device = device()}};
      routes_[host] = std::move(route);
    }
    for (auto& [prefix, route] : routes_)
      out.routes.push_back(std::move(route));
    return out;
  }

 private:
  std::string device() const {
    return settings_.family == IpFamily::kV4 ? dataplane::kVxlanDevice : dataplane::kVxlanV6Device;
  }

  // A route for `destination` to node `name`: across the subnet directly in a CrossSubnet
  // pool when the node shares this node's subnet, else through its VTEP.
  void to_node(const IpPrefix& destination, const std::string& name, const api::IpPoolView& pool) {
    const CalcNode* node = find_node(nodes_, name);
    if (!node) return;
    const IpFamily family = settings_.family;
    const auto address = node->address(family);
    const auto subnet = self_.subnet(family);
    if (pool.vxlan_mode == api::EncapMode::kCrossSubnet && address && subnet &&
        subnet->contains(*address)) {
      auto route = dataplane::direct_route(destination, *address, settings_.parent_interface);
      route.next_hops[0].onlink = true;
      routes_[destination] = std::move(route);
      return;
    }
    const auto tunnel = node->vxlan_tunnel_address(family);
    if (!address || !tunnel) return;  // no VTEP yet
    routes_[destination] = dataplane::vxlan_route(destination, *tunnel, settings_.mtu);
  }

  // Addresses of `block` allocated to a node other than the block's: /32 (/128) to that node.
  void borrowed(const api::AllocationBlock& block, const std::string& host,
                const api::IpPoolView& pool) {
    for (const auto& allocation : allocations(block)) {
      // Tunnel addresses get the device route above; our own addresses are local.
      if (allocation.node.empty() || allocation.node == host || allocation.tunnel ||
          allocation.node == self_.name) {
        continue;
      }
      to_node(IpPrefix::host(allocation.address), allocation.node, pool);
    }
  }

  const ClusterSnapshot& snapshot_;
  const VxlanCalcSettings& settings_;
  std::vector<CalcNode> nodes_;
  const CalcNode& self_;
  std::vector<api::IpPoolView> pools_;
  std::map<IpPrefix, dataplane::Route> routes_;
};

}  // namespace

bool pools_want_vxlan(const ClusterSnapshot& snapshot, IpFamily family) {
  for (const api::IpPoolView& pool : pool_views(snapshot.ip_pools)) {
    if (!pool.disabled && pool.cidr.family() == family && vxlan_pool(&pool)) return true;
  }
  return false;
}

Result<VxlanDesired> vxlan_desired(const ClusterSnapshot& snapshot,
                                   const VxlanCalcSettings& settings) {
  auto nodes = calc_nodes(snapshot.nodes);
  const CalcNode* self = find_node(nodes, snapshot.node_name);
  if (!self) {
    return Error{"no Node resource named \"" + snapshot.node_name +
                 "\": the VXLAN routes need this node's addresses"};
  }
  const CalcNode self_copy = *self;
  return VxlanCalculator(snapshot, settings, std::move(nodes), self_copy).run();
}

}  // namespace tabby::agent
