// IPPool nodeSelector for pod addresses, through the real plugins as a runtime runs them
// (cni_runtime.h, from the node's namespace): the Node's labels in the datastore decide which
// pools a pod's address may come from, for `tabby` and for `tabby-ipam` under Debian's
// `bridge` (containernetworking-plugins); a node that is not stored gets an error naming it and
// nothing is left behind.

#include <gmock/gmock.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "cni_lab_test.h"
#include "cni_runtime.h"

namespace tabby::lab {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr const char* kDebianPlugins = "/usr/lib/cni";

class PoolNodeSelectorTest : public CniLabTest {
 protected:
  void SetUp() override {
    LabTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(std::filesystem::exists(std::string(kDebianPlugins) + "/bridge"))
        << kDebianPlugins << "/bridge is missing: install Debian's containernetworking-plugins "
        << "(scripts/run deps)";
    set_up_node(61);
    // A per-rack layout: each rack's pods from its own pool, unracked nodes from another.
    apply(
        "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: rack-a}\n"
        "spec: {cidr: 10.61.0.0/24, nodeSelector: \"rack == 'a'\"}\n");
    apply(
        "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: rack-b}\n"
        "spec: {cidr: 10.62.0.0/24, nodeSelector: \"rack == 'b'\"}\n");
    apply(
        "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: unracked}\n"
        "spec: {cidr: 10.69.0.0/24, nodeSelector: \"!has(rack)\"}\n");
  }
  json network(const std::string& node_name, const std::string& type) const {
    json plugin = {{"type", type},
                   {"nodename", node_name},
                   {"datastore_type", "sqlite"},
                   {"datastore_path", database_},
                   {"ipam", {{"type", "tabby-ipam"}}}};
    if (type == "bridge") plugin["bridge"] = "cni0";
    return {{"cniVersion", "1.0.0"}, {"name", "k8s-pod-network"}, {"plugins", {plugin}}};
  }
  cni::Runtime runtime() const {
    return cni::Runtime(
        {std::filesystem::path(TABBY_CNI_PLUGIN).parent_path().string(), kDebianPlugins},
        node_->name());
  }
  // The pod's name is its container's: each test pod has one sandbox.
  static cni::Attachment attachment(const Netns& pod, const std::string& container_id) {
    return {.container_id = container_id,
            .netns = "/run/netns/" + pod.name(),
            .pod_namespace = "shop",
            .pod_name = container_id};
  }
};

TEST_F(PoolNodeSelectorTest, APodsAddressComesFromThePoolsThatSelectItsNode) {
  apply(
      "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: node1, labels: {rack: b}}\n"
      "spec: {}\n");
  auto cni = runtime();
  auto& pod = lab().add_pod("web");
  auto added = cni.add(network("node1", "tabby"), attachment(pod, "c-web"));
  ASSERT_TRUE(added.ok) << added.describe();
  const std::string address = added.result.at("ips").at(0).at("address");
  EXPECT_THAT(address, StartsWith("10.62.0.")) << "not from rack b's pool";
  EXPECT_THAT(pod.must("ip -o addr show eth0"), HasSubstr(address));
  EXPECT_TRUE(node_->ping(address.substr(0, address.find('/')), 2));

  // tabby-ipam under another main plugin reads the node's labels too.
  auto& other = lab().add_pod("other");
  auto bridged = cni.add(network("node1", "bridge"), attachment(other, "c-other"));
  ASSERT_TRUE(bridged.ok) << bridged.describe();
  EXPECT_THAT(bridged.result.at("ips").at(0).at("address").get<std::string>(),
              StartsWith("10.62.0."));

  // A node without the label: only `!has(rack)` selects it.
  apply("apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: node2}\nspec: {}\n");
  auto& unracked = lab().add_pod("unracked");
  auto on_node2 = cni.add(network("node2", "tabby"), attachment(unracked, "c-unracked"));
  ASSERT_TRUE(on_node2.ok) << on_node2.describe();
  EXPECT_THAT(on_node2.result.at("ips").at(0).at("address").get<std::string>(),
              StartsWith("10.69.0."));

  EXPECT_TRUE(cni.del(network("node1", "tabby"), attachment(pod, "c-web")).ok);
  EXPECT_TRUE(cni.del(network("node1", "bridge"), attachment(other, "c-other")).ok);
  EXPECT_TRUE(cni.del(network("node2", "tabby"), attachment(unracked, "c-unracked")).ok);
  EXPECT_EQ(handles(), 0u);
}

TEST_F(PoolNodeSelectorTest, ANodeThatIsNotStoredFailsTheAddNamingTheNode) {
  auto cni = runtime();
  auto& pod = lab().add_pod("early");
  for (const char* type : {"tabby", "bridge"}) {
    auto added = cni.add(network("node9", type), attachment(pod, "c-early"));
    ASSERT_FALSE(added.ok) << type << ": " << added.describe();
    const json error = json::parse(added.last.stdout_text);
    EXPECT_EQ(error.at("code"), 11) << type << ": " << added.describe();
    EXPECT_THAT(error.at("msg").get<std::string>(), HasSubstr("node node9")) << type;
    EXPECT_EQ(handles(), 0u) << type << ": the failed ADD kept an address";
    EXPECT_THAT(node_->must("ip -o link show"), Not(HasSubstr("cali"))) << type;
    // The runtime tears a failed ADD down: that DEL must succeed.
    EXPECT_TRUE(cni.del(network("node9", type), attachment(pod, "c-early")).ok) << type;
  }
}

}  // namespace
}  // namespace tabby::lab
