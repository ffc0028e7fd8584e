#include "tabby/agent/calc_bgp_export.h"

#include <algorithm>
#include <set>

namespace tabby::agent {
namespace {

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// Felix's tunnel devices (wireguard.cali, vxlan.calico, bpf*.cali) and tunl0, whose routes
// tabby itself programs from what it learned.
bool tunnel_device(std::string_view interface) {
  return interface == "tunl0" || ends_with(interface, ".cali") || ends_with(interface, ".calico");
}

// A range field as a static route: single addresses are per-service entries (they need the
// Services), only real ranges are advertised whole.
bool is_range(const IpPrefix& prefix) {
  return !is_host_prefix(prefix);
}

}  // namespace

ExportDecision decide_export(const ExportPolicy& policy, const ExportCandidate& candidate) {
  const IpPrefix& prefix = candidate.prefix;
  ExportDecision decision;
  auto done = [&](bool accept, const char* reason) {
    decision.accept = accept;
    decision.reason = reason;
    if (!accept) decision.communities.clear();
    return decision;
  };
  if (inside_any(policy.export_disabled_pools, prefix)) {
    return done(false, "inside a pool with disableBGPExport");
  }
  if (candidate.ibgp_session && tunnel_device(candidate.interface)) {
    return done(false, "through a tunnel device, not re-advertised inside the AS");
  }
  std::set<std::string> communities;
  for (const auto& advert : policy.prefix_advertisements) {
    if (advert.cidr.family() == prefix.family() && advert.cidr.contains(prefix)) {
      communities.insert(advert.communities.begin(), advert.communities.end());
    }
  }
  decision.communities.assign(communities.begin(), communities.end());
  for (const auto& block : policy.aggregated_blocks) {
    if (block.family() != prefix.family() || !block.contains(prefix)) continue;
    if (prefix == block) return done(true, "an affine block of this node");
    const std::uint32_t normal = prefix.family() == IpFamily::kV4 ? policy.normal_route_priority_v4
                                                                  : policy.normal_route_priority_v6;
    if (candidate.metric.value_or(normal) < normal) {
      return done(true, "an elevated-priority route inside an affine block");
    }
    return done(false, "inside an affine block of this node, which is advertised whole");
  }
  if (std::find(policy.static_routes.begin(), policy.static_routes.end(), prefix) !=
      policy.static_routes.end()) {
    return done(true, "a service range");
  }
  if (inside_any(policy.reflected_service_ranges, prefix)) {
    return done(true, "a service address reflected by this route reflector");
  }
  if (inside_any(policy.pools, prefix)) return done(true, "inside an IP pool");
  return done(false, "not Calico's to advertise");
}

std::vector<IpPrefix> borrowed_addresses(const std::vector<api::AllocationBlock>& blocks,
                                         std::string_view node) {
  std::vector<IpPrefix> out;
  const std::string own = "host:" + std::string(node);
  for (const auto& block : blocks) {
    if (block.affinity == own) continue;
    for (const auto& allocation : allocations(block)) {
      if (allocation.node == node && !allocation.tunnel) {
        out.push_back(IpPrefix::host(allocation.address));
      }
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

BgpExport bgp_export(const ClusterSnapshot& snapshot, const DesiredBgp& bgp) {
  BgpExport out;
  ExportPolicy& policy = out.policy;
  for (const auto& pool : pool_views(snapshot.ip_pools)) {
    (pool.disable_bgp_export ? policy.export_disabled_pools : policy.pools).push_back(pool.cidr);
  }
  policy.prefix_advertisements = bgp.prefix_advertisements;
  policy.aggregated_blocks =
      affine_blocks(snapshot.affinities, bgp.node_name, {api::AffinityState::kConfirmed});
  const auto config = api::bgp_configuration_view(snapshot.bgp_configurations, bgp.node_name);
  policy.normal_route_priority_v4 = static_cast<std::uint32_t>(config.ipv4_normal_route_priority);
  policy.normal_route_priority_v6 = static_cast<std::uint32_t>(config.ipv6_normal_route_priority);

  // Service ranges (confd's route generator): cluster IP ranges always, external and load
  // balancer ranges when they are ranges (and LB ones only with aggregation).
  std::vector<std::pair<IpPrefix, ExportOrigin>> services;
  for (const auto& range : bgp.service_cluster_ips)
    services.emplace_back(range, ExportOrigin::kServiceClusterIps);
  for (const auto& range : bgp.service_external_ips) {
    if (is_range(range)) services.emplace_back(range, ExportOrigin::kServiceExternalIps);
  }
  if (bgp.service_load_balancer_aggregation) {
    for (const auto& range : bgp.service_load_balancer_ips) {
      if (is_range(range)) services.emplace_back(range, ExportOrigin::kServiceLoadBalancerIps);
    }
  }
  // A node excluded from external load balancers advertises no service routes, but still
  // refuses to program learned ones.
  bool excluded = false;
  for (const auto& node : snapshot.nodes) {
    if (node.metadata.name != bgp.node_name) continue;
    auto it = node.metadata.labels.find(kExcludeFromLoadBalancersLabel);
    excluded = it != node.metadata.labels.end() && it->second == "true";
  }
  for (const auto& [range, origin] : services) {
    out.kernel_reject.push_back(range);
    if (!excluded) policy.static_routes.push_back(range);
  }
  if (bgp.route_reflector_cluster_id) {
    for (const auto* list : {&bgp.service_load_balancer_ips, &bgp.service_external_ips}) {
      policy.reflected_service_ranges.insert(policy.reflected_service_ranges.end(), list->begin(),
                                             list->end());
    }
  }

  // What this node originates, each through the policy.
  std::vector<std::pair<IpPrefix, ExportOrigin>> originated;
  for (const auto& block : policy.aggregated_blocks)
    originated.emplace_back(block, ExportOrigin::kAffineBlock);
  for (const auto& address : borrowed_addresses(snapshot.blocks, bgp.node_name))
    originated.emplace_back(address, ExportOrigin::kBorrowedAddress);
  if (!excluded) originated.insert(originated.end(), services.begin(), services.end());
  for (const auto& [prefix, origin] : originated) {
    // Only families this node speaks BGP in.
    if (!bgp.address(prefix.family())) continue;
    auto decision = decide_export(policy, {.prefix = prefix});
    if (!decision.accept) continue;
    auto device = snapshot.workload_interfaces.find(prefix);
    out.advertised.push_back(
        {prefix, origin, std::move(decision.communities),
         origin == ExportOrigin::kBorrowedAddress && device != snapshot.workload_interfaces.end()
             ? device->second
             : std::string()});
  }
  std::sort(
      out.advertised.begin(), out.advertised.end(),
      [](const OriginatedPrefix& a, const OriginatedPrefix& b) { return a.prefix < b.prefix; });

  for (const auto& block :
       affine_blocks(snapshot.affinities, bgp.node_name,
                     {api::AffinityState::kConfirmed, api::AffinityState::kPendingDeletion})) {
    if (is_range(block)) out.blackholes.push_back(block);
  }
  out.blackholes.insert(out.blackholes.end(), policy.static_routes.begin(),
                        policy.static_routes.end());
  std::sort(out.blackholes.begin(), out.blackholes.end());
  out.blackholes.erase(std::unique(out.blackholes.begin(), out.blackholes.end()),
                       out.blackholes.end());
  std::sort(out.kernel_reject.begin(), out.kernel_reject.end());
  return out;
}

}  // namespace tabby::agent
