// A pod's Calico annotations through the real plugin as a runtime runs it (cni_runtime.h, from
// the node's namespace): the runtime hands the pod's annotations in as containerd and CRI-O do,
// as runtimeConfig["io.kubernetes.cri.pod-annotations"] for a plugin declaring that capability.
// ipv4pools by name and by CIDR, ipFamilies, ipAddrs through IPAM (a sandbox restart keeping
// the address), ipAddrsNoIpam behind feature_control, hwAddr on the pod's interface, refused
// floatingIPs, and the warning for a conflist key tabby does not know.

#include <gmock/gmock.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "cni_lab_test.h"
#include "cni_runtime.h"
#include "tabby/api/codec.h"
#include "tabby/api/resource_store.h"
#include "tabby/api/sqlite_datastore.h"

namespace tabby::lab {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr const char* kAnnotations = "io.kubernetes.cri.pod-annotations";

class PodAnnotationsTest : public CniLabTest {
 protected:
  void SetUp() override {
    LabTest::SetUp();
    if (HasFatalFailure()) return;
    set_up_node(71);
    apply(
        "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: main}\n"
        "spec: {cidr: 10.70.0.0/16}\n");
    apply(
        "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: blue}\n"
        "spec: {cidr: 10.71.0.0/24}\n");
    apply(
        "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: green}\n"
        "spec: {cidr: 10.72.0.0/24}\n");
    apply("apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: node1}\nspec: {}\n");
  }
  // Calico's conflist entry, declaring the capability that brings the pod's annotations.
  json network(const json& extra = json::object()) const {
    json plugin = {{"type", "tabby"},
                   {"nodename", "node1"},
                   {"datastore_type", "sqlite"},
                   {"datastore_path", database_},
                   {"ipam", {{"type", "calico-ipam"}}},
                   {"policy", {{"type", "k8s"}}},
                   {"capabilities", {{kAnnotations, true}}}};
    plugin.update(extra);
    return {{"cniVersion", "1.0.0"}, {"name", "k8s-pod-network"}, {"plugins", {plugin}}};
  }
  cni::Runtime runtime() const {
    return cni::Runtime({std::filesystem::path(TABBY_CNI_PLUGIN).parent_path().string()},
                        node_->name());
  }
  static cni::Attachment attachment(const Netns& pod, const std::string& container_id,
                                    const std::string& pod_name, const json& annotations) {
    return {.container_id = container_id,
            .netns = "/run/netns/" + pod.name(),
            .pod_namespace = "shop",
            .pod_name = pod_name,
            .capability_args = {{kAnnotations, annotations}}};
  }
  static std::string address_of(const cni::NetworkRun& run) {
    const std::string address = run.result.at("ips").at(0).at("address");
    return address.substr(0, address.find('/'));
  }
  std::string error_message(const cni::NetworkRun& run) const {
    return json::parse(run.last.stdout_text).at("msg").get<std::string>();
  }
};

TEST_F(PodAnnotationsTest, PoolsByNameOrCidrAndBadAnnotationsNamed) {
  auto cni = runtime();
  auto& by_name = lab().add_pod("byname");
  auto named = cni.add(network(), attachment(by_name, "c-byname", "byname",
                                             {{"cni.projectcalico.org/ipv4pools", "[\"green\"]"}}));
  ASSERT_TRUE(named.ok) << named.describe();
  EXPECT_THAT(address_of(named), StartsWith("10.72.0."));
  EXPECT_TRUE(node_->ping(address_of(named), 2));

  auto& by_cidr = lab().add_pod("bycidr");
  auto cidr =
      cni.add(network(), attachment(by_cidr, "c-bycidr", "bycidr",
                                    {{"cni.projectcalico.org/ipv4pools", "[\"10.71.0.0/24\"]"}}));
  ASSERT_TRUE(cidr.ok) << cidr.describe();
  EXPECT_THAT(address_of(cidr), StartsWith("10.71.0."));

  // Without the annotation the pod gets the node's usual pools (any of the three).
  auto& plain = lab().add_pod("plain");
  auto unannotated = cni.add(network(), attachment(plain, "c-plain", "plain", json::object()));
  ASSERT_TRUE(unannotated.ok) << unannotated.describe();
  EXPECT_THAT(address_of(unannotated), StartsWith("10.7"));

  auto& bad = lab().add_pod("bad");
  const std::size_t before = handles();
  auto missing = cni.add(network(), attachment(bad, "c-bad", "bad",
                                               {{"cni.projectcalico.org/ipv4pools", "[\"red\"]"}}));
  ASSERT_FALSE(missing.ok);
  EXPECT_THAT(error_message(missing), HasSubstr("the given pool (red) does not exist"));
  auto malformed = cni.add(
      network(), attachment(bad, "c-bad", "bad", {{"cni.projectcalico.org/ipv4pools", "green"}}));
  ASSERT_FALSE(malformed.ok);
  EXPECT_THAT(error_message(malformed),
              HasSubstr("annotation cni.projectcalico.org/ipv4pools: green is not a JSON list"));
  EXPECT_EQ(handles(), before) << "a refused ADD kept an address";
  EXPECT_THAT(bad.must("ip -o link show"), Not(HasSubstr("eth0")));

  EXPECT_TRUE(cni.del(network(), attachment(by_name, "c-byname", "byname", json::object())).ok);
  EXPECT_TRUE(cni.del(network(), attachment(by_cidr, "c-bycidr", "bycidr", json::object())).ok);
  EXPECT_TRUE(cni.del(network(), attachment(plain, "c-plain", "plain", json::object())).ok);
  EXPECT_EQ(handles(), 0u);
}

TEST_F(PodAnnotationsTest, IpAddrsGivesThePodThatAddressThroughIpam) {
  auto cni = runtime();
  const json fixed = {{"cni.projectcalico.org/ipAddrs", "[\"10.70.5.5\"]"}};
  auto& pod = lab().add_pod("fixed");
  auto added = cni.add(network(), attachment(pod, "c-fixed-1", "fixed", fixed));
  ASSERT_TRUE(added.ok) << added.describe();
  EXPECT_EQ(added.result.at("ips").at(0).at("address"), "10.70.5.5/32");
  EXPECT_THAT(pod.must("ip -o addr show eth0"), HasSubstr("10.70.5.5/32"));
  EXPECT_TRUE(node_->ping("10.70.5.5", 2));
  EXPECT_EQ(handles(), 1u) << "the address is IPAM's, under the sandbox's handle";

  // Another pod asking for it is refused; the first keeps it.
  auto& other = lab().add_pod("other");
  auto taken = cni.add(network(), attachment(other, "c-other", "other", fixed));
  ASSERT_FALSE(taken.ok);
  EXPECT_THAT(error_message(taken), HasSubstr("10.70.5.5"));
  EXPECT_TRUE(node_->ping("10.70.5.5", 2));

  // The pod's sandbox restarts (a new container in a new netns, the old one not yet deleted):
  // the address goes with the pod, as in Calico.
  auto& sandbox2 = lab().add_pod("fixed2");
  auto restarted = cni.add(network(), attachment(sandbox2, "c-fixed-2", "fixed", fixed));
  ASSERT_TRUE(restarted.ok) << restarted.describe();
  EXPECT_EQ(restarted.result.at("ips").at(0).at("address"), "10.70.5.5/32");
  EXPECT_TRUE(cni.del(network(), attachment(pod, "c-fixed-1", "fixed", fixed)).ok);
  EXPECT_TRUE(node_->ping("10.70.5.5", 2)) << "the old sandbox's DEL took the address";
  EXPECT_THAT(sandbox2.must("ip -o addr show eth0"), HasSubstr("10.70.5.5/32"));
  EXPECT_TRUE(cni.del(network(), attachment(sandbox2, "c-fixed-2", "fixed", fixed)).ok);
  EXPECT_EQ(handles(), 0u);

  // Families: an IPv6-only request in an IPv4-only cluster has nothing to allocate from.
  auto v6 = cni.add(network(), attachment(other, "c-v6", "v6",
                                          {{"cni.projectcalico.org/ipFamilies", "[\"IPv6\"]"}}));
  EXPECT_FALSE(v6.ok);
  EXPECT_EQ(handles(), 0u);
}

TEST_F(PodAnnotationsTest, IpAddrsNoIpamNeedsTheFeatureAndBypassesIpam) {
  auto cni = runtime();
  const json annotations = {{"cni.projectcalico.org/ipAddrsNoIpam", "[\"10.99.0.9\"]"}};
  auto& pod = lab().add_pod("static");
  auto refused = cni.add(network(), attachment(pod, "c-static", "static", annotations));
  ASSERT_FALSE(refused.ok);
  EXPECT_THAT(error_message(refused), HasSubstr("requested feature is not enabled: "
                                                "ip_addrs_no_ipam"));
  const json feature = {{"feature_control", {{"ip_addrs_no_ipam", true}}}};
  auto added = cni.add(network(feature), attachment(pod, "c-static", "static", annotations));
  ASSERT_TRUE(added.ok) << added.describe();
  EXPECT_EQ(added.result.at("ips").at(0).at("address"), "10.99.0.9/32");
  EXPECT_TRUE(node_->ping("10.99.0.9", 2));
  EXPECT_EQ(handles(), 0u) << "IPAM was asked";
  EXPECT_TRUE(cni.del(network(feature), attachment(pod, "c-static", "static", annotations)).ok);
  EXPECT_THAT(node_->routes("10.99.0.9"), Not(HasSubstr("cali")));
}

TEST_F(PodAnnotationsTest, HwAddrFloatingIpsAndWarnings) {
  auto cni = runtime();
  auto& pod = lab().add_pod("mac");
  auto added = cni.add(
      network({{"log_file_path", "/var/log/calico/cni/cni.log"}}),
      attachment(pod, "c-mac", "mac", {{"cni.projectcalico.org/hwAddr", "0a:58:0a:46:00:2a"}}));
  ASSERT_TRUE(added.ok) << added.describe();
  EXPECT_THAT(pod.must("ip -o link show eth0"), HasSubstr("link/ether 0a:58:0a:46:00:2a"));
  EXPECT_EQ(added.result.at("interfaces").at(1).at("mac"), "0a:58:0a:46:00:2a");
  EXPECT_THAT(added.last.stderr_text,
              HasSubstr("log_file_path: Calico's setting, which tabby does not act on"));
  auto store = api::open_sqlite_datastore({.path = database_}).value();
  auto endpoints = api::ResourceStore(*store).list(api::Kind::kWorkloadEndpoint, "shop");
  ASSERT_TRUE(endpoints.ok());
  ASSERT_EQ(endpoints->items.size(), 1u);
  EXPECT_EQ(endpoints->items[0].spec["mac"], "0a:58:0a:46:00:2a");
  EXPECT_TRUE(cni.del(network(), attachment(pod, "c-mac", "mac", json::object())).ok);

  const json floating = {{"cni.projectcalico.org/floatingIPs", "[\"192.0.2.7\"]"}};
  auto& other = lab().add_pod("float");
  auto disabled = cni.add(network(), attachment(other, "c-float", "float", floating));
  ASSERT_FALSE(disabled.ok);
  EXPECT_THAT(error_message(disabled), HasSubstr("requested feature is not enabled: floating_ips"));
  auto enabled = cni.add(network({{"feature_control", {{"floating_ips", true}}}}),
                         attachment(other, "c-float", "float", floating));
  ASSERT_FALSE(enabled.ok);
  EXPECT_THAT(error_message(enabled), HasSubstr("tabby does not NAT floating IPs"));
  EXPECT_EQ(handles(), 0u);
}

}  // namespace
}  // namespace tabby::lab
