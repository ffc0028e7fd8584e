// The pod annotations Calico's plugin acts on, and the conflist sections that go with them
// (policy, kubernetes, feature_control, runtimeConfig's pod annotations), parsed as pure
// functions; the lab test cni_pod_annotations_test runs them through the real plugin.

#include "tabby/cni/pod_annotations.h"

#include <gmock/gmock.h>

#include "tabby/cni/cni_protocol.h"

namespace tabby::cni {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string parse_error(const std::map<std::string, std::string>& annotations) {
  auto parsed = parse_pod_annotations(annotations);
  return parsed.ok() ? "accepted" : parsed.error().message;
}

TEST(PodAnnotations, ThoseCalicosPluginReads) {
  auto parsed = parse_pod_annotations({
      {"cni.projectcalico.org/ipv4pools", R"(["blue", "10.72.0.0/24"])"},
      {"cni.projectcalico.org/ipv6pools", R"(["fd00:70::/64"])"},
      {"cni.projectcalico.org/ipFamilies", R"(["IPv6"])"},
      {"cni.projectcalico.org/ipAddrs", R"(["10.70.5.5", "fd00:70::5"])"},
      {"cni.projectcalico.org/hwAddr", "0A-58-0A-F4-00-05"},
      {"kubernetes.io/psp", "restricted"},  // not ours
  });
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_THAT(*parsed->ipv4_pools, ElementsAre("blue", "10.72.0.0/24"));
  EXPECT_THAT(*parsed->ipv6_pools, ElementsAre("fd00:70::/64"));
  EXPECT_EQ(parsed->assign_ipv4, false);
  EXPECT_EQ(parsed->assign_ipv6, true);
  EXPECT_THAT(parsed->ip_addrs,
              ElementsAre(*IpAddress::parse("10.70.5.5"), *IpAddress::parse("fd00:70::5")));
  EXPECT_EQ(parsed->hw_addr, "0a:58:0a:f4:00:05");

  auto none = parse_pod_annotations({});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->ipv4_pools);
  EXPECT_FALSE(none->assign_ipv4);
  EXPECT_TRUE(none->ip_addrs.empty());
  EXPECT_TRUE(none->hw_addr.empty());
}

TEST(PodAnnotations, MalformedOnesAreNamed) {
  EXPECT_EQ(parse_error({{"cni.projectcalico.org/ipv4pools", "blue"}}),
            "annotation cni.projectcalico.org/ipv4pools: blue is not a JSON list of strings");
  EXPECT_THAT(parse_error({{"cni.projectcalico.org/ipv6pools", "[1]"}}),
              HasSubstr("ipv6pools: [1] is not a JSON list of strings"));
  EXPECT_THAT(parse_error({{"cni.projectcalico.org/ipFamilies", R"(["IPv5"])"}}),
              HasSubstr("\"IPv5\" is not IPv4 or IPv6"));
  EXPECT_THAT(parse_error({{"cni.projectcalico.org/ipAddrs", R"(["10.0.0.300"])"}}),
              HasSubstr("ipAddrs: \"10.0.0.300\" is not an IP address"));
  EXPECT_THAT(parse_error({{"cni.projectcalico.org/ipAddrs", R"(["10.0.0.1", "10.0.0.2"])"}}),
              HasSubstr("ipAddrs: more than one IPv4 address"));
  EXPECT_THAT(parse_error({{"cni.projectcalico.org/ipAddrsNoIpam", "[]"}}),
              HasSubstr("ipAddrsNoIpam: the list is empty"));
  EXPECT_THAT(parse_error({{"cni.projectcalico.org/ipAddrs", R"(["10.0.0.1"])"},
                           {"cni.projectcalico.org/ipAddrsNoIpam", R"(["10.0.0.2"])"}}),
              HasSubstr("can't have both annotations"));
  EXPECT_THAT(parse_error({{"cni.projectcalico.org/hwAddr", "0a:58:0a"}}),
              HasSubstr("hwAddr: \"0a:58:0a\" is not a MAC address"));
  // Floating IPs may be several.
  auto floating = parse_pod_annotations(
      {{"cni.projectcalico.org/floatingIPs", R"(["192.0.2.1", "192.0.2.2"])"}});
  ASSERT_TRUE(floating.ok());
  EXPECT_EQ(floating->floating_ips.size(), 2u);
}

