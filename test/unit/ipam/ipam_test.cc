// The allocator on the in-memory datastore (the same contract as the real backends):
// Calico's order, claiming, borrowing, strict affinity, limits, reservations, handles,
// release, dual stack. Many allocators at once run on memory and, for SQLite's own locking
// and busy retries, on a real SQLite file too.

#include "tabby/ipam/ipam.h"

#include <gmock/gmock.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <thread>

#include "tabby/api/codec.h"
#include "tabby/api/datastore_memory.h"
#include "tabby/api/resource_store.h"
#include "tabby/api/sqlite_datastore.h"
#include "tabby/ipam/block_operations.h"

namespace tabby::ipam {
namespace {

using ::testing::HasSubstr;

IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}

class IpamTest : public ::testing::Test {
 protected:
  void SetUp() override { datastore_ = open(); }
  // Another client of the same store, as another process would have.
  virtual std::unique_ptr<api::Datastore> open() { return api::open_memory_datastore(memory_); }

  void apply(const std::string& yaml) {
    api::ResourceStore store(*datastore_);
    for (const auto& resource : *api::parse_resources(yaml))
      ASSERT_TRUE(store.apply(resource).ok());
  }
  void pool(const std::string& name, const std::string& cidr, const std::string& extra = "") {
    apply("apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: " + name +
          "}\nspec: {cidr: '" + cidr + "'" + extra + "}\n");
  }
  void ipam_config(const api::IpamConfig& config) {
    ASSERT_TRUE(datastore_->put(api::ipam_config_key(), api::encode(config)).ok());
  }
  AutoAssignRequest request(const std::string& node, int v4, const std::string& handle) {
    AutoAssignRequest r;
    r.node = node;
    r.num_v4 = v4;
    r.handle_id = handle;
    r.attributes = {{"node", node}};
    return r;
  }
  std::optional<api::AllocationBlock> block(const char* cidr) {
    auto stored = datastore_->get(api::block_key(*IpPrefix::parse(cidr)));
    if (!stored) return std::nullopt;
    return *api::decode_block(stored->key, stored->value);
  }
  std::optional<api::IpamHandle> handle(const std::string& id) {
    auto stored = datastore_->get(api::handle_key(id));
    if (!stored) return std::nullopt;
    return *api::decode_handle(stored->key, stored->value);
  }

  // 5 nodes allocating 20 addresses each at once, each through its own client.
  void many_allocators_never_share_an_address() {
    pool("p1", "10.244.0.0/22");
    constexpr int kNodes = 5, kPods = 20;
    std::vector<std::vector<IpAddress>> got(kNodes);
    std::vector<std::thread> threads;
    for (int n = 0; n < kNodes; ++n) {
      threads.emplace_back([&, n] {
        auto store = open();
        Ipam ipam(*store);
        for (int p = 0; p < kPods; ++p) {
          auto r = ipam.auto_assign(request("node" + std::to_string(n), 1,
                                            "net." + std::to_string(n) + "-" + std::to_string(p)));
          ASSERT_TRUE(r.ok()) << r.error().message;
          got[static_cast<std::size_t>(n)].push_back(r->v4[0].address);
        }
      });
    }
    for (auto& t : threads)
      t.join();
    std::set<IpAddress> all;
    for (const auto& addresses : got)
      all.insert(addresses.begin(), addresses.end());
    EXPECT_EQ(all.size(), static_cast<std::size_t>(kNodes * kPods))
        << "an address was handed out twice";
    // Every node got its own block, and every address came from it.
    for (int n = 0; n < kNodes; ++n) {
      const std::string node = "node" + std::to_string(n);
      const auto affinities = datastore_->list(api::host_affinity_prefix(node, IpFamily::kV4));
      ASSERT_EQ(affinities->entries.size(), 1u) << node;
      const auto cidr = *api::block_cidr_from_key(affinities->entries[0].key);
      for (const auto& address : got[static_cast<std::size_t>(n)])
        EXPECT_TRUE(cidr.contains(address))
            << address.to_string() << " not in " << node << "'s block";
    }
  }

