#include "tabby/cni/cni_protocol.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "tabby/api/datastore_factory.h"

namespace tabby::cni {

using nlohmann::json;

namespace {

PluginError config_error(const std::string& message) {
  return PluginError{ErrorCode::kInvalidConfig, "network config: " + message, ""};
}

// Calico writes booleans in the IPAM config as strings ("true"); accept real booleans too.
std::variant<bool, PluginError> boolean_field(const json& object, const char* field, bool fallback,
                                              const std::string& path) {
  if (!object.contains(field)) return fallback;
  const json& value = object[field];
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_string() && (value == "true" || value == "false")) return value == "true";
  return config_error(
      fmt::format("{}.{}: {} is not \"true\" or \"false\"", path, field, value.dump()));
}

std::variant<std::vector<std::string>, PluginError> string_list(const json& object,
                                                                const char* field,
                                                                const std::string& path) {
  std::vector<std::string> list;
  if (!object.contains(field)) return list;
  if (!object[field].is_array())
    return config_error(fmt::format("{}.{}: must be a list of pool names or CIDRs", path, field));
  for (const auto& item : object[field]) {
    if (!item.is_string())
      return config_error(fmt::format("{}.{}: {} is not a string", path, field, item.dump()));
    list.push_back(item.get<std::string>());
  }
  return list;
}

std::variant<std::string, PluginError> string_field(const json& object, const char* field,
                                                    bool required) {
  if (!object.contains(field)) {
    if (required) return config_error(fmt::format("\"{}\" is missing", field));
    return std::string();
  }
  if (!object[field].is_string())
    return config_error(fmt::format("{}: {} is not a string", field, object[field].dump()));
  return object[field].get<std::string>();
}

// An object-valued section, or an error naming it.
std::optional<PluginError> object_section(const json& object, const char* section) {
  if (object.contains(section) && !object[section].is_object())
    return config_error(
        fmt::format("{}: must be an object, not {}", section, object[section].dump()));
  return std::nullopt;
}

// Keys inside a section that are not known, as warnings.
void warn_unknown_keys(const json& section, const std::string& path,
                       const std::set<std::string>& known, std::vector<std::string>& warnings) {
  for (const auto& [key, value] : section.items()) {
    if (!known.contains(key))
      warnings.push_back(fmt::format("network config: {}.{}: unknown key, ignored", path, key));
  }
}

// policy, kubernetes, feature_control, runtimeConfig, and the warnings for keys without effect.
std::optional<PluginError> parse_calico_sections(const json& object, NetworkConfig& config) {
  for (const char* section : {"policy", "kubernetes", "feature_control", "runtimeConfig"}) {
    if (auto error = object_section(object, section)) return error;
  }
  if (object.contains("policy")) {
    const json& policy = object["policy"];
    auto type = string_field(policy, "type", false);
    if (auto* error = std::get_if<PluginError>(&type)) return *error;
    config.policy_type = std::get<std::string>(type);
    if (!config.policy_type.empty() && config.policy_type != "k8s") {
      return config_error(
          fmt::format("policy.type: \"{}\" is not \"k8s\" (or left out)", config.policy_type));
    }
    warn_unknown_keys(policy, "policy",
                      {"type", "k8s_api_root", "k8s_auth_token", "k8s_client_certificate",
                       "k8s_client_key", "k8s_certificate_authority"},
                      config.warnings);
  }
  if (object.contains("kubernetes")) {
    const json& kubernetes = object["kubernetes"];
    for (auto [field, target] : {std::pair{"kubeconfig", &config.kubernetes.kubeconfig},
                                 std::pair{"k8s_api_root", &config.kubernetes.k8s_api_root},
                                 std::pair{"node_name", &config.kubernetes.node_name}}) {
      auto value = string_field(kubernetes, field, false);
      if (auto* error = std::get_if<PluginError>(&value)) return *error;
      *target = std::get<std::string>(value);
    }
    warn_unknown_keys(kubernetes, "kubernetes", {"kubeconfig", "k8s_api_root", "node_name"},
                      config.warnings);
  }
  if (object.contains("feature_control")) {
    const json& features = object["feature_control"];
    for (auto [field, target] :
         {std::pair{"ip_addrs_no_ipam", &config.feature_control.ip_addrs_no_ipam},
          std::pair{"floating_ips", &config.feature_control.floating_ips}}) {
      auto value = boolean_field(features, field, false, "feature_control");
      if (auto* error = std::get_if<PluginError>(&value)) return *error;
      *target = std::get<bool>(value);
    }
    warn_unknown_keys(features, "feature_control", {"ip_addrs_no_ipam", "floating_ips"},
                      config.warnings);
  }
  if (object.contains("runtimeConfig") &&
      object["runtimeConfig"].contains(kPodAnnotationsRuntimeKey)) {
    const json& annotations = object["runtimeConfig"][kPodAnnotationsRuntimeKey];
    if (!annotations.is_object() && !annotations.is_null()) {
      return config_error(
          fmt::format("runtimeConfig.{}: must be an object of strings", kPodAnnotationsRuntimeKey));
    }
    if (annotations.is_object()) {
      for (const auto& [key, value] : annotations.items()) {
        if (!value.is_string()) {
          return config_error(fmt::format("runtimeConfig.{}.{}: {} is not a string",
                                          kPodAnnotationsRuntimeKey, key, value.dump()));
        }
        config.pod_annotations[key] = value.get<std::string>();
      }
    }
  }
  if (config.nodename.empty() && !config.kubernetes.node_name.empty())
    config.nodename = config.kubernetes.node_name;

  // What tabby reads; Calico's own keys that it reads but does not act on; the CNI spec's.
  static const std::set<std::string> kActedOn = {"cniVersion",
                                                 "name",
                                                 "type",
                                                 "ipam",
                                                 "nodename",
                                                 "nodename_file",
                                                 "nodename_file_optional",
                                                 "mtu",
                                                 "mtu_file",
                                                 "log_level",
                                                 "datastore_type",
                                                 "etcd_endpoints",
                                                 "etcd_key_file",
                                                 "etcd_cert_file",
                                                 "etcd_ca_cert_file",
                                                 "datastore_path",
                                                 "policy",
                                                 "kubernetes",
                                                 "feature_control",
                                                 "prevResult",
                                                 "runtimeConfig",
                                                 "capabilities",
                                                 "args",
                                                 "dns"};
  static const std::set<std::string> kCalicoWithoutEffect = {"log_file_path",
                                                             "log_file_max_size",
                                                             "log_file_max_age",
                                                             "log_file_max_count",
                                                             "etcd_discovery_srv",
                                                             "etcd_scheme",
                                                             "container_settings",
                                                             "include_default_routes",
                                                             "policy_setup_timeout_seconds",
                                                             "endpoint_status_dir",
                                                             "ipip",
                                                             "vxlan_mac_prefix",
                                                             "vxlan_vni",
                                                             "num_queues",
                                                             "require_mtu_file"};
  for (const auto& [key, value] : object.items()) {
    if (kActedOn.contains(key)) continue;
    config.warnings.push_back(
        kCalicoWithoutEffect.contains(key)
            ? fmt::format("network config: {}: Calico's setting, which tabby does not act on", key)
            : fmt::format("network config: {}: unknown key, ignored", key));
  }
  if (!config.kubernetes.kubeconfig.empty() || !config.kubernetes.k8s_api_root.empty()) {
    config.warnings.push_back(
        "network config: kubernetes: tabby does not read the Kubernetes API; the pod's "
        "annotations come from runtimeConfig." +
        std::string(kPodAnnotationsRuntimeKey) + " (declare the capability)");
  }
  return std::nullopt;
}

}  // namespace