NetworkConfig parse_ok(const std::string& text) {
  auto parsed = parse_network_config(text);
  if (auto* error = std::get_if<PluginError>(&parsed)) {
    ADD_FAILURE() << error->message;
    return {};
  }
  return std::get<NetworkConfig>(parsed);
}

std::string config_error(const std::string& text) {
  auto parsed = parse_network_config(text);
  auto* error = std::get_if<PluginError>(&parsed);
  return error ? error->message : "accepted";
}

TEST(NetworkConfigSections, CalicosSectionsAreReadAndUnknownKeysNamed) {
  const NetworkConfig config = parse_ok(R"({
    "cniVersion": "1.0.0", "name": "k8s-pod-network", "type": "calico",
    "log_file_path": "/var/log/calico/cni/cni.log",
    "frobnicate": 1,
    "ipam": {"type": "calico-ipam", "subnet": "usePodCidr"},
    "policy": {"type": "k8s"},
    "kubernetes": {"kubeconfig": "/etc/cni/net.d/calico-kubeconfig", "node_name": "node-7"},
    "feature_control": {"ip_addrs_no_ipam": true, "floating_ips": "true", "magic": true},
    "runtimeConfig": {"io.kubernetes.cri.pod-annotations": {
      "cni.projectcalico.org/ipv4pools": "[\"blue\"]"}}
  })");
  EXPECT_EQ(config.policy_type, "k8s");
  EXPECT_EQ(config.kubernetes.kubeconfig, "/etc/cni/net.d/calico-kubeconfig");
  EXPECT_EQ(config.nodename, "node-7") << "kubernetes.node_name names the node";
  EXPECT_TRUE(config.feature_control.ip_addrs_no_ipam);
  EXPECT_TRUE(config.feature_control.floating_ips);
  EXPECT_EQ(config.pod_annotations.at("cni.projectcalico.org/ipv4pools"), "[\"blue\"]");
  const auto warned = [&](const std::string& text) {
    return std::any_of(config.warnings.begin(), config.warnings.end(),
                       [&](const std::string& w) { return w.find(text) != std::string::npos; });
  };
  EXPECT_TRUE(warned("frobnicate: unknown key, ignored"));
  EXPECT_TRUE(warned("log_file_path: Calico's setting, which tabby does not act on"));
  EXPECT_EQ(config.ipam_warnings,
            std::vector<std::string>{"network config: ipam.subnet: unknown key, ignored"});
  EXPECT_TRUE(warned("feature_control.magic: unknown key"));
  EXPECT_TRUE(warned("tabby does not read the Kubernetes API"));
  EXPECT_EQ(config.warnings.size(), 4u);

  const NetworkConfig plain =
      parse_ok(R"({"cniVersion": "1.0.0", "name": "n", "type": "tabby", "nodename": "a"})");
  EXPECT_TRUE(plain.warnings.empty());
  EXPECT_TRUE(plain.pod_annotations.empty());
}

TEST(NetworkConfigSections, BadSectionsAreErrorsNamingThem) {
  const std::string head = R"({"cniVersion": "1.0.0", "name": "n", "type": "tabby", )";
  EXPECT_THAT(config_error(head + R"("policy": "k8s"})"), HasSubstr("policy: must be an object"));
  EXPECT_THAT(config_error(head + R"("policy": {"type": "calico"}})"),
              HasSubstr("policy.type: \"calico\" is not \"k8s\""));
  EXPECT_THAT(config_error(head + R"("feature_control": {"floating_ips": "yes"}})"),
              HasSubstr("feature_control.floating_ips: \"yes\" is not \"true\" or \"false\""));
  EXPECT_THAT(config_error(head + R"("kubernetes": {"kubeconfig": 7}})"),
              HasSubstr("kubeconfig: 7 is not a string"));
  EXPECT_THAT(
      config_error(head + R"("runtimeConfig": {"io.kubernetes.cri.pod-annotations": {"a": 1}}})"),
      HasSubstr("runtimeConfig.io.kubernetes.cri.pod-annotations.a: 1 is not a string"));
}

}  // namespace
}  // namespace tabby::cni
