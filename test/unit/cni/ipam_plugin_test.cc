// tabby-ipam run in-process as a container runtime runs it: config on stdin, CNI_* in the
// environment, a real SQLite datastore.

#include "tabby/cni/ipam_plugin.h"

#include <gmock/gmock.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "tabby/api/codec.h"
#include "tabby/api/ipam_records.h"
#include "tabby/api/resource_store.h"
#include "tabby/api/sqlite_datastore.h"

namespace tabby::cni {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

class IpamPluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::filesystem::temp_directory_path() /
          ("cni-ipam-" + std::to_string(getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db");
    env_ = {{"CNI_CONTAINERID", "c0ffee"},
            {"CNI_IFNAME", "eth0"},
            {"CNI_NETNS", "/var/run/netns/x"},
            {"CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=web-1"},
            {"TABBY_DATASTORE_PATH", db_.string()}};
    apply(
        "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p1}\n"
        "spec: {cidr: 10.244.0.0/24}\n");
    // The node as its tabby-node registers it: IPAM reads its labels for the pools' selectors.
    apply("apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: n1}\nspec: {}\n");
  }
  void apply(const std::string& yaml) {
    auto store = api::open_sqlite_datastore({.path = db_.string()}).value();
    auto applied = api::ResourceStore(*store).apply(*api::parse_resource(yaml));
    ASSERT_TRUE(applied.ok()) << applied.error().message;
  }
  void remove(api::Kind kind, const std::string& name) {
    auto store = api::open_sqlite_datastore({.path = db_.string()}).value();
    ASSERT_TRUE(api::ResourceStore(*store).remove(kind, "", name).ok()) << name;
  }
  // The pods' pools of the per-rack layout: one per rack, and one for nodes without a rack.
  void apply_rack_pools() {
    remove(api::Kind::kIPPool, "p1");
    apply(
        "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: rack-a}\n"
        "spec: {cidr: 10.1.0.0/24, nodeSelector: \"rack == 'a'\"}\n");
    apply(
        "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: rack-b}\n"
        "spec: {cidr: 10.2.0.0/24, nodeSelector: \"rack == 'b'\"}\n");
    apply(
        "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: no-rack}\n"
        "spec: {cidr: 10.9.0.0/24, nodeSelector: \"!has(rack)\"}\n");
  }
  std::string added_address(const std::string& ipam_extra = "") {
    auto added = call("ADD", config("1.0.0", ipam_extra));
    EXPECT_EQ(added.exit_code, 0) << added.stdout_text;
    if (added.exit_code != 0) return "";
    return json::parse(added.stdout_text)["ips"][0]["address"];
  }
  void TearDown() override {
    for (const char* suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(db_.string() + suffix);
  }
  PluginOutput call(const std::string& command, const std::string& config) {
    env_["CNI_COMMAND"] = command;
    return run_ipam_plugin(config, [this](std::string_view name) -> std::optional<std::string> {
      auto it = env_.find(std::string(name));
      return it == env_.end() ? std::nullopt : std::optional<std::string>(it->second);
    });
  }
  static std::string config(const std::string& version = "1.0.0",
                            const std::string& ipam_extra = "") {
    return R"({"cniVersion":")" + version +
           R"(","name":"k8s-pod-network","type":"tabby","nodename":"n1",)" +
           R"("ipam":{"type":"tabby-ipam")" + ipam_extra + "}}";
  }

  std::filesystem::path db_;
  std::map<std::string, std::string> env_;
};

