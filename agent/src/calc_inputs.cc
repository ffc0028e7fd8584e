#include "tabby/agent/calc_inputs.h"

#include <algorithm>

#include "tabby/dataplane/vxlan_tunnel.h"

namespace tabby::agent {

std::optional<IpAddress> CalcNode::address(IpFamily family) const {
  return family == IpFamily::kV4 ? bgp.ipv4_address : bgp.ipv6_address;
}

std::optional<IpPrefix> CalcNode::subnet(IpFamily family) const {
  return family == IpFamily::kV4 ? bgp.ipv4_subnet : bgp.ipv6_subnet;
}

std::optional<IpAddress> CalcNode::vxlan_tunnel_address(IpFamily family) const {
  return family == IpFamily::kV4 ? bgp.ipv4_vxlan_tunnel_addr : ipv6_vxlan_tunnel_addr;
}

std::string CalcNode::vxlan_mac(IpFamily family) const {
  const std::string& given = family == IpFamily::kV4 ? bgp.vxlan_tunnel_mac : vxlan_tunnel_mac_v6;
  return given.empty() ? dataplane::vtep_mac(name, family) : given;
}

CalcNode calc_node(const api::Resource& node) {
  CalcNode out;
  out.name = node.metadata.name;
  out.labels = node.metadata.labels;
  out.bgp = api::node_bgp_view(node);
  // Validated when the resource was read, so these parse.
  const std::string v6_tunnel = node.spec.value("ipv6VXLANTunnelAddr", "");
  if (!v6_tunnel.empty()) out.ipv6_vxlan_tunnel_addr = IpAddress::parse(v6_tunnel).value();
  out.vxlan_tunnel_mac_v6 = node.spec.value("vxlanTunnelMACAddrV6", "");
  return out;
}

std::vector<CalcNode> calc_nodes(const std::vector<api::Resource>& nodes) {
  std::vector<CalcNode> out;
  out.reserve(nodes.size());
  for (const auto& node : nodes)
    out.push_back(calc_node(node));
  std::sort(out.begin(), out.end(),
            [](const CalcNode& a, const CalcNode& b) { return a.name < b.name; });
  return out;
}

const CalcNode* find_node(const std::vector<CalcNode>& nodes, std::string_view name) {
  for (const auto& node : nodes) {
    if (node.name == name) return &node;
  }
  return nullptr;
}

std::vector<api::IpPoolView> pool_views(const std::vector<api::Resource>& pools) {
  std::vector<api::IpPoolView> out;
  out.reserve(pools.size());
  for (const auto& pool : pools)
    out.push_back(api::ip_pool_view(pool));
  return out;
}

const api::IpPoolView* pool_containing(const std::vector<api::IpPoolView>& pools,
                                       const IpPrefix& prefix) {
  const api::IpPoolView* best = nullptr;
  for (const auto& pool : pools) {
    if (pool.cidr.family() != prefix.family() || !pool.cidr.contains(prefix)) continue;
    if (!best || pool.cidr.length() > best->cidr.length()) best = &pool;
  }
  return best;
}

std::vector<IpPrefix> affine_blocks(const std::vector<AffinityRecord>& affinities,
                                    std::string_view node,
                                    std::initializer_list<api::AffinityState> states) {
  std::vector<IpPrefix> out;
  for (const auto& record : affinities) {
    if (record.node != node) continue;
    if (std::find(states.begin(), states.end(), record.state) == states.end()) continue;
    out.push_back(record.cidr);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool inside_any(const std::vector<IpPrefix>& ranges, const IpPrefix& prefix) {
  return std::any_of(ranges.begin(), ranges.end(), [&](const IpPrefix& range) {
    return range.family() == prefix.family() && range.contains(prefix);
  });
}

std::vector<Allocation> allocations(const api::AllocationBlock& block) {
  std::vector<Allocation> out;
  for (std::size_t ordinal = 0; ordinal < block.allocations.size(); ++ordinal) {
    const auto& index = block.allocations[ordinal];
    // A dangling attribute index is a corrupt block; Calico skips such entries too.
    if (!index || *index < 0 || static_cast<std::size_t>(*index) >= block.attributes.size()) {
      continue;
    }
    const auto& secondary = block.attributes[static_cast<std::size_t>(*index)].secondary;
    Allocation allocation{
        .address = block.cidr.address().plus(ordinal), .node = {}, .tunnel = false};
    if (auto node = secondary.find("node"); node != secondary.end()) allocation.node = node->second;
    // ipipTunnelAddress, vxlanTunnelAddress, vxlanV6TunnelAddress, wireguardTunnelAddress, ...
    if (auto type = secondary.find("type"); type != secondary.end()) {
      allocation.tunnel = type->second.find("TunnelAddress") != std::string::npos;
    }
    out.push_back(std::move(allocation));
  }
  return out;
}

IpPrefix prefix_or_host(const std::string& text) {
  if (auto address = IpAddress::parse(text)) return IpPrefix::host(*address);
  return IpPrefix::parse_interface(text).value();
}

}  // namespace tabby::agent
