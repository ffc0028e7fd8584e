// The agent's cluster snapshot follows the datastore: list, watch, coalesced changes, bad
// values dropped with the key named, compaction answered by a new list.

#include "tabby/agent/datastore_syncer.h"

#include <gmock/gmock.h>

#include <boost/asio/io_context.hpp>

#include "tabby/agent/local_workloads.h"
#include "tabby/api/codec.h"
#include "tabby/api/datastore_memory.h"
#include "tabby/api/resource_store.h"

namespace tabby::agent {
namespace {

class DatastoreSyncerTest : public ::testing::Test {
 protected:
  DatastoreSyncerTest()
      : datastore_(api::open_memory_datastore(api::make_memory_store())),
        syncer_(io_, *datastore_, [this](const DatastoreSnapshot& snapshot) {
          ++changes_;
          last_ = snapshot;
        }) {}

  void apply(const std::string& yaml) {
    api::ResourceStore store(*datastore_);
    auto applied = store.apply(*api::parse_resource(yaml));
    ASSERT_TRUE(applied.ok()) << applied.error().message;
  }
  // Runs the loop until `done` or 5 s pass.
  template <typename Done>
  void run_until(Done done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io_.run_for(std::chrono::milliseconds(10));
      io_.restart();
    }
  }

  boost::asio::io_context io_;
  std::unique_ptr<api::Datastore> datastore_;
  DatastoreSyncer syncer_;
  int changes_ = 0;
  DatastoreSnapshot last_;
};

TEST_F(DatastoreSyncerTest, TheFirstListAndLaterChangesReachTheSnapshot) {
  apply(
      "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: n1}\n"
      "spec: {bgp: {ipv4Address: 10.0.0.1/24}}\n");
  syncer_.start();
  EXPECT_TRUE(syncer_.in_sync());
  EXPECT_EQ(changes_, 1);
  ASSERT_NE(last_.find(api::Kind::kNode, "n1"), nullptr);
  // felix_resyncs_started and tabby_datastore_errors_total come from these counts.
  EXPECT_EQ(syncer_.resyncs(), 1u);
  EXPECT_EQ(syncer_.errors(), 0u);

  apply(
      "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p1}\n"
      "spec: {cidr: 10.244.0.0/16}\n");
  apply(
      "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: n2}\n"
      "spec: {bgp: {ipv4Address: 10.0.0.2/24}}\n");
  run_until([&] { return last_.of(api::Kind::kNode).size() == 2; });
  EXPECT_EQ(last_.of(api::Kind::kIPPool).size(), 1u);
  EXPECT_EQ(changes_, 2);  // the two writes came as one burst

  ASSERT_TRUE(datastore_->remove(api::resource_key(api::Kind::kNode, "", "n1")).ok());
  run_until([&] { return last_.of(api::Kind::kNode).size() == 1; });
  EXPECT_EQ(last_.find(api::Kind::kNode, "n1"), nullptr);
  EXPECT_EQ(syncer_.resyncs(), 1u);  // changes came by the watch, no new listing
}

TEST_F(DatastoreSyncerTest, IpamBlocksAreDecodedAndBadValuesDropped) {
  syncer_.start();
  const auto block = api::AllocationBlock::empty(*IpPrefix::parse("10.244.1.0/26"), "host:n1");
  ASSERT_TRUE(datastore_->put(api::block_key(block.cidr), api::encode(block)).ok());
  run_until([&] { return last_.blocks.size() == 1; });
  ASSERT_EQ(last_.blocks.count("10.244.1.0/26"), 1u);
  EXPECT_EQ(last_.blocks.at("10.244.1.0/26").affinity, "host:n1");

  ASSERT_TRUE(datastore_->put(api::block_key(block.cidr), "{not json").ok());
  run_until([&] { return last_.blocks.empty(); });
  EXPECT_TRUE(last_.blocks.empty());
  ASSERT_TRUE(datastore_->put(api::resource_key(api::Kind::kIPPool, "", "bad"), "{}").ok());
  ASSERT_TRUE(datastore_->put("/calico/something/else", "x").ok());
  io_.run_for(std::chrono::milliseconds(200));
  EXPECT_TRUE(last_.of(api::Kind::kIPPool).empty());
}

TEST(DatastoreSnapshotTest, ApplyReportsOnlyChangesTheCalculationReads) {
  DatastoreSnapshot snapshot;
  EXPECT_FALSE(snapshot.apply("/calico/ipam/v2/handle/k8s-pod-network.abc", "{}", 3));
  EXPECT_FALSE(snapshot.apply("/calico/resources/v3/projectcalico.org/unknownkinds/x", "{}", 4));
  EXPECT_EQ(snapshot.revision, 4);
}

}  // namespace
}  // namespace tabby::agent

namespace tabby::agent {
namespace {

TEST(DatastoreSnapshotTest, AResourceWithFieldsThisBuildLacksIsKeptAndNamedOnce) {
  DatastoreSnapshot snapshot;
  const std::string key = "/calico/resources/v3/projectcalico.org/ippools/p1";
  const std::string value =
      R"({"kind":"IPPool","apiVersion":"projectcalico.org/v3","metadata":{"name":"p1"},)"
      R"("spec":{"cidr":"10.244.0.0/16","futureMode":"Fast"}})";
  EXPECT_TRUE(snapshot.apply(key, value, 3));
  const api::Resource* pool = snapshot.find(api::Kind::kIPPool, "p1");
  ASSERT_NE(pool, nullptr) << "the pool was dropped";
  EXPECT_EQ(pool->spec["cidr"], "10.244.0.0/16");
  EXPECT_EQ(snapshot.ignored_fields.at(key), std::vector<std::string>{"spec.futureMode"});
  // Once warned, the same fields at a later revision are not news; their going is.
  EXPECT_TRUE(snapshot.apply(key, value, 4));
  EXPECT_EQ(snapshot.ignored_fields.size(), 1u);
  EXPECT_TRUE(snapshot.apply(
      key,
      R"({"kind":"IPPool","apiVersion":"projectcalico.org/v3","metadata":{"name":"p1"},)"
      R"("spec":{"cidr":"10.244.0.0/16"}})",
      5));
  EXPECT_TRUE(snapshot.ignored_fields.empty());
}

TEST(LocalWorkloadRoutesTest, EveryAddressOfThisNodesEndpointsGetsAHostRoute) {
  DatastoreSnapshot snapshot;
  auto endpoint = [](const std::string& name, const std::string& node, const std::string& nets) {
    return *api::parse_resource(
        "apiVersion: projectcalico.org/v3\nkind: WorkloadEndpoint\nmetadata: {name: " + name +
        ", namespace: default}\nspec: {node: " + node +
        ", orchestrator: k8s, endpoint: eth0, pod: p, containerID: c, interfaceName: cali" +
        name.substr(0, 4) + ", ipNetworks: [" + nets + "]}\n");
  };
  snapshot.resources[api::Kind::kWorkloadEndpoint]["default/a"] =
      endpoint("node1--k8s-a-eth0", "node1", "10.244.0.1/32, 'fd00::1/128'");
  snapshot.resources[api::Kind::kWorkloadEndpoint]["default/b"] =
      endpoint("node2--k8s-b-eth0", "node2", "10.244.1.1/32");
  const auto routes = local_workload_routes(snapshot, "node1");
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0], dataplane::workload_route(*IpAddress::parse("10.244.0.1"), "calinode"));
  EXPECT_EQ(routes[1], dataplane::workload_route(*IpAddress::parse("fd00::1"), "calinode"));
}

}  // namespace
}  // namespace tabby::agent
