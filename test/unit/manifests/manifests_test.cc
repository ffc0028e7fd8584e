// Every file in manifests/ parses and says what the agent and the install-cni script expect:
// kinds, images, ports, probes on the health port, environment names the agent accepts, and
// a conflist the tabby CNI plugin accepts once install-cni has filled it in. The agent's
// environment, built as the kubelet builds it, goes through the agent's own config loader.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "tabby/agent/config.h"
#include "tabby/cni/cni_protocol.h"
#include "tabby/common/version.h"

namespace tabby {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const fs::path kManifests = TABBY_MANIFESTS_DIR;

// The environment tabby-node reads (docs/operations.md, issue 7).
// What tabby-node reads: its configuration's own list, so the DaemonSet cannot drift from it.
// (A function, not a global: the list lives in another translation unit.)
std::set<std::string> agent_environment() {
  const auto& names = tabby::agent::known_environment_variables();
  return std::set<std::string>(names.begin(), names.end());
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class ManifestsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& entry : fs::directory_iterator(kManifests)) {
      if (entry.path().extension() != ".yaml") continue;
      for (const YAML::Node& document : YAML::LoadAllFromFile(entry.path().string())) {
        if (!document.IsNull()) documents_.push_back(document);
      }
    }
    ASSERT_FALSE(documents_.empty()) << "no manifests in " << kManifests;
  }

  YAML::Node only(const std::string& kind) const {
    std::vector<YAML::Node> found;
    for (const auto& document : documents_) {
      if (document["kind"].as<std::string>() == kind) found.push_back(document);
    }
    EXPECT_EQ(found.size(), 1u) << "one " << kind << " expected";
    return found.empty() ? YAML::Node() : found.front();
  }

  YAML::Node container(const std::string& list, const std::string& name) const {
    for (const auto& c : only("DaemonSet")["spec"]["template"]["spec"][list]) {
      if (c["name"].as<std::string>() == name) return c;
    }
    ADD_FAILURE() << "no " << list << " entry named " << name;
    return YAML::Node();
  }

  std::vector<YAML::Node> documents_;
};

TEST_F(ManifestsTest, KindsAndApiVersions) {
  const std::map<std::string, std::string> expected = {
      {"ConfigMap", "v1"},
      {"ServiceAccount", "v1"},
      {"ClusterRole", "rbac.authorization.k8s.io/v1"},
      {"ClusterRoleBinding", "rbac.authorization.k8s.io/v1"},
      {"DaemonSet", "apps/v1"}};
  std::map<std::string, std::string> seen;
  for (const auto& document : documents_) {
    ASSERT_TRUE(document["kind"] && document["apiVersion"] && document["metadata"]["name"]);
    seen[document["kind"].as<std::string>()] = document["apiVersion"].as<std::string>();
  }
  EXPECT_EQ(seen, expected);
}

TEST_F(ManifestsTest, DaemonSetRunsOnTheHostNetworkPrivilegedWithTheReleaseImage) {
  const YAML::Node daemonset = only("DaemonSet");
  const YAML::Node pod = daemonset["spec"]["template"]["spec"];
  EXPECT_TRUE(pod["hostNetwork"].as<bool>());
  EXPECT_EQ(pod["priorityClassName"].as<std::string>(), "system-node-critical");
  EXPECT_EQ(daemonset["spec"]["selector"]["matchLabels"]["k8s-app"].as<std::string>(),
            daemonset["spec"]["template"]["metadata"]["labels"]["k8s-app"].as<std::string>());
  const std::string image = std::string("tabby/node:v") + kVersion;
  for (const char* list : {"initContainers", "containers"}) {
    for (const auto& c : pod[list]) {
      EXPECT_EQ(c["image"].as<std::string>(), image) << c["name"];
      EXPECT_TRUE(c["securityContext"]["privileged"].as<bool>()) << c["name"];
    }
  }
  // Every mount names a volume of the pod.
  std::set<std::string> volumes;
  for (const auto& v : pod["volumes"])
    volumes.insert(v["name"].as<std::string>());
  for (const char* list : {"initContainers", "containers"}) {
    for (const auto& c : pod[list]) {
      for (const auto& mount : c["volumeMounts"]) {
        EXPECT_TRUE(volumes.count(mount["name"].as<std::string>())) << mount["name"];
      }
    }
  }
}

