// resolve_felix_settings: Felix's precedence (environment and flags > FelixConfiguration
// node.<name> > FelixConfiguration default > built-in default), invalid values ignored with a
// line naming the resource, field and value, and the changes against what the agent runs.
#include "tabby/agent/felix_settings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>

namespace tabby::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using Effect = FelixSettingEffect;

AgentConfig environment_config(Environment environment, std::vector<std::string> flags = {}) {
  environment["NODENAME"] = "node-a";
  flags.insert(flags.begin(), "tabby-node");
  auto loaded = load_config(environment, flags, HostFacts{});
  EXPECT_TRUE(loaded) << (loaded ? "" : loaded.error().message);
  return loaded ? loaded->config : AgentConfig{};
}

api::Resource felix(const std::string& name, const std::string& spec) {
  api::Resource resource{.kind = api::Kind::kFelixConfiguration};
  resource.metadata.name = name;
  resource.spec = api::Json::parse(spec);
  return resource;
}

struct PrecedenceCase {
  std::string name;
  Environment environment;
  std::vector<std::string> flags;
  std::optional<std::string> default_spec;  // absent when unset
  std::optional<std::string> node_spec;
  std::vector<FelixSettingChange> changes;  // against the environment's configuration
  std::vector<std::string> errors;          // substrings, one per expected error
};
void PrintTo(const PrecedenceCase& c, std::ostream* os) {
  *os << c.name;
}

class FelixPrecedenceTest : public ::testing::TestWithParam<PrecedenceCase> {};

TEST_P(FelixPrecedenceTest, EffectiveSettings) {
  const PrecedenceCase& c = GetParam();
  const AgentConfig environment = environment_config(c.environment, c.flags);
  std::optional<api::Resource> global, node;
  if (c.default_spec) global = felix("default", *c.default_spec);
  if (c.node_spec) node = felix("node.node-a", *c.node_spec);
  const FelixSettingsUpdate update = resolve_felix_settings(
      environment, global ? &*global : nullptr, node ? &*node : nullptr, environment);
  EXPECT_THAT(update.changes, ElementsAreArray(c.changes));
  ASSERT_EQ(update.errors.size(), c.errors.size()) << ::testing::PrintToString(update.errors);
  for (std::size_t i = 0; i < c.errors.size(); ++i)
    EXPECT_THAT(update.errors[i], HasSubstr(c.errors[i]));
}

FelixSettingChange live(std::string field, std::string before, std::string after) {
  return {std::move(field), std::move(before), std::move(after), Effect::kLive};
}
FelixSettingChange restart(std::string field, std::string before, std::string after) {
  return {std::move(field), std::move(before), std::move(after), Effect::kRestart};
}

