// Inside one block: calico-ipam's order, attributes and release rules.

#include "tabby/ipam/block_operations.h"

#include <gmock/gmock.h>

namespace tabby::ipam {
namespace {

using ::testing::ElementsAre;

IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}

api::AllocationBlock new_block() {
  return api::AllocationBlock::empty(*IpPrefix::parse("10.244.1.0/26"), std::string("host:n1"));
}

api::AllocationAttribute pod(const char* handle) {
  return {std::string(handle), {{"node", "n1"}}};
}

TEST(BlockOperationsTest, HandsOutTheNetworkAddressFirstThenInOrder) {
  auto block = new_block();
  EXPECT_EQ(free_count(block), 64);
  EXPECT_THAT(assign(block, 2, pod("h1")), ElementsAre(ip("10.244.1.0"), ip("10.244.1.1")));
  EXPECT_THAT(assign(block, 1, pod("h2")), ElementsAre(ip("10.244.1.2")));
  EXPECT_EQ(free_count(block), 61);
  EXPECT_EQ(block.attributes.size(), 2u);
  EXPECT_EQ(block.allocations[0], std::optional<int>(0));
  EXPECT_EQ(block.allocations[2], std::optional<int>(1));
  EXPECT_EQ(block.sequence_number_for_allocation.count("2"), 1u);
}

TEST(BlockOperationsTest, ReleasedAddressesAreReusedLast) {
  auto block = new_block();
  assign(block, 3, pod("h1"));
  auto released = release(block, {ip("10.244.1.0")});
  EXPECT_THAT(released.released, ElementsAre(ip("10.244.1.0")));
  EXPECT_EQ(released.by_handle.at("h1"), 1);
  // .3 ... .63 come before the freed .0.
  EXPECT_THAT(assign(block, 1, pod("h2")), ElementsAre(ip("10.244.1.3")));
  EXPECT_EQ(block.unallocated.back(), 0);
}

TEST(BlockOperationsTest, ReservedAddressesAreSkippedButKeepTheirPlace) {
  auto block = new_block();
  const IsReserved reserved = [](const IpAddress& a) {
    return a == ip("10.244.1.0") || a == ip("10.244.1.1");
  };
  EXPECT_EQ(free_count(block, reserved), 62);
  EXPECT_THAT(assign(block, 1, pod("h1"), reserved), ElementsAre(ip("10.244.1.2")));
  EXPECT_EQ(block.unallocated.front(), 0);
  // Explicit assignment ignores reservations, as Calico's AssignIP.
  EXPECT_TRUE(assign_address(block, ip("10.244.1.1"), pod("h2")));
  EXPECT_FALSE(assign_address(block, ip("10.244.1.1"), pod("h3")));
  EXPECT_FALSE(assign_address(block, ip("10.9.9.9"), pod("h3")));
}

TEST(BlockOperationsTest, ReleasingAHandleFreesExactlyItsAddressesAndDropsItsAttribute) {
  auto block = new_block();
  assign(block, 2, pod("h1"));
  assign(block, 1, pod("h2"));
  assign(block, 1, pod("h1"));  // the same attribute entry is shared
  EXPECT_EQ(block.attributes.size(), 2u);
  auto released = release_handle(block, "h1");
  EXPECT_THAT(released.released, ElementsAre(ip("10.244.1.0"), ip("10.244.1.1"), ip("10.244.1.3")));
  EXPECT_EQ(released.by_handle.at("h1"), 3);
  ASSERT_EQ(block.attributes.size(), 1u);
  EXPECT_EQ(block.attributes[0].handle_id, std::optional<std::string>("h2"));
  EXPECT_EQ(block.allocations[2], std::optional<int>(0));  // renumbered
  EXPECT_FALSE(is_empty(block));
  release_handle(block, "h2");
  EXPECT_TRUE(is_empty(block));
  EXPECT_EQ(free_count(block), 64);
}

TEST(BlockOperationsTest, ReleasingFreeOrForeignAddressesIsNotAnError) {
  auto block = new_block();
  auto released = release(block, {ip("10.244.1.5"), ip("10.9.9.9")});
  EXPECT_TRUE(released.released.empty());
  EXPECT_THAT(released.not_allocated, ElementsAre(ip("10.244.1.5"), ip("10.9.9.9")));
}

TEST(BlockOperationsTest, OrdinalsOfIpv6Blocks) {
  auto block = api::AllocationBlock::empty(*IpPrefix::parse("fd00:244::40/122"), std::nullopt);
  EXPECT_EQ(block.size(), 64u);
  EXPECT_EQ(ordinal_of(block, ip("fd00:244::7f")), std::optional<int>(63));
  EXPECT_EQ(address_of(block, 5), ip("fd00:244::45"));
  EXPECT_EQ(ordinal_of(block, ip("fd00:244::80")), std::nullopt);
}

}  // namespace
}  // namespace tabby::ipam
