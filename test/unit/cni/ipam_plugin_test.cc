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
    auto store = api::open_sqlite_datastore({.path = db_.string()}).value();
    api::ResourceStore resources(*store);
    ASSERT_TRUE(
        resources
            .apply(*api::parse_resource("apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: "
                                        "{name: p1}\nspec: {cidr: 10.244.0.0/24}\n"))
            .ok());
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

TEST_F(IpamPluginTest, VersionListsTheSupportedVersions) {
  auto version = call("VERSION", "");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(json::parse(version.stdout_text)["supportedVersions"],
            json::array({"0.3.0", "0.3.1", "0.4.0", "1.0.0"}));
}

}  // namespace
}  // namespace tabby::cni
