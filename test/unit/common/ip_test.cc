#include "tabby/common/ip.h"

#include <gmock/gmock.h>

namespace tabby {
namespace {

using ::testing::HasSubstr;

TEST(IpAddressTest, ParsesAndFormatsIpv4) {
  auto address = IpAddress::parse("192.168.1.20");
  ASSERT_TRUE(address.ok());
  EXPECT_TRUE(address->is_v4());
  EXPECT_EQ(address->v4_value(), 0xC0A80114u);
  EXPECT_EQ(address->to_string(), "192.168.1.20");
  EXPECT_EQ(IpAddress::v4(0xC0A80114u), *address);
}

TEST(IpAddressTest, ParsesAndFormatsIpv6InCanonicalForm) {
  auto address = IpAddress::parse("FD00:0:0::0001");
  ASSERT_TRUE(address.ok());
  EXPECT_TRUE(address->is_v6());
  EXPECT_EQ(address->to_string(), "fd00::1");
  EXPECT_EQ(IpAddress::parse("::ffff:10.0.0.1")->to_string(), "::ffff:10.0.0.1");
}

TEST(IpAddressTest, RejectsWhatIsNotAnAddressAndNamesIt) {
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.4 ", "fd00::1%eth0",
                          "[fd00::1]", ":::", "01.2.3.4x", "1.2.3.4/32"}) {
    auto address = IpAddress::parse(bad);
    EXPECT_FALSE(address.ok()) << bad;
    if (!address.ok()) {
      EXPECT_THAT(address.error().message, HasSubstr(std::string("\"") + bad + "\""));
    }
  }
  EXPECT_FALSE(IpAddress::parse(std::string(100, '1')).ok());
}

TEST(IpAddressTest, OrdersByFamilyThenBytes) {
  EXPECT_LT(*IpAddress::parse("10.0.0.1"), *IpAddress::parse("10.0.0.2"));
  EXPECT_LT(*IpAddress::parse("255.255.255.255"), *IpAddress::parse("::"));
}

TEST(IpAddressTest, MasksAndAddsAcrossBytes) {
  auto address = *IpAddress::parse("10.1.2.255");
  EXPECT_EQ(address.masked(26).to_string(), "10.1.2.192");
  EXPECT_EQ(address.masked(0).to_string(), "0.0.0.0");
  EXPECT_EQ(address.plus(1).to_string(), "10.1.3.0");
  EXPECT_EQ(IpAddress::parse("255.255.255.255")->plus(1).to_string(), "0.0.0.0");
  EXPECT_EQ(IpAddress::parse("fd00::ffff")->plus(0x10001).to_string(), "fd00::2:0");
  EXPECT_TRUE(IpAddress::parse("128.0.0.0")->bit(0));
  EXPECT_FALSE(IpAddress::parse("128.0.0.0")->bit(1));
  EXPECT_THROW(address.bit(32), std::out_of_range);
}

TEST(IpPrefixTest, ParsesCidrsOfBothFamilies) {
  auto v4 = IpPrefix::parse("192.168.0.0/16");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->length(), 16);
  EXPECT_EQ(v4->to_string(), "192.168.0.0/16");
  auto v6 = IpPrefix::parse("fd00:10::/122");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->family(), IpFamily::kV6);
  EXPECT_EQ(v6->to_string(), "fd00:10::/122");
  EXPECT_EQ(IpPrefix::parse("0.0.0.0/0")->length(), 0);
}

TEST(IpPrefixTest, ErrorsNameTheInputAndTheProblem) {
  EXPECT_EQ(IpPrefix::parse("10.0.0.0/33").error().message,
            "\"10.0.0.0/33\" is not a valid CIDR: prefix length must be 0-32");
  EXPECT_THAT(IpPrefix::parse("10.0.0.1/24").error().message,
              HasSubstr("host bits are set (did you mean 10.0.0.0/24?)"));
  EXPECT_THAT(IpPrefix::parse("10.0.0.0").error().message, HasSubstr("no prefix length"));
  EXPECT_THAT(IpPrefix::parse("10.0.0/8").error().message, HasSubstr("bad address"));
  for (const char* bad : {"10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8x", "10.0.0.0/ 8", "fd00::/129",
                          "/8", "10.0.0.0/+8"}) {
    EXPECT_FALSE(IpPrefix::parse(bad).ok()) << bad;
  }
}

TEST(IpPrefixTest, InterfaceFormKeepsTheNetwork) {
  auto prefix = IpPrefix::parse_interface("10.0.0.7/24");
  ASSERT_TRUE(prefix.ok());
  EXPECT_EQ(prefix->to_string(), "10.0.0.0/24");
}

TEST(IpPrefixTest, ContainmentAndOverlap) {
  const auto pool = *IpPrefix::parse("192.168.0.0/16");
  const auto block = *IpPrefix::parse("192.168.3.64/26");
  EXPECT_TRUE(pool.contains(block));
  EXPECT_FALSE(block.contains(pool));
  EXPECT_TRUE(pool.overlaps(block));
  EXPECT_TRUE(block.overlaps(pool));
  EXPECT_FALSE(block.overlaps(*IpPrefix::parse("192.168.3.128/26")));
  EXPECT_TRUE(block.contains(*IpAddress::parse("192.168.3.127")));
  EXPECT_FALSE(block.contains(*IpAddress::parse("192.168.3.128")));
  EXPECT_FALSE(pool.contains(*IpAddress::parse("::ffff:192.168.0.1")));
  EXPECT_EQ(IpPrefix::host(*IpAddress::parse("fd00::5")).to_string(), "fd00::5/128");
}

TEST(IpPrefixTest, ConstructorRejectsImpossibleLengths) {
  EXPECT_THROW(IpPrefix(*IpAddress::parse("10.0.0.0"), 33), std::invalid_argument);
  EXPECT_THROW(IpPrefix(*IpAddress::parse("::"), -1), std::invalid_argument);
}

}  // namespace
}  // namespace tabby
