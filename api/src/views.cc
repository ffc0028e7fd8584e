#include "tabby/api/views.h"

#include <stdexcept>

namespace tabby::api {
namespace {

void expect(const Resource& resource, Kind kind) {
  if (resource.kind != kind) {
    throw std::logic_error("view of " + describe(resource) + " asked for as " +
                           std::string(kind_info(kind).name));
  }
}

// Values in a Resource were validated when it was read, so parsing them again cannot fail.
template <typename T>
T valid(Result<T> result) {
  return std::move(result).value();
}

EncapMode encap(const Json& spec, const char* field) {
  const std::string mode = spec.value(field, "Never");
  if (mode == "Always") return EncapMode::kAlways;
  if (mode == "CrossSubnet") return EncapMode::kCrossSubnet;
  return EncapMode::kNever;
}

std::chrono::seconds seconds_of(const std::string& duration) {
  return std::chrono::duration_cast<std::chrono::seconds>(valid(parse_duration(duration)));
}

std::vector<IpPrefix> cidr_blocks(const Json& spec, const char* field) {
  std::vector<IpPrefix> out;
  for (const auto& block : spec.value(field, Json::array())) {
    const std::string text = block.value("cidr", "");
    if (text.empty()) continue;
    if (auto address = IpAddress::parse(text)) {
      out.push_back(IpPrefix::host(*address));
    } else {
      out.push_back(valid(IpPrefix::parse_interface(text)));
    }
  }
  return out;
}

// "10.0.0.11/24" or "10.0.0.11": the address and, with a length, its subnet.
void address_and_subnet(const Json& bgp, const char* field, std::optional<IpAddress>& address,
                        std::optional<IpPrefix>& subnet) {
  const std::string text = bgp.value(field, "");
  if (text.empty()) return;
  const auto slash = text.find('/');
  address = valid(IpAddress::parse(text.substr(0, slash)));
  if (slash != std::string::npos) subnet = valid(IpPrefix::parse_interface(text));
}

std::optional<IpAddress> optional_address(const Json& object, const char* field) {
  const std::string text = object.value(field, "");
  if (text.empty()) return std::nullopt;
  return valid(IpAddress::parse(text));
}

}  // namespace

IpPoolView ip_pool_view(const Resource& pool) {
  expect(pool, Kind::kIPPool);
  const Json& spec = pool.spec;
  IpPoolView view;
  view.cidr = valid(IpPrefix::parse(spec.value("cidr", "")));
  view.block_size = spec.value("blockSize", view.cidr.family() == IpFamily::kV4 ? 26 : 122);
  view.ipip_mode = encap(spec, "ipipMode");
  view.vxlan_mode = encap(spec, "vxlanMode");
  view.nat_outgoing = spec.value("natOutgoing", false);
  view.disabled = spec.value("disabled", false);
  view.disable_bgp_export = spec.value("disableBGPExport", false);
  view.node_selector = valid(Selector::parse(spec.value("nodeSelector", "all()")));
  view.namespace_selector = valid(Selector::parse(spec.value("namespaceSelector", "")));
  if (spec.contains("allowedUses")) {
    view.workload = view.tunnel = view.load_balancer = false;
    for (const auto& use : spec["allowedUses"]) {
      view.workload = view.workload || use == "Workload";
      view.tunnel = view.tunnel || use == "Tunnel";
      view.load_balancer = view.load_balancer || use == "LoadBalancer";
    }
  }
  view.manual_assignment = spec.value("assignmentMode", "Automatic") == "Manual";
  return view;
}

BgpPeerView bgp_peer_view(const Resource& peer) {
  expect(peer, Kind::kBGPPeer);
  const Json& spec = peer.spec;
  BgpPeerView view;
  view.node = spec.value("node", "");
  auto selector = [&](const char* field) -> std::optional<Selector> {
    if (!spec.contains(field)) return std::nullopt;
    return valid(Selector::parse(spec[field].get<std::string>()));
  };
  view.node_selector = selector("nodeSelector");
  view.peer_selector = selector("peerSelector");
  view.local_workload_selector = selector("localWorkloadSelector");
  if (spec.contains("peerIP"))
    view.peer_ip = valid(parse_peer_ip(spec["peerIP"].get<std::string>()));
  if (spec.contains("asNumber")) view.as_number = spec["asNumber"].get<std::uint32_t>();
  if (spec.contains("localASNumber"))
    view.local_as_number = spec["localASNumber"].get<std::uint32_t>();
  view.keep_original_next_hop = spec.value("keepOriginalNextHop", false);
  view.next_hop_mode = spec.value("nextHopMode", "Auto");
  if (spec.contains("password") && spec["password"].contains("secretKeyRef")) {
    view.password_secret_name = spec["password"]["secretKeyRef"].value("name", "");
    view.password_secret_key = spec["password"]["secretKeyRef"].value("key", "");
  }
  view.source_address_node_ip = spec.value("sourceAddress", "UseNodeIP") != "None";
  if (spec.contains("maxRestartTime")) view.max_restart_time = seconds_of(spec["maxRestartTime"]);
  if (spec.contains("keepaliveTime")) view.keepalive_time = seconds_of(spec["keepaliveTime"]);
  if (spec.contains("numAllowedLocalASNumbers")) {
    view.num_allowed_local_as_numbers = spec["numAllowedLocalASNumbers"].get<int>();
  }
  if (spec.contains("ttlSecurity")) view.ttl_security = spec["ttlSecurity"].get<int>();
  view.filters = spec.value("filters", std::vector<std::string>{});
  view.reachable_by = optional_address(spec, "reachableBy");
  view.reverse_peering_manual = spec.value("reversePeering", "Auto") == "Manual";
  return view;
}

BgpConfigurationView bgp_configuration_view(const std::vector<Resource>& configurations,
                                            std::string_view node) {
  BgpConfigurationView view;
  const Resource* global = nullptr;
  const Resource* local = nullptr;
  for (const auto& configuration : configurations) {
    expect(configuration, Kind::kBGPConfiguration);
    if (configuration.metadata.name == "default") global = &configuration;
    if (configuration.metadata.name == "node." + std::string(node)) local = &configuration;
  }
  for (const Resource* layer : {global, local}) {
    if (!layer) continue;
    const Json& spec = layer->spec;
    // Only fields that were set override: an empty string is Go's "unset".
    if (!spec.value("logSeverityScreen", "").empty()) view.log_severity = spec["logSeverityScreen"];
    if (spec.contains("listenPort")) view.listen_port = spec["listenPort"].get<std::uint16_t>();
    if (spec.contains("bindMode")) view.bind_node_ip = spec["bindMode"] == "NodeIP";
    if (spec.contains("ignoredInterfaces")) view.ignored_interfaces = spec["ignoredInterfaces"];
    if (layer != global) continue;  // the rest is cluster-wide only
    view.node_to_node_mesh = spec.value("nodeToNodeMeshEnabled", true);
    view.as_number = spec.value("asNumber", view.as_number);
    view.service_cluster_ips = cidr_blocks(spec, "serviceClusterIPs");
    view.service_external_ips = cidr_blocks(spec, "serviceExternalIPs");
    view.service_load_balancer_ips = cidr_blocks(spec, "serviceLoadBalancerIPs");
    if (spec.contains("nodeMeshMaxRestartTime")) {
      view.node_mesh_max_restart_time = seconds_of(spec["nodeMeshMaxRestartTime"]);
    }
    view.program_cluster_routes = spec.value("programClusterRoutes", view.program_cluster_routes);
    view.ipv4_normal_route_priority =
        spec.value("ipv4NormalRoutePriority", view.ipv4_normal_route_priority);
    view.ipv6_normal_route_priority =
        spec.value("ipv6NormalRoutePriority", view.ipv6_normal_route_priority);
  }
  return view;
}

NodeBgpView node_bgp_view(const Resource& node) {
  expect(node, Kind::kNode);
  NodeBgpView view;
  const Json& spec = node.spec;
  if (spec.contains("bgp")) {
    const Json& bgp = spec["bgp"];
    address_and_subnet(bgp, "ipv4Address", view.ipv4_address, view.ipv4_subnet);
    address_and_subnet(bgp, "ipv6Address", view.ipv6_address, view.ipv6_subnet);
    if (bgp.contains("asNumber")) view.as_number = bgp["asNumber"].get<std::uint32_t>();
    view.route_reflector_cluster_id = optional_address(bgp, "routeReflectorClusterID");
    view.ipv4_ipip_tunnel_addr = optional_address(bgp, "ipv4IPIPTunnelAddr");
  }
  view.ipv4_vxlan_tunnel_addr = optional_address(spec, "ipv4VXLANTunnelAddr");
  view.vxlan_tunnel_mac = spec.value("vxlanTunnelMACAddr", "");
  return view;
}

std::vector<IpPrefix> reserved_prefixes(const Resource& reservation) {
  expect(reservation, Kind::kIPReservation);
  std::vector<IpPrefix> out;
  for (const auto& entry : reservation.spec.value("reservedCIDRs", Json::array())) {
    const std::string text = entry;
    if (auto address = IpAddress::parse(text)) {
      out.push_back(IpPrefix::host(*address));
    } else {
      out.push_back(valid(IpPrefix::parse_interface(text)));
    }
  }
  return out;
}

}  // namespace tabby::api