  std::shared_ptr<api::MemoryStore> memory_ = api::make_memory_store();
  std::unique_ptr<api::Datastore> datastore_;
};

// The same allocator on a real SQLite file (one connection per client).
class SqliteIpamTest : public IpamTest {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("ipam-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db");
    IpamTest::SetUp();
  }
  void TearDown() override {
    datastore_.reset();
    for (const char* suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(path_.string() + suffix);
  }
  std::unique_ptr<api::Datastore> open() override {
    auto opened = api::open_sqlite_datastore({.path = path_.string()});
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    return std::move(*opened);
  }

  std::filesystem::path path_;
};

TEST_F(IpamTest, ANodeClaimsABlockAndAllocatesFromItInOrder) {
  pool("p1", "10.244.0.0/24");
  Ipam ipam(*datastore_);
  auto first = ipam.auto_assign(request("n1", 1, "net.c1"));
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_EQ(first->v4.size(), 1u);
  const auto cidr = IpPrefix(first->v4[0].address, 26);
  EXPECT_EQ(first->v4[0].prefix_length, 26);
  EXPECT_EQ(first->v4[0].address, cidr.address());  // the network address comes first
  // The affinity is confirmed and the block is ours.
  auto affinity = datastore_->get(api::block_affinity_key("n1", cidr));
  ASSERT_TRUE(affinity.ok());
  EXPECT_EQ(api::decode_block_affinity(affinity->key, affinity->value)->state,
            api::AffinityState::kConfirmed);
  auto second = ipam.auto_assign(request("n1", 2, "net.c2"));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->v4[0].address, cidr.address().plus(1));
  EXPECT_EQ(second->v4[1].address, cidr.address().plus(2));
  // The handle records how many addresses it holds in which block.
  auto handle = datastore_->get(api::handle_key("net.c2"));
  ASSERT_TRUE(handle.ok());
  EXPECT_EQ(api::decode_handle(handle->key, handle->value)->block.at(cidr.to_string()), 2);
}

TEST_F(IpamTest, AFullBlockLeadsToANewOneAndAnEmptyPoolToBorrowing) {
  pool("p1", "10.244.0.0/25");  // two /26 blocks
  Ipam ipam(*datastore_);
  auto n1 = ipam.auto_assign(request("n1", 64, "net.a"));
  ASSERT_TRUE(n1.ok()) << n1.error().message;
  auto n1_more = ipam.auto_assign(request("n1", 1, "net.b"));
  ASSERT_TRUE(n1_more.ok()) << n1_more.error().message;
  EXPECT_NE(IpPrefix(n1_more->v4[0].address, 26), IpPrefix(n1->v4[0].address, 26));
  // n2 finds no free block: it borrows from n1's second block.
  auto n2 = ipam.auto_assign(request("n2", 1, "net.c"));
  ASSERT_TRUE(n2.ok()) << n2.error().message;
  EXPECT_EQ(IpPrefix(n2->v4[0].address, 26), IpPrefix(n1_more->v4[0].address, 26));
  EXPECT_TRUE(datastore_->list(api::host_affinity_prefix("n2", IpFamily::kV4))->entries.empty());
}

TEST_F(IpamTest, StrictAffinityForbidsBorrowingAndSaysSo) {
  pool("p1", "10.244.0.0/26");
  ipam_config({.strict_affinity = true});
  Ipam ipam(*datastore_);
  ASSERT_TRUE(ipam.auto_assign(request("n1", 1, "net.a")).ok());
  auto n2 = ipam.auto_assign(request("n2", 1, "net.b"));
  ASSERT_FALSE(n2.ok());
  EXPECT_EQ(n2.error().message,
            "Assigned 0 out of 1 requested IPv4 addresses; No more free affine blocks and strict "
            "affinity enabled");
}