TEST_F(ManifestsTest, PortsAndProbesUseTheHealthAndMetricsPorts) {
  const YAML::Node node = container("containers", "tabby-node");
  std::map<std::string, int> ports;
  for (const auto& port : node["ports"]) {
    ports[port["name"].as<std::string>()] = port["containerPort"].as<int>();
  }
  EXPECT_EQ(ports, (std::map<std::string, int>{{"health", 9099}, {"metrics", 9091}, {"bgp", 179}}));
  EXPECT_EQ(node["livenessProbe"]["httpGet"]["path"].as<std::string>(), "/liveness");
  EXPECT_EQ(node["livenessProbe"]["httpGet"]["port"].as<int>(), 9099);
  EXPECT_EQ(node["readinessProbe"]["httpGet"]["path"].as<std::string>(), "/readiness");
  EXPECT_EQ(node["readinessProbe"]["httpGet"]["port"].as<int>(), 9099);
  // The ports the agent is told to use are the ones probed and declared.
  std::map<std::string, std::string> values;
  for (const auto& variable : node["env"]) {
    if (variable["value"])
      values[variable["name"].as<std::string>()] = variable["value"].as<std::string>();
  }
  EXPECT_EQ(values["FELIX_HEALTHENABLED"], "true");
  EXPECT_EQ(values["FELIX_HEALTHPORT"], "9099");
  EXPECT_EQ(values["FELIX_PROMETHEUSMETRICSENABLED"], "true");
  EXPECT_EQ(values["FELIX_PROMETHEUSMETRICSPORT"], "9091");
  EXPECT_EQ(values["IP"], "autodetect");
}

TEST_F(ManifestsTest, EveryEnvironmentNameIsOneTheAgentAccepts) {
  const YAML::Node node = container("containers", "tabby-node");
  std::set<std::string> names;
  for (const auto& variable : node["env"]) {
    const std::string name = variable["name"].as<std::string>();
    EXPECT_TRUE(agent_environment().count(name)) << name << " is not read by tabby-node";
    EXPECT_TRUE(names.insert(name).second) << name << " is set twice";
  }
  for (const char* required :
       {"NODENAME", "DATASTORE_TYPE", "ETCD_ENDPOINTS", "CALICO_NETWORKING_BACKEND",
        "CALICO_IPV4POOL_CIDR", "CALICO_IPV4POOL_IPIP", "IP_AUTODETECTION_METHOD"}) {
    EXPECT_TRUE(names.count(required)) << required << " is missing";
  }
  for (const auto& variable : node["env"]) {
    if (variable["name"].as<std::string>() == "NODENAME") {
      EXPECT_EQ(variable["valueFrom"]["fieldRef"]["fieldPath"].as<std::string>(), "spec.nodeName");
    }
  }
}

TEST_F(ManifestsTest, ConfigMapReferencesResolveAndRbacFitsTogether) {
  const YAML::Node config = only("ConfigMap");
  const std::string config_name = config["metadata"]["name"].as<std::string>();
  for (const char* list : {"initContainers", "containers"}) {
    for (const auto& c : only("DaemonSet")["spec"]["template"]["spec"][list]) {
      for (const auto& variable : c["env"]) {
        if (!variable["valueFrom"] || !variable["valueFrom"]["configMapKeyRef"]) continue;
        const YAML::Node ref = variable["valueFrom"]["configMapKeyRef"];
        EXPECT_EQ(ref["name"].as<std::string>(), config_name);
        EXPECT_TRUE(config["data"][ref["key"].as<std::string>()])
            << "ConfigMap has no key " << ref["key"];
      }
    }
  }
  const YAML::Node account = only("ServiceAccount");
  const YAML::Node binding = only("ClusterRoleBinding");
  const std::string account_name = account["metadata"]["name"].as<std::string>();
  EXPECT_EQ(only("DaemonSet")["spec"]["template"]["spec"]["serviceAccountName"].as<std::string>(),
            account_name);
  EXPECT_EQ(binding["roleRef"]["name"].as<std::string>(),
            only("ClusterRole")["metadata"]["name"].as<std::string>());
  EXPECT_EQ(binding["subjects"][0]["name"].as<std::string>(), account_name);
  EXPECT_EQ(binding["subjects"][0]["namespace"].as<std::string>(),
            account["metadata"]["namespace"].as<std::string>());
}