std::variant<NetworkConfig, PluginError> parse_network_config(const std::string& text) {
  json object;
  try {
    object = json::parse(text);
  } catch (const json::parse_error& error) {
    return PluginError{ErrorCode::kDecodeFailure,
                       std::string("network config is not JSON: ") + error.what(), ""};
  }
  if (!object.is_object())
    return PluginError{ErrorCode::kDecodeFailure, "network config is not a JSON object", ""};

  NetworkConfig config;
  for (auto [field, target, required] :
       {std::tuple{"cniVersion", &config.cni_version, false},
        std::tuple{"name", &config.name, true}, std::tuple{"type", &config.type, true},
        std::tuple{"nodename", &config.nodename, false},
        std::tuple{"log_level", &config.log_level, false}}) {
    auto value = string_field(object, field, required);
    if (auto* error = std::get_if<PluginError>(&value)) return *error;
    if (!std::get<std::string>(value).empty()) *target = std::get<std::string>(value);
  }
  if (config.cni_version.empty()) config.cni_version = "0.2.0";  // the spec's default, as Calico
  if (std::find(kSupportedVersions.begin(), kSupportedVersions.end(), config.cni_version) ==
      kSupportedVersions.end()) {
    return PluginError{ErrorCode::kIncompatibleVersion,
                       fmt::format("unsupported CNI version {} (supported: {})", config.cni_version,
                                   fmt::join(kSupportedVersions, ", ")),
                       ""};
  }
  if (object.contains("nodename_file")) {
    auto value = string_field(object, "nodename_file", false);
    if (auto* error = std::get_if<PluginError>(&value)) return *error;
    config.nodename_file = std::get<std::string>(value);
  }
  if (object.contains("nodename_file_optional")) {
    if (!object["nodename_file_optional"].is_boolean())
      return config_error("nodename_file_optional: must be true or false");
    config.nodename_file_optional = object["nodename_file_optional"].get<bool>();
  }
  if (object.contains("mtu_file")) {
    auto value = string_field(object, "mtu_file", false);
    if (auto* error = std::get_if<PluginError>(&value)) return *error;
    config.mtu_file = std::get<std::string>(value);
  }
  if (object.contains("mtu")) {
    if (!object["mtu"].is_number_integer() || object["mtu"].get<int>() < 0 ||
        object["mtu"].get<int>() > 65535) {
      return config_error(fmt::format("mtu: {} is not an MTU (0-65535)", object["mtu"].dump()));
    }
    config.mtu = object["mtu"].get<int>();
  }
  // Calico passes the datastore settings to its library through the environment.
  static const std::map<std::string, std::string> kDatastoreFields = {
      {"datastore_type", "DATASTORE_TYPE"},       {"etcd_endpoints", "ETCD_ENDPOINTS"},
      {"etcd_key_file", "ETCD_KEY_FILE"},         {"etcd_cert_file", "ETCD_CERT_FILE"},
      {"etcd_ca_cert_file", "ETCD_CA_CERT_FILE"}, {"datastore_path", "TABBY_DATASTORE_PATH"},
  };
  for (const auto& [field, variable] : kDatastoreFields) {
    auto value = string_field(object, field.c_str(), false);
    if (auto* error = std::get_if<PluginError>(&value)) return *error;
    if (!std::get<std::string>(value).empty())
      config.datastore_env[variable] = std::get<std::string>(value);
  }
  if (object.contains("ipam")) {
    const json& ipam = object["ipam"];
    if (!ipam.is_object()) return config_error("ipam: must be an object");
    auto type = string_field(ipam, "type", false);
    if (auto* error = std::get_if<PluginError>(&type)) return *error;
    config.ipam.type = std::get<std::string>(type);
    auto v4 = boolean_field(ipam, "assign_ipv4", true, "ipam");
    if (auto* error = std::get_if<PluginError>(&v4)) return *error;
    config.ipam.assign_ipv4 = std::get<bool>(v4);
    auto v6 = boolean_field(ipam, "assign_ipv6", false, "ipam");
    if (auto* error = std::get_if<PluginError>(&v6)) return *error;
    config.ipam.assign_ipv6 = std::get<bool>(v6);
    auto pools4 = string_list(ipam, "ipv4_pools", "ipam");
    if (auto* error = std::get_if<PluginError>(&pools4)) return *error;
    config.ipam.ipv4_pools = std::get<std::vector<std::string>>(pools4);
    auto pools6 = string_list(ipam, "ipv6_pools", "ipam");
    if (auto* error = std::get_if<PluginError>(&pools6)) return *error;
    config.ipam.ipv6_pools = std::get<std::vector<std::string>>(pools6);
    if (config.ipam.type == "tabby-ipam" || config.ipam.type == "calico-ipam") {
      warn_unknown_keys(ipam, "ipam",
                        {"type", "assign_ipv4", "assign_ipv6", "ipv4_pools", "ipv6_pools"},
                        config.ipam_warnings);
    }
  }
  if (object.contains("prevResult")) config.prev_result = object["prevResult"];
  if (auto error = parse_calico_sections(object, config)) return *error;
  return config;
}

