#include "tabby/cni/ipam_plugin.h"

#include <fmt/format.h>

#include <chrono>
#include <ctime>

#include "tabby/api/resource_store.h"
#include "tabby/ipam/ipam.h"

namespace tabby::cni {
namespace {

PluginOutput fail(const PluginError& error, const std::string& version) {
  return {1, format_error(error, version)};
}

std::string utc_timestamp() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[40];
  std::strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S UTC", &utc);
  return text;
}

// An IPAM failure that a retry may cure (the datastore is down or busy) says so.
PluginError ipam_error(const std::string& message) {
  const bool transient = message.find("unavailable") != std::string::npos ||
                         message.find("Unavailable") != std::string::npos ||
                         message.find("connect") != std::string::npos ||
                         message.find("locked") != std::string::npos;
  return PluginError{transient ? ErrorCode::kTryAgainLater : ErrorCode::kIpamFailure, message, ""};
}

// The node's labels, for the pools' nodeSelector, from the Node its tabby-node registered (as
// Calico reads the Node before choosing pools). A node not stored yet is TryAgainLater: its
// agent registers it at start-up, and guessing at its labels could hand out an address from a
// pool meant for other nodes.
std::variant<api::Labels, PluginError> stored_node_labels(api::Datastore& datastore,
                                                          const std::string& node) {
  auto stored = api::ResourceStore(datastore).get(api::Kind::kNode, "", node);
  if (stored) return stored->metadata.labels;
  if (stored.is(api::DatastoreErrorKind::NotFound)) {
    return PluginError{ErrorCode::kTryAgainLater,
                       fmt::format("node {} is not in the datastore ({}): its labels choose the "
                                   "IP pools, and tabby-node registers it when it starts",
                                   node, stored.error().message),
                       ""};
  }
  return ipam_error(fmt::format("node {}: {}", node, stored.error().message));
}

}  // namespace

namespace {

PluginOutput run_ipam(const Environment& cni, const NetworkConfig& config, const EnvLookup& env);

std::string warning_lines(const std::vector<std::string>& warnings) {
  std::string out;
  for (const auto& warning : warnings)
    out += "tabby-ipam: warning: " + warning + "\n";
  return out;
}

}  // namespace

PluginOutput run_ipam_plugin(const std::string& stdin_text, const EnvLookup& env) {
  auto environment = read_environment(env);
  if (auto* error = std::get_if<PluginError>(&environment)) return fail(*error, "1.0.0");
  const Environment& cni = std::get<Environment>(environment);
  if (cni.command == "VERSION") return {0, format_version_info("1.0.0")};
  auto parsed = parse_network_config(stdin_text);
  if (auto* error = std::get_if<PluginError>(&parsed)) return fail(*error, "1.0.0");
  const NetworkConfig& config = std::get<NetworkConfig>(parsed);
  PluginOutput output = run_ipam(cni, config, env);
  output.stderr_text = warning_lines(config.ipam_warnings) + output.stderr_text;
  return output;
}

namespace {

// ADD, DEL or CHECK, once the environment and the config are read.
PluginOutput run_ipam(const Environment& cni, const NetworkConfig& config, const EnvLookup& env) {
  const std::string& version = config.cni_version;
  auto node = node_name(config);
  if (auto* error = std::get_if<PluginError>(&node)) return fail(*error, version);

  auto opened = open_datastore(config, env);
  if (auto* error = std::get_if<PluginError>(&opened)) return fail(*error, version);
  auto& datastore = std::get<std::unique_ptr<api::Datastore>>(opened);
  ipam::Ipam ipam(*datastore);
  const std::string handle = config.name + "." + cni.container_id;

  if (cni.command == "DEL") {
    if (auto status = ipam.release_by_handle(handle); !status)
      return fail(ipam_error(status.error().message), version);
    return {0, ""};
  }
  if (cni.command == "CHECK") {
    auto stored = datastore->get(api::handle_key(handle));
    if (stored) return {0, ""};
    return fail({ErrorCode::kIpamFailure,
                 fmt::format("no addresses are allocated to container {}", cni.container_id), ""},
                version);
  }

  // ADD
  std::map<std::string, std::string> attributes = {{"node", std::get<std::string>(node)},
                                                   {"timestamp", utc_timestamp()}};
  if (auto it = cni.args.find("K8S_POD_NAME"); it != cni.args.end()) attributes["pod"] = it->second;
  if (auto it = cni.args.find("K8S_POD_NAMESPACE"); it != cni.args.end())
    attributes["namespace"] = it->second;
  PluginResult result;
  if (auto it = cni.args.find("IP"); it != cni.args.end()) {
    auto address = IpAddress::parse(it->second);
    if (!address)
      return fail({ErrorCode::kInvalidEnvironment, "CNI_ARGS IP: " + address.error().message, ""},
                  version);
    if (auto status = ipam.assign_ip(*address, handle, attributes, std::get<std::string>(node));
        !status) {
      return fail(ipam_error(status.error().message), version);
    }
    result.ips.push_back({*address, address->bit_length(), std::nullopt});
    return {0, format_result(result, version)};
  }
  auto labels = stored_node_labels(*datastore, std::get<std::string>(node));
  if (auto* error = std::get_if<PluginError>(&labels)) return fail(*error, version);
  ipam::AutoAssignRequest request;
  request.node = std::get<std::string>(node);
  request.node_labels = std::get<api::Labels>(labels);
  request.num_v4 = config.ipam.assign_ipv4 ? 1 : 0;
  request.num_v6 = config.ipam.assign_ipv6 ? 1 : 0;
  request.handle_id = handle;
  request.attributes = attributes;
  request.pools_v4 = config.ipam.ipv4_pools;
  request.pools_v6 = config.ipam.ipv6_pools;
  auto assigned = ipam.auto_assign(request);
  if (!assigned)
    return fail(ipam_error("failed to request addresses: " + assigned.error().message), version);
  for (const auto& a : assigned->v4)
    result.ips.push_back({a.address, a.prefix_length, std::nullopt});
  for (const auto& a : assigned->v6)
    result.ips.push_back({a.address, a.prefix_length, std::nullopt});
  return {0, format_result(result, version)};
}

}  // namespace
}  // namespace tabby::cni
