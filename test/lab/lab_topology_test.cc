// The lab's topologies work as a test expects: segments, NICs named by the test, gateways,
// pods, and two labs side by side without collisions.

#include <gmock/gmock.h>

#include "tabby/lab/lab_test.h"

namespace tabby::lab {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class LabTopologyTest : public LabTest {};

TEST_F(LabTopologyTest, NodesOnASegmentReachEachOtherOverIpv4AndIpv6) {
  auto& segment = lab().add_segment("s1");
  auto& n1 = lab().add_node("n1");
  auto& n2 = lab().add_node("n2");
  lab().attach(n1, "eth0", segment, {.address = "10.10.1.1/24"});
  lab().attach(n2, "eth0", segment, {.address = "10.10.1.2/24"});
  n1.must("ip addr add fd00:10::1/64 dev eth0 nodad");
  n2.must("ip addr add fd00:10::2/64 dev eth0 nodad");

  EXPECT_TRUE(n1.ping("10.10.1.2"));
  EXPECT_TRUE(n2.ping("10.10.1.1"));
  EXPECT_TRUE(eventually([&] { return n1.ping("fd00:10::2"); }, 5s));
  EXPECT_EQ(n1.must("cat /proc/sys/net/ipv4/ip_forward"), "1\n");
}

// The classic two-NIC layout from Calico's IP autodetection pain points: node A has ens32
// on S1 and ens33 on S2, node B has eth1 on S1 and eth0 on S2.
TEST_F(LabTopologyTest, NicNamesAndSubnetsAreTheTestsChoice) {
  auto& s1 = lab().add_segment("s1");
  auto& s2 = lab().add_segment("s2");
  auto& a = lab().add_node("a");
  auto& b = lab().add_node("b");
  lab().attach(a, "ens32", s1, {.address = "10.31.0.1/24"});
  lab().attach(a, "ens33", s2, {.address = "10.32.0.1/24", .mtu = 1400});
  lab().attach(b, "eth1", s1, {.address = "10.31.0.2/24"});
  lab().attach(b, "eth0", s2, {.address = "10.32.0.2/24"});

  EXPECT_THAT(a.must("ip -o link show"), HasSubstr("ens32"));
  EXPECT_THAT(a.must("ip -o link show ens33"), HasSubstr("mtu 1400"));
  EXPECT_THAT(b.must("ip -o link show"), HasSubstr("eth1"));
  EXPECT_THAT(b.must("ip -o link show"), Not(HasSubstr("ens32")));
  EXPECT_THAT(a.routes("10.32.0.0/24"), HasSubstr("dev ens33"));
  EXPECT_THAT(b.routes("10.31.0.0/24"), HasSubstr("dev eth1"));
  EXPECT_TRUE(a.ping("10.31.0.2"));
  EXPECT_TRUE(a.ping("10.32.0.2"));
  // The segments are separate L2 domains: S1's address is not reachable through S2's NIC.
  a.must("ip link set ens32 down");
  EXPECT_FALSE(a.ping("10.31.0.2"));
}

TEST_F(LabTopologyTest, NodesOnTwoSegmentsReachEachOtherThroughAGatewayRouter) {
  auto& left = lab().add_segment("left");
  auto& right = lab().add_segment("right");
  auto& tor = lab().add_router("tor");
  auto& n1 = lab().add_node("n1");
  auto& n2 = lab().add_node("n2");
  lab().attach(tor, "eth0", left, {.address = "10.20.1.1/24"});
  lab().attach(tor, "eth1", right, {.address = "10.20.2.1/24"});
  lab().attach(n1, "eth0", left, {.address = "10.20.1.10/24", .gateway = "10.20.1.1"});
  lab().attach(n2, "eth0", right, {.address = "10.20.2.10/24", .gateway = "10.20.2.1"});

  EXPECT_THAT(n1.routes("default"), HasSubstr("via 10.20.1.1 dev eth0"));
  EXPECT_TRUE(n1.ping("10.20.2.10"));
  // The reply came back through the router: with its forwarding off, it no longer does.
  tor.sysctl("net.ipv4.ip_forward", "0");
  EXPECT_FALSE(n1.ping("10.20.2.10"));
}

TEST_F(LabTopologyTest, APodIsANamespaceWiredToItsNode) {
  auto& node = lab().add_node("node");
  auto& pod = lab().add_pod("pod1");
  lab().link(node, "cali12345678901", "", pod, "eth0", "10.244.0.5/32");
  node.must("ip route add 10.244.0.5/32 dev cali12345678901 scope link");
  node.must("ip addr add 169.254.1.1/32 dev cali12345678901");
  pod.must(
      "ip route add 169.254.1.1 dev eth0 scope link && ip route add default via 169.254.1.1 dev "
      "eth0");

  EXPECT_THAT(pod.must("ip -o addr show eth0"), HasSubstr("10.244.0.5/32"));
  EXPECT_TRUE(node.ping("10.244.0.5"));
}

TEST(LabNamesTest, TwoLabsWithTheSameNamesDoNotCollide) {
  if (geteuid() != 0) GTEST_FAIL() << "this lab test needs root";
  Lab first("first");
  Lab second("second");
  ASSERT_NE(first.run_id(), second.run_id());
  std::vector<const Netns*> n1s, n2s;
  for (Lab* lab : {&first, &second}) {
    auto& segment = lab->add_segment("s1");
    auto& n1 = lab->add_node("n1");
    auto& n2 = lab->add_node("n2");
    lab->attach(n1, "eth0", segment, {.address = "10.30.0.1/24"});
    lab->attach(n2, "eth0", segment, {.address = "10.30.0.2/24"});
    n1s.push_back(&n1);
    n2s.push_back(&n2);
  }
  for (const auto& name : first.namespace_names()) {
    EXPECT_THAT(second.namespace_names(), Not(::testing::Contains(name)));
  }
  // Same names and addresses in both labs, yet each pair only sees its own segment.
  n2s[0]->must("ip link set eth0 down");
  EXPECT_FALSE(n1s[0]->ping("10.30.0.2"));
  EXPECT_TRUE(n1s[1]->ping("10.30.0.2"));
}

TEST(LabNamesTest, BadNamesAreRejectedWithTheName) {
  if (geteuid() != 0) GTEST_FAIL() << "this lab test needs root";
  Lab lab;
  lab.add_node("n1");
  EXPECT_THROW(lab.add_node("n1"), std::invalid_argument);
  EXPECT_THROW(lab.add_node("Bad_Name"), std::invalid_argument);
  EXPECT_THROW(lab.add_namespace("fabric"), std::invalid_argument);
  EXPECT_THROW(lab.add_segment(""), std::invalid_argument);
}

}  // namespace
}  // namespace tabby::lab