TEST_F(IpamTest, AnExhaustedPoolGivesBackPartialAllocations) {
  pool("p1", "10.244.0.0/30", ", blockSize: 30");
  Ipam ipam(*datastore_);
  auto too_many = ipam.auto_assign(request("n1", 5, "net.a"));
  ASSERT_FALSE(too_many.ok());
  EXPECT_THAT(too_many.error().message, HasSubstr("Assigned 4 out of 5 requested IPv4 addresses"));
  EXPECT_THAT(too_many.error().message, HasSubstr("No IPs available in pools: [10.244.0.0/30]"));
  EXPECT_EQ(free_count(*block("10.244.0.0/30")), 4) << "the 4 it got were not given back";
  EXPECT_TRUE(ipam.auto_assign(request("n1", 4, "net.b")).ok());
}

TEST_F(IpamTest, PoolsAreChosenByNameEnabledUseAndNodeSelector) {
  pool("a-disabled", "10.1.0.0/24", ", disabled: true");
  pool("b-rack2", "10.2.0.0/24", ", nodeSelector: \"rack == 'r2'\"");
  pool("c-tunnel-only", "10.3.0.0/24", ", allowedUses: [Tunnel]");
  pool("d-any", "10.4.0.0/24");
  Ipam ipam(*datastore_);
  auto plain = ipam.auto_assign(request("n1", 1, "net.a"));
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(IpPrefix::parse("10.4.0.0/24")->contains(plain->v4[0].address));
  auto rack2 = request("n2", 1, "net.b");
  rack2.node_labels = {{"rack", "r2"}};
  EXPECT_TRUE(IpPrefix::parse("10.2.0.0/24")->contains(ipam.auto_assign(rack2)->v4[0].address));
  auto tunnel = request("n3", 1, "ipip-tunnel-addr-n3");
  tunnel.use = Use::kTunnel;
  EXPECT_TRUE(IpPrefix::parse("10.3.0.0/24")->contains(ipam.auto_assign(tunnel)->v4[0].address));
  auto named = request("n4", 1, "net.c");
  named.pools_v4 = {"a-disabled"};
  EXPECT_THAT(ipam.auto_assign(named).error().message,
              HasSubstr("the given pool (a-disabled) does not exist, or is not enabled"));
}

TEST_F(IpamTest, RequestedPoolsAreNamedByNameOrByCidr) {
  pool("b-rack2", "10.2.0.0/24", ", nodeSelector: \"rack == 'r2'\"");
  pool("d-any", "10.4.0.0/24");
  pool("v6", "fd00:10::/64");
  Ipam ipam(*datastore_);
  auto by_cidr = request("n1", 1, "net.a");
  by_cidr.pools_v4 = {"10.2.0.0/24"};  // a requested pool ignores its node selector
  auto got = ipam.auto_assign(by_cidr);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_TRUE(IpPrefix::parse("10.2.0.0/24")->contains(got->v4[0].address));
  auto mixed = request("n1", 1, "net.b");
  mixed.pools_v4 = {"10.9.0.0/24", "d-any"};  // one that matches no pool
  EXPECT_THAT(ipam.auto_assign(mixed).error().message,
              HasSubstr("the given pool (10.9.0.0/24) does not exist, or is not enabled"));
  auto wrong_family = request("n1", 1, "net.c");
  wrong_family.pools_v4 = {"v6"};
  EXPECT_THAT(ipam.auto_assign(wrong_family).error().message,
              HasSubstr("the given pool (v6) is not an IPv4 pool"));
  wrong_family.pools_v4 = {"fd00:10::/64"};
  EXPECT_THAT(ipam.auto_assign(wrong_family).error().message,
              HasSubstr("the given pool (fd00:10::/64) is not an IPv4 pool"));
}

TEST_F(IpamTest, ReservedAddressesAreNeverHandedOut) {
  pool("p1", "10.244.0.0/26");
  apply(
      "apiVersion: projectcalico.org/v3\nkind: IPReservation\nmetadata: {name: r}\n"
      "spec: {reservedCIDRs: [10.244.0.0/31, 10.244.0.5]}\n");
  Ipam ipam(*datastore_);
  auto got = ipam.auto_assign(request("n1", 4, "net.a"));
  ASSERT_TRUE(got.ok()) << got.error().message;
  std::set<IpAddress> addresses;
  for (const auto& a : got->v4)
    addresses.insert(a.address);
  EXPECT_EQ(addresses, (std::set<IpAddress>{ip("10.244.0.2"), ip("10.244.0.3"), ip("10.244.0.4"),
                                            ip("10.244.0.6")}));
}

