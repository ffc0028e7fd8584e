#include "tabby/api/ipam_records.h"

#include <gmock/gmock.h>

namespace tabby::api {
namespace {

using ::testing::HasSubstr;

IpPrefix prefix(const char* text) {
  return *IpPrefix::parse(text);
}

TEST(IpamKeysTest, FollowCalicosLayout) {
  EXPECT_EQ(block_key(prefix("10.0.0.0/26")), "/calico/ipam/v2/assignment/ipv4/block/10.0.0.0-26");
  EXPECT_EQ(block_key(prefix("fd00::/122")), "/calico/ipam/v2/assignment/ipv6/block/fd00::-122");
  EXPECT_EQ(block_affinity_key("node-1", prefix("10.0.0.64/26")),
            "/calico/ipam/v2/host/node-1/ipv4/block/10.0.0.64-26");
  EXPECT_EQ(host_affinity_prefix("node-1", IpFamily::kV6),
            "/calico/ipam/v2/host/node-1/ipv6/block/");
  EXPECT_EQ(handle_key("k8s-pod-network.9f3c"), "/calico/ipam/v2/handle/k8s-pod-network.9f3c");
  EXPECT_EQ(ipam_config_key(), "/calico/ipam/v2/config");
  EXPECT_EQ(*block_cidr_from_key("/calico/ipam/v2/assignment/ipv6/block/fd00::-122"),
            prefix("fd00::/122"));
  EXPECT_EQ(*block_cidr_from_key("/calico/ipam/v2/host/n/ipv4/block/10.0.0.64-26"),
            prefix("10.0.0.64/26"));
  EXPECT_FALSE(block_cidr_from_key("/calico/ipam/v2/handle/x").ok());
  EXPECT_FALSE(block_cidr_from_key("/calico/ipam/v2/assignment/ipv4/block/10.0.0.1-26").ok());
}

TEST(AllocationBlockTest, DecodesCalicosJson) {
  const std::string value =
      R"({"cidr":"10.0.0.0/30","affinity":"host:node-1","allocations":[0,null,1,null],)"
      R"("unallocated":[3,1],"attributes":[{"handle_id":"ipip-tunnel-addr-node-1",)"
      R"("secondary":{"node":"node-1","type":"ipipTunnelAddress"}},{"handle_id":)"
      R"("k8s-pod-network.abc","secondary":{"namespace":"web","node":"node-1","pod":"nginx"}}],)"
      R"("sequenceNumber":1700000000000000001,"sequenceNumberForAllocation":{"0":1,"2":7},)"
      R"("deleted":false,"someFutureField":true})";
  auto block = decode_block("k", value);
  ASSERT_TRUE(block.ok()) << block.error().message;
  EXPECT_EQ(block->cidr, prefix("10.0.0.0/30"));
  EXPECT_EQ(block->host(), "node-1");
  ASSERT_EQ(block->size(), 4u);
  EXPECT_EQ(block->allocations[0], 0);
  EXPECT_FALSE(block->allocations[1].has_value());
  EXPECT_EQ(block->allocations[2], 1);
  EXPECT_THAT(block->unallocated, ::testing::ElementsAre(3, 1));
  EXPECT_EQ(block->attributes[1].handle_id, "k8s-pod-network.abc");
  EXPECT_EQ(block->attributes[1].secondary.at("pod"), "nginx");
  EXPECT_EQ(block->sequence_number, 1700000000000000001u);
  EXPECT_EQ(block->sequence_number_for_allocation.at("2"), 7u);

  // Encoding writes Calico's shape and order, and reads back equal.
  const std::string encoded = encode(*block);
  EXPECT_THAT(
      encoded,
      ::testing::StartsWith(
          R"({"cidr":"10.0.0.0/30","affinity":"host:node-1","allocations":[0,null,1,null],"unallocated":[3,1],"attributes":[{"handle_id":)"));
  EXPECT_THAT(
      encoded,
      HasSubstr(
          R"("sequenceNumber":1700000000000000001,"sequenceNumberForAllocation":{"0":1,"2":7},"deleted":false})"));
  EXPECT_EQ(*decode_block("k", encoded), *block);
}

TEST(AllocationBlockTest, NewBlocksHandOutAddressesInOrder) {
  auto block = AllocationBlock::empty(prefix("10.0.0.64/26"), "host:n1");
  EXPECT_EQ(block.size(), 64u);
  EXPECT_EQ(block.unallocated.front(), 0);
  EXPECT_EQ(block.unallocated.back(), 63);
  EXPECT_THAT(encode(block), HasSubstr(R"("attributes":[],"sequenceNumber":0)"));
  EXPECT_EQ(*decode_block("k", encode(block)), block);
  EXPECT_THAT(encode(AllocationBlock::empty(prefix("10.0.0.0/32"), std::nullopt)),
              HasSubstr(R"("affinity":null,"allocations":[null],"unallocated":[0])"));
}

TEST(AllocationBlockTest, AcceptsGoNullsForEmptyCollections) {
  auto block = decode_block("k", R"({"cidr":"10.0.0.0/31","affinity":null,)"
                                 R"("allocations":[null,null],"unallocated":null,)"
                                 R"("attributes":null,"sequenceNumberForAllocation":null})");
  ASSERT_TRUE(block.ok()) << block.error().message;
  EXPECT_TRUE(block->unallocated.empty());
  EXPECT_FALSE(block->affinity.has_value());
}

TEST(AllocationBlockTest, RefusesInconsistentBlocksByKey) {
  struct Case {
    const char* value;
    const char* message;
  };
  const Case cases[] = {
      {"not json", "key \"/b\": value is not a JSON object"},
      {"[1]", "value is not a JSON object"},
      {R"({"allocations":[]})", "not an allocation block"},
      {R"({"cidr":"10.0.0.1/30","allocations":[null,null,null,null]})", "cidr: \"10.0.0.1/30\""},
      {R"({"cidr":"10.0.0.0/30","allocations":[null]})", "has 1 allocations, expected 4"},
      {R"({"cidr":"10.0.0.0/31","allocations":[0,null],"attributes":[]})",
       "allocations[0] = 0 has no attributes entry"},
      {R"({"cidr":"10.0.0.0/31","allocations":[null,null],"unallocated":[2]})",
       "unallocated ordinal 2 is outside the block"},
      {R"({"cidr":"10.0.0.0/31","allocations":[null,"x"]})", "not an allocation block"},
      {R"({"cidr":"10.0.0.0/8","allocations":[]})", "larger than Calico's largest"},
  };
  for (const auto& c : cases) {
    auto block = decode_block("/b", c.value);
    ASSERT_FALSE(block.ok()) << c.value;
    EXPECT_THAT(block.error().message, HasSubstr(c.message)) << c.value;
  }
}

TEST(BlockAffinityTest, RoundTripsStatesAndReadsLegacyEmptyValues) {
  for (auto state :
       {AffinityState::kConfirmed, AffinityState::kPending, AffinityState::kPendingDeletion}) {
    BlockAffinity affinity{state, false};
    EXPECT_EQ(*decode_block_affinity("k", encode(affinity)), affinity);
  }
  EXPECT_EQ(encode(BlockAffinity{AffinityState::kPending, false}),
            R"({"state":"pending","deleted":false})");
  EXPECT_EQ(decode_block_affinity("k", "")->state, AffinityState::kConfirmed);
  EXPECT_EQ(decode_block_affinity("k", "{}")->state, AffinityState::kConfirmed);
  EXPECT_THAT(decode_block_affinity("k", R"({"state":"claimed"})").error().message,
              HasSubstr("\"claimed\" is not one of"));
}

TEST(IpamHandleTest, RoundTrips) {
  auto handle = decode_handle("k", R"({"block":{"10.0.0.0/26":2},"deleted":false})");
  ASSERT_TRUE(handle.ok());
  EXPECT_EQ(handle->block.at("10.0.0.0/26"), 2);
  EXPECT_EQ(encode(*handle), R"({"block":{"10.0.0.0/26":2},"deleted":false})");
  EXPECT_FALSE(decode_handle("k", R"({"block":{"x":"y"}})").ok());
}

TEST(IpamConfigTest, RoundTripsAndValidates) {
  IpamConfig config;
  EXPECT_EQ(encode(config),
            R"({"strict_affinity":false,"auto_allocate_blocks":true,"maxBlocksPerHost":0})");
  EXPECT_EQ(*decode_ipam_config("k", encode(config)), config);
  EXPECT_TRUE(validate(config).ok());
  EXPECT_FALSE(validate(IpamConfig{false, false, 0}).ok());
  EXPECT_FALSE(validate(IpamConfig{false, true, 4}).ok());
  EXPECT_TRUE(validate(IpamConfig{true, true, 4}).ok());
  EXPECT_EQ(decode_ipam_config("k", R"({"strict_affinity":true})")->auto_allocate_blocks, false);
}

}  // namespace
}  // namespace tabby::api