TEST_F(ManifestsTest, InstallCniUsesOnlyVariablesTheScriptReads) {
  const YAML::Node init = container("initContainers", "install-cni");
  EXPECT_EQ(init["command"][0].as<std::string>(), "/opt/tabby/bin/install-cni");
  const std::string script = read_file(kManifests / "install-cni");
  for (const auto& variable : init["env"]) {
    const std::string name = variable["name"].as<std::string>();
    EXPECT_THAT(script, HasSubstr("${" + name)) << name << " is not read by install-cni";
  }
  const std::string dockerfile = read_file(kManifests / "Dockerfile");
  EXPECT_THAT(dockerfile, HasSubstr("FROM debian:12 AS build"));
  EXPECT_THAT(dockerfile, HasSubstr("manifests/install-cni /opt/tabby/bin/install-cni"));
  EXPECT_THAT(dockerfile, HasSubstr("ninja -C /build tabby-node tabbyctl tabby tabby-ipam"));
  EXPECT_THAT(dockerfile, HasSubstr("ENTRYPOINT [\"/opt/tabby/bin/tabby-node\"]"));
}

// Runs install-cni as the init container would, with fake plugin binaries, and hands the
// installed conflist's tabby entry to the CNI plugin's own configuration parser.
TEST_F(ManifestsTest, InstallCniInstallsThePluginsAndAConflistTheTabbyPluginAccepts) {
  const fs::path root = fs::temp_directory_path() / ("install-cni-" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "image");
  for (const char* plugin : {"tabby", "tabby-ipam"}) {
    std::ofstream(root / "image" / plugin) << "#!/bin/sh\necho " << plugin << "\n";
    fs::permissions(root / "image" / plugin, fs::perms::owner_all);
  }
  const std::string conflist = only("ConfigMap")["data"]["cni_network_config"].as<std::string>();
  ::setenv("CNI_NETWORK_CONFIG", conflist.c_str(), 1);
  ::setenv("CNI_CONF_NAME", "10-tabby.conflist", 1);
  ::setenv("CNI_BIN_DIR", (root / "bin").c_str(), 1);
  ::setenv("CNI_NET_DIR", (root / "net.d").c_str(), 1);
  ::setenv("TABBY_CNI_PLUGIN_DIR", (root / "image").c_str(), 1);
  ::setenv("DEBIAN_CNI_PLUGIN_DIR", (root / "none").c_str(), 1);
  ::setenv("ETCD_ENDPOINTS", "http://10.0.0.1:2379", 1);
  ::setenv("KUBERNETES_NODE_NAME", "node-a", 1);
  ::setenv("CNI_MTU", "1440", 1);
  const std::string command = (kManifests / "install-cni").string() + " > /dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0);
  EXPECT_TRUE(fs::exists(root / "bin" / "tabby"));
  EXPECT_TRUE(fs::exists(root / "bin" / "tabby-ipam"));
  EXPECT_FALSE(fs::exists(root / "bin" / "calico")) << "Calico's names without being asked";

  const auto installed = nlohmann::json::parse(read_file(root / "net.d" / "10-tabby.conflist"));
  ASSERT_EQ(installed["plugins"].size(), 2u);
  nlohmann::json tabby = installed["plugins"][0];
  EXPECT_EQ(installed["plugins"][1]["type"], "portmap");
  EXPECT_EQ(installed["plugins"][1]["capabilities"]["portMappings"], true);
  // What a runtime hands the first plugin of a list: the entry plus the list's name and version.
  tabby["name"] = installed["name"];
  tabby["cniVersion"] = installed["cniVersion"];
  auto parsed = cni::parse_network_config(tabby.dump());
  ASSERT_TRUE(std::holds_alternative<cni::NetworkConfig>(parsed))
      << std::get<cni::PluginError>(parsed).message;
  const auto& config = std::get<cni::NetworkConfig>(parsed);
  EXPECT_EQ(config.type, "tabby");
  EXPECT_EQ(config.ipam.type, "tabby-ipam");
  EXPECT_EQ(config.nodename, "node-a");
  EXPECT_EQ(config.mtu, 1440);
  EXPECT_EQ(config.datastore_env.at("ETCD_ENDPOINTS"), "http://10.0.0.1:2379");
  EXPECT_EQ(config.datastore_env.at("DATASTORE_TYPE"), "etcdv3");

  // Asked for, Calico's names too, so that a conflist written for Calico runs tabby.
  ::setenv("CNI_CALICO_NAMES", "true", 1);
  ASSERT_EQ(std::system(command.c_str()), 0);
  EXPECT_EQ(read_file(root / "bin" / "calico"), read_file(root / "image" / "tabby"));
  EXPECT_EQ(read_file(root / "bin" / "calico-ipam"), read_file(root / "image" / "tabby-ipam"));
  ::setenv("CNI_CALICO_NAMES", "yes", 1);
  EXPECT_NE(std::system(command.c_str()), 0);
  ::setenv("CNI_CALICO_NAMES", "false", 1);

  // A bad MTU stops the init container, naming it.
  ::setenv("CNI_MTU", "auto", 1);
  EXPECT_NE(std::system(command.c_str()), 0);
  for (const char* name : {"CNI_NETWORK_CONFIG", "CNI_CONF_NAME", "CNI_BIN_DIR", "CNI_NET_DIR",
                           "TABBY_CNI_PLUGIN_DIR", "DEBIAN_CNI_PLUGIN_DIR", "ETCD_ENDPOINTS",
                           "KUBERNETES_NODE_NAME", "CNI_MTU", "CNI_CALICO_NAMES"}) {
    ::unsetenv(name);
  }
  fs::remove_all(root);
}

