#pragma once
// The CNI protocol as both plugins speak it (CNI spec 1.0.0, 0.4.0 and 0.3.x): the network
// configuration with Calico's fields, the CNI_* environment, results and error results in
// the version the runtime asked for, and the spec's error codes.

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tabby/api/datastore.h"
#include "tabby/common/ip.h"
#include "tabby/common/result.h"

namespace tabby::cni {

inline const std::vector<std::string> kSupportedVersions = {"0.3.0", "0.3.1", "0.4.0", "1.0.0"};

// The runtimeConfig key under which containerd (1.5+) and CRI-O pass a pod's annotations to a
// plugin that declares the capability of that name (pod_annotations.h).
inline constexpr const char* kPodAnnotationsRuntimeKey = "io.kubernetes.cri.pod-annotations";

// Error codes of the CNI spec; 100 and up are the plugin's own.
enum class ErrorCode : int {
  kIncompatibleVersion = 1,
  kUnsupportedField = 2,
  kUnknownContainer = 3,
  kInvalidEnvironment = 4,
  kIoFailure = 5,
  kDecodeFailure = 6,
  kInvalidConfig = 7,
  kTryAgainLater = 11,
  kIpamFailure = 100,  // e.g. the pools are exhausted
};

struct PluginError {
  ErrorCode code;
  std::string message;
  std::string details;
};

struct IpamConfig {
  std::string type;
  bool assign_ipv4 = true;   // Calico's "assign_ipv4": "true" (a string)
  bool assign_ipv6 = false;  // "assign_ipv6": "false"
  std::vector<std::string> ipv4_pools;
  std::vector<std::string> ipv6_pools;
};

// Calico's feature_control: features a pod's annotations may ask for only when enabled.
struct FeatureControl {
  bool ip_addrs_no_ipam = false;  // the ipAddrsNoIpam annotation
  bool floating_ips = false;      // the floatingIPs annotation
};

// Calico's `kubernetes` section. tabby has no Kubernetes API client, so these are read and
// checked but only node_name is used (as the node's name when `nodename` is not given).
struct KubernetesConfig {
  std::string kubeconfig;
  std::string k8s_api_root;
  std::string node_name;
};

struct NetworkConfig {
  std::string cni_version;
  std::string name;
  std::string type;
  IpamConfig ipam;
  std::string nodename;
  std::string nodename_file = "/var/lib/calico/nodename";
  bool nodename_file_optional = false;
  std::map<std::string, std::string> datastore_env;  // DATASTORE_TYPE, ETCD_ENDPOINTS, ...
  int mtu = 0;  // 0: the MTU the agent wrote to mtu_file, else the kernel's default
  std::string mtu_file = "/var/lib/calico/mtu";  // tests point it elsewhere
  std::string log_level = "info";
  nlohmann::json prev_result;  // when chained
  FeatureControl feature_control;
  std::string policy_type;  // policy.type: "k8s" in Calico's manifests
  KubernetesConfig kubernetes;
  // The pod's annotations, when the runtime hands them in (runtimeConfig, pod_annotations.h).
  std::map<std::string, std::string> pod_annotations;
  // One line per key tabby does not act on (unknown, or Calico's but without effect here),
  // for the plugin to print on stderr where the runtime logs it: the main plugin's, and the
  // ipam section's (which tabby-ipam prints also under another main plugin, whose own keys
  // are not its business).
  std::vector<std::string> warnings;
  std::vector<std::string> ipam_warnings;
};

// Parses and checks the configuration on stdin; errors name the field and the value.
std::variant<NetworkConfig, PluginError> parse_network_config(const std::string& text);

struct Environment {
  std::string command;                      // ADD, DEL, CHECK, VERSION
  std::string container_id;                 // CNI_CONTAINERID
  std::string netns;                        // CNI_NETNS
  std::string ifname;                       // CNI_IFNAME
  std::string path;                         // CNI_PATH
  std::map<std::string, std::string> args;  // CNI_ARGS: K8S_POD_NAMESPACE, K8S_POD_NAME, IP, ...
};

using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;
// Reads CNI_*; the ones `command` needs must be present (InvalidEnvironment otherwise).
std::variant<Environment, PluginError> read_environment(const EnvLookup& env);

// The node name: the config's nodename, else the nodename file, else the host name.
std::variant<std::string, PluginError> node_name(const NetworkConfig& config);

// Opens the datastore the config names (its datastore fields override `env`, as Calico's
// plugin exports them): InvalidConfig for bad settings, TryAgainLater when it cannot be reached.
std::variant<std::unique_ptr<api::Datastore>, PluginError> open_datastore(
    const NetworkConfig& config, const EnvLookup& env);

struct ResultIp {
  IpAddress address;
  int prefix_length = 32;        // printed with the address: 10.244.1.5/26
  std::optional<int> interface;  // index into interfaces
};
struct ResultInterface {
  std::string name;
  std::string mac;
  std::string sandbox;
  int mtu = 0;
};
struct PluginResult {
  std::vector<ResultInterface> interfaces;
  std::vector<ResultIp> ips;
};

// The result in the shape of `version` (0.3.x and 0.4.0 add "version" to each IP).
std::string format_result(const PluginResult& result, const std::string& version);
std::string format_error(const PluginError& error, const std::string& version);
std::string format_version_info(const std::string& version);

}  // namespace tabby::cni
