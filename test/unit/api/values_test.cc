#include "tabby/api/values.h"

#include <gmock/gmock.h>

namespace tabby::api {
namespace {

using std::chrono::nanoseconds;

TEST(AsNumberTest, AcceptsPlainAndAsdotForms) {
  EXPECT_EQ(*parse_as_number("64512"), 64512u);
  EXPECT_EQ(*parse_as_number("4294967295"), 4294967295u);
  EXPECT_EQ(*parse_as_number("1.10"), 65546u);
  EXPECT_EQ(*parse_as_number("0.1"), 1u);
  EXPECT_EQ(*parse_as_number("65535.65535"), 4294967295u);
  for (const char* bad : {"", "0", "0.0", "4294967296", "-1", "1.", ".1", "1.65536", "65536.1",
                          "1.2.3", "a", "64512 ", "+5", "99999999999999999999999"}) {
    auto asn = parse_as_number(bad);
    ASSERT_FALSE(asn.ok()) << bad;
    EXPECT_EQ(asn.error().message, std::string("\"") + bad + "\" is not a valid AS number");
  }
}

TEST(PeerIpTest, AcceptsAddressesWithOptionalPorts) {
  auto v4 = parse_peer_ip("10.0.0.1");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->address.to_string(), "10.0.0.1");
  EXPECT_FALSE(v4->port.has_value());

  auto v4_port = parse_peer_ip("10.0.0.1:1790");
  ASSERT_TRUE(v4_port.ok());
  EXPECT_EQ(v4_port->port, 1790);

  auto v6 = parse_peer_ip("fd00::1");
  ASSERT_TRUE(v6.ok());
  EXPECT_TRUE(v6->address.is_v6());
  EXPECT_FALSE(v6->port.has_value());

  auto v6_port = parse_peer_ip("[fd00::1]:179");
  ASSERT_TRUE(v6_port.ok());
  EXPECT_EQ(v6_port->address.to_string(), "fd00::1");
  EXPECT_EQ(v6_port->port, 179);

  for (const char* bad :
       {"", "10.0.0.1:", "10.0.0.1:0", "10.0.0.1:65536", "10.0.0.1:x", "[10.0.0.1]:179",
        "[fd00::1]", "[fd00::1]:", "fd00::1:179x", "host:179", "10.0.0.256", "[fd00::1]179"}) {
    auto peer = parse_peer_ip(bad);
    ASSERT_FALSE(peer.ok()) << bad;
    EXPECT_THAT(peer.error().message, ::testing::HasSubstr(std::string("\"") + bad + "\""));
  }
}

TEST(DurationTest, ParsesGoSyntax) {
  EXPECT_EQ(*parse_duration("0"), nanoseconds(0));
  EXPECT_EQ(*parse_duration("90s"), std::chrono::seconds(90));
  EXPECT_EQ(*parse_duration("1m30s"), std::chrono::seconds(90));
  EXPECT_EQ(*parse_duration("1.5h"), std::chrono::minutes(90));
  EXPECT_EQ(*parse_duration("300ms"), std::chrono::milliseconds(300));
  EXPECT_EQ(*parse_duration("2us"), nanoseconds(2000));
  EXPECT_EQ(*parse_duration("2\u00b5s"), nanoseconds(2000));
  EXPECT_EQ(*parse_duration("-5s"), std::chrono::seconds(-5));
  EXPECT_EQ(*parse_duration(".5s"), std::chrono::milliseconds(500));
  for (const char* bad : {"", "5", "s", "5x", "1.5.5s", "-", "5 s", "99999999999h"}) {
    auto duration = parse_duration(bad);
    ASSERT_FALSE(duration.ok()) << bad;
    EXPECT_EQ(duration.error().message, std::string("\"") + bad + "\" is not a valid duration");
  }
}

TEST(DurationTest, FormatsLikeGo) {
  EXPECT_EQ(format_duration(nanoseconds(0)), "0s");
  EXPECT_EQ(format_duration(std::chrono::seconds(90)), "1m30s");
  EXPECT_EQ(format_duration(std::chrono::seconds(120)), "2m0s");
  EXPECT_EQ(format_duration(std::chrono::hours(1)), "1h0m0s");
  EXPECT_EQ(format_duration(std::chrono::milliseconds(1500)), "1.5s");
  EXPECT_EQ(format_duration(std::chrono::milliseconds(300)), "300ms");
  EXPECT_EQ(format_duration(nanoseconds(1500)), "1.5\u00b5s");
  EXPECT_EQ(format_duration(nanoseconds(7)), "7ns");
  EXPECT_EQ(format_duration(std::chrono::seconds(-5)), "-5s");
  EXPECT_EQ(format_duration(std::chrono::seconds(3725)), "1h2m5s");
}

TEST(NameTest, FollowsDns1123Subdomain) {
  for (const char* good : {"a", "default", "node.node-1", "my.ippool-1", "0abc", "a-b.c-d"}) {
    EXPECT_EQ(dns1123_subdomain_problem(good), "") << good;
  }
  for (const char* bad : {"", "A", "-a", "a-", ".a", "a.", "a..b", "a_b", "a b", "a.-b", "ä"}) {
    EXPECT_NE(dns1123_subdomain_problem(bad), "") << bad;
  }
  EXPECT_EQ(dns1123_subdomain_problem(std::string(253, 'a')), "");
  EXPECT_NE(dns1123_subdomain_problem(std::string(254, 'a')), "");
  EXPECT_NE(dns1123_label_problem("a.b"), "");
  EXPECT_NE(dns1123_label_problem(std::string(64, 'a')), "");
  EXPECT_EQ(dns1123_label_problem("kube-system"), "");
}

TEST(CommunityTest, ChecksPartSizes) {
  EXPECT_TRUE(is_community_value("65000:100"));
  EXPECT_TRUE(is_community_value("65535:65535"));
  EXPECT_TRUE(is_community_value("4200000000:1:2"));
  EXPECT_FALSE(is_community_value("65536:1"));
  EXPECT_FALSE(is_community_value("1:2:4294967296"));
  EXPECT_FALSE(is_community_value("1"));
  EXPECT_FALSE(is_community_value("1:2:3:4"));
  EXPECT_FALSE(is_community_value("a:b"));
  EXPECT_FALSE(is_community_value(":1"));
}

TEST(MacTest, AcceptsColonOrDashSeparatedHex) {
  EXPECT_TRUE(is_mac_address("66:8a:1b:2c:3d:4e"));
  EXPECT_TRUE(is_mac_address("66-8A-1B-2C-3D-4E"));
  EXPECT_FALSE(is_mac_address("66:8a:1b:2c:3d"));
  EXPECT_FALSE(is_mac_address("66:8a:1b-2c:3d:4e"));
  EXPECT_FALSE(is_mac_address("66:8a:1b:2c:3d:4g"));
}

}  // namespace
}  // namespace tabby::api
