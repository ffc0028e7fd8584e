// A late CNI DEL for a pod's old sandbox, after the pod's new sandbox is up (kubelet restarts
// a sandbox, then tears the old one down), through the real `tabby` binary as a runtime runs
// it: the running sandbox keeps its WorkloadEndpoint (where its /32 route comes from), its
// address, its veth and its route; only the old sandbox's own address is released. Calico's
// plugin skips the endpoint when its containerID is not CNI_CONTAINERID.

#include <gmock/gmock.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "cni_lab_test.h"
#include "cni_runtime.h"
#include "tabby/api/codec.h"
#include "tabby/api/ipam_records.h"
#include "tabby/api/resource_store.h"
#include "tabby/api/sqlite_datastore.h"

namespace tabby::lab {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr const char* kEndpoint = "node1-k8s-web--0-eth0";  // Calico's name for shop/web-0

class StaleSandboxDelTest : public CniLabTest {
 protected:
  void SetUp() override {
    LabTest::SetUp();
    if (HasFatalFailure()) return;
    set_up_node(62);
    apply(
        "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p1}\n"
        "spec: {cidr: 10.244.0.0/16}\n");
    apply("apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: node1}\nspec: {}\n");
  }
  json network() const {
    return {{"cniVersion", "1.0.0"},
            {"name", "k8s-pod-network"},
            {"plugins",
             {{{"type", "tabby"},
               {"nodename", "node1"},
               {"datastore_type", "sqlite"},
               {"datastore_path", database_},
               {"ipam", {{"type", "tabby-ipam"}}}}}}};
  }
  cni::Runtime runtime() const {
    return cni::Runtime({std::filesystem::path(TABBY_CNI_PLUGIN).parent_path().string()},
                        node_->name());
  }
  // One sandbox of the pod shop/web-0.
  static cni::Attachment sandbox(const Netns& netns, const std::string& container_id) {
    return {.container_id = container_id,
            .netns = "/run/netns/" + netns.name(),
            .pod_namespace = "shop",
            .pod_name = "web-0"};
  }
  bool handle_exists(const std::string& container_id) const {
    auto store = api::open_sqlite_datastore({.path = database_}).value();
    return store->get(api::handle_key("k8s-pod-network." + container_id)).ok();
  }
  api::DatastoreResult<api::Resource> endpoint() const {
    auto store = api::open_sqlite_datastore({.path = database_}).value();
    return api::ResourceStore(*store).get(api::Kind::kWorkloadEndpoint, "shop", kEndpoint);
  }
};

TEST_F(StaleSandboxDelTest, ALateDelForTheOldSandboxLeavesTheRunningPodOnTheNetwork) {
  auto cni = runtime();
  auto& old_netns = lab().add_pod("old");
  auto& new_netns = lab().add_pod("new");
  ASSERT_TRUE(cni.add(network(), sandbox(old_netns, "sandbox-old")).ok);
  auto added = cni.add(network(), sandbox(new_netns, "sandbox-new"));
  ASSERT_TRUE(added.ok) << added.describe();
  const std::string address = added.result.at("ips").at(0).at("address");
  const std::string pod_ip = address.substr(0, address.find('/'));
  const std::string host_if = added.result.at("interfaces").at(0).at("name");
  ASSERT_EQ(endpoint().value().spec["containerID"], "sandbox-new");

  auto late = cni.del(network(), sandbox(old_netns, "sandbox-old"));
  ASSERT_TRUE(late.ok) << late.describe();
  auto kept = endpoint();
  ASSERT_TRUE(kept.ok()) << "the running pod's WorkloadEndpoint was deleted";
  EXPECT_EQ(kept->spec["containerID"], "sandbox-new");
  EXPECT_EQ(kept->spec["ipNetworks"][0], address);
  EXPECT_TRUE(handle_exists("sandbox-new")) << "the running pod's address was released";
  EXPECT_FALSE(handle_exists("sandbox-old")) << "the old sandbox's address was kept";
  EXPECT_THAT(new_netns.must("ip -o addr show eth0"), HasSubstr(address));
  EXPECT_THAT(node_->routes(pod_ip), HasSubstr("dev " + host_if));
  EXPECT_TRUE(node_->ping(pod_ip, 2));

  // The running sandbox's own DEL takes everything; repeated, it finds nothing and succeeds.
  auto current = cni.del(network(), sandbox(new_netns, "sandbox-new"));
  ASSERT_TRUE(current.ok) << current.describe();
  EXPECT_TRUE(endpoint().is(api::DatastoreErrorKind::NotFound));
  EXPECT_FALSE(handle_exists("sandbox-new"));
  EXPECT_EQ(node_->routes(pod_ip), "");
  EXPECT_FALSE(node_->sh("ip link show " + host_if).ok());
  auto repeated = cni.del(network(), sandbox(new_netns, "sandbox-new"));
  EXPECT_TRUE(repeated.ok) << repeated.describe();
  EXPECT_EQ(repeated.last.stdout_text, "");
}

}  // namespace
}  // namespace tabby::lab
