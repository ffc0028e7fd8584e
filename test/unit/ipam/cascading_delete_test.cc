// Deleting an IPPool or a Node as Calico's client does (cascading_delete.h), on the in-memory
// datastore: what hangs off them goes with them, and what belongs to others stays.

#include "tabby/ipam/cascading_delete.h"

#include <gmock/gmock.h>

#include "tabby/api/codec.h"
#include "tabby/api/datastore_memory.h"
#include "tabby/api/ipam_records.h"
#include "tabby/api/resource_store.h"
#include "tabby/ipam/ipam.h"

namespace tabby::ipam {
namespace {

using api::DatastoreErrorKind;
using api::Kind;
using namespace std::chrono_literals;

class CascadingDeleteTest : public ::testing::Test {
 protected:
  void apply(const std::string& yaml) {
    api::ResourceStore store(*datastore_);
    for (const auto& resource : *api::parse_resources(yaml)) {
      auto applied = store.apply(resource);
      ASSERT_TRUE(applied.ok()) << applied.error().message;
    }
  }
  // One address for `handle` on `node` from `pool`; returns it.
  IpAddress allocate(const std::string& node, const std::string& handle, const std::string& pool) {
    AutoAssignRequest request;
    request.node = node;
    request.num_v4 = 1;
    request.handle_id = handle;
    request.pools_v4 = {pool};
    auto got = Ipam(*datastore_).auto_assign(request);
    EXPECT_TRUE(got.ok()) << got.error().message;
    return got.ok() ? got->v4.at(0).address : IpAddress();
  }
  IpPrefix block_of(const IpAddress& address) const { return IpPrefix(address.masked(26), 26); }
  std::optional<api::AllocationBlock> block(const IpPrefix& cidr) const {
    auto stored = datastore_->get(api::block_key(cidr));
    if (!stored) return std::nullopt;
    return *api::decode_block(stored->key, stored->value);
  }
  bool affine(const std::string& node, const IpPrefix& cidr) const {
    return datastore_->get(api::block_affinity_key(node, cidr)).ok();
  }
  bool exists(Kind kind, const std::string& namespace_, const std::string& name) const {
    return api::ResourceStore(*datastore_).get(kind, namespace_, name).ok();
  }
  std::size_t handles() const {
    return datastore_->list("/calico/ipam/v2/handle/")->entries.size();
  }

