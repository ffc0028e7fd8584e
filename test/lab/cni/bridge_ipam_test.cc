// tabby-ipam under another main plugin: Debian's containernetworking-plugins `bridge` execs
// it from CNI_PATH for the addresses, as it would host-local.

#include <gmock/gmock.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tabby/api/codec.h"
#include "tabby/api/ipam_records.h"
#include "tabby/api/resource_store.h"
#include "tabby/api/sqlite_datastore.h"
#include "tabby/lab/lab_test.h"

namespace tabby::lab {
namespace {

using nlohmann::json;

constexpr const char* kBridgePlugin = "/usr/lib/cni/bridge";

class BridgeIpamTest : public LabTest {};

TEST_F(BridgeIpamTest, TheBridgePluginGetsItsAddressesFromTabbyIpam) {
  ASSERT_TRUE(std::filesystem::exists(kBridgePlugin))
      << kBridgePlugin
      << " is missing: install Debian's containernetworking-plugins (scripts/run deps)";
  const std::string database = (lab().dir() / "datastore.db").string();
  {
    auto store = api::open_sqlite_datastore({.path = database}).value();
    api::ResourceStore resources(*store);
    ASSERT_TRUE(
        resources
            .apply(*api::parse_resource("apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: "
                                        "{name: p1}\nspec: {cidr: 10.250.0.0/24}\n"))
            .ok());
    ASSERT_TRUE(resources
                    .apply(*api::parse_resource("apiVersion: projectcalico.org/v3\nkind: Node\n"
                                                "metadata: {name: node1}\nspec: {}\n"))
                    .ok());
  }
  auto& node = lab().add_node("node");
  // CNI_PATH: where bridge finds tabby-ipam.
  const std::string cni_path = std::filesystem::path(TABBY_IPAM_PLUGIN).parent_path().string();
  const std::string config =
      R"({"cniVersion":"1.0.0","name":"bridgenet","type":"bridge","bridge":"cni0",)"
      R"("nodename":"node1","datastore_path":")" +
      database + R"(","ipam":{"type":"tabby-ipam"}})";
  std::vector<std::string> addresses;
  std::vector<Netns*> pods;
  for (const char* name : {"pod-a", "pod-b"}) {
    auto& pod = lab().add_pod(name);
    pods.push_back(&pod);
    auto added = node.sh("printf '%s' '" + config + "' | CNI_COMMAND=ADD CNI_CONTAINERID=" + name +
                         " CNI_NETNS=/run/netns/" + pod.name() +
                         " CNI_IFNAME=eth0 CNI_PATH=" + cni_path + " " + kBridgePlugin);
    ASSERT_TRUE(added.ok()) << added.output;
    const json result = json::parse(added.output);
    const std::string address = result.at("ips").at(0).at("address");
    EXPECT_THAT(address, ::testing::StartsWith("10.250.0."));
    EXPECT_THAT(pod.must("ip -o addr show eth0"), ::testing::HasSubstr(address));
    addresses.push_back(address.substr(0, address.find('/')));
  }
  EXPECT_NE(addresses[0], addresses[1]);
  EXPECT_TRUE(pods[0]->ping(addresses[1], 2)) << "the two pods share the bridge";

  // DEL through bridge releases the allocation in tabby's IPAM.
  auto deleted = node.sh(
      "printf '%s' '" + config + "' | CNI_COMMAND=DEL CNI_CONTAINERID=pod-a CNI_NETNS=/run/netns/" +
      pods[0]->name() + " CNI_IFNAME=eth0 CNI_PATH=" + cni_path + " " + kBridgePlugin);
  ASSERT_TRUE(deleted.ok()) << deleted.output;
  auto store = api::open_sqlite_datastore({.path = database}).value();
  EXPECT_TRUE(store->get(api::handle_key("bridgenet.pod-a")).is(api::DatastoreErrorKind::NotFound));
  EXPECT_TRUE(store->get(api::handle_key("bridgenet.pod-b")).ok());
}

}  // namespace
}  // namespace tabby::lab