TEST_F(IpamTest, ReleaseByHandleAndByAddress) {
  pool("p1", "10.244.0.0/26");
  Ipam ipam(*datastore_);
  auto a = *ipam.auto_assign(request("n1", 2, "net.a"));
  auto b = *ipam.auto_assign(request("n1", 1, "net.b"));
  ASSERT_TRUE(ipam.release_by_handle("net.a").ok());
  EXPECT_TRUE(datastore_->get(api::handle_key("net.a")).is(api::DatastoreErrorKind::NotFound));
  EXPECT_TRUE(ipam.release_by_handle("net.a").ok());  // again: nothing to do, no error
  auto not_allocated = ipam.release_ips({b.v4[0].address, a.v4[0].address});
  ASSERT_TRUE(not_allocated.ok());
  EXPECT_EQ(*not_allocated, std::vector<IpAddress>{a.v4[0].address});
  EXPECT_TRUE(datastore_->get(api::handle_key("net.b")).is(api::DatastoreErrorKind::NotFound));
  // The emptied block keeps its affinity (Calico releases affinities separately).
  EXPECT_TRUE(block("10.244.0.0/26").has_value());
  EXPECT_EQ(free_count(*block("10.244.0.0/26")), 64);
}

TEST_F(IpamTest, AssignIpTakesAGivenAddressOnce) {
  pool("p1", "10.244.0.0/24");
  Ipam ipam(*datastore_);
  ASSERT_TRUE(ipam.assign_ip(ip("10.244.0.77"), "net.x", {{"node", "n1"}}, "n1").ok());
  auto again = ipam.assign_ip(ip("10.244.0.77"), "net.y", {}, "n1");
  ASSERT_FALSE(again.ok());
  EXPECT_THAT(again.error().message, HasSubstr("already assigned"));
  EXPECT_THAT(ipam.assign_ip(ip("192.0.2.1"), "net.z", {}, "n1").error().message,
              HasSubstr("not in a configured pool"));
  EXPECT_EQ(block("10.244.0.64/26")->affinity, std::optional<std::string>("host:n1"));
}

TEST_F(IpamTest, ManyAllocatorsAtOnceNeverShareAnAddress) {
  many_allocators_never_share_an_address();
}

TEST_F(SqliteIpamTest, ManyAllocatorsAtOnceNeverShareAnAddress) {
  many_allocators_never_share_an_address();
}

TEST_F(IpamTest, ReleasingAnAffinityDeletesAnEmptyBlockAndOrphansAFullOne) {
  pool("p1", "10.244.0.0/24");
  Ipam ipam(*datastore_);
  auto got = ipam.auto_assign(request("n1", 1, "net.a")).value();
  const IpPrefix cidr(got.v4[0].address, 26);
  ASSERT_TRUE(ipam.release_affinity("n1", cidr).ok());
  // The block keeps its address but has no owner; the affinity is gone.
  auto stored = datastore_->get(api::block_key(cidr)).value();
  auto orphan = api::decode_block(stored.key, stored.value).value();
  EXPECT_FALSE(orphan.affinity.has_value());
  EXPECT_EQ(free_count(orphan), 63);
  EXPECT_TRUE(
      datastore_->get(api::block_affinity_key("n1", cidr)).is(api::DatastoreErrorKind::NotFound));
  // Releasing its last address deletes the ownerless block.
  ASSERT_TRUE(ipam.release_by_handle("net.a").ok());
  EXPECT_TRUE(datastore_->get(api::block_key(cidr)).is(api::DatastoreErrorKind::NotFound));
}

