// The kernel's counters of dropped BGP segments: parsed from /proc/net/netstat text, and read
// from this kernel after an unsigned connect() to a listener that requires a TCP MD5 key.
#include "tabby/bgp/kernel_tcp_drops.h"

#include <gmock/gmock.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cerrno>
#include <thread>

#include "tabby/bgp/socket_options.h"

namespace tabby::bgp {
namespace {

using ::testing::HasSubstr;

TEST(KernelTcpDrops, ParsesTheCountersByName) {
  const auto drops = parse_kernel_tcp_drops(
      "TcpExt: SyncookiesSent TCPMD5NotFound TCPMD5Unexpected TCPMD5Failure TCPMinTTLDrop\n"
      "TcpExt: 7 3 2 1 9\n"
      "IpExt: InNoRoutes\nIpExt: 0\n");
  ASSERT_TRUE(drops.ok()) << drops.error().message;
  EXPECT_EQ(*drops, (KernelTcpDrops{3, 2, 1, 9}));
}

TEST(KernelTcpDrops, ACounterThisKernelLacksStaysZero) {
  const auto drops = parse_kernel_tcp_drops("TcpExt: TCPMD5NotFound\nTcpExt: 4\n");
  ASSERT_TRUE(drops.ok());
  EXPECT_EQ(*drops, (KernelTcpDrops{4, 0, 0, 0}));
}

TEST(KernelTcpDrops, BrokenTextIsAnErrorThatSaysWhat) {
  EXPECT_THAT(parse_kernel_tcp_drops("IpExt: InNoRoutes\nIpExt: 0\n").error().message,
              HasSubstr("no TcpExt"));
  EXPECT_THAT(parse_kernel_tcp_drops("TcpExt: A TCPMD5Failure\nTcpExt: 1\n").error().message,
              HasSubstr("2 names but 1 values"));
  EXPECT_THAT(parse_kernel_tcp_drops("TcpExt: TCPMD5Failure\nTcpExt: x1\n").error().message,
              HasSubstr("TCPMD5Failure is 'x1'"));
}

// The real kernel: a listener with an MD5 key for 127.0.0.1 drops an unsigned SYN from there,
// and counts it as TCPMD5NotFound.
TEST(KernelTcpDrops, AnUnsignedConnectToAKeyedListenerIsCounted) {
  const auto before = read_kernel_tcp_drops();
  ASSERT_TRUE(before.ok()) << before.error().message;
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::acceptor listener(io,
                                   asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  ASSERT_TRUE(
      set_tcp_md5(listener.native_handle(), IpAddress::parse("127.0.0.1").value(), "key").ok());
  asio::ip::tcp::socket unsigned_client(io);
  unsigned_client.open(asio::ip::tcp::v4());
  unsigned_client.non_blocking(true);
  // Started, not awaited (asio's own connect() would wait out the SYN retries): the
  // kernel drops the SYN and the connect stays in progress.
  const auto target = listener.local_endpoint();
  ASSERT_NE(::connect(unsigned_client.native_handle(), target.data(), target.size()), 0);
  ASSERT_EQ(errno, EINPROGRESS);
  KernelTcpDrops after;
  for (int i = 0; i < 100; ++i) {
    after = read_kernel_tcp_drops().value();
    if (after.md5_not_found > before->md5_not_found) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GT(after.md5_not_found, before->md5_not_found);
}

}  // namespace
}  // namespace tabby::bgp
