#include "tabby/agent/config.h"

#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <iterator>
#include <regex>

#include "tabby/agent/config_values.h"
#include "tabby/agent/nodename_file.h"
#include "tabby/agent/text_lists.h"
#include "tabby/api/selector.h"
#include "tabby/common/log.h"

extern char** environ;  // NOLINT: POSIX

namespace tabby::agent {

namespace {

// The datastore variables api::datastore_config_from_env reads; like calico-node, a
// CALICO_-prefixed copy of each wins over the plain name.
const std::vector<std::string> kDatastoreVariables = {
    "DATASTORE_TYPE",     "TABBY_DATASTORE_PATH", "ETCD_ENDPOINTS",
    "ETCD_DISCOVERY_SRV", "ETCD_CA_CERT_FILE",    "ETCD_CERT_FILE",
    "ETCD_KEY_FILE",      "ETCD_USERNAME",        "ETCD_PASSWORD",
};

// Every other variable load_config reads.
const std::vector<std::string> kAgentVariables = {
    "NODENAME",
    "HOSTNAME",
    "CALICO_NODENAME_FILE",
    "IP",
    "IP6",
    "IP_AUTODETECTION_METHOD",
    "IP6_AUTODETECTION_METHOD",
    "AUTODETECT_POLL_INTERVAL",
    "DISABLE_NODE_IP_CHECK",
    "AS",
    "CALICO_ROUTER_ID",
    "CALICO_IPV4POOL_CIDR",
    "CALICO_IPV4POOL_BLOCK_SIZE",
    "CALICO_IPV4POOL_IPIP",
    "CALICO_IPV4POOL_VXLAN",
    "CALICO_IPV4POOL_NAT_OUTGOING",
    "CALICO_IPV4POOL_NODE_SELECTOR",
    "CALICO_IPV4POOL_DISABLE_BGP_EXPORT",
    "CALICO_IPV6POOL_CIDR",
    "CALICO_IPV6POOL_BLOCK_SIZE",
    "CALICO_IPV6POOL_VXLAN",
    "CALICO_IPV6POOL_NAT_OUTGOING",
    "CALICO_IPV6POOL_NODE_SELECTOR",
    "CALICO_IPV6POOL_DISABLE_BGP_EXPORT",
    "NO_DEFAULT_POOLS",
    "CALICO_NETWORKING_BACKEND",
    "CALICO_NETWORKING",
    "WAIT_FOR_DATASTORE",
    "FELIX_IPV6SUPPORT",
    "FELIX_IPINIPMTU",
    "FELIX_VXLANMTU",
    "FELIX_VXLANMTUV6",
    "FELIX_VXLANVNI",
    "FELIX_VXLANPORT",
    "FELIX_ROUTEREFRESHINTERVAL",
    "FELIX_HEALTHENABLED",
    "FELIX_HEALTHHOST",
    "FELIX_HEALTHPORT",
    "FELIX_PROMETHEUSMETRICSENABLED",
    "FELIX_PROMETHEUSMETRICSHOST",
    "FELIX_PROMETHEUSMETRICSPORT",
    "FELIX_LOGSEVERITYSCREEN",
    "FELIX_MTUIFACEPATTERN",
    "TABBY_STATUS_SOCKET",
    "TABBY_SECRETS_DIR",
    "TABBY_MTU_FILE",
};

// A flag that overrides an environment variable.
struct FlagOverride {
  const char* flag;
  const char* variable;
  const char* help;
};
constexpr FlagOverride kFlagOverrides[] = {
    {"--nodename", "NODENAME", "node name (NODENAME)"},
    {"--ip", "IP", "IPv4 address[/len], autodetect or none (IP)"},
    {"--ip6", "IP6", "IPv6 address[/len], autodetect or none (IP6)"},
    {"--ip-autodetection-method", "IP_AUTODETECTION_METHOD", "IPv4 autodetection method"},
    {"--ip6-autodetection-method", "IP6_AUTODETECTION_METHOD", "IPv6 autodetection method"},
    {"--as", "AS", "this node's AS number (AS)"},
    {"--datastore-type", "DATASTORE_TYPE", "sqlite or etcdv3 (DATASTORE_TYPE)"},
    {"--datastore-path", "TABBY_DATASTORE_PATH", "the SQLite file (TABBY_DATASTORE_PATH)"},
    {"--backend", "CALICO_NETWORKING_BACKEND", "bird, vxlan or none (CALICO_NETWORKING_BACKEND)"},
    {"--health-port", "FELIX_HEALTHPORT", "port of /liveness and /readiness (FELIX_HEALTHPORT)"},
    {"--metrics-port", "FELIX_PROMETHEUSMETRICSPORT",
     "port of /metrics (FELIX_PROMETHEUSMETRICSPORT)"},
    {"--status-socket", "TABBY_STATUS_SOCKET",
     "where `tabbyctl node status` finds the agent (TABBY_STATUS_SOCKET)"},
    {"--log-severity", "FELIX_LOGSEVERITYSCREEN", "log level (FELIX_LOGSEVERITYSCREEN)"},
};

struct Setting {
  std::string value;
  std::string label;  // the variable's name, or the flag's when the flag gave the value
};

// The environment with the flags laid over it. Empty values count as unset, as calico-node
// treats them.
class Settings {
 public:
  Settings(const Environment& environment, std::map<std::string, Setting> flags)
      : environment_(environment), flags_(std::move(flags)) {}