// The tabby-node container's environment as the kubelet builds it: plain values, ConfigMap
// references resolved against `config_data`, the downward API's spec.nodeName as `node_name`.
// Anything else it cannot resolve is a test failure naming the variable.
agent::Environment kubelet_environment(const YAML::Node& container, const YAML::Node& config_data,
                                       const std::string& node_name) {
  agent::Environment environment;
  for (const auto& variable : container["env"]) {
    const std::string name = variable["name"].as<std::string>();
    if (variable["value"]) {
      environment[name] = variable["value"].as<std::string>();
    } else if (variable["valueFrom"]["configMapKeyRef"]) {
      const std::string key = variable["valueFrom"]["configMapKeyRef"]["key"].as<std::string>();
      if (!config_data[key]) {
        ADD_FAILURE() << name << ": the ConfigMap has no key " << key;
        continue;
      }
      environment[name] = config_data[key].as<std::string>();
    } else if (variable["valueFrom"]["fieldRef"]["fieldPath"].as<std::string>("") ==
               "spec.nodeName") {
      environment[name] = node_name;
    } else {
      ADD_FAILURE() << name << ": a value the test cannot resolve";
    }
  }
  return environment;
}

// What calico_backend allows of the default pool's encapsulation: IPIP rides on BGP, so with
// the vxlan (or no) backend it must be Never — Calico's VXLAN manifests pair
// calico_backend: vxlan with CALICO_IPV4POOL_IPIP=Never and CALICO_IPV4POOL_VXLAN=Always.
std::string encapsulation_mismatch(const agent::AgentConfig& config) {
  const auto& pool = config.ipv4_pool;
  if (config.backend != agent::NetworkingBackend::kBird &&
      pool.ipip != agent::EncapsulationMode::kNever) {
    return "CALICO_IPV4POOL_IPIP=" + std::string(agent::to_string(pool.ipip)) +
           " needs BGP, but CALICO_NETWORKING_BACKEND=" +
           std::string(agent::to_string(config.backend));
  }
  if (config.backend == agent::NetworkingBackend::kVxlan &&
      pool.vxlan == agent::EncapsulationMode::kNever) {
    return "CALICO_NETWORKING_BACKEND=vxlan routes nothing without CALICO_IPV4POOL_VXLAN";
  }
  return "";
}

class ManifestEnvironmentTest : public ManifestsTest {
 protected:
  // The DaemonSet's environment with the ConfigMap's data changed by `changes`, through the
  // agent's own configuration loader.
  Result<agent::LoadedConfig> load(const std::map<std::string, std::string>& changes = {}) {
    YAML::Node data = YAML::Clone(only("ConfigMap")["data"]);
    for (const auto& [key, value] : changes)
      data[key] = value;
    return agent::load_config(
        kubelet_environment(container("containers", "tabby-node"), data, "node-a"), {"tabby-node"});
  }
};

TEST_F(ManifestEnvironmentTest, TheShippedEnvironmentLoadsThroughTheAgentsConfiguration) {
  auto loaded = load();
  ASSERT_TRUE(loaded) << loaded.error().message;
  const agent::AgentConfig& config = loaded->config;
  EXPECT_EQ(config.nodename, "node-a");
  EXPECT_EQ(config.backend, agent::NetworkingBackend::kBird);
  EXPECT_EQ(config.datastore.type, api::DatastoreConfig::Type::Etcdv3);
  ASSERT_EQ(config.datastore.etcd.endpoints.size(), 1u);
  EXPECT_TRUE(config.wait_for_datastore);
  EXPECT_TRUE(config.health_enabled);
  EXPECT_EQ(config.health_port, 9099);
  EXPECT_EQ(config.ipv4_pool.ipip, agent::EncapsulationMode::kAlways);
  EXPECT_EQ(config.ipv4_pool.vxlan, agent::EncapsulationMode::kNever);
  EXPECT_EQ(encapsulation_mismatch(config), "");
}