TEST_F(IpamPluginTest, AddAllocatesUnderTheContainersHandleAndDelReleasesIt) {
  auto added = call("ADD", config());
  ASSERT_EQ(added.exit_code, 0) << added.stdout_text;
  const json result = json::parse(added.stdout_text);
  EXPECT_EQ(result["cniVersion"], "1.0.0");
  ASSERT_EQ(result["ips"].size(), 1u);
  const std::string address = result["ips"][0]["address"];
  EXPECT_THAT(address, ::testing::EndsWith("/26"));  // the block's prefix, as calico-ipam
  EXPECT_FALSE(result["ips"][0].contains("version"));

  auto store = api::open_sqlite_datastore({.path = db_.string()}).value();
  auto handle = store->get(api::handle_key("k8s-pod-network.c0ffee"));
  ASSERT_TRUE(handle.ok());
  EXPECT_EQ(call("CHECK", config()).exit_code, 0);

  EXPECT_EQ(call("DEL", config()).exit_code, 0);
  EXPECT_TRUE(
      store->get(api::handle_key("k8s-pod-network.c0ffee")).is(api::DatastoreErrorKind::NotFound));
  auto again = call("DEL", config());  // idempotent
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_EQ(again.stdout_text, "");
  EXPECT_EQ(call("CHECK", config()).exit_code, 1);
}

TEST_F(IpamPluginTest, OlderSpecVersionsGetTheirResultShape) {
  auto added = call("ADD", config("0.3.1"));
  ASSERT_EQ(added.exit_code, 0) << added.stdout_text;
  const json result = json::parse(added.stdout_text);
  EXPECT_EQ(result["cniVersion"], "0.3.1");
  EXPECT_EQ(result["ips"][0]["version"], "4");
}

TEST_F(IpamPluginTest, DualStackAndARequestedAddress) {
  auto store = api::open_sqlite_datastore({.path = db_.string()}).value();
  api::ResourceStore resources(*store);
  ASSERT_TRUE(
      resources
          .apply(*api::parse_resource("apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: "
                                      "{name: p6}\nspec: {cidr: 'fd00:244::/120'}\n"))
          .ok());
  auto dual = call("ADD", config("1.0.0", R"(,"assign_ipv4":"true","assign_ipv6":"true")"));
  ASSERT_EQ(dual.exit_code, 0) << dual.stdout_text;
  EXPECT_EQ(json::parse(dual.stdout_text)["ips"].size(), 2u);

  env_["CNI_CONTAINERID"] = "fixed";
  env_["CNI_ARGS"] = "IP=10.244.0.200";
  auto fixed = call("ADD", config());
  ASSERT_EQ(fixed.exit_code, 0) << fixed.stdout_text;
  EXPECT_EQ(json::parse(fixed.stdout_text)["ips"][0]["address"], "10.244.0.200/32");
}

TEST_F(IpamPluginTest, ErrorsAreCniErrorResultsWithTheSpecsCodes) {
  auto bad_json = call("ADD", "{not json");
  EXPECT_EQ(bad_json.exit_code, 1);
  EXPECT_EQ(json::parse(bad_json.stdout_text)["code"], 6);

  auto bad_field = call("ADD", config("1.0.0", R"(,"assign_ipv4":"yes")"));
  EXPECT_EQ(json::parse(bad_field.stdout_text)["code"], 7);
  EXPECT_THAT(json::parse(bad_field.stdout_text)["msg"].get<std::string>(),
              HasSubstr("ipam.assign_ipv4"));

  auto bad_version = call("ADD", config("2.0.0"));
  EXPECT_EQ(json::parse(bad_version.stdout_text)["code"], 1);

  env_.erase("CNI_CONTAINERID");
  auto no_container = call("ADD", config());
  EXPECT_EQ(json::parse(no_container.stdout_text)["code"], 4);
  EXPECT_THAT(no_container.stdout_text, HasSubstr("CNI_CONTAINERID"));
  env_["CNI_CONTAINERID"] = "c0ffee";

  auto no_pool = call("ADD", config("1.0.0", R"(,"ipv4_pools":["missing"])"));
  EXPECT_EQ(json::parse(no_pool.stdout_text)["code"], 100);
  EXPECT_THAT(no_pool.stdout_text, HasSubstr("the given pool (missing) does not exist"));

  env_["TABBY_DATASTORE_PATH"] = "/nonexistent/dir/db.sqlite";
  auto unreachable = call("ADD", config());
  EXPECT_EQ(unreachable.exit_code, 1);
  EXPECT_EQ(json::parse(unreachable.stdout_text)["code"], 11) << unreachable.stdout_text;
}

