// The socket option helpers on real sockets (no root needed): what they set is read back.
#include "tabby/bgp/socket_options.h"

#include <gmock/gmock.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "tabby/common/unique_fd.h"

namespace tabby::bgp {
namespace {

using ::testing::HasSubstr;

#ifndef IPV6_MINHOPCOUNT
constexpr int IPV6_MINHOPCOUNT = 73;
#endif

int get_int(int fd, int level, int name) {
  int value = -1;
  socklen_t length = sizeof(value);
  EXPECT_EQ(::getsockopt(fd, level, name, &value, &length), 0);
  return value;
}

UniqueFd tcp_socket(int family) {
  return UniqueFd(::socket(family, SOCK_STREAM, 0));
}

IpAddress address(const char* text) {
  return IpAddress::parse(text).value();
}

TEST(GtsmMinTtl, IsTwoHundredFiftySixMinusHops) {
  EXPECT_EQ(gtsm_min_ttl(1), 255);
  EXPECT_EQ(gtsm_min_ttl(2), 254);
  EXPECT_EQ(gtsm_min_ttl(255), 1);
}

TEST(TtlSecurity, Ipv4SendsWith255AndDropsBelowTheMinimum) {
  auto fd = tcp_socket(AF_INET);
  ASSERT_TRUE(fd.valid());
  ASSERT_TRUE(set_ttl_security(fd.get(), IpFamily::kV4, 2).ok());
  EXPECT_EQ(get_int(fd.get(), IPPROTO_IP, IP_TTL), 255);
  EXPECT_EQ(get_int(fd.get(), IPPROTO_IP, IP_MINTTL), 254);
}

TEST(TtlSecurity, Ipv6UsesHopLimitAndMinHopCount) {
  auto fd = tcp_socket(AF_INET6);
  ASSERT_TRUE(fd.valid());
  ASSERT_TRUE(set_ttl_security(fd.get(), IpFamily::kV6, 1).ok());
  EXPECT_EQ(get_int(fd.get(), IPPROTO_IPV6, IPV6_UNICAST_HOPS), 255);
  EXPECT_EQ(get_int(fd.get(), IPPROTO_IPV6, IPV6_MINHOPCOUNT), 255);
}

TEST(TtlSecurity, RefusesHopsOutsideTheRange) {
  auto fd = tcp_socket(AF_INET);
  EXPECT_THAT(set_ttl_security(fd.get(), IpFamily::kV4, 0).error().message, HasSubstr("0"));
  EXPECT_FALSE(set_ttl_security(fd.get(), IpFamily::kV4, 256).ok());
}

TEST(OutgoingTtl, SetsTtlOrHopLimit) {
  auto v4 = tcp_socket(AF_INET);
  ASSERT_TRUE(set_outgoing_ttl(v4.get(), IpFamily::kV4, 1).ok());
  EXPECT_EQ(get_int(v4.get(), IPPROTO_IP, IP_TTL), 1);
  auto v6 = tcp_socket(AF_INET6);
  ASSERT_TRUE(set_outgoing_ttl(v6.get(), IpFamily::kV6, 5).ok());
  EXPECT_EQ(get_int(v6.get(), IPPROTO_IPV6, IPV6_UNICAST_HOPS), 5);
  EXPECT_FALSE(set_outgoing_ttl(v6.get(), IpFamily::kV6, 0).ok());
}

TEST(TcpMd5, InstallsAndRemovesAKeyForEachFamily) {
  auto v4 = tcp_socket(AF_INET);
  EXPECT_TRUE(set_tcp_md5(v4.get(), address("192.0.2.1"), "secret").ok());
  EXPECT_TRUE(set_tcp_md5(v4.get(), address("192.0.2.1"), "").ok());
  auto v6 = tcp_socket(AF_INET6);
  EXPECT_TRUE(set_tcp_md5(v6.get(), address("2001:db8::1"), "secret").ok());
}

TEST(TcpMd5, RemovingAKeyThatIsNotThereFails) {
  auto v4 = tcp_socket(AF_INET);
  const Status status = set_tcp_md5(v4.get(), address("192.0.2.9"), "");
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.error().message, HasSubstr("192.0.2.9"));
}

TEST(TcpMd5, RefusesAKeyLongerThanLinuxTakes) {
  auto v4 = tcp_socket(AF_INET);
  const Status status = set_tcp_md5(v4.get(), address("192.0.2.1"), std::string(81, 'k'));
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.error().message, HasSubstr("81 bytes"));
  EXPECT_TRUE(set_tcp_md5(v4.get(), address("192.0.2.1"), std::string(80, 'k')).ok());
}

}  // namespace
}  // namespace tabby::bgp