INSTANTIATE_TEST_SUITE_P(
    Felix, FelixPrecedenceTest,
    ::testing::Values(
        PrecedenceCase{.name = "no_resources_built_in_defaults"},
        PrecedenceCase{.name = "empty_resources", .default_spec = "{}", .node_spec = "{}"},
        PrecedenceCase{.name = "default_sets_vni",
                       .default_spec = R"({"vxlanVNI": 4097})",
                       .changes = {live("vxlanVNI", "4096", "4097")}},
        PrecedenceCase{.name = "node_beats_default",
                       .default_spec = R"({"vxlanVNI": 4097})",
                       .node_spec = R"({"vxlanVNI": 4098})",
                       .changes = {live("vxlanVNI", "4096", "4098")}},
        PrecedenceCase{.name = "environment_beats_both",
                       .environment = {{"FELIX_VXLANVNI", "5000"}},
                       .default_spec = R"({"vxlanVNI": 4097})",
                       .node_spec = R"({"vxlanVNI": 4098})"},
        // Set to the built-in default is still set: the environment's value stays.
        PrecedenceCase{.name = "environment_at_default_value_still_wins",
                       .environment = {{"FELIX_VXLANPORT", "4789"}},
                       .default_spec = R"({"vxlanPort": 8472})"},
        // An empty variable counts as unset, as calico-node treats it.
        PrecedenceCase{.name = "empty_variable_is_unset",
                       .environment = {{"FELIX_VXLANPORT", ""}},
                       .default_spec = R"({"vxlanPort": 8472})",
                       .changes = {live("vxlanPort", "4789", "8472")}},
        PrecedenceCase{.name = "flag_beats_resources",
                       .flags = {"--health-port", "9200"},
                       .default_spec = R"({"healthPort": 9300})"},
        PrecedenceCase{.name = "fields_from_both_layers",
                       .default_spec = R"({"ipipMTU": 1400, "vxlanMTU": 1300})",
                       .node_spec = R"({"vxlanMTU": 1410, "vxlanMTUV6": 1390})",
                       .changes = {live("ipipMTU", "0", "1400"), live("vxlanMTU", "0", "1410"),
                                   live("vxlanMTUV6", "0", "1390")}},
        PrecedenceCase{.name = "invalid_node_value_falls_back_to_default",
                       .default_spec = R"({"vxlanVNI": 4097})",
                       .node_spec = R"({"vxlanVNI": 0})",
                       .changes = {live("vxlanVNI", "4096", "4097")},
                       .errors = {R"(FelixConfiguration "node.node-a": spec.vxlanVNI=0 is not )"
                                  "valid (use 1 to 16777215); ignored"}},
        PrecedenceCase{
            .name = "invalid_everywhere_keeps_built_in",
            .default_spec = R"({"vxlanPort": 70000, "healthEnabled": "yes"})",
            .node_spec = R"({"vxlanPort": -1})",
            .errors = {R"("node.node-a": spec.vxlanPort=-1)", R"("default": spec.vxlanPort=70000)",
                       R"("default": spec.healthEnabled="yes" is not valid (use true)"}},
        PrecedenceCase{.name = "invalid_value_ignored_when_environment_wins",
                       .environment = {{"FELIX_VXLANVNI", "5000"}},
                       .default_spec = R"({"vxlanVNI": "many"})"},
        PrecedenceCase{
            .name = "mtu_iface_pattern_needs_restart",
            .default_spec = R"({"mtuIfacePattern": "^bond.*"})",
            .changes = {restart("mtuIfacePattern",
                                std::string(dataplane::kDefaultMtuInterfacePattern), "^bond.*")}},
        PrecedenceCase{.name = "mtu_below_ipv4_minimum",
                       .default_spec = R"({"vxlanMTU": 40})",
                       .errors = {R"(spec.vxlanMTU=40 is not valid (use 0 (automatic) or 68)"}},
        PrecedenceCase{.name = "invalid_mtu_iface_pattern",
                       .default_spec = R"({"mtuIfacePattern": "(eth"})",
                       .errors = {R"(spec.mtuIfacePattern="(eth" is not valid (use a regular)"}},
        PrecedenceCase{.name = "log_level_is_live",
                       .default_spec = R"({"logSeverityScreen": "Debug"})",
                       .changes = {live("logSeverityScreen", "info", "debug")}},
        PrecedenceCase{.name = "invalid_log_level",
                       .default_spec = R"({"logSeverityScreen": "Chatty"})",
                       .errors = {R"(spec.logSeverityScreen="Chatty" is not valid (use Trace)"}},
        PrecedenceCase{.name = "listeners_need_restart",
                       .default_spec = R"({"healthEnabled": true, "healthHost": "0.0.0.0",)"
                                       R"( "healthPort": 9200, "prometheusMetricsEnabled": true,)"
                                       R"( "prometheusMetricsHost": "127.0.0.1",)"
                                       R"( "prometheusMetricsPort": 9300})",
                       .changes = {restart("healthEnabled", "false", "true"),
                                   restart("healthHost", "localhost", "0.0.0.0"),
                                   restart("healthPort", "9099", "9200"),
                                   restart("prometheusMetricsEnabled", "false", "true"),
                                   restart("prometheusMetricsHost", "\"\"", "127.0.0.1"),
                                   restart("prometheusMetricsPort", "9091", "9300")}},
        PrecedenceCase{.name = "ipv6_support_and_refresh_need_restart",
                       .default_spec = R"({"ipv6Support": false, "routeRefreshInterval": "30s"})",
                       .changes = {restart("ipv6Support", "true", "false"),
                                   restart("routeRefreshInterval", "90s", "30s")}},
        PrecedenceCase{.name = "refresh_zero_is_never",
                       .node_spec = R"({"routeRefreshInterval": "0s"})",
                       .changes = {restart("routeRefreshInterval", "90s", "0s")}},
        PrecedenceCase{.name = "fields_tabby_does_not_read_are_ignored",
                       .default_spec = R"({"bpfEnabled": false, "wireguardMTU": 1400})"}),
    [](const auto& test) { return test.param.name; });

TEST(FelixSettingsTest, FieldsTabbyDoesNotActOnAreNamedNotSilentlyDropped) {
  const AgentConfig environment = environment_config({});
  const api::Resource global =
      felix("default",
            R"({"bpfEnabled": false, "bpfLogLevel": "", "floatingIPs": "Disabled", "vxlanVNI": 4096,
          "wireguardEnabled": true, "deviceRouteProtocol": 80})");
  const api::Resource node = felix("node.node-a", R"({"wireguardEnabledV6": true})");
  const FelixSettingsUpdate update =
      resolve_felix_settings(environment, &global, &node, environment);
  EXPECT_THAT(update.ignored,
              ElementsAre("FelixConfiguration \"default\": spec.wireguardEnabled=true is accepted "
                          "but not acted on: tabby has no WireGuard, so pod traffic between nodes "
                          "is NOT encrypted",
                          HasSubstr("FelixConfiguration \"default\": spec.deviceRouteProtocol=80 "
                                    "is accepted but not acted on"),
                          HasSubstr("FelixConfiguration \"node.node-a\": "
                                    "spec.wireguardEnabledV6=true")));
  EXPECT_TRUE(update.errors.empty());
}

TEST(FelixSettingsTest, EnvironmentRecordsWhichFelixVariablesItSet) {
  const AgentConfig config = environment_config(
      {{"FELIX_VXLANVNI", "5000"}, {"FELIX_HEALTHENABLED", ""}}, {"--metrics-port", "9300"});
  EXPECT_THAT(config.felix_from_environment,
              ElementsAre("FELIX_PROMETHEUSMETRICSPORT", "FELIX_VXLANVNI"));
}

TEST(FelixSettingsTest, EveryFieldMirrorsAVariableTheAgentReads) {
  const auto& known = known_environment_variables();
  for (const FelixFieldName& name : felix_configuration_fields()) {
    EXPECT_NE(std::find(known.begin(), known.end(), name.variable), known.end()) << name.variable;
  }
}

// Change detection: against the configuration the agent runs with, not the environment's.
struct ChangeCase {
  std::string name;
  std::string running_spec;  // FelixConfiguration default the agent started with
  std::string new_spec;      // and what it says now
  std::vector<FelixSettingChange> changes;
  bool needs_restart;
};
void PrintTo(const ChangeCase& c, std::ostream* os) {
  *os << c.name;
}

class FelixChangeTest : public ::testing::TestWithParam<ChangeCase> {};

TEST_P(FelixChangeTest, AgainstTheRunningConfiguration) {
  const ChangeCase& c = GetParam();
  const AgentConfig environment = environment_config({});
  const api::Resource before = felix("default", c.running_spec);
  const api::Resource after = felix("default", c.new_spec);
  const AgentConfig running =
      resolve_felix_settings(environment, &before, nullptr, environment).config;
  const FelixSettingsUpdate update = resolve_felix_settings(environment, &after, nullptr, running);
  EXPECT_THAT(update.changes, ElementsAreArray(c.changes));
  EXPECT_EQ(update.needs_restart(), c.needs_restart);
}

INSTANTIATE_TEST_SUITE_P(
    Felix, FelixChangeTest,
    ::testing::Values(
        ChangeCase{"unchanged", R"({"vxlanVNI": 4097})", R"({"vxlanVNI": 4097})", {}, false},
        ChangeCase{"unrelated_field_changed",
                   R"({"vxlanVNI": 4097})",
                   R"({"vxlanVNI": 4097, "bpfEnabled": false})",
                   {},
                   false},
        ChangeCase{"vni_changed",
                   R"({"vxlanVNI": 4097})",
                   R"({"vxlanVNI": 4200})",
                   {live("vxlanVNI", "4097", "4200")},
                   false},
        ChangeCase{"field_removed_back_to_default",
                   R"({"vxlanVNI": 4097})",
                   R"({})",
                   {live("vxlanVNI", "4097", "4096")},
                   false},
        ChangeCase{"invalid_new_value_reverts_to_default",
                   R"({"ipipMTU": 1400})",
                   R"({"ipipMTU": 99999})",
                   {live("ipipMTU", "1400", "0")},
                   false},
        ChangeCase{"metrics_enabled_needs_restart",
                   R"({"vxlanMTU": 1400})",
                   R"({"vxlanMTU": 1380, "prometheusMetricsEnabled": true})",
                   {live("vxlanMTU", "1400", "1380"),
                    restart("prometheusMetricsEnabled", "false", "true")},
                   true},
        ChangeCase{
            "same_value_as_before_no_restart", R"({"healthPort": 9099})", R"({})", {}, false}),
    [](const auto& test) { return test.param.name; });

}  // namespace
}  // namespace tabby::agent