TEST_F(IpamTest, APoolThatStopsSelectingANodeGetsItsEmptyBlocksBack) {
  apply(
      "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: n1, labels: {rack: "
      "r1}}\nspec: {}\n");
  pool("p1", "10.244.0.0/24");
  Ipam ipam(*datastore_);
  auto first = ipam.auto_assign(request("n1", 2, "net.a")).value();
  const IpPrefix cidr(first.v4[0].address, 26);
  pool("p1", "10.244.0.0/24", ", nodeSelector: \"rack == 'r2'\"");
  pool("p2", "10.245.0.0/24");
  // Releasing one address leaves the block non-empty: the affinity stays.
  ASSERT_TRUE(ipam.release_ips({first.v4[0].address}).ok());
  EXPECT_TRUE(datastore_->get(api::block_affinity_key("n1", cidr)).ok());
  // Releasing the last one empties it, and p1 no longer selects n1: it goes back.
  ASSERT_TRUE(ipam.release_ips({first.v4[1].address}).ok());
  EXPECT_TRUE(
      datastore_->get(api::block_affinity_key("n1", cidr)).is(api::DatastoreErrorKind::NotFound));
  EXPECT_TRUE(datastore_->get(api::block_key(cidr)).is(api::DatastoreErrorKind::NotFound));
}

TEST_F(IpamTest, AllocatingReleasesEmptyBlocksOfPoolsThatNoLongerSelectTheNode) {
  apply(
      "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: n1, labels: {rack: "
      "r1}}\nspec: {}\n");
  pool("p1", "10.244.0.0/24");
  Ipam ipam(*datastore_);
  auto first = ipam.auto_assign(request("n1", 1, "net.a")).value();
  const IpPrefix cidr(first.v4[0].address, 26);
  ASSERT_TRUE(ipam.release_by_handle("net.a").ok());  // p1 still selects n1: the block stays
  EXPECT_TRUE(datastore_->get(api::block_key(cidr)).ok());
  pool("p1", "10.244.0.0/24", ", nodeSelector: \"rack == 'r2'\"");
  pool("p2", "10.245.0.0/24");
  auto next = request("n1", 1, "net.b");
  next.node_labels = {{"rack", "r1"}};
  auto second = ipam.auto_assign(next);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_TRUE(IpPrefix::parse("10.245.0.0/24")->contains(second->v4[0].address));
  EXPECT_TRUE(
      datastore_->get(api::block_affinity_key("n1", cidr)).is(api::DatastoreErrorKind::NotFound));
  EXPECT_TRUE(datastore_->get(api::block_key(cidr)).is(api::DatastoreErrorKind::NotFound));
}

TEST_F(IpamTest, ThePerNodeBlockLimitStopsNewClaimsWithoutBorrowing) {
  pool("p1", "10.244.0.0/25");  // two /26 blocks
  ipam_config({.strict_affinity = true, .max_blocks_per_host = 1});
  Ipam ipam(*datastore_);
  ASSERT_TRUE(ipam.auto_assign(request("n1", 64, "net.a")).ok());
  auto more = ipam.auto_assign(request("n1", 1, "net.b"));
  ASSERT_FALSE(more.ok());
  EXPECT_THAT(more.error().message,
              HasSubstr("cannot allocate new block due to per host block limit"));
  // The request's own limit applies too.
  pool("p2", "10.245.0.0/24");
  auto limited = request("n2", 65, "net.c");
  limited.max_blocks_per_host = 1;
  EXPECT_THAT(ipam.auto_assign(limited).error().message, HasSubstr("per host block limit"));
}

TEST_F(IpamTest, ANodesFirstBlockIsTheFirstCandidateSeededFromItsName) {
  pool("p1", "10.244.0.0/22");
  Ipam ipam(*datastore_);
  for (const char* node : {"n1", "worker-7", "a-much-longer-node-name.example.com"}) {
    auto got = ipam.auto_assign(request(node, 1, std::string("net.") + node));
    ASSERT_TRUE(got.ok()) << got.error().message;
    const IpPrefix expected = candidate_blocks(*IpPrefix::parse("10.244.0.0/22"), 26, node)[0];
    EXPECT_EQ(IpPrefix(got->v4[0].address, 26), expected) << node;
  }
}

