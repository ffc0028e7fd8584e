// The lab's IPIP path, inside User-Mode Linux (the host kernel has no ipip module): two
// namespaces joined by a veth, a tunl0 in each, and a ping between tunnel addresses that
// really goes through the tunnels. Run by ctest through uml-run.

#include <gmock/gmock.h>
#include <sys/stat.h>

#include "tabby/lab/lab_test.h"

namespace tabby::lab {
namespace {

using ::testing::HasSubstr;

class IpipUmlTest : public LabTest {
 protected:
  void SetUp() override {
    struct stat st {};
    if (stat("/sys/module/ipip", &st) != 0) {
      GTEST_FAIL() << "no ipip module in this kernel: run this test through uml-run "
                      "(ctest does), e.g. uml-run --rw build -- build/test/lab/lab_ipip_uml_test";
    }
    LabTest::SetUp();
  }
};

long counter(const Netns& ns, const std::string& name) {
  return std::stol(ns.must("cat /sys/class/net/tunl0/statistics/" + name));
}

TEST_F(IpipUmlTest, TunnelAddressesPingThroughTunl0) {
  auto& a = lab().add_node("a");
  auto& b = lab().add_node("b");
  lab().link(a, "eth0", "10.0.0.1/24", b, "eth0", "10.0.0.2/24");

  // The kernel makes the fallback tunl0 in every namespace once ipip is loaded; Calico
  // adopts it, gives it the node's tunnel address and routes remote blocks onlink.
  for (auto* ns : {&a, &b}) {
    ASSERT_THAT(ns->must("ip -d link show tunl0"), HasSubstr("ipip"));
    ns->must("ip link set tunl0 up mtu 1480");
  }
  a.must("ip addr add 10.244.1.1/32 dev tunl0");
  b.must("ip addr add 10.244.2.1/32 dev tunl0");
  a.must("ip route add 10.244.2.0/26 via 10.0.0.2 dev tunl0 onlink");
  b.must("ip route add 10.244.1.0/26 via 10.0.0.1 dev tunl0 onlink");

  EXPECT_TRUE(a.ping("10.244.2.1", 3, "10.244.1.1"));
  EXPECT_TRUE(b.ping("10.244.1.1", 3, "10.244.2.1"));
  for (auto* ns : {&a, &b}) {
    EXPECT_GE(counter(*ns, "tx_packets"), 6) << ns->role();
    EXPECT_GE(counter(*ns, "rx_packets"), 6) << ns->role();
  }

  // Without the tunnel route the tunnel addresses are unreachable: the ping above did not
  // take some other path.
  a.must("ip route del 10.244.2.0/26");
  EXPECT_FALSE(a.ping("10.244.2.1", 1, "10.244.1.1"));
}

}  // namespace
}  // namespace tabby::lab