std::variant<Environment, PluginError> read_environment(const EnvLookup& env) {
  Environment environment;
  const auto get = [&](const char* name) { return env(name).value_or(""); };
  environment.command = get("CNI_COMMAND");
  environment.container_id = get("CNI_CONTAINERID");
  environment.netns = get("CNI_NETNS");
  environment.ifname = get("CNI_IFNAME");
  environment.path = get("CNI_PATH");
  // STATUS and GC belong to CNI 1.1.0, which these plugins do not claim to speak.
  static const std::set<std::string> kCommands = {"ADD", "DEL", "CHECK", "VERSION"};
  if (!kCommands.contains(environment.command)) {
    return PluginError{
        ErrorCode::kInvalidEnvironment,
        environment.command.empty()
            ? "CNI_COMMAND is not set"
            : fmt::format("CNI_COMMAND: unknown command \"{}\"", environment.command),
        ""};
  }
  if (environment.command == "ADD" || environment.command == "DEL" ||
      environment.command == "CHECK") {
    if (environment.container_id.empty())
      return PluginError{ErrorCode::kInvalidEnvironment, "CNI_CONTAINERID is not set", ""};
    if (environment.ifname.empty())
      return PluginError{ErrorCode::kInvalidEnvironment, "CNI_IFNAME is not set", ""};
  }
  // The kernel takes at most 15 characters and no '/', ':' or whitespace; libnl would
  // silently cut a longer name, so refuse it here.
  if (!environment.ifname.empty()) {
    const bool bad = environment.ifname.size() > 15 || environment.ifname == "." ||
                     environment.ifname == ".." ||
                     environment.ifname.find_first_of("/: \t\n") != std::string::npos;
    if (bad) {
      return PluginError{
          ErrorCode::kInvalidEnvironment,
          fmt::format("CNI_IFNAME: \"{}\" is not a valid interface name (1-15 characters, no "
                      "'/', ':' or spaces)",
                      environment.ifname),
          ""};
    }
  }
  // CNI_ARGS: "K=V;K=V" (IgnoreUnknown is implied, as Calico forces it).
  const std::string args = get("CNI_ARGS");
  std::size_t start = 0;
  while (start < args.size()) {
    const std::size_t end = std::min(args.find(';', start), args.size());
    const std::string pair = args.substr(start, end - start);
    if (!pair.empty()) {
      const std::size_t equals = pair.find('=');
      if (equals == std::string::npos) {
        return PluginError{ErrorCode::kInvalidEnvironment,
                           fmt::format("CNI_ARGS: \"{}\" is not KEY=VALUE", pair), ""};
      }
      environment.args[pair.substr(0, equals)] = pair.substr(equals + 1);
    }
    start = end + 1;
  }
  return environment;
}

