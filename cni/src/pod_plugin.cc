#include "tabby/cni/pod_plugin.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include "tabby/api/codec.h"
#include "tabby/api/resource_store.h"
#include "tabby/cni/ipam_delegate.h"
#include "tabby/cni/pod_annotations.h"
#include "tabby/common/sha1.h"
#include "tabby/dataplane/libnl_netlink.h"
#include "tabby/dataplane/mtu_file.h"
#include "tabby/dataplane/sysctls.h"
#include "tabby/ipam/ipam.h"

namespace tabby::cni {

using nlohmann::json;

namespace {

constexpr const char* kHostSideMac = "ee:ee:ee:ee:ee:ee";
constexpr const char* kGatewayV4 = "169.254.1.1";
constexpr const char* kGatewayV6 = "fe80::ecee:eeff:feee:eeee";  // the host side's link-local

PluginOutput fail(ErrorCode code, const std::string& message, const std::string& version) {
  return {1, format_error({code, message, ""}, version)};
}

std::string doubled_dashes(const std::string& segment) {
  std::string out;
  for (char c : segment) {
    out += c;
    if (c == '-') out += '-';
  }
  return out;
}

struct PodIdentity {
  std::string namespace_ = "default";
  std::string pod;
  std::string orchestrator = "cni";
};

PodIdentity identity(const Environment& cni) {
  PodIdentity id;
  auto ns = cni.args.find("K8S_POD_NAMESPACE");
  auto pod = cni.args.find("K8S_POD_NAME");
  if (ns != cni.args.end() && pod != cni.args.end()) {
    id = {ns->second, pod->second, "k8s"};
  }
  return id;
}

Status check(const Status& status, const std::string& what) {
  if (status) return {};
  return Error{what + ": " + status.error().message};
}

}  // namespace

std::string host_interface_name(const std::string& namespace_, const std::string& pod,
                                const std::string& container_id) {
  if (pod.empty()) return "cali" + container_id.substr(0, 11);
  return "cali" + sha1_hex(namespace_ + "." + pod).substr(0, 11);
}

Result<std::uint32_t> pod_mtu(const NetworkConfig& config) {
  if (config.mtu > 0) return static_cast<std::uint32_t>(config.mtu);
  auto written = dataplane::read_mtu_file(config.mtu_file);
  if (!written) return written.error();
  return written->value_or(0);
}

std::string workload_endpoint_name(const std::string& node, const std::string& orchestrator,
                                   const std::string& workload, const std::string& ifname) {
  return fmt::format("{}-{}-{}-{}", doubled_dashes(node), doubled_dashes(orchestrator),
                     doubled_dashes(workload), doubled_dashes(ifname));
}

namespace {

// Creates the veth pair and configures both ends; returns the container side's MAC.
Result<std::string> wire_pod(const Environment& cni, const NetworkConfig& config,
                             const std::string& host_if, const std::vector<ResultIp>& ips,
                             const std::string& pod_mac) {
  auto host = dataplane::LibnlNetlink::open();
  if (!host) return host.error();
  // A previous, failed ADD may have left the host side behind: start clean.
  (void)(*host)->delete_link(host_if);
  const std::uint32_t mtu = config.mtu > 0 ? static_cast<std::uint32_t>(config.mtu) : 0;
  if (auto s = check((*host)->add_link({.name = host_if,
                                        .kind = "veth",
                                        .mtu = mtu,
                                        .mac = kHostSideMac,
                                        .peer_name = cni.ifname,
                                        .peer_netns = cni.netns,
                                        .peer_mac = pod_mac}),
                     "creating the veth pair");
      !s) {
    return s.error();
  }
  auto pod = dataplane::LibnlNetlink::open(cni.netns);
  if (!pod) return pod.error();
  const bool v4 =
      std::any_of(ips.begin(), ips.end(), [](const ResultIp& ip) { return ip.address.is_v4(); });
  const bool v6 =
      std::any_of(ips.begin(), ips.end(), [](const ResultIp& ip) { return ip.address.is_v6(); });
  if (v6) (void)(*pod)->write_sysctl("net/ipv6/conf/" + cni.ifname + "/accept_dad", "0");
  for (const auto& ip : ips) {
    if (auto s = check((*pod)->add_address({cni.ifname, ip.address, ip.address.bit_length()}),
                       "pod address");
        !s) {
      return s.error();
    }
  }
  (void)(*pod)->set_link_up("lo", true);
  if (auto s = check((*pod)->set_link_up(cni.ifname, true), "pod interface up"); !s)
    return s.error();

  // Host side: Felix's sysctls (rp_filter is Felix's to set), up, the /32 routes.
  auto sysctls = dataplane::workload_interface_sysctls(host_if, v4, v6, "");
  std::erase_if(sysctls, [](const dataplane::Sysctl& s) { return s.path.ends_with("/rp_filter"); });
  for (const auto& sysctl : sysctls) {
    auto status = (*host)->write_sysctl(sysctl.path, sysctl.value);
    const bool optional =
        sysctl.path.ends_with("proxy_delay") || sysctl.path.ends_with("accept_ra");
    if (!status && !optional) return status.error();
  }
  if (auto s = check((*host)->set_link_up(host_if, true), "host side up"); !s) return s.error();

  // Pod routes: the gateway is reached on eth0; its ARP is answered by proxy on the host side.
  std::vector<dataplane::RouteOp> pod_routes;
  if (v4) {
    const IpAddress gateway = *IpAddress::parse(kGatewayV4);
    dataplane::Route link_route = dataplane::workload_route(gateway, cni.ifname);
    pod_routes.push_back({dataplane::RouteOp::Kind::kReplace, link_route});
    dataplane::Route default_route;
    default_route.destination = *IpPrefix::parse("0.0.0.0/0");
    default_route.protocol = dataplane::kProtoBoot;
    default_route.next_hops = {dataplane::NextHop{.gateway = gateway, .device = cni.ifname}};
    pod_routes.push_back({dataplane::RouteOp::Kind::kReplace, default_route});
  }
  if (v6) {
    dataplane::Route default_route;
    default_route.destination = *IpPrefix::parse("::/0");
    default_route.protocol = dataplane::kProtoBoot;
    default_route.next_hops = {
        dataplane::NextHop{.gateway = *IpAddress::parse(kGatewayV6), .device = cni.ifname}};
    pod_routes.push_back({dataplane::RouteOp::Kind::kReplace, default_route});
  }
  for (const auto& status : (*pod)->apply_routes(pod_routes)) {
    if (!status) return Error{"pod route: " + status.error().message};
  }
  std::vector<dataplane::RouteOp> host_routes;
  for (const auto& ip : ips) {
    host_routes.push_back(
        {dataplane::RouteOp::Kind::kReplace, dataplane::workload_route(ip.address, host_if)});
  }
  for (const auto& status : (*host)->apply_routes(host_routes)) {
    if (!status) return Error{"host route: " + status.error().message};
  }
  auto links = (*pod)->dump_links();
  if (!links) return links.error();
  for (const auto& link : *links) {
    if (link.name == cni.ifname) return link.mac;
  }
  return Error{"the pod interface " + cni.ifname + " vanished"};
}

// Removes the pod side (which takes the host side and its routes with it); a netns that is
// already gone is fine.
Status unwire_pod(const Environment& cni) {
  struct stat st {};
  if (cni.netns.empty() || stat(cni.netns.c_str(), &st) != 0) return {};
  auto pod = dataplane::LibnlNetlink::open(cni.netns);
  if (!pod) return {};  // gone between the stat and the open
  return (*pod)->delete_link(cni.ifname);
}

constexpr int kEndpointDeleteAttempts = 6;  // Calico's: the endpoint changing under us is rare

// Deletes the pod's WorkloadEndpoint only while it belongs to this sandbox. The endpoint is
// named by pod, not sandbox, so a late DEL for a pod's old sandbox finds the running sandbox's
// endpoint; deleting it would take the running pod's /32 route away. As Calico's plugin, an
// endpoint naming another container stays, one naming none goes, and the delete is at the
// revision that was checked so an ADD writing in between is not undone.
Status remove_own_endpoint(api::ResourceStore& store, const std::string& namespace_,
                           const std::string& name, const std::string& container_id) {
  for (int attempt = 0; attempt < kEndpointDeleteAttempts; ++attempt) {
    auto stored = store.get(api::Kind::kWorkloadEndpoint, namespace_, name);
    if (stored.is(api::DatastoreErrorKind::NotFound)) return {};
    if (!stored) return Error{stored.error().message};
    const std::string owner = stored->spec.value("containerID", "");
    if (!owner.empty() && owner != container_id) return {};
    auto removed = store.remove(api::Kind::kWorkloadEndpoint, namespace_, name,
                                stored->metadata.resource_version);
    if (removed || removed.is(api::DatastoreErrorKind::NotFound)) return {};
    if (!removed.is(api::DatastoreErrorKind::Conflict)) return Error{removed.error().message};
  }
  return Error{fmt::format("WorkloadEndpoint {}/{} kept changing while container {} was deleted",
                           namespace_, name, container_id)};
}

// The addresses an IPAM plugin run allocated, as the pod gets them (/32 and /128).
std::vector<ResultIp> result_addresses(const PluginOutput& allocated) {
  std::vector<ResultIp> ips;
  const json result = json::parse(allocated.stdout_text);
  for (const auto& ip : result.at("ips")) {
    const std::string text = ip["address"];
    auto address = *IpAddress::parse(text.substr(0, text.find('/')));
    ips.push_back({address, address.bit_length(), 1});
  }
  return ips;
}

// The pod's addresses as its annotations ask, as Calico's plugin does: ipAddrsNoIpam bypasses
// IPAM (when feature_control allows it), ipAddrs asks IPAM for each address (CNI_ARGS IP=),
// and otherwise the pools and families replace the conflist's before IPAM runs. A failure is
// the output to return.
std::variant<std::vector<ResultIp>, PluginOutput> allocate_addresses(
    const std::string& stdin_text, const EnvLookup& env, const NetworkConfig& config,
    const PodAnnotations& annotations, api::Datastore& datastore,
    const std::optional<api::Resource>& existing) {
  const std::string& version = config.cni_version;
  if (!annotations.ip_addrs_no_ipam.empty()) {
    if (!config.feature_control.ip_addrs_no_ipam) {
      return fail(ErrorCode::kInvalidConfig,
                  "requested feature is not enabled: ip_addrs_no_ipam (the pod's "
                  "cni.projectcalico.org/ipAddrsNoIpam annotation needs "
                  "feature_control.ip_addrs_no_ipam in the network config)",
                  version);
    }
    std::vector<ResultIp> ips;
    for (const auto& address : annotations.ip_addrs_no_ipam)
      ips.push_back({address, address.bit_length(), 1});
    return ips;
  }
  if (!annotations.ip_addrs.empty()) {
    // A re-ADD of the pod holds its addresses already: they go back first, as Calico does.
    if (existing) {
      std::vector<IpAddress> held;
      for (const auto& network : existing->spec.value("ipNetworks", json::array())) {
        const std::string text = network.get<std::string>();
        if (auto address = IpAddress::parse(text.substr(0, text.find('/'))))
          held.push_back(*address);
      }
      if (auto released = ipam::Ipam(datastore).release_ips(held); !released) {
        return fail(ErrorCode::kTryAgainLater,
                    "releasing the pod's previous addresses: " + released.error().message, version);
      }
    }
    std::vector<ResultIp> ips;
    const std::string args = env("CNI_ARGS").value_or("");
    for (const auto& address : annotations.ip_addrs) {
      const std::string with_ip = (args.empty() ? "" : args + ";") + "IP=" + address.to_string();
      auto allocated = run_ipam_plugin(stdin_text, [&](std::string_view name) {
        return name == "CNI_ARGS" ? std::optional<std::string>(with_ip) : env(name);
      });
      if (allocated.exit_code != 0) return allocated;
      auto got = result_addresses(allocated);
      ips.insert(ips.end(), got.begin(), got.end());
    }
    return ips;
  }
  std::string ipam_config = stdin_text;
  if (annotations.ipv4_pools || annotations.ipv6_pools || annotations.assign_ipv4) {
    json object = json::parse(stdin_text);
    json& ipam = object["ipam"];
    if (annotations.ipv4_pools) ipam["ipv4_pools"] = *annotations.ipv4_pools;
    if (annotations.ipv6_pools) ipam["ipv6_pools"] = *annotations.ipv6_pools;
    if (annotations.assign_ipv4) {
      ipam["assign_ipv4"] = *annotations.assign_ipv4 ? "true" : "false";
      ipam["assign_ipv6"] = annotations.assign_ipv6.value_or(false) ? "true" : "false";
    }
    ipam_config = object.dump();
  }
  auto allocated = run_ipam_plugin(ipam_config, env);
  if (allocated.exit_code != 0) return allocated;
  return result_addresses(allocated);
}

// tabby-ipam and calico-ipam are tabby's own IPAM. With no ipam.type (an ADD refuses that), a
// DEL still releases what tabby's own IPAM may hold for the sandbox.
bool own_ipam(const NetworkConfig& config) {
  return config.ipam.type.empty() || config.ipam.type == "tabby-ipam" ||
         config.ipam.type == "calico-ipam";
}

// tabby's own IPAM runs in-process; any other ipam.type (host-local, ...) is run as its plugin,
// as a runtime would run it.
PluginOutput run_ipam(const NetworkConfig& config, const std::string& command,
                      const std::string& stdin_text, const EnvLookup& env) {
  if (!own_ipam(config)) return exec_ipam_plugin(config.ipam.type, command, stdin_text, env);
  return run_ipam_plugin(stdin_text, [&](std::string_view name) -> std::optional<std::string> {
    if (name == "CNI_COMMAND") return command;
    return env(name);
  });
}

std::string warning_lines(const std::vector<std::string>& warnings) {
  std::string out;
  for (const auto& warning : warnings)
    out += "tabby: warning: " + warning + "\n";
  return out;
}

PluginOutput run_pod(const Environment& cni, NetworkConfig config, const std::string& stdin_text,
                     const EnvLookup& env);

}  // namespace

PluginOutput run_pod_plugin(const std::string& stdin_text, const EnvLookup& env) {
  auto environment = read_environment(env);
  if (auto* error = std::get_if<PluginError>(&environment))
    return {1, format_error(*error, "1.0.0")};
  const Environment& cni = std::get<Environment>(environment);
  if (cni.command == "VERSION") return {0, format_version_info("1.0.0")};
  auto parsed = parse_network_config(stdin_text);
  if (auto* error = std::get_if<PluginError>(&parsed)) return {1, format_error(*error, "1.0.0")};
  const NetworkConfig& config = std::get<NetworkConfig>(parsed);
  PluginOutput output = run_pod(cni, config, stdin_text, env);
  // The warnings of the in-process IPAM runs are the same config's: said once.
  output.stderr_text = warning_lines(config.warnings) + warning_lines(config.ipam_warnings);
  return output;
}

namespace {

// ADD, DEL or CHECK, once the environment and the config are read.
PluginOutput run_pod(const Environment& cni, NetworkConfig config, const std::string& stdin_text,
                     const EnvLookup& env) {
  const std::string& version = config.cni_version;
  if (cni.command != "DEL" && cni.netns.empty())
    return fail(ErrorCode::kInvalidEnvironment, "CNI_NETNS is not set", version);
  if (cni.command == "ADD") {
    // Resolved before anything is allocated: a bad MTU file fails the ADD cleanly.
    auto mtu = pod_mtu(config);
    if (!mtu) return fail(ErrorCode::kIoFailure, mtu.error().message, version);
    config.mtu = static_cast<int>(*mtu);
  }
  auto node = node_name(config);
  if (auto* error = std::get_if<PluginError>(&node)) return {1, format_error(*error, version)};
  const PodIdentity id = identity(cni);
  const std::string host_if = host_interface_name(id.namespace_, id.pod, cni.container_id);
  const std::string wep_name =
      workload_endpoint_name(std::get<std::string>(node), id.orchestrator,
                             id.pod.empty() ? cni.container_id : id.pod, cni.ifname);

  auto opened = open_datastore(config, env);
  if (auto* error = std::get_if<PluginError>(&opened)) return {1, format_error(*error, version)};
  auto& datastore = std::get<std::unique_ptr<api::Datastore>>(opened);
  api::ResourceStore store(*datastore);

  if (cni.command == "DEL") {
    // When the endpoint cannot be read, whose it is is unknown: nothing is torn down.
    if (auto status = remove_own_endpoint(store, id.namespace_, wep_name, cni.container_id);
        !status) {
      return fail(ErrorCode::kTryAgainLater, status.error().message, version);
    }
    // Only this sandbox's netns, and only this sandbox's addresses: the handle is
    // "<network>.<CNI_CONTAINERID>", so another sandbox of the same pod keeps its own.
    if (auto status = unwire_pod(cni); !status)
      return fail(ErrorCode::kIoFailure, status.error().message, version);
    return run_ipam(config, "DEL", stdin_text, env);  // idempotent
  }
  if (cni.command == "CHECK") {
    auto wep = store.get(api::Kind::kWorkloadEndpoint, id.namespace_, wep_name);
    if (!wep) return fail(ErrorCode::kUnknownContainer, wep.error().message, version);
    return {0, ""};
  }

  // ADD. The pod's annotations, when the runtime passed them, are checked before anything is
  // allocated or wired.
  auto annotations = parse_pod_annotations(config.pod_annotations);
  if (!annotations) return fail(ErrorCode::kInvalidConfig, annotations.error().message, version);
  if (!annotations->floating_ips.empty()) {
    return fail(ErrorCode::kInvalidConfig,
                config.feature_control.floating_ips
                    ? "annotation cni.projectcalico.org/floatingIPs: tabby does not NAT floating "
                      "IPs to pods (docs/ipam.md)"
                    : "requested feature is not enabled: floating_ips",
                version);
  }
  const bool annotated_addresses =
      !annotations->ip_addrs.empty() || !annotations->ip_addrs_no_ipam.empty();

  // Addresses from the previous plugin in a chain, else from tabby-ipam.
  std::vector<ResultIp> ips;
  if (config.prev_result.is_object() && config.prev_result.contains("ips")) {
    for (const auto& ip : config.prev_result["ips"]) {
      auto prefix = IpPrefix::parse_interface(ip.value("address", ""));
      auto address =
          IpAddress::parse(ip.value("address", "").substr(0, ip.value("address", "").find('/')));
      if (!prefix || !address)
        return fail(ErrorCode::kDecodeFailure, "prevResult: bad address " + ip.dump(), version);
      ips.push_back({*address, address->bit_length(), 1});
    }
    if (annotated_addresses) {
      return fail(ErrorCode::kInvalidConfig,
                  "the pod's ipAddrs/ipAddrsNoIpam annotation cannot be honoured when the "
                  "addresses come from a previous plugin (prevResult)",
                  version);
    }
  } else if (config.ipam.type.empty()) {
    return fail(ErrorCode::kInvalidConfig,
                "ipam.type is missing: use calico-ipam (or tabby-ipam), or another IPAM plugin "
                "such as host-local",
                version);
  } else if (!own_ipam(config)) {
    // Another IPAM plugin (host-local, ...), as Calico's plugin delegates to it. The pod's
    // address annotations are calico-ipam's, as in Calico.
    if (annotated_addresses) {
      return fail(ErrorCode::kInvalidConfig,
                  fmt::format("the pod's ipAddrs/ipAddrsNoIpam annotation is not compatible with "
                              "the configured IPAM: {}",
                              config.ipam.type),
                  version);
    }
    if (const std::string problem = use_pod_cidr_problem(stdin_text); !problem.empty())
      return fail(ErrorCode::kInvalidConfig, problem, version);
    auto allocated = run_ipam(config, "ADD", stdin_text, env);
    if (allocated.exit_code != 0) return allocated;
    auto parsed_result = json::parse(allocated.stdout_text, nullptr, /*allow_exceptions=*/false);
    if (!parsed_result.is_object() || !parsed_result.contains("ips") ||
        !parsed_result["ips"].is_array() || parsed_result["ips"].empty()) {
      (void)run_ipam(config, "DEL", stdin_text, env);
      return fail(ErrorCode::kIpamFailure,
                  fmt::format("IPAM plugin {} returned no addresses: {}", config.ipam.type,
                              allocated.stdout_text),
                  version);
    }
    ips = result_addresses(allocated);
  } else {
    std::optional<api::Resource> existing;
    if (!annotations->ip_addrs.empty()) {
      auto stored = store.get(api::Kind::kWorkloadEndpoint, id.namespace_, wep_name);
      if (stored) {
        existing = std::move(*stored);
      } else if (!stored.is(api::DatastoreErrorKind::NotFound)) {
        return fail(ErrorCode::kTryAgainLater, stored.error().message, version);
      }
    }
    auto allocated =
        allocate_addresses(stdin_text, env, config, *annotations, *datastore, existing);
    if (auto* failed = std::get_if<PluginOutput>(&allocated)) return *failed;
    ips = std::get<std::vector<ResultIp>>(allocated);
  }
  const auto undo = [&](const std::string& message, ErrorCode code) {
    (void)unwire_pod(cni);
    if (!config.prev_result.is_object()) (void)run_ipam(config, "DEL", stdin_text, env);
    return fail(code, message, version);
  };

  auto mac = wire_pod(cni, config, host_if, ips, annotations->hw_addr);
  if (!mac) return undo(mac.error().message, ErrorCode::kIoFailure);

  json networks = json::array();
  for (const auto& ip : ips)
    networks.push_back(fmt::format("{}/{}", ip.address.to_string(), ip.prefix_length));
  json wep = {{"apiVersion", "projectcalico.org/v3"},
              {"kind", "WorkloadEndpoint"},
              {"metadata", {{"name", wep_name}, {"namespace", id.namespace_}}},
              {"spec",
               {{"orchestrator", id.orchestrator},
                {"node", std::get<std::string>(node)},
                {"containerID", cni.container_id},
                {"endpoint", cni.ifname},
                {"interfaceName", host_if},
                {"mac", *mac},
                {"ipNetworks", networks}}}};
  if (!id.pod.empty()) wep["spec"]["pod"] = id.pod;
  auto resource = api::resource_from_json(api::Json::parse(wep.dump()));
  if (!resource)
    return undo("WorkloadEndpoint: " + resource.error().message, ErrorCode::kIoFailure);
  auto written = store.apply(*resource);
  if (!written) return undo(written.error().message, ErrorCode::kTryAgainLater);

  PluginResult result;
  result.interfaces = {{host_if, kHostSideMac, "", 0}, {cni.ifname, *mac, cni.netns, config.mtu}};
  result.ips = ips;
  return {0, format_result(result, version)};
}

}  // namespace
}  // namespace tabby::cni