  std::optional<Setting> get(const std::string& name) const {
    if (auto flag = flags_.find(name); flag != flags_.end()) return flag->second;
    auto it = environment_.find(name);
    if (it == environment_.end() || trim_blanks(it->second).empty()) return std::nullopt;
    return Setting{trim_blanks(it->second), name};
  }
  std::string value_or(const std::string& name, std::string fallback) const {
    auto setting = get(name);
    return setting ? setting->value : std::move(fallback);
  }

  // For api::datastore_config_from_env: flag, then CALICO_<NAME>, then NAME.
  api::EnvLookup datastore_lookup() const {
    return [this](std::string_view name) -> std::optional<std::string> {
      const std::string key(name);
      if (auto flag = flags_.find(key); flag != flags_.end()) return flag->second.value;
      for (const auto& candidate : {"CALICO_" + key, key}) {
        auto it = environment_.find(candidate);
        if (it != environment_.end() && !trim_blanks(it->second).empty()) return it->second;
      }
      return std::nullopt;
    };
  }
  // What the user set for a datastore variable, to name it in errors: the flag, else the
  // CALICO_-prefixed copy when that is the one read, else the plain name.
  api::EnvLabel datastore_label() const {
    return [this](std::string_view name) -> std::string {
      const std::string key(name);
      if (auto flag = flags_.find(key); flag != flags_.end()) return flag->second.label;
      auto prefixed = environment_.find("CALICO_" + key);
      if (prefixed != environment_.end() && !trim_blanks(prefixed->second).empty())
        return prefixed->first;
      return key;
    };
  }

