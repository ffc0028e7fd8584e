#pragma once
// The node agent's configuration, from the environment the calico-node DaemonSet sets (same
// names, same defaults, same meaning; ../shared/reference/calico-node.md §1.3, §1.4, §1.6,
// §4.1, §6) and from command-line flags, which override the environment. Loading is pure:
// the environment and argv are inputs, so every variable is unit-tested. An invalid value is
// one error line naming the variable (or flag), the value and what is allowed, e.g.
//   CALICO_IPV4POOL_IPIP="Sometimes" is not valid: use Always, CrossSubnet or Never
// docs/agent-config.md lists every variable and flag.

#include <spdlog/common.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "tabby/agent/autodetect_method.h"
#include "tabby/api/datastore_factory.h"
#include "tabby/common/ip.h"
#include "tabby/common/result.h"
#include "tabby/dataplane/mtu.h"
#include "tabby/dataplane/mtu_file.h"

namespace tabby::agent {

// IP / IP6 (and --ip / --ip6).
struct AddressSetting {
  enum class Mode {
    kUnset,       // IPv4: autodetect unless the Node already has one; IPv6: keep the Node's
    kAutodetect,  // "autodetect"
    kNone,        // "none": keep the Node's value if any, else no address of this family
    kExplicit,    // an address, with or without /prefix
  };
  Mode mode = Mode::kUnset;
  IpAddress address;                 // kExplicit
  std::optional<int> prefix_length;  // kExplicit with "/len"; else looked up on the host

  friend bool operator==(const AddressSetting&, const AddressSetting&) = default;
};

// CALICO_IPV4POOL_IPIP / CALICO_IPVxPOOL_VXLAN.
enum class EncapsulationMode { kNever, kAlways, kCrossSubnet };
std::string_view to_string(EncapsulationMode mode);  // "Never", "Always", "CrossSubnet"

// The default pool of one family (CALICO_IPV4POOL_* / CALICO_IPV6POOL_*).
struct PoolSettings {
  enum class CidrSource {
    kDefault,      // IPv4: 192.168.0.0/16 unless a host address is inside it (then the first
                   // free 172.16-31.0.0/16); IPv6: a random fdXX:XXXX:XXXX::/48. Start-up decides.
    kEnvironment,  // given: `cidr`
    kDisabled,     // "none": no default pool of this family
  };
  CidrSource cidr_source = CidrSource::kDefault;
  std::optional<IpPrefix> cidr;  // kEnvironment; for IPv4 kDefault, 192.168.0.0/16
  int block_size = 26;           // IPv4 20..32 (26), IPv6 116..128 (122)
  EncapsulationMode ipip = EncapsulationMode::kNever;  // IPv4 only
  EncapsulationMode vxlan = EncapsulationMode::kNever;
  bool nat_outgoing = true;   // IPv4 true, IPv6 false
  std::string node_selector;  // Calico selector text; empty means all()
  bool disable_bgp_export = false;

  friend bool operator==(const PoolSettings&, const PoolSettings&) = default;
};

enum class NetworkingBackend { kBird, kVxlan, kNone };
std::string_view to_string(NetworkingBackend backend);  // "bird", "vxlan", "none"

struct RouterIdSetting {
  enum class Mode { kNodeIpv4, kHash, kExplicit };
  Mode mode = Mode::kNodeIpv4;  // unset: the node's IPv4 address
  IpAddress address;            // kExplicit

