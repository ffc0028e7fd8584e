// ipam_blocks / ipam_allocations_in_use: what this node holds of each pool.

#include "tabby/agent/calc_ipam_usage.h"

#include <gmock/gmock.h>

#include "calc_test_support.h"

namespace tabby::agent {
namespace {

using namespace testing;

TEST(IpamUsage, CountsTheNodesBlocksAndTheirAllocationsPerPool) {
  ClusterSnapshot snapshot;
  snapshot.ip_pools = {pool("default-ipv4-ippool", "cidr: 10.244.0.0/16"),
                       pool("narrow", "cidr: 10.244.8.0/22"), pool("empty", "cidr: 10.9.0.0/16")};
  snapshot.blocks = {
      block("10.244.1.0/26", "node1", {{0, "node1"}, {1, "node1"}, {5, "node1"}}),
      block("10.244.2.0/26", "node1"),
      block("10.244.3.0/26", "node2", {{0, "node2"}}),  // another node's
      block("10.244.8.0/26", "node1", {{2, "node1"}}),  // the more specific pool's
      block("10.250.0.0/26", "node1", {{0, "node1"}}),  // in no pool
  };
  auto deleted = block("10.244.4.0/26", "node1", {{0, "node1"}});
  deleted.deleted = true;
  snapshot.blocks.push_back(deleted);

  EXPECT_THAT(ipam_usage(snapshot, "node1"),
              ::testing::ElementsAre(PoolIpamUsage{"default-ipv4-ippool", 2, 3},
                                     PoolIpamUsage{"empty", 0, 0}, PoolIpamUsage{"narrow", 1, 1}));
  EXPECT_THAT(ipam_usage(snapshot, "node2"),
              ::testing::ElementsAre(PoolIpamUsage{"default-ipv4-ippool", 1, 1},
                                     PoolIpamUsage{"empty", 0, 0}, PoolIpamUsage{"narrow", 0, 0}));
}

TEST(IpamUsage, NoPoolsNoEntries) {
  ClusterSnapshot snapshot;
  snapshot.blocks = {block("10.244.1.0/26", "node1", {{0, "node1"}})};
  EXPECT_THAT(ipam_usage(snapshot, "node1"), ::testing::IsEmpty());
}

}  // namespace
}  // namespace tabby::agent