TEST_F(IpamTest, ReleasedAddressesComeBackOnlyAfterTheRestOfTheBlock) {
  pool("p1", "10.244.0.0/24");
  Ipam ipam(*datastore_);
  auto first = ipam.auto_assign(request("n1", 3, "net.a")).value();
  const IpPrefix cidr(first.v4[0].address, 26);
  ASSERT_EQ(first.v4[1].address, cidr.address().plus(1));
  ASSERT_TRUE(ipam.release_ips({first.v4[1].address}).ok());
  // Calico's order: the freed ordinal goes to the back of the block's free list.
  auto next = ipam.auto_assign(request("n1", 1, "net.b")).value();
  EXPECT_EQ(next.v4[0].address, cidr.address().plus(3));
  auto rest = ipam.auto_assign(request("n1", 60, "net.c")).value();
  EXPECT_EQ(rest.v4.back().address, cidr.address().plus(63));
  for (const auto& a : rest.v4)
    EXPECT_TRUE(cidr.contains(a.address)) << "a new block was claimed before this one was full";
  auto last = ipam.auto_assign(request("n1", 1, "net.d")).value();
  EXPECT_EQ(last.v4[0].address, cidr.address().plus(1)) << "the freed address comes back last";
  EXPECT_EQ(free_count(*block(cidr.to_string().c_str())), 0);
  EXPECT_EQ(datastore_->list(api::host_affinity_prefix("n1", IpFamily::kV4))->entries.size(), 1u);
}

TEST_F(IpamTest, DualStackGetsOneAddressOfEachFamilyUnderOneHandle) {
  pool("v4", "10.244.0.0/24");
  pool("v6", "fd00:10:244::/112");
  Ipam ipam(*datastore_);
  auto r = request("n1", 1, "net.dual");
  r.num_v6 = 1;
  auto got = ipam.auto_assign(r);
  ASSERT_TRUE(got.ok()) << got.error().message;
  ASSERT_EQ(got->v4.size(), 1u);
  ASSERT_EQ(got->v6.size(), 1u);
  EXPECT_EQ(got->v4[0].prefix_length, 26);
  EXPECT_EQ(got->v6[0].prefix_length, 122);  // Calico's default IPv6 block
  const IpPrefix v6_block(got->v6[0].address, 122);
  EXPECT_EQ(got->v6[0].address, v6_block.address());
  EXPECT_TRUE(IpPrefix::parse("fd00:10:244::/112")->contains(got->v6[0].address));
  EXPECT_TRUE(datastore_->get(api::block_affinity_key("n1", v6_block)).ok());
  const auto held = handle("net.dual");
  ASSERT_TRUE(held.has_value());
  EXPECT_EQ(held->block.size(), 2u) << "the handle counts one address in each block";
  EXPECT_EQ(held->block.at(v6_block.to_string()), 1);
  ASSERT_TRUE(ipam.release_by_handle("net.dual").ok());
  EXPECT_FALSE(handle("net.dual").has_value());
  EXPECT_EQ(free_count(*block(v6_block.to_string().c_str())), 64);
  EXPECT_EQ(free_count(*block(IpPrefix(got->v4[0].address, 26).to_string().c_str())), 64);
}

TEST_F(IpamTest, IPv6AloneNeedsNoIPv4Pool) {
  pool("v6", "fd00:10:244::/112", ", blockSize: 124");
  Ipam ipam(*datastore_);
  auto r = request("n1", 0, "net.v6");
  r.num_v6 = 2;
  auto got = ipam.auto_assign(r);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_TRUE(got->v4.empty());
  ASSERT_EQ(got->v6.size(), 2u);
  EXPECT_EQ(got->v6[0].prefix_length, 124);
  EXPECT_EQ(got->v6[1].address, got->v6[0].address.plus(1));
}

TEST_F(IpamTest, AFailedIPv6HalfGivesTheIPv4AddressBack) {
  pool("v4", "10.244.0.0/24");  // and no IPv6 pool
  Ipam ipam(*datastore_);
  auto r = request("n1", 1, "net.half");
  r.num_v6 = 1;
  auto got = ipam.auto_assign(r);
  ASSERT_FALSE(got.ok());
  EXPECT_THAT(got.error().message, HasSubstr("no configured Calico pools"));
  EXPECT_THAT(got.error().message, HasSubstr("IPv6"));
  EXPECT_FALSE(handle("net.half").has_value()) << "the IPv4 half was kept";
  const auto blocks = datastore_->list(api::block_prefix(IpFamily::kV4)).value();
  for (const auto& entry : blocks.entries)
    EXPECT_EQ(free_count(*api::decode_block(entry.key, entry.value)), 64) << entry.key;
}