TEST_F(ManifestEnvironmentTest, PoolEncapsulationComesFromTheConfigMapNextToTheBackend) {
  // Not hard-coded in the DaemonSet: switching calico_backend to vxlan alone would leave an
  // IPIP pool that nothing routes (the trap this guards against).
  const YAML::Node node = container("containers", "tabby-node");
  std::map<std::string, std::string> keys;
  for (const auto& variable : node["env"]) {
    if (variable["valueFrom"] && variable["valueFrom"]["configMapKeyRef"])
      keys[variable["name"].as<std::string>()] =
          variable["valueFrom"]["configMapKeyRef"]["key"].as<std::string>();
  }
  EXPECT_EQ(keys["CALICO_NETWORKING_BACKEND"], "calico_backend");
  EXPECT_EQ(keys["CALICO_IPV4POOL_IPIP"], "ipv4pool_ipip");
  EXPECT_EQ(keys["CALICO_IPV4POOL_VXLAN"], "ipv4pool_vxlan");
  // The VXLAN setting the ConfigMap documents loads and pairs up.
  auto vxlan =
      load({{"calico_backend", "vxlan"}, {"ipv4pool_ipip", "Never"}, {"ipv4pool_vxlan", "Always"}});
  ASSERT_TRUE(vxlan) << vxlan.error().message;
  EXPECT_EQ(vxlan->config.backend, agent::NetworkingBackend::kVxlan);
  EXPECT_EQ(vxlan->config.ipv4_pool.vxlan, agent::EncapsulationMode::kAlways);
  EXPECT_EQ(encapsulation_mismatch(vxlan->config), "");
  auto cross_subnet = load(
      {{"calico_backend", "vxlan"}, {"ipv4pool_ipip", "Never"}, {"ipv4pool_vxlan", "CrossSubnet"}});
  ASSERT_TRUE(cross_subnet) << cross_subnet.error().message;
  EXPECT_EQ(encapsulation_mismatch(cross_subnet->config), "");
  // Only the backend changed: the pairing check catches it.
  auto trap = load({{"calico_backend", "vxlan"}});
  ASSERT_TRUE(trap) << trap.error().message;
  EXPECT_THAT(encapsulation_mismatch(trap->config), HasSubstr("CALICO_IPV4POOL_IPIP=Always"));
}

TEST_F(ManifestEnvironmentTest, ABadConfigMapValueFailsTheAgentsConfiguration) {
  auto both = load({{"ipv4pool_vxlan", "Always"}});
  ASSERT_FALSE(both);
  EXPECT_THAT(both.error().message, HasSubstr("cannot both be enabled"));
  auto mtu = load({{"veth_mtu", "auto"}});
  ASSERT_FALSE(mtu);
  EXPECT_THAT(mtu.error().message, HasSubstr("FELIX_IPINIPMTU"));
  auto backend = load({{"calico_backend", "gobgp"}});
  ASSERT_FALSE(backend);
  EXPECT_THAT(backend.error().message, HasSubstr("CALICO_NETWORKING_BACKEND"));
}

TEST_F(ManifestsTest, BgpPasswordSecretsAreMountedWhereTheAgentReadsThem) {
  // TABBY_SECRETS_DIR defaults to /etc/tabby/secrets, laid out <secret name>/<key>.
  const YAML::Node node = container("containers", "tabby-node");
  for (const auto& variable : node["env"])
    EXPECT_NE(variable["name"].as<std::string>(), "TABBY_SECRETS_DIR") << "the default moved";
  std::string volume;
  for (const auto& mount : node["volumeMounts"]) {
    if (mount["mountPath"].as<std::string>() == "/etc/tabby/secrets/tabby-bgp-secrets") {
      volume = mount["name"].as<std::string>();
      EXPECT_TRUE(mount["readOnly"].as<bool>(false));
    }
  }
  ASSERT_FALSE(volume.empty()) << "no Secret mounted at /etc/tabby/secrets/tabby-bgp-secrets";
  for (const auto& v : only("DaemonSet")["spec"]["template"]["spec"]["volumes"]) {
    if (v["name"].as<std::string>() != volume) continue;
    EXPECT_EQ(v["secret"]["secretName"].as<std::string>(""), "tabby-bgp-secrets");
    // Optional: a cluster without BGP passwords has no such Secret, and the pod still starts.
    EXPECT_TRUE(v["secret"]["optional"].as<bool>(false));
  }
}

}  // namespace
}  // namespace tabby
