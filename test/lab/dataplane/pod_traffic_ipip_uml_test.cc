// Pod to pod across two nodes over IPIP (tunl0 onlink routes), inside User-Mode Linux since
// the host kernel has no ipip module.

#include <sys/stat.h>

#include "tabby/lab/lab_test.h"
#include "two_node_pods.h"

namespace tabby::dataplane::lab_topology {
namespace {

using ::testing::HasSubstr;

class PodTrafficIpipTest : public lab::LabTest {
 protected:
  void SetUp() override {
    struct stat st {};
    if (stat("/sys/module/ipip", &st) != 0) {
      GTEST_FAIL() << "no ipip module in this kernel: run this test through uml-run (ctest does)";
    }
    LabTest::SetUp();
  }
};

TEST_F(PodTrafficIpipTest, PodsOnTwoNodesReachEachOtherThroughTunl0) {
  TwoNodePods cluster(lab(), Encapsulation::kIpip);
  auto& a = cluster.a();
  EXPECT_THAT(a.ns->must("ip -o addr show tunl0"), HasSubstr("10.244.1.0/32"));
  EXPECT_THAT(a.ns->routes("10.244.2.0/26"),
              HasSubstr("via 192.168.50.2 dev tunl0 proto 80 onlink"));
  EXPECT_TRUE(a.pod->ping(cluster.b().pod_address.to_string(), 3));
  EXPECT_TRUE(cluster.b().pod->ping(a.pod_address.to_string(), 3));
  EXPECT_GE(std::stol(a.ns->must("cat /sys/class/net/tunl0/statistics/tx_packets")), 6);

  // IPIP turned off: tunl0 keeps existing but loses its address.
  ASSERT_TRUE(ensure_ipip_tunnel(*a.netlink, {.enabled = false}).ok());
  EXPECT_EQ(a.ns->must("ip -o -4 addr show tunl0"), "");
}

}  // namespace
}  // namespace tabby::dataplane::lab_topology