 private:
  const Environment& environment_;
  std::map<std::string, Setting> flags_;
};

std::string to_upper(std::string_view text) {
  std::string upper(text);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return upper;
}

Error invalid(const Setting& setting, std::string_view allowed) {
  return Error{fmt::format("{}=\"{}\" is not valid: {}", setting.label, setting.value, allowed)};
}

std::string_view family_name(IpFamily family) {
  return family == IpFamily::kV4 ? "IPv4" : "IPv6";
}

Result<std::string> nodename(const Settings& settings, const HostFacts& host, bool& autodetected) {
  autodetected = false;
  if (auto name = settings.get("NODENAME")) return name->value;
  if (host.nodename_file) {
    if (auto name = trim_blanks(*host.nodename_file); !name.empty()) return name;
  }
  autodetected = true;
  if (auto name = settings.get("HOSTNAME")) return to_lower(name->value);
  if (auto name = trim_blanks(host.host_name); !name.empty()) return to_lower(name);
  return Error{"NODENAME is not set and the host name is unknown: set NODENAME"};
}

Result<AddressSetting> address_setting(const Settings& settings, const std::string& name,
                                       IpFamily family) {
  AddressSetting result;
  auto setting = settings.get(name);
  if (!setting) return result;
  if (setting->value == "autodetect") {
    result.mode = AddressSetting::Mode::kAutodetect;
    return result;
  }
  if (setting->value == "none") {
    result.mode = AddressSetting::Mode::kNone;
    return result;
  }
  const std::string example =
      family == IpFamily::kV4 ? "10.0.0.5 or 10.0.0.5/24" : "fd00::5 or fd00::5/64";
  const std::string allowed =
      fmt::format("use autodetect, none or an {} address ({})", family_name(family), example);
  const std::string_view text = setting->value;
  const auto slash = text.find('/');
  auto address = IpAddress::parse(text.substr(0, slash));
  if (!address || address->family() != family) return invalid(*setting, allowed);
  result.mode = AddressSetting::Mode::kExplicit;
  result.address = *address;
  if (slash != std::string_view::npos) {
    auto length = parse_unsigned(text.substr(slash + 1), 0, address->bit_length());
    if (!length) return invalid(*setting, allowed);
    result.prefix_length = static_cast<int>(*length);
  } else if (family == IpFamily::kV6) {
    result.prefix_length = 128;  // Calico looks IPv6 prefixes up nowhere
  }
  return result;
}

Result<AutodetectionMethod> method_setting(const Settings& settings, const std::string& name,
                                           IpFamily family) {
  auto setting = settings.get(name);
  if (!setting) return AutodetectionMethod{};
  auto method = parse_autodetection_method(setting->value, family);
  if (!method) return invalid(*setting, method.error().message);
  return method;
}

template <typename T, typename Parse>
Status read_into(const Settings& settings, const std::string& name, T& target, Parse parse) {
  auto setting = settings.get(name);
  if (!setting) return {};
  auto value = parse(setting->value);
  if (!value) return invalid(*setting, value.error().message);
  target = static_cast<T>(*value);
  return {};
}

Status read_unsigned(const Settings& settings, const std::string& name, auto& target,
                     std::uint64_t min, std::uint64_t max) {
  return read_into(settings, name, target,
                   [&](std::string_view text) { return parse_unsigned(text, min, max); });
}

Result<PoolSettings> pool_settings(const Settings& settings, IpFamily family) {
  const bool v4 = family == IpFamily::kV4;
  const std::string prefix = v4 ? "CALICO_IPV4POOL_" : "CALICO_IPV6POOL_";
  PoolSettings pool;
  pool.block_size = v4 ? 26 : 122;
  pool.nat_outgoing = v4;
  if (v4) pool.cidr = IpPrefix(IpAddress::v4(0xc0a80000U), 16);  // 192.168.0.0/16

  if (auto cidr = settings.get(prefix + "CIDR")) {
    if (cidr->value == "none") {
      pool.cidr_source = PoolSettings::CidrSource::kDisabled;
      pool.cidr.reset();
    } else {
      // Go's ParseCIDR accepts host bits; the pool gets the network.
      auto parsed = IpPrefix::parse_interface(cidr->value);
      if (!parsed || parsed->family() != family) {
        return invalid(*cidr, fmt::format("use an {} CIDR such as {}, or none", family_name(family),
                                          v4 ? "192.168.0.0/16" : "fd00:10:244::/48"));
      }
      pool.cidr_source = PoolSettings::CidrSource::kEnvironment;
      pool.cidr = *parsed;
    }
  }
  if (auto status = read_unsigned(settings, prefix + "BLOCK_SIZE", pool.block_size, v4 ? 20 : 116,
                                  v4 ? 32 : 128);
      !status) {
    return status.error();
  }
  if (pool.cidr && pool.cidr->length() > pool.block_size) {
    auto block = settings.get(prefix + "BLOCK_SIZE");
    return Error{fmt::format("{}=\"{}\" is not valid: the pool {} is smaller than one /{} block",
                             block ? block->label : prefix + "CIDR",
                             block ? block->value : pool.cidr->to_string(), pool.cidr->to_string(),
                             pool.block_size)};
  }
  if (v4) {
    if (auto status = read_into(settings, prefix + "IPIP", pool.ipip, parse_encapsulation_mode);
        !status) {
      return status.error();
    }
  }
  if (auto status = read_into(settings, prefix + "VXLAN", pool.vxlan, parse_encapsulation_mode);
      !status) {
    return status.error();
  }
  if (pool.ipip != EncapsulationMode::kNever && pool.vxlan != EncapsulationMode::kNever) {
    return Error{fmt::format(
        "{}IPIP=\"{}\" and {}VXLAN=\"{}\" cannot both be enabled: set one of them to Never", prefix,
        to_string(pool.ipip), prefix, to_string(pool.vxlan))};
  }
  if (auto nat = settings.get(prefix + "NAT_OUTGOING"))
    pool.nat_outgoing = parse_lenient_bool(nat->value);
  if (auto selector = settings.get(prefix + "NODE_SELECTOR")) {
    auto parsed = api::Selector::parse(selector->value);
    if (!parsed) return invalid(*selector, parsed.error().message);
    pool.node_selector = selector->value;
  }
  if (auto status = read_into(settings, prefix + "DISABLE_BGP_EXPORT", pool.disable_bgp_export,
                              parse_felix_bool);
      !status) {
    return status.error();
  }
  return pool;
}

Result<NetworkingBackend> backend_setting(const Settings& settings) {
  auto setting = settings.get("CALICO_NETWORKING_BACKEND");
  const bool from_flag = setting && setting->label.starts_with("--");
  // calico-node's rc.local: a set legacy CALICO_NETWORKING replaces the backend (false means
  // none, anything else bird). Only --backend beats it.
  if (auto legacy = settings.get("CALICO_NETWORKING"); legacy && !from_flag) {
    return legacy->value == "false" ? NetworkingBackend::kNone : NetworkingBackend::kBird;
  }
  if (!setting) return NetworkingBackend::kBird;
  const std::string lower = to_lower(setting->value);
  if (lower == "bird") return NetworkingBackend::kBird;
  if (lower == "vxlan") return NetworkingBackend::kVxlan;
  if (lower == "none") return NetworkingBackend::kNone;
  return invalid(*setting, "use bird, vxlan or none");
}

Result<RouterIdSetting> router_id_setting(const Settings& settings) {
  RouterIdSetting result;
  auto setting = settings.get("CALICO_ROUTER_ID");
  if (!setting) return result;
  if (setting->value == "hash") {
    result.mode = RouterIdSetting::Mode::kHash;
    return result;
  }
  auto address = IpAddress::parse(setting->value);
  if (!address || !address->is_v4()) {
    return invalid(*setting, "use an IPv4 address, or hash (derived from the node name)");
  }
  result.mode = RouterIdSetting::Mode::kExplicit;
  result.address = *address;
  return result;
}

// The Felix settings, each read into `config`.
Status felix_settings(const Settings& settings, AgentConfig& config) {
  const auto felix_bool = [](std::string_view text) { return parse_felix_bool(text); };
  const auto mtu = [](std::string_view text) -> Result<std::uint64_t> {
    // IPv4's smallest MTU is 68: a smaller one would make the pod MTU file unusable.
    auto value = parse_unsigned(text, 0, 65535);
    if (!value || (*value != 0 && *value < 68)) return Error{"use 0 (automatic) or 68 to 65535"};
    return value;
  };
  const auto log_level = [](std::string_view text) -> Result<spdlog::level::level_enum> {
    auto level = parse_log_level(text);
    if (!level) return Error{"use Trace, Debug, Info, Warning, Error, Fatal or None"};
    return level;
  };
  for (auto status : {
           read_into(settings, "FELIX_IPV6SUPPORT", config.ipv6_support, felix_bool),
           read_into(settings, "FELIX_IPINIPMTU", config.ipip_mtu, mtu),
           read_into(settings, "FELIX_VXLANMTU", config.vxlan_mtu, mtu),
           read_into(settings, "FELIX_VXLANMTUV6", config.vxlan_mtu_v6, mtu),
           read_unsigned(settings, "FELIX_VXLANVNI", config.vxlan_vni, 0, 16777215),
           read_unsigned(settings, "FELIX_VXLANPORT", config.vxlan_port, 1, 65535),
           read_into(settings, "FELIX_ROUTEREFRESHINTERVAL", config.route_refresh_interval,
                     parse_seconds),
           read_into(settings, "FELIX_HEALTHENABLED", config.health_enabled, felix_bool),
           read_unsigned(settings, "FELIX_HEALTHPORT", config.health_port, 1, 65535),
           read_into(settings, "FELIX_PROMETHEUSMETRICSENABLED", config.prometheus_metrics_enabled,
                     felix_bool),
           read_unsigned(settings, "FELIX_PROMETHEUSMETRICSPORT", config.prometheus_metrics_port, 1,
                         65535),
           read_into(settings, "FELIX_LOGSEVERITYSCREEN", config.log_severity, log_level),
       }) {
    if (!status) return status;
  }
  if (auto pattern = settings.get("FELIX_MTUIFACEPATTERN")) {
    try {
      (void)std::regex(pattern->value, std::regex::ECMAScript);
    } catch (const std::regex_error& error) {
      return invalid(*pattern, fmt::format("use a regular expression over interface names ({})",
                                           error.what()));
    }
    config.mtu_iface_pattern = pattern->value;
  }
  config.health_host = settings.value_or("FELIX_HEALTHHOST", config.health_host);
  config.prometheus_metrics_host =
      settings.value_or("FELIX_PROMETHEUSMETRICSHOST", config.prometheus_metrics_host);
  for (const std::string& name : kAgentVariables) {
    if (name.starts_with("FELIX_") && settings.get(name))
      config.felix_from_environment.insert(name);
  }
  return {};
}

// Moves a parsed value into its field, or passes the error on.
template <typename T>
Status assign(Result<T> result, T& target) {
  if (!result) return result.error();
  target = std::move(*result);
  return {};
}

Result<AgentConfig> build_config(const Settings& settings, const HostFacts& host) {
  AgentConfig config;
  const auto as_number = [&]() -> Result<std::optional<std::uint32_t>> {
    auto as = settings.get("AS");
    if (!as) return std::optional<std::uint32_t>();
    auto number = parse_as_number(as->value);
    if (!number) return invalid(*as, number.error().message);
    return std::optional<std::uint32_t>(*number);
  };
  // In the order the variables are documented; the first invalid one is reported.
  for (auto status : {
           assign(nodename(settings, host, config.nodename_autodetected), config.nodename),
           assign(address_setting(settings, "IP", IpFamily::kV4), config.ipv4),
           assign(address_setting(settings, "IP6", IpFamily::kV6), config.ipv6),
           assign(method_setting(settings, "IP_AUTODETECTION_METHOD", IpFamily::kV4),
                  config.ipv4_method),
           assign(method_setting(settings, "IP6_AUTODETECTION_METHOD", IpFamily::kV6),
                  config.ipv6_method),
           read_into(settings, "AUTODETECT_POLL_INTERVAL", config.autodetect_poll_interval,
                     parse_go_duration),
           assign(as_number(), config.as_number),
           assign(router_id_setting(settings), config.router_id),
           assign(pool_settings(settings, IpFamily::kV4), config.ipv4_pool),
           assign(pool_settings(settings, IpFamily::kV6), config.ipv6_pool),
       }) {
    if (!status) return status.error();
  }
  config.disable_node_ip_check = settings.value_or("DISABLE_NODE_IP_CHECK", "") == "true";
  if (auto no_pools = settings.get("NO_DEFAULT_POOLS")) {
    config.no_default_pools = to_lower(no_pools->value) == "true";
    for (const char* cidr : {"CALICO_IPV4POOL_CIDR", "CALICO_IPV6POOL_CIDR"}) {
      if (config.no_default_pools && settings.get(cidr)) {
        return invalid(*no_pools,
                       fmt::format("no default pools is contradicted by {}=\"{}\": unset "
                                   "one of them",
                                   cidr, settings.get(cidr)->value));
      }
    }
  }

  if (auto status = assign(backend_setting(settings), config.backend); !status) {
    return status.error();
  }

  auto datastore =
      api::datastore_config_from_env(settings.datastore_lookup(), settings.datastore_label());
  if (!datastore) return Error{datastore.error().message};
  config.datastore = *datastore;
  config.wait_for_datastore = settings.value_or("WAIT_FOR_DATASTORE", "") == "true";

  if (auto status = felix_settings(settings, config); !status) return status.error();
  config.status_socket = settings.value_or("TABBY_STATUS_SOCKET", config.status_socket);
  config.secrets_dir = settings.value_or("TABBY_SECRETS_DIR", config.secrets_dir);
  config.mtu_file = settings.value_or("TABBY_MTU_FILE", config.mtu_file);
  return config;
}

}  // namespace

std::string_view to_string(EncapsulationMode mode) {
  switch (mode) {
    case EncapsulationMode::kAlways:
      return "Always";
    case EncapsulationMode::kCrossSubnet:
      return "CrossSubnet";
    case EncapsulationMode::kNever:
      break;
  }
  return "Never";
}

std::string_view to_string(NetworkingBackend backend) {
  switch (backend) {
    case NetworkingBackend::kVxlan:
      return "vxlan";
    case NetworkingBackend::kNone:
      return "none";
    case NetworkingBackend::kBird:
      break;
  }
  return "bird";
}

Result<LoadedConfig> load_config(const Environment& environment,
                                 const std::vector<std::string>& argv, const HostFacts& host) {
  CLI::App app{"tabby-node: the per-node routing agent (calico-node's environment; flags win)",
               argv.empty() ? "tabby-node" : argv.front()};
  bool version = false;
  bool cleanup = false;
  bool cleanup_on_exit = false;
  app.add_flag("-v,--version", version, "print the version and exit");
  app.add_flag("--cleanup", cleanup, "remove every route and tunnel device tabby made, and exit");
  app.add_flag("--cleanup-on-exit", cleanup_on_exit,
               "on SIGTERM remove routes and tunnels too (default: leave them, graceful restart)");
  std::map<std::string, std::string> flag_values;
  std::vector<std::pair<const FlagOverride*, CLI::Option*>> options;
  for (const auto& override_flag : kFlagOverrides) {
    options.emplace_back(&override_flag,
                         app.add_option(override_flag.flag, flag_values[override_flag.variable],
                                        override_flag.help));
  }

  std::vector<std::string> arguments(argv.size() > 1 ? std::next(argv.begin()) : argv.end(),
                                     argv.end());
  std::reverse(arguments.begin(), arguments.end());  // CLI11 takes them last first
  LoadedConfig loaded;
  try {
    app.parse(arguments);
  } catch (const CLI::CallForHelp&) {
    loaded.command = AgentCommand::kHelp;
    loaded.help = app.help();
    return loaded;
  } catch (const CLI::ParseError& error) {
    return Error{fmt::format("{} (see --help)", error.what())};
  }
  if (version) {
    loaded.command = AgentCommand::kVersion;
    return loaded;
  }
  if (cleanup) {
    loaded.command = AgentCommand::kCleanup;
    return loaded;
  }

  std::map<std::string, Setting> flags;
  for (const auto& [override_flag, option] : options) {
    if (option->count() == 0) continue;
    flags[override_flag->variable] =
        Setting{trim_blanks(flag_values[override_flag->variable]), override_flag->flag};
  }
  const Settings settings(environment, std::move(flags));
  auto config = build_config(settings, host);
  if (!config) return config.error();
  loaded.config = *config;
  loaded.config.cleanup_on_exit = cleanup_on_exit;
  // The same path load_config_from_process read the name from.
  loaded.config.nodename_file = nodename_file_path(environment);
  loaded.config.warnings = unknown_felix_variable_warnings(environment);
  return loaded;
}

Result<LoadedConfig> load_config_from_process(int argc, const char* const* argv) {
  Environment environment;
  for (char** entry = environ; entry && *entry; ++entry) {
    const std::string_view text(*entry);
    const auto equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    environment.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
  }
  HostFacts host;
  host.nodename_file = read_nodename_file(nodename_file_path(environment));
  char name[HOST_NAME_MAX + 1] = {};
  if (gethostname(name, sizeof(name) - 1) == 0) host.host_name = name;
  return load_config(environment, std::vector<std::string>(argv, argv + argc), host);
}

std::vector<std::string> unknown_felix_variable_warnings(const Environment& environment) {
  const std::vector<std::string>& known = known_environment_variables();
  std::vector<std::string> warnings;
  for (const auto& [name, value] : environment) {
    const std::string upper = to_upper(name);
    // Felix takes FELIX_ in any case; so does this check.
    if (!upper.starts_with("FELIX_")) continue;
    if (std::binary_search(known.begin(), known.end(), name)) continue;
    if (std::binary_search(known.begin(), known.end(), upper)) {
      warnings.push_back(
          fmt::format("{} is ignored: tabby reads it as {} (upper case)", name, upper));
    } else {
      warnings.push_back(fmt::format(
          "{} is ignored: tabby does not read this Felix setting (docs/agent-config.md lists the "
          "ones it does)",
          name));
    }
  }
  return warnings;
}

const std::vector<std::string>& known_environment_variables() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names = kAgentVariables;
    for (const auto& name : kDatastoreVariables) {
      names.push_back(name);
      names.push_back("CALICO_" + name);
    }
    std::sort(names.begin(), names.end());
    return names;
  }();
  return kNames;
}

}  // namespace tabby::agent
