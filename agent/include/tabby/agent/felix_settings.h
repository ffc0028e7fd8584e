#pragma once
// Felix's settings from FelixConfiguration resources, in Felix's precedence:
//
//   environment (FELIX_*, and tabby's flags) > FelixConfiguration "node.<nodename>"
//     > FelixConfiguration "default" > built-in default
//
// (Felix also reads a config file between the environment and the resources; tabby has none.)
// Only the settings tabby honours are read (docs/agent-config.md lists them). Pure: the
// environment's configuration and the two resources are inputs; the agent reads them at
// start-up and again whenever the datastore changes, applies what it can live and restarts
// for the rest, as Felix does.

#include <string>
#include <string_view>
#include <vector>

#include "tabby/agent/config.h"
#include "tabby/api/resource.h"

namespace tabby::agent {

// Felix's exit code after a configuration change it cannot apply live (felix/daemon's
// configChangedRC, the same as SIGHUP's): the DaemonSet's restart policy starts it again.
inline constexpr int kConfigChangedExitCode = 129;

// How a changed setting takes effect.
enum class FelixSettingEffect {
  kLive,     // the agent applies it while running (MTUs, VXLAN VNI/port, log level)
  kRestart,  // the agent exits with kConfigChangedExitCode and starts again with it
};

struct FelixSettingChange {
  std::string field;  // the FelixConfiguration field: "vxlanVNI"
  std::string before, after;
  FelixSettingEffect effect = FelixSettingEffect::kLive;

  friend bool operator==(const FelixSettingChange&, const FelixSettingChange&) = default;
};

struct FelixSettingsUpdate {
  AgentConfig config;                       // the effective configuration
  std::vector<FelixSettingChange> changes;  // against `current`, in field order
  // One line per field ignored because its value is invalid, naming the resource, the
  // field and the value, e.g.
  //   FelixConfiguration "default": spec.vxlanVNI=0 is not valid (use 1 to 16777215); ignored
  std::vector<std::string> errors;
  // One line per field the resources set that tabby accepts (Calico's schema) but does not act
  // on, so that nobody believes it took effect, e.g.
  //   FelixConfiguration "default": spec.wireguardEnabled=true is accepted but not acted on:
  //   tabby has no WireGuard, so pod traffic between nodes is NOT encrypted
  // Fields at their off/empty value (bpfEnabled: false, as the operator writes it) are not
  // named.
  std::vector<std::string> ignored;

  bool needs_restart() const;
};

// The effective configuration: `environment` (load_config's, which records in
// felix_from_environment the FELIX_* variables the environment or a flag set) with the
// resources' values laid under the environment's. Either resource may be null (absent).
// `current` is what the agent runs with now; `changes` lists how the result differs from it.
FelixSettingsUpdate resolve_felix_settings(const AgentConfig& environment,
                                           const api::Resource* default_configuration,
                                           const api::Resource* node_configuration,
                                           const AgentConfig& current);

// "node.<nodename>": the FelixConfiguration that holds one node's settings.
std::string node_felix_configuration_name(std::string_view nodename);

// The FelixConfiguration fields the agent reads, with the FELIX_* variable each mirrors.
struct FelixFieldName {
  std::string_view field;
  std::string_view variable;
};
std::vector<FelixFieldName> felix_configuration_fields();

}  // namespace tabby::agent