TEST_F(IpamTest, AWhollyReservedBlockIsNeverClaimed) {
  pool("p1", "10.244.0.0/25");  // two /26 blocks, the first reserved
  apply(
      "apiVersion: projectcalico.org/v3\nkind: IPReservation\nmetadata: {name: r}\n"
      "spec: {reservedCIDRs: [10.244.0.0/26]}\n");
  Ipam ipam(*datastore_);
  for (const char* node : {"n1", "n2", "n3"}) {
    auto got = ipam.auto_assign(request(node, 1, std::string("net.") + node));
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_TRUE(IpPrefix::parse("10.244.0.64/26")->contains(got->v4[0].address)) << node;
  }
  EXPECT_FALSE(block("10.244.0.0/26").has_value());
}

TEST_F(IpamTest, BorrowingTakesFromAnotherNodesBlockWithoutClaimingIt) {
  pool("p1", "10.244.0.0/26");  // one block
  Ipam ipam(*datastore_);
  auto owner = ipam.auto_assign(request("n1", 2, "net.a")).value();
  auto borrowed = ipam.auto_assign(request("n2", 1, "net.b"));
  ASSERT_TRUE(borrowed.ok()) << borrowed.error().message;
  EXPECT_EQ(borrowed->v4[0].address, owner.v4[0].address.plus(2));  // the block's next in order
  EXPECT_EQ(block("10.244.0.0/26")->affinity, std::optional<std::string>("host:n1"));
  // Releasing the borrowed address leaves n1's block and affinity alone.
  ASSERT_TRUE(ipam.release_by_handle("net.b").ok());
  EXPECT_EQ(free_count(*block("10.244.0.0/26")), 62);
  EXPECT_TRUE(
      datastore_->get(api::block_affinity_key("n1", *IpPrefix::parse("10.244.0.0/26"))).ok());
}

TEST_F(IpamTest, StrictAffinityStillUsesTheNodesOwnBlocksAndClaimsFreeOnes) {
  pool("p1", "10.244.0.0/25");
  ipam_config({.strict_affinity = true});
  Ipam ipam(*datastore_);
  auto n1 = ipam.auto_assign(request("n1", 1, "net.a")).value();
  auto n2 = ipam.auto_assign(request("n2", 1, "net.b")).value();
  EXPECT_NE(IpPrefix(n1.v4[0].address, 26), IpPrefix(n2.v4[0].address, 26));
  // With both blocks taken, a third node gets nothing, and n1 still gets its own.
  EXPECT_FALSE(ipam.auto_assign(request("n3", 1, "net.c")).ok());
  auto again = ipam.auto_assign(request("n1", 1, "net.d"));
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(IpPrefix(again->v4[0].address, 26), IpPrefix(n1.v4[0].address, 26));
}

TEST_F(IpamTest, TheBlockLimitAlsoStopsBorrowingWithoutStrictAffinity) {
  pool("p1", "10.244.0.0/24");
  Ipam ipam(*datastore_);
  ASSERT_TRUE(ipam.auto_assign(request("n2", 1, "net.other")).ok());  // a block to borrow from
  auto limited = request("n1", 64, "net.a");
  limited.max_blocks_per_host = 1;
  ASSERT_TRUE(ipam.auto_assign(limited).ok());
  limited.num_v4 = 1;
  limited.handle_id = "net.b";
  auto more = ipam.auto_assign(limited);
  ASSERT_FALSE(more.ok());
  EXPECT_EQ(more.error().message,
            "Assigned 0 out of 1 requested IPv4 addresses; cannot allocate new block due to per "
            "host block limit");
  EXPECT_FALSE(handle("net.b").has_value());
}