TEST_F(IpamPluginTest, OnlyPoolsWhoseNodeSelectorSelectsTheNodesLabelsAreUsed) {
  apply_rack_pools();
  apply(
      "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: n1, labels: {rack: b}}\n"
      "spec: {}\n");
  EXPECT_THAT(added_address(), ::testing::StartsWith("10.2.0."));

  // Relabelled: the next pod comes from the new rack's pool.
  apply(
      "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: n1, labels: {rack: a}}\n"
      "spec: {}\n");
  env_["CNI_CONTAINERID"] = "second";
  EXPECT_THAT(added_address(), ::testing::StartsWith("10.1.0."));

  // Without the label only `!has(rack)` selects it.
  apply("apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: n1}\nspec: {}\n");
  env_["CNI_CONTAINERID"] = "third";
  EXPECT_THAT(added_address(), ::testing::StartsWith("10.9.0."));
}

TEST_F(IpamPluginTest, NoPoolSelectingTheNodeIsAnErrorAndAllocatesNothing) {
  apply_rack_pools();
  apply(
      "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: n1, labels: {rack: c}}\n"
      "spec: {}\n");
  auto added = call("ADD", config());
  ASSERT_EQ(added.exit_code, 1) << added.stdout_text;
  EXPECT_EQ(json::parse(added.stdout_text)["code"], 100);
  EXPECT_THAT(added.stdout_text, HasSubstr("no configured Calico pools for node n1"));
  auto store = api::open_sqlite_datastore({.path = db_.string()}).value();
  EXPECT_TRUE(store->list("/calico/ipam/v2/handle/").value().entries.empty());
}

TEST_F(IpamPluginTest, ANodeThatIsNotStoredIsAnErrorNamingTheNode) {
  remove(api::Kind::kNode, "n1");
  auto added = call("ADD", config());
  ASSERT_EQ(added.exit_code, 1) << added.stdout_text;
  const json error = json::parse(added.stdout_text);
  EXPECT_EQ(error["code"], 11) << "tabby-node registers the node soon: a retry may succeed";
  EXPECT_THAT(error["msg"].get<std::string>(), HasSubstr("node n1"));
  EXPECT_THAT(error["msg"].get<std::string>(), HasSubstr("does not exist"));
  auto store = api::open_sqlite_datastore({.path = db_.string()}).value();
  EXPECT_TRUE(store->list("/calico/ipam/v2/handle/").value().entries.empty());

  // Requested pools do not spare the lookup (Calico reads the node first either way).
  auto requested = call("ADD", config("1.0.0", R"(,"ipv4_pools":["p1"])"));
  EXPECT_EQ(requested.exit_code, 1) << requested.stdout_text;
  EXPECT_THAT(requested.stdout_text, HasSubstr("node n1"));
  // DEL needs no node: a node deregistered before its pods are torn down still cleans up.
  EXPECT_EQ(call("DEL", config()).exit_code, 0);
}

TEST_F(IpamPluginTest, RequestedPoolsAreUsedWhateverTheirNodeSelector) {
  // libcalico-go's determinePools uses requested pools unconditionally, ignoring their
  // selectors for backwards compatibility (its test "pool1 mismatching node selector, pool1
  // requested" expects pool1).
  apply_rack_pools();
  apply(
      "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: n1, labels: {rack: a}}\n"
      "spec: {}\n");
  EXPECT_THAT(added_address(R"(,"ipv4_pools":["rack-b"])"), ::testing::StartsWith("10.2.0."));
}

TEST_F(IpamPluginTest, VersionListsTheSupportedVersions) {
  auto version = call("VERSION", "");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(json::parse(version.stdout_text)["supportedVersions"],
            json::array({"0.3.0", "0.3.1", "0.4.0", "1.0.0"}));
}

}  // namespace
}  // namespace tabby::cni