  friend bool operator==(const RouterIdSetting&, const RouterIdSetting&) = default;
};

struct AgentConfig {
  // Node identity and addresses.
  std::string nodename;                // NODENAME, then HOSTNAME, then the host name (lower-cased)
  bool nodename_autodetected = false;  // from HOSTNAME or the host name: worth a warning
  // CALICO_NODENAME_FILE: read for the name when NODENAME is unset, written after start-up.
  std::string nodename_file = "/var/lib/calico/nodename";
  AddressSetting ipv4;              // IP
  AddressSetting ipv6;              // IP6
  AutodetectionMethod ipv4_method;  // IP_AUTODETECTION_METHOD (first-found)
  AutodetectionMethod ipv6_method;  // IP6_AUTODETECTION_METHOD (first-found)
  std::chrono::milliseconds autodetect_poll_interval{60'000};  // AUTODETECT_POLL_INTERVAL
  bool disable_node_ip_check = false;                          // DISABLE_NODE_IP_CHECK
  std::optional<std::uint32_t> as_number;                      // AS (64512 or 1.10)
  RouterIdSetting router_id;                                   // CALICO_ROUTER_ID

  // Default pools.
  PoolSettings ipv4_pool;
  PoolSettings ipv6_pool;
  bool no_default_pools = false;  // NO_DEFAULT_POOLS
  bool ipv6_support = true;       // FELIX_IPV6SUPPORT (also gates the IPv6 default pool)

  NetworkingBackend backend = NetworkingBackend::kBird;  // CALICO_NETWORKING_BACKEND

  // Datastore: api::datastore_config_from_env over the same environment (and the flags).
  api::DatastoreConfig datastore;
  bool wait_for_datastore = false;  // WAIT_FOR_DATASTORE, exactly "true"

  // Felix's routing-relevant settings.
  std::uint32_t ipip_mtu = 0;      // FELIX_IPINIPMTU, 0 = host MTU - 20
  std::uint32_t vxlan_mtu = 0;     // FELIX_VXLANMTU, 0 = host MTU - 50
  std::uint32_t vxlan_mtu_v6 = 0;  // FELIX_VXLANMTUV6, 0 = host MTU - 70
  std::uint32_t vxlan_vni = 4096;
  std::uint16_t vxlan_port = 4789;
  std::chrono::milliseconds route_refresh_interval{90'000};  // 0 = never
  bool health_enabled = false;
  std::string health_host = "localhost";
  std::uint16_t health_port = 9099;
  bool prometheus_metrics_enabled = false;
  std::string prometheus_metrics_host;  // empty: every address
  std::uint16_t prometheus_metrics_port = 9091;
  spdlog::level::level_enum log_severity = spdlog::level::info;  // FELIX_LOGSEVERITYSCREEN
  // FELIX_MTUIFACEPATTERN: the NICs whose smallest MTU is the host's (a regex, checked at load).
  std::string mtu_iface_pattern = dataplane::kDefaultMtuInterfacePattern;
  // The FELIX_* variables the environment (or a flag) set: these beat FelixConfiguration
  // resources, whose values fill in the rest (felix_settings.h).
  std::set<std::string> felix_from_environment;

  // tabby's own.
  std::string status_socket = "/var/run/tabby/status.sock";  // TABBY_STATUS_SOCKET
  std::string secrets_dir = "/etc/tabby/secrets";     // TABBY_SECRETS_DIR: BGP passwords' Secrets
  std::string mtu_file = dataplane::kDefaultMtuFile;  // TABBY_MTU_FILE: the pod MTU, for the CNI
  // To log once logging is set up: one line per FELIX_ variable tabby does not read.
  std::vector<std::string> warnings;
  bool cleanup_on_exit = false;  // --cleanup-on-exit: remove routes and tunnels on SIGTERM
};

// What the command line asks for besides configuration.
enum class AgentCommand { kRun, kVersion, kCleanup, kHelp };

struct LoadedConfig {
  AgentCommand command = AgentCommand::kRun;
  std::string help;  // kHelp: the text to print
  AgentConfig config;
};

using Environment = std::map<std::string, std::string>;

// What the node name falls back to when NODENAME is not set, in Calico's order: the file
// the agent wrote at an earlier start (CALICO_NODENAME_FILE, /var/lib/calico/nodename), then
// HOSTNAME, then the machine's host name.
struct HostFacts {
  std::optional<std::string> nodename_file;  // the file's contents, if it exists
  std::string host_name;                     // gethostname()
};

// Reads `environment` and `argv` (argv[0] is the program name). --version, --cleanup and
// --help parse no further configuration.
Result<LoadedConfig> load_config(const Environment& environment,
                                 const std::vector<std::string>& argv, const HostFacts& host = {});

// The process's environment, argv and host name through load_config.
Result<LoadedConfig> load_config_from_process(int argc, const char* const* argv);

// Every environment variable the agent reads, sorted (for the DaemonSet manifest test).
const std::vector<std::string>& known_environment_variables();

// One warning per FELIX_ variable (any case, as Felix matches the prefix) that tabby does not
// read, as Felix logs the config it ignores: a setting that does nothing should not look set.
std::vector<std::string> unknown_felix_variable_warnings(const Environment& environment);

}  // namespace tabby::agent