TEST_F(IpamTest, ReleaseByAddressAcrossBlocksAndNodes) {
  pool("p1", "10.244.0.0/24");
  Ipam ipam(*datastore_);
  auto a = ipam.auto_assign(request("n1", 1, "net.a")).value();
  auto b = ipam.auto_assign(request("n2", 1, "net.b")).value();
  ASSERT_NE(IpPrefix(a.v4[0].address, 26), IpPrefix(b.v4[0].address, 26));
  auto not_allocated =
      ipam.release_ips({a.v4[0].address, b.v4[0].address, ip("10.244.0.200"), ip("192.0.2.1")});
  ASSERT_TRUE(not_allocated.ok()) << not_allocated.error().message;
  EXPECT_EQ(std::set<IpAddress>(not_allocated->begin(), not_allocated->end()),
            (std::set<IpAddress>{ip("10.244.0.200"), ip("192.0.2.1")}));
  EXPECT_FALSE(handle("net.a").has_value());
  EXPECT_FALSE(handle("net.b").has_value());
}

// A Datastore that remembers which prefixes were listed, over another.
class ListRecorder final : public api::Datastore {
 public:
  explicit ListRecorder(api::Datastore& inner) : inner_(inner) {}
  std::vector<std::string> listed;

  std::string describe() const override { return inner_.describe(); }
  api::DatastoreResult<api::KeyValue> get(std::string_view key) override { return inner_.get(key); }
  api::DatastoreResult<api::ListResult> list(std::string_view prefix) override {
    listed.emplace_back(prefix);
    return inner_.list(prefix);
  }
  api::DatastoreResult<api::Revision> create(std::string_view key,
                                             std::string_view value) override {
    return inner_.create(key, value);
  }
  api::DatastoreResult<api::Revision> update(std::string_view key, std::string_view value,
                                             api::Revision expected) override {
    return inner_.update(key, value, expected);
  }
  api::DatastoreResult<api::Revision> put(std::string_view key, std::string_view value) override {
    return inner_.put(key, value);
  }
  api::DatastoreResult<api::KeyValue> remove(std::string_view key,
                                             std::optional<api::Revision> expected) override {
    return inner_.remove(key, expected);
  }
  api::DatastoreResult<std::unique_ptr<api::Watch>> watch(std::string_view prefix,
                                                          api::Revision from,
                                                          api::WatchCallback callback) override {
    return inner_.watch(prefix, from, std::move(callback));
  }
  api::DatastoreResult<void> compact(api::Revision revision) override {
    return inner_.compact(revision);
  }
  api::DatastoreResult<api::Revision> current_revision() override {
    return inner_.current_revision();
  }

 private:
  api::Datastore& inner_;
};

// Most allocations fit in the node's own blocks; those must not read every block in the
// cluster (thousands of them in a large one) on the way.
TEST_F(IpamTest, AnAllocationFromTheNodesOwnBlockReadsNoOtherBlocks) {
  pool("p1", "10.244.0.0/16");
  ListRecorder recorder(*datastore_);
  Ipam ipam(recorder);
  ASSERT_TRUE(ipam.auto_assign(request("n1", 1, "net.a")).ok());  // claims the block
  recorder.listed.clear();
  ASSERT_TRUE(ipam.auto_assign(request("n1", 1, "net.b")).ok());
  EXPECT_THAT(recorder.listed,
              ::testing::Not(::testing::Contains(api::block_prefix(IpFamily::kV4))));
}

TEST(CandidateBlocksTest, StartFromTheNodeNameAndVisitEveryBlockOnce) {
  const auto pool = *IpPrefix::parse("10.244.0.0/24");
  const auto blocks = candidate_blocks(pool, 26, "node1");
  EXPECT_EQ(blocks.size(), 4u);
  EXPECT_EQ(std::set<IpPrefix>(blocks.begin(), blocks.end()).size(), 4u);
  EXPECT_EQ(candidate_blocks(pool, 26, "node1"), blocks);
  const auto v6 = candidate_blocks(*IpPrefix::parse("fd00::/48"), 122, "node1", 3);
  ASSERT_EQ(v6.size(), 3u);
  EXPECT_EQ(v6[0].length(), 122);
  EXPECT_TRUE(IpPrefix::parse("fd00::/48")->contains(v6[2]));
}

}  // namespace
}  // namespace tabby::ipam