  std::unique_ptr<api::Datastore> datastore_ = api::open_memory_datastore(api::make_memory_store());
};

TEST_F(CascadingDeleteTest, APoolIsDisabledItsBlocksReleasedThenItGoes) {
  apply(
      "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p1}\n"
      "spec: {cidr: 10.244.0.0/16}\n---\n"
      "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p2}\n"
      "spec: {cidr: 10.245.0.0/16}\n");
  const IpAddress in_use = allocate("n1", "net.a", "p1");
  const IpAddress freed = allocate("n2", "net.b", "p1");
  ASSERT_TRUE(Ipam(*datastore_).release_by_handle("net.b").ok());
  const IpAddress other_pool = allocate("n1", "net.c", "p2");

  // A pinned version that is out of date changes nothing.
  auto stale = delete_ip_pool(*datastore_, "p1", "999999", 0ms);
  EXPECT_TRUE(stale.is(DatastoreErrorKind::Conflict));
  EXPECT_FALSE(
      api::ResourceStore(*datastore_).get(Kind::kIPPool, "", "p1")->spec.value("disabled", false));

  auto deleted = delete_ip_pool(*datastore_, "p1", "", 0ms);
  ASSERT_TRUE(deleted.ok()) << deleted.error().message;
  EXPECT_EQ(deleted->spec["disabled"], true) << "it was disabled before it went";
  EXPECT_FALSE(exists(Kind::kIPPool, "", "p1"));
  // n2's empty block is gone with its affinity; n1's block keeps the pod's address but no
  // owner, so no node blackholes or advertises it as its own.
  EXPECT_FALSE(block(block_of(freed)));
  EXPECT_FALSE(affine("n2", block_of(freed)));
  ASSERT_TRUE(block(block_of(in_use)));
  EXPECT_FALSE(block(block_of(in_use))->affinity);
  EXPECT_FALSE(affine("n1", block_of(in_use)));
  // The other pool is untouched.
  EXPECT_TRUE(affine("n1", block_of(other_pool)));
  EXPECT_TRUE(exists(Kind::kIPPool, "", "p2"));

  EXPECT_TRUE(delete_ip_pool(*datastore_, "p1", "", 0ms).is(DatastoreErrorKind::NotFound));
}

TEST_F(CascadingDeleteTest, ANodeTakesItsAddressesEndpointsAffinitiesPeersAndConfigs) {
  apply(
      "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p1}\n"
      "spec: {cidr: 10.244.0.0/16}\n");
  const IpAddress pod = allocate("n1", "k8s-pod-network.c1", "p1");
  const IpAddress tunnel = allocate("n1", "ipip-tunnel-addr-n1", "p1");
  const IpAddress other_pod = allocate("n2", "k8s-pod-network.c2", "p1");
  apply(
      "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: n1}\n"
      "spec: {bgp: {ipv4Address: 10.0.0.1/24, ipv4IPIPTunnelAddr: " +
      tunnel.to_string() + "}}\n---\n" +
      "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: n2}\nspec: {}\n---\n" +
      "apiVersion: projectcalico.org/v3\nkind: WorkloadEndpoint\n"
      "metadata: {name: n1-k8s-web-eth0, namespace: shop}\n"
      "spec: {orchestrator: k8s, node: n1, pod: web, endpoint: eth0, "
      "interfaceName: cali0123456789a, ipNetworks: [" +
      pod.to_string() + "/32]}\n---\n" +
      "apiVersion: projectcalico.org/v3\nkind: WorkloadEndpoint\n"
      "metadata: {name: n2-k8s-db-eth0, namespace: shop}\n"
      "spec: {orchestrator: k8s, node: n2, pod: db, endpoint: eth0, "
      "interfaceName: cali0123456789b, ipNetworks: [" +
      other_pod.to_string() + "/32]}\n---\n" +
      "apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata: {name: rr-for-n1}\n"
      "spec: {node: n1, peerIP: 10.0.0.254, asNumber: 64512}\n---\n"
      "apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata: {name: tor}\n"
      "spec: {peerIP: 10.0.0.253, asNumber: 64513}\n---\n"
      "apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {name: node.n1}\n"
      "spec: {}\n---\n"
      "apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\nmetadata: {name: node.n1}\n"
      "spec: {}\n---\n"
      "apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {name: node.n2}\n"
      "spec: {}\n");
  ASSERT_EQ(handles(), 3u);

  auto deleted = delete_node(*datastore_, "n1");
  ASSERT_TRUE(deleted.ok()) << deleted.error().message;
  EXPECT_FALSE(exists(Kind::kNode, "", "n1"));
  EXPECT_FALSE(exists(Kind::kWorkloadEndpoint, "shop", "n1-k8s-web-eth0"));
  EXPECT_FALSE(exists(Kind::kBGPPeer, "", "rr-for-n1"));
  EXPECT_FALSE(exists(Kind::kFelixConfiguration, "", "node.n1"));
  EXPECT_FALSE(exists(Kind::kBGPConfiguration, "", "node.n1"));
  EXPECT_FALSE(affine("n1", block_of(pod)));
  EXPECT_FALSE(block(block_of(pod))) << "n1's block, empty now, is still there";
  EXPECT_EQ(handles(), 1u) << "the pod's or the tunnel's address is still held";
  // What is not n1's stays.
  EXPECT_TRUE(exists(Kind::kNode, "", "n2"));
  EXPECT_TRUE(exists(Kind::kWorkloadEndpoint, "shop", "n2-k8s-db-eth0"));
  EXPECT_TRUE(exists(Kind::kBGPPeer, "", "tor"));
  EXPECT_TRUE(exists(Kind::kFelixConfiguration, "", "node.n2"));
  EXPECT_TRUE(affine("n2", block_of(other_pod)));

  // Gone already: NotFound, after cleaning up what was left.
  EXPECT_TRUE(delete_node(*datastore_, "n1").is(DatastoreErrorKind::NotFound));
}

}  // namespace
}  // namespace tabby::ipam
