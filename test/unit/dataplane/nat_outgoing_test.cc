// natOutgoing as nftables: the script tabby hands `nft -f`.

#include "tabby/dataplane/nat_outgoing.h"

#include <gmock/gmock.h>

namespace tabby::dataplane {
namespace {

IpPrefix prefix(const char* text) {
  return IpPrefix::parse(text).value();
}

TEST(NatOutgoingTest, MasqueradesFromTheNatPoolsToOutsideEveryPool) {
  const NatOutgoingPools pools{
      .masquerade = {prefix("10.244.0.0/16")},
      .all = {prefix("10.244.0.0/16"), prefix("10.9.0.0/16"), prefix("fd00:244::/64")}};
  EXPECT_EQ(nat_outgoing_script(pools),
            "table ip tabby-nat\n"
            "delete table ip tabby-nat\n"
            "table ip tabby-nat {\n"
            "\tset masq_pools {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\tauto-merge\n"
            "\t\telements = { 10.244.0.0/16 }\n\t}\n"
            "\tset all_pools {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\tauto-merge\n"
            "\t\telements = { 10.244.0.0/16, 10.9.0.0/16 }\n\t}\n"
            "\tchain postrouting {\n"
            "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
            "\t\tip saddr @masq_pools ip daddr != @all_pools masquerade fully-random\n"
            "\t}\n}\n"
            // No IPv6 pool with natOutgoing: no ip6 table.
            "table ip6 tabby-nat\n"
            "delete table ip6 tabby-nat\n");
}

TEST(NatOutgoingTest, EachFamilyHasItsOwnTable) {
  const NatOutgoingPools pools{.masquerade = {prefix("fd00:244::/64")},
                               .all = {prefix("10.244.0.0/16"), prefix("fd00:244::/64")}};
  const std::string script = nat_outgoing_script(pools);
  EXPECT_THAT(script, ::testing::HasSubstr("table ip tabby-nat\ndelete table ip tabby-nat\n"
                                           "table ip6 tabby-nat\n"));
  EXPECT_THAT(script, ::testing::HasSubstr("type ipv6_addr"));
  EXPECT_THAT(script, ::testing::HasSubstr("elements = { fd00:244::/64 }"));
  EXPECT_THAT(script, ::testing::HasSubstr(
                          "ip6 saddr @masq_pools ip6 daddr != @all_pools masquerade fully-random"));
  EXPECT_THAT(script, ::testing::Not(::testing::HasSubstr("10.244.0.0/16")));
}

TEST(NatOutgoingTest, NoNatPoolsRemovesBothTables) {
  EXPECT_EQ(nat_outgoing_script({.masquerade = {}, .all = {prefix("10.244.0.0/16")}}),
            nat_outgoing_removal_script());
  EXPECT_EQ(nat_outgoing_removal_script(),
            "table ip tabby-nat\ndelete table ip tabby-nat\n"
            "table ip6 tabby-nat\ndelete table ip6 tabby-nat\n");
}

TEST(NatOutgoingTest, NftErrorsCarryItsMessage) {
  // Not valid nft: refused before anything is touched (nft parses the whole file first).
  auto status = run_nft_script("this is not nft\n");
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.error().message, ::testing::HasSubstr("nft -f failed"));
}

}  // namespace
}  // namespace tabby::dataplane
