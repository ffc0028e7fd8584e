#include "tabby/agent/felix_settings.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <regex>

#include "tabby/agent/config_values.h"
#include "tabby/common/log.h"

namespace tabby::agent {
namespace {

using api::Json;

// A field's value read from a resource, or what is allowed instead.
template <typename T>
using Parsed = Result<T>;

Parsed<std::uint64_t> integer(const Json& value, std::uint64_t min, std::uint64_t max) {
  const std::string allowed = fmt::format("use {} to {}", min, max);
  if (!value.is_number_integer()) return Error{allowed};
  if (value.is_number_unsigned()) {
    const auto number = value.get<std::uint64_t>();
    if (number < min || number > max) return Error{allowed};
    return number;
  }
  const auto number = value.get<std::int64_t>();
  if (number < 0 || static_cast<std::uint64_t>(number) < min ||
      static_cast<std::uint64_t>(number) > max) {
    return Error{allowed};
  }
  return static_cast<std::uint64_t>(number);
}

// 0 (automatic) or an MTU IPv4 can use.
Parsed<std::uint64_t> mtu(const Json& value) {
  auto parsed = integer(value, 0, 65535);
  if (!parsed || (*parsed != 0 && *parsed < 68)) return Error{"use 0 (automatic) or 68 to 65535"};
  return parsed;
}

Parsed<bool> boolean(const Json& value) {
  if (!value.is_boolean()) return Error{"use true or false"};
  return value.get<bool>();
}

Parsed<std::string> text(const Json& value) {
  if (!value.is_string()) return Error{"use a string"};
  return value.get<std::string>();
}

// FelixConfiguration durations are Go durations ("90s"); "0" or "0s" turns the refresh off,
// as FELIX_ROUTEREFRESHINTERVAL=0 does.
Parsed<std::chrono::milliseconds> duration(const Json& value) {
  const std::string allowed = "use a duration such as 90s, or 0s for never";
  if (!value.is_string()) return Error{allowed};
  const auto text = value.get<std::string>();
  if (text == "0" || text == "0s") return std::chrono::milliseconds(0);
  auto parsed = parse_go_duration(text);
  if (!parsed) return Error{allowed};
  return *parsed;
}

Parsed<std::string> interface_pattern(const Json& value) {
  if (!value.is_string()) return Error{"use a regular expression over interface names"};
  try {
    (void)std::regex(value.get<std::string>(), std::regex::ECMAScript);
  } catch (const std::regex_error& error) {
    return Error{fmt::format("use a regular expression over interface names ({})", error.what())};
  }
  return value.get<std::string>();
}

Parsed<spdlog::level::level_enum> log_level(const Json& value) {
  const std::string allowed = "use Trace, Debug, Info, Warning, Error, Fatal or None";
  if (!value.is_string()) return Error{allowed};
  auto level = parse_log_level(value.get<std::string>());
  if (!level) return Error{allowed};
  return *level;
}

std::string shown(bool value) {
  return value ? "true" : "false";
}
std::string shown(std::uint64_t value) {
  return std::to_string(value);
}
std::string shown(const std::string& value) {
  return value.empty() ? "\"\"" : value;
}
std::string shown(std::chrono::milliseconds value) {
  return fmt::format("{}s", static_cast<double>(value.count()) / 1000.0);
}
std::string shown(spdlog::level::level_enum value) {
  const auto name = spdlog::level::to_string_view(value);
  return std::string(name.data(), name.size());
}

// One setting: where it lives in AgentConfig, how a resource's value is read, how it takes
// effect. `read` stores the value or returns what is allowed.
struct FelixField {
  std::string_view field;
  std::string_view variable;
  FelixSettingEffect effect;
  Status (*read)(const Json& value, AgentConfig& config);
  std::string (*show)(const AgentConfig& config);
};

template <typename T, typename Target>
Status store(Parsed<T> parsed, Target& target) {
  if (!parsed) return parsed.error();
  target = static_cast<Target>(*parsed);
  return {};
}

constexpr auto kLive = FelixSettingEffect::kLive;
constexpr auto kRestart = FelixSettingEffect::kRestart;

// In the order docs/agent-config.md lists them. What needs a restart: the listeners (health,
// metrics), the IPv6 switch (it decides which devices, pools and sysctls exist at all) and the
// route refresh timer; the tunnels' settings are reconciled on every datastore change and the
// log level is one call.
const std::vector<FelixField>& fields() {
  static const std::vector<FelixField> kFields = {
      {"ipv6Support", "FELIX_IPV6SUPPORT", kRestart,
       [](const Json& v, AgentConfig& c) { return store(boolean(v), c.ipv6_support); },
       [](const AgentConfig& c) { return shown(c.ipv6_support); }},
      {"ipipMTU", "FELIX_IPINIPMTU", kLive,
       [](const Json& v, AgentConfig& c) { return store(mtu(v), c.ipip_mtu); },
       [](const AgentConfig& c) { return shown(std::uint64_t{c.ipip_mtu}); }},
      {"vxlanMTU", "FELIX_VXLANMTU", kLive,
       [](const Json& v, AgentConfig& c) { return store(mtu(v), c.vxlan_mtu); },
       [](const AgentConfig& c) { return shown(std::uint64_t{c.vxlan_mtu}); }},
      {"vxlanMTUV6", "FELIX_VXLANMTUV6", kLive,
       [](const Json& v, AgentConfig& c) { return store(mtu(v), c.vxlan_mtu_v6); },
       [](const AgentConfig& c) { return shown(std::uint64_t{c.vxlan_mtu_v6}); }},
      {"vxlanVNI", "FELIX_VXLANVNI", kLive,
       [](const Json& v, AgentConfig& c) { return store(integer(v, 1, 16777215), c.vxlan_vni); },
       [](const AgentConfig& c) { return shown(std::uint64_t{c.vxlan_vni}); }},
      {"vxlanPort", "FELIX_VXLANPORT", kLive,
       [](const Json& v, AgentConfig& c) { return store(integer(v, 1, 65535), c.vxlan_port); },
       [](const AgentConfig& c) { return shown(std::uint64_t{c.vxlan_port}); }},
      // The host MTU is found once, at start (the tunnel MTUs derive from it).
      {"mtuIfacePattern", "FELIX_MTUIFACEPATTERN", kRestart,
       [](const Json& v, AgentConfig& c) {
         return store(interface_pattern(v), c.mtu_iface_pattern);
       },
       [](const AgentConfig& c) { return shown(c.mtu_iface_pattern); }},
      {"routeRefreshInterval", "FELIX_ROUTEREFRESHINTERVAL", kRestart,
       [](const Json& v, AgentConfig& c) { return store(duration(v), c.route_refresh_interval); },
       [](const AgentConfig& c) { return shown(c.route_refresh_interval); }},
      {"healthEnabled", "FELIX_HEALTHENABLED", kRestart,
       [](const Json& v, AgentConfig& c) { return store(boolean(v), c.health_enabled); },
       [](const AgentConfig& c) { return shown(c.health_enabled); }},
      {"healthHost", "FELIX_HEALTHHOST", kRestart,
       [](const Json& v, AgentConfig& c) { return store(text(v), c.health_host); },
       [](const AgentConfig& c) { return shown(c.health_host); }},
      {"healthPort", "FELIX_HEALTHPORT", kRestart,
       [](const Json& v, AgentConfig& c) { return store(integer(v, 1, 65535), c.health_port); },
       [](const AgentConfig& c) { return shown(std::uint64_t{c.health_port}); }},
      {"prometheusMetricsEnabled", "FELIX_PROMETHEUSMETRICSENABLED", kRestart,
       [](const Json& v, AgentConfig& c) {
         return store(boolean(v), c.prometheus_metrics_enabled);
       },
       [](const AgentConfig& c) { return shown(c.prometheus_metrics_enabled); }},
      {"prometheusMetricsHost", "FELIX_PROMETHEUSMETRICSHOST", kRestart,
       [](const Json& v, AgentConfig& c) { return store(text(v), c.prometheus_metrics_host); },
       [](const AgentConfig& c) { return shown(c.prometheus_metrics_host); }},
      {"prometheusMetricsPort", "FELIX_PROMETHEUSMETRICSPORT", kRestart,
       [](const Json& v, AgentConfig& c) {
         return store(integer(v, 1, 65535), c.prometheus_metrics_port);
       },
       [](const AgentConfig& c) { return shown(std::uint64_t{c.prometheus_metrics_port}); }},
      {"logSeverityScreen", "FELIX_LOGSEVERITYSCREEN", kLive,
       [](const Json& v, AgentConfig& c) { return store(log_level(v), c.log_severity); },
       [](const AgentConfig& c) { return shown(c.log_severity); }},
  };
  return kFields;
}

// A value that turns a feature off or leaves it unset: not worth a warning when ignored.
bool is_off(const Json& value) {
  if (value.is_null()) return true;
  if (value.is_boolean()) return !value.get<bool>();
  if (value.is_number()) return value == 0;
  if (value.is_string()) {
    const std::string text = value.get<std::string>();
    return text.empty() || text == "Disabled" || text == "Off" || text == "false" || text == "0" ||
           text == "0s";
  }
  return value.empty();
}

// Why an ignored field matters, where it does more than nothing.
std::string_view consequence(std::string_view field) {
  if (field.starts_with("wireguard")) {
    return ": tabby has no WireGuard, so pod traffic between nodes is NOT encrypted";
  }
  if (field.starts_with("bpf")) return ": tabby has no eBPF dataplane";
  if (field == "floatingIPs") return ": tabby does not NAT floating IPs";
  return " (docs/agent-config.md lists the fields tabby honours)";
}

void add_ignored_fields(const api::Resource* resource, std::vector<std::string>& out) {
  if (!resource || !resource->spec.is_object()) return;
  for (const auto& item : resource->spec.items()) {
    const std::string& name = item.key();
    const Json& value = item.value();
    const bool honoured = std::any_of(fields().begin(), fields().end(),
                                      [&](const FelixField& f) { return f.field == name; });
    if (honoured || is_off(value)) continue;
    out.push_back(fmt::format("{}: spec.{}={} is accepted but not acted on{}",
                              api::describe(*resource), name, value.dump(), consequence(name)));
  }
}

}  // namespace

bool FelixSettingsUpdate::needs_restart() const {
  return std::any_of(changes.begin(), changes.end(), [](const FelixSettingChange& change) {
    return change.effect == FelixSettingEffect::kRestart;
  });
}

FelixSettingsUpdate resolve_felix_settings(const AgentConfig& environment,
                                           const api::Resource* default_configuration,
                                           const api::Resource* node_configuration,
                                           const AgentConfig& current) {
  FelixSettingsUpdate update;
  update.config = environment;
  // Most specific first: the first resource with a valid value wins.
  const api::Resource* layers[] = {node_configuration, default_configuration};
  for (const FelixField& field : fields()) {
    if (environment.felix_from_environment.contains(std::string(field.variable))) continue;
    for (const api::Resource* resource : layers) {
      if (!resource || !resource->spec.is_object()) continue;
      auto value = resource->spec.find(field.field);
      if (value == resource->spec.end() || value->is_null()) continue;
      if (Status read = field.read(*value, update.config); !read) {
        update.errors.push_back(fmt::format("{}: spec.{}={} is not valid ({}); ignored",
                                            api::describe(*resource), field.field, value->dump(),
                                            read.error().message));
        continue;  // the next layer (or the default) decides instead
      }
      break;
    }
  }
  add_ignored_fields(default_configuration, update.ignored);
  add_ignored_fields(node_configuration, update.ignored);
  for (const FelixField& field : fields()) {
    std::string before = field.show(current);
    std::string after = field.show(update.config);
    if (before != after) {
      update.changes.push_back({.field = std::string(field.field),
                                .before = std::move(before),
                                .after = std::move(after),
                                .effect = field.effect});
    }
  }
  return update;
}

std::string node_felix_configuration_name(std::string_view nodename) {
  return "node." + std::string(nodename);
}

std::vector<FelixFieldName> felix_configuration_fields() {
  std::vector<FelixFieldName> names;
  for (const FelixField& field : fields())
    names.push_back({field.field, field.variable});
  return names;
}

}  // namespace tabby::agent
