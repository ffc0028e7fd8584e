// IP_AUTODETECTION_METHOD / IP6_AUTODETECTION_METHOD forms.
#include "tabby/agent/autodetect_method.h"

#include <gtest/gtest.h>

namespace tabby::agent {
namespace {

using Kind = AutodetectionMethod::Kind;

AutodetectionMethod parse4(std::string_view text) {
  auto method = parse_autodetection_method(text, IpFamily::kV4);
  EXPECT_TRUE(method) << text << ": " << (method ? "" : method.error().message);
  return method ? *method : AutodetectionMethod{};
}

std::string error4(std::string_view text, IpFamily family = IpFamily::kV4) {
  auto method = parse_autodetection_method(text, family);
  return method ? "parsed as " + method->to_string() : method.error().message;
}

TEST(AutodetectionMethodParse, EmptyAndFirstFound) {
  EXPECT_EQ(parse4("").kind, Kind::kFirstFound);
  EXPECT_EQ(parse4("first-found").kind, Kind::kFirstFound);
  EXPECT_EQ(parse4("first-found").to_string(), "first-found");
}

TEST(AutodetectionMethodParse, InterfaceListsSplitOnCommasWithBlanks) {
  auto method = parse4("interface=eth0 , ens.* ,bond0");
  EXPECT_EQ(method.kind, Kind::kInterface);
  EXPECT_EQ(method.interface_regexes, (std::vector<std::string>{"eth0", "ens.*", "bond0"}));
  EXPECT_EQ(method.to_string(), "interface=eth0,ens.*,bond0");
  auto skip = parse4("skip-interface=eth1,ens32");
  EXPECT_EQ(skip.kind, Kind::kSkipInterface);
  EXPECT_EQ(skip.interface_regexes, (std::vector<std::string>{"eth1", "ens32"}));
}

TEST(AutodetectionMethodParse, CanReachTakesAddressOrName) {
  auto method = parse4("can-reach=8.8.8.8");
  EXPECT_EQ(method.kind, Kind::kCanReach);
  EXPECT_EQ(method.destination, "8.8.8.8");
  EXPECT_EQ(parse4("can-reach=www.example.com").destination, "www.example.com");
  auto v6 = parse_autodetection_method("can-reach=2001:4860:4860::8888", IpFamily::kV6);
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->destination, "2001:4860:4860::8888");
}

TEST(AutodetectionMethodParse, CidrListsKeepTheNetwork) {
  auto method = parse4("cidr=10.0.1.0/24, 192.168.5.7/16");
  EXPECT_EQ(method.kind, Kind::kCidr);
  ASSERT_EQ(method.cidrs.size(), 2u);
  EXPECT_EQ(method.cidrs[0].to_string(), "10.0.1.0/24");
  EXPECT_EQ(method.cidrs[1].to_string(), "192.168.0.0/16");
  EXPECT_EQ(method.to_string(), "cidr=10.0.1.0/24,192.168.0.0/16");
  auto v6 = parse_autodetection_method("cidr=fd00:1::/64", IpFamily::kV6);
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->cidrs.at(0).to_string(), "fd00:1::/64");
}

TEST(AutodetectionMethodParse, KubernetesInternalIpIsAPrefixMatch) {
  EXPECT_EQ(parse4("kubernetes-internal-ip").kind, Kind::kKubernetesInternalIp);
  EXPECT_EQ(parse4("kubernetes-internal-ip-anything").kind, Kind::kKubernetesInternalIp);
}

TEST(AutodetectionMethodParse, Errors) {
  EXPECT_EQ(error4("Interface=eth0"),
            "use first-found, interface=REGEX[,REGEX], skip-interface=REGEX[,REGEX], "
            "can-reach=DESTINATION, cidr=CIDR[,CIDR] or kubernetes-internal-ip");
  EXPECT_EQ(error4("bogus"), error4("Interface=eth0"));
  EXPECT_EQ(error4("interface="), "interface= needs at least one interface name regex");
  EXPECT_EQ(error4("skip-interface= , "),
            "skip-interface= needs at least one interface name regex");
  EXPECT_EQ(
      error4("interface=eth(").rfind("interface=: \"eth(\" is not a valid regular expression", 0),
      0u);
  EXPECT_EQ(error4("cidr="), "cidr= needs at least one CIDR");
  EXPECT_EQ(error4("cidr=10.0.0.0/33"), "cidr=: \"10.0.0.0/33\" is not a CIDR");
  EXPECT_EQ(error4("cidr=fd00::/64"), "cidr=: \"fd00::/64\" is not an IPv4 CIDR");
  EXPECT_EQ(error4("cidr=10.0.0.0/8", IpFamily::kV6), "cidr=: \"10.0.0.0/8\" is not an IPv6 CIDR");
  EXPECT_EQ(error4("can-reach="), "can-reach= needs a destination address or name");
  EXPECT_EQ(error4("can-reach=fd00::1"), "can-reach=: fd00::1 is not an IPv4 address");
}

}  // namespace
}  // namespace tabby::agent
