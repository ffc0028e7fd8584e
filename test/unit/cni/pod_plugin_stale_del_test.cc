// The `tabby` plugin's DEL for a sandbox that is not the pod's current one (a late DEL after a
// sandbox restart), run in-process with a netns that is already gone, so no root is needed:
// the running sandbox's WorkloadEndpoint and addresses stay, as in Calico's CNI plugin.

#include <gmock/gmock.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "tabby/api/codec.h"
#include "tabby/api/ipam_records.h"
#include "tabby/api/resource_store.h"
#include "tabby/api/sqlite_datastore.h"
#include "tabby/cni/ipam_plugin.h"
#include "tabby/cni/pod_plugin.h"
#include "tabby/ipam/ipam_inspect.h"

namespace tabby::cni {
namespace {

using nlohmann::json;

constexpr const char* kEndpoint = "n1-k8s-web--1-eth0";  // Calico's name for shop/web-1

class PodPluginStaleDelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::filesystem::temp_directory_path() /
          ("cni-stale-del-" + std::to_string(getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db");
    store_ = api::open_sqlite_datastore({.path = db_.string()}).value();
    apply(
        "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p1}\n"
        "spec: {cidr: 10.244.0.0/24}\n");
    apply("apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: n1}\nspec: {}\n");
  }
  void TearDown() override {
    store_.reset();
    for (const char* suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(db_.string() + suffix);
  }
  void apply(const std::string& yaml) {
    auto applied = api::ResourceStore(*store_).apply(*api::parse_resource(yaml));
    ASSERT_TRUE(applied.ok()) << applied.error().message;
  }
  EnvLookup environment(const std::string& command, const std::string& container_id) const {
    std::map<std::string, std::string> env = {
        {"CNI_COMMAND", command},
        {"CNI_CONTAINERID", container_id},
        {"CNI_IFNAME", "eth0"},
        // The sandbox's netns is gone, as it usually is by a late DEL: nothing to unwire.
        {"CNI_NETNS", "/nonexistent/netns/" + container_id},
        {"CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=web-1"},
        {"TABBY_DATASTORE_PATH", db_.string()}};
    return [env](std::string_view name) -> std::optional<std::string> {
      auto it = env.find(std::string(name));
      return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
  }
  static std::string config() {
    return R"({"cniVersion":"1.0.0","name":"k8s-pod-network","type":"tabby","nodename":"n1",)"
           R"("ipam":{"type":"tabby-ipam"}})";
  }
  // What a sandbox's ADD left in the datastore: its address under its handle, and (for the
  // pod's current sandbox) the WorkloadEndpoint naming it.
  IpAddress allocate(const std::string& container_id) {
    auto added = run_ipam_plugin(config(), environment("ADD", container_id));
    EXPECT_EQ(added.exit_code, 0) << added.stdout_text;
    const std::string text = json::parse(added.stdout_text)["ips"][0]["address"];
    return *IpAddress::parse(text.substr(0, text.find('/')));
  }
  void write_endpoint(const std::string& container_id, const IpAddress& address) {
    apply("apiVersion: projectcalico.org/v3\nkind: WorkloadEndpoint\nmetadata: {name: " +
          std::string(kEndpoint) +
          ", namespace: shop}\nspec: {orchestrator: k8s, node: n1, pod: web-1, endpoint: eth0, "
          "interfaceName: cali0123456789a, " +
          (container_id.empty() ? "" : "containerID: " + container_id + ", ") + "ipNetworks: ['" +
          address.to_string() + "/32']}\n");
  }
  PluginOutput del(const std::string& container_id) {
    return run_pod_plugin(config(), environment("DEL", container_id));
  }
  api::DatastoreResult<api::Resource> endpoint() {
    return api::ResourceStore(*store_).get(api::Kind::kWorkloadEndpoint, "shop", kEndpoint);
  }
  std::optional<std::string> holder(const IpAddress& address) {
    auto owner = ipam::address_owner(*store_, address).value();
    if (!owner) return std::nullopt;
    return owner->handle_id.value_or("");
  }

  std::filesystem::path db_;
  std::unique_ptr<api::Datastore> store_;
};

TEST_F(PodPluginStaleDelTest, ADelForAnOldSandboxKeepsTheRunningSandboxsEndpointAndAddress) {
  const IpAddress old_address = allocate("old-sandbox");
  const IpAddress new_address = allocate("new-sandbox");
  write_endpoint("new-sandbox", new_address);

  auto late = del("old-sandbox");
  ASSERT_EQ(late.exit_code, 0) << late.stdout_text;
  auto kept = endpoint();
  ASSERT_TRUE(kept.ok()) << "the running pod's WorkloadEndpoint was deleted";
  EXPECT_EQ(kept->spec["containerID"], "new-sandbox");
  // The old sandbox's address goes, by its own handle; the running one's stays.
  EXPECT_EQ(holder(old_address), std::nullopt);
  EXPECT_EQ(holder(new_address), "k8s-pod-network.new-sandbox");
  EXPECT_TRUE(store_->get(api::handle_key("k8s-pod-network.old-sandbox"))
                  .is(api::DatastoreErrorKind::NotFound));

  // The running sandbox's own DEL removes both; a repeat finds nothing and succeeds.
  auto current = del("new-sandbox");
  ASSERT_EQ(current.exit_code, 0) << current.stdout_text;
  EXPECT_TRUE(endpoint().is(api::DatastoreErrorKind::NotFound));
  EXPECT_EQ(holder(new_address), std::nullopt);
  auto repeated = del("new-sandbox");
  EXPECT_EQ(repeated.exit_code, 0) << repeated.stdout_text;
  EXPECT_EQ(repeated.stdout_text, "");
}

TEST_F(PodPluginStaleDelTest, AnEndpointThatNamesNoContainerIsDeletedByTheDel) {
  // Calico deletes an endpoint whose containerID is empty (written before it recorded one).
  const IpAddress address = allocate("only-sandbox");
  write_endpoint("", address);
  auto deleted = del("only-sandbox");
  ASSERT_EQ(deleted.exit_code, 0) << deleted.stdout_text;
  EXPECT_TRUE(endpoint().is(api::DatastoreErrorKind::NotFound));
  EXPECT_EQ(holder(address), std::nullopt);
}

TEST_F(PodPluginStaleDelTest, ADelWithNothingStoredSucceeds) {
  auto deleted = del("never-added");
  EXPECT_EQ(deleted.exit_code, 0) << deleted.stdout_text;
  EXPECT_EQ(deleted.stdout_text, "");
}

}  // namespace
}  // namespace tabby::cni