std::variant<std::string, PluginError> node_name(const NetworkConfig& config) {
  if (!config.nodename.empty()) return config.nodename;
  std::ifstream file(config.nodename_file);
  std::string name;
  if (file && std::getline(file, name) && !name.empty()) return name;
  if (!config.nodename_file_optional && !config.nodename_file.empty() && !file) {
    return PluginError{
        ErrorCode::kInvalidConfig,
        fmt::format("stat {}: no such file or directory: check that the tabby-node container is "
                    "running and has mounted /var/lib/calico/",
                    config.nodename_file),
        ""};
  }
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  return std::string(host);
}

std::variant<std::unique_ptr<api::Datastore>, PluginError> open_datastore(
    const NetworkConfig& config, const EnvLookup& env) {
  const api::EnvLookup lookup = [&](std::string_view name) -> std::optional<std::string> {
    if (auto it = config.datastore_env.find(std::string(name)); it != config.datastore_env.end()) {
      return it->second;
    }
    return env(name);
  };
  auto settings = api::datastore_config_from_env(lookup);
  if (!settings) return PluginError{ErrorCode::kInvalidConfig, settings.error().message, ""};
  auto datastore = api::open_datastore(*settings);
  if (!datastore) return PluginError{ErrorCode::kTryAgainLater, datastore.error().message, ""};
  return std::move(datastore).value();
}

std::string format_result(const PluginResult& result, const std::string& version) {
  json out = {{"cniVersion", version}};
  if (!result.interfaces.empty()) {
    json interfaces = json::array();
    for (const auto& i : result.interfaces) {
      json entry = {{"name", i.name}};
      if (!i.mac.empty()) entry["mac"] = i.mac;
      if (i.mtu && version == "1.0.0") entry["mtu"] = i.mtu;
      if (!i.sandbox.empty()) entry["sandbox"] = i.sandbox;
      interfaces.push_back(entry);
    }
    out["interfaces"] = interfaces;
  }
  json ips = json::array();
  for (const auto& ip : result.ips) {
    json entry;
    if (version != "1.0.0") entry["version"] = ip.address.is_v4() ? "4" : "6";
    if (ip.interface) entry["interface"] = *ip.interface;
    entry["address"] = fmt::format("{}/{}", ip.address.to_string(), ip.prefix_length);
    ips.push_back(entry);
  }
  out["ips"] = ips;
  out["dns"] = json::object();
  return out.dump() + "\n";
}

std::string format_error(const PluginError& error, const std::string& version) {
  json out = {{"cniVersion", version.empty() ? "1.0.0" : version},
              {"code", static_cast<int>(error.code)},
              {"msg", error.message}};
  if (!error.details.empty()) out["details"] = error.details;
  return out.dump() + "\n";
}

std::string format_version_info(const std::string& version) {
  return json({{"cniVersion", version.empty() ? "1.0.0" : version},
               {"supportedVersions", kSupportedVersions}})
             .dump() +
         "\n";
}

}  // namespace tabby::cni
