// Pod to pod across two nodes through the dataplane library, on the host kernel: plain
// routing and VXLAN; plus repair timing and clean-up for real.

#include <boost/asio/io_context.hpp>
#include <thread>

#include "tabby/dataplane/cleanup.h"
#include "tabby/dataplane/route_sync_loop.h"
#include "tabby/lab/lab_test.h"
#include "two_node_pods.h"

namespace tabby::dataplane::lab_topology {
namespace {

using ::testing::HasSubstr;

class PodTrafficTest : public lab::LabTest {};

TEST_F(PodTrafficTest, PodsOnTwoNodesReachEachOtherWithoutEncapsulation) {
  TwoNodePods cluster(lab(), Encapsulation::kNone);
  EXPECT_TRUE(cluster.a().pod->ping(cluster.b().pod_address.to_string(), 3));
  EXPECT_TRUE(cluster.b().pod->ping(cluster.a().pod_address.to_string(), 3));
  // The pod's gateway is answered by proxy ARP with the host side's MAC.
  EXPECT_THAT(cluster.a().pod->must("ip neigh show 169.254.1.1"), HasSubstr("lladdr"));
  // An address in the block that no pod holds goes nowhere (the blackhole), not out.
  EXPECT_FALSE(cluster.b().pod->ping(cluster.a().block.address().plus(9).to_string(), 1));
}

TEST_F(PodTrafficTest, PodsOnTwoNodesReachEachOtherOverVxlan) {
  TwoNodePods cluster(lab(), Encapsulation::kVxlan);
  auto& a = cluster.a();
  EXPECT_THAT(a.ns->must("ip -d link show vxlan.calico"), HasSubstr("vxlan id 4096"));
  EXPECT_THAT(a.ns->must("ip -d link show vxlan.calico"), HasSubstr("dstport 4789"));
  EXPECT_THAT(a.ns->must("ip link show vxlan.calico"), HasSubstr(vtep_mac("a")));
  EXPECT_THAT(a.ns->must("ip neigh show dev vxlan.calico"),
              HasSubstr("10.244.2.0 lladdr " + vtep_mac("b") + " PERMANENT"));
  EXPECT_THAT(a.ns->must("bridge fdb show dev vxlan.calico"),
              HasSubstr(vtep_mac("b") + " dst 192.168.50.2"));
  EXPECT_THAT(a.ns->routes("10.244.2.0/26"), HasSubstr("via 10.244.2.0 dev vxlan.calico"));

  const auto before =
      std::stol(a.ns->must("cat /sys/class/net/vxlan.calico/statistics/tx_packets"));
  EXPECT_TRUE(a.pod->ping(cluster.b().pod_address.to_string(), 3));
  EXPECT_TRUE(cluster.b().pod->ping(a.pod_address.to_string(), 3));
  const auto after = std::stol(a.ns->must("cat /sys/class/net/vxlan.calico/statistics/tx_packets"));
  EXPECT_GE(after - before, 6) << "the pings did not go through vxlan.calico";
}

TEST_F(PodTrafficTest, ARouteDeletedByHandIsBackWithinASecond) {
  TwoNodePods cluster(lab(), Encapsulation::kNone);
  auto& a = cluster.a();
  boost::asio::io_context io;
  RouteSyncLoop loop(io, *a.netlink, *a.reconciler);
  loop.start();
  std::thread runner([&] { io.run(); });

  a.ns->must("ip route del 10.244.2.0/26");
  const auto deleted = std::chrono::steady_clock::now();
  const bool back = lab::eventually([&] { return !a.ns->routes("10.244.2.0/26").empty(); },
                                    std::chrono::seconds(1), std::chrono::milliseconds(5));
  const auto took = std::chrono::steady_clock::now() - deleted;
  io.stop();
  runner.join();
  EXPECT_TRUE(back) << "not repaired within a second";
  std::printf("repair took %.1f ms\n", std::chrono::duration<double, std::milli>(took).count());
  EXPECT_TRUE(a.pod->ping(cluster.b().pod_address.to_string(), 1));
}

TEST_F(PodTrafficTest, CleanupRemovesEverythingTabbyInstalledAndNothingElse) {
  TwoNodePods cluster(lab(), Encapsulation::kVxlan);
  auto& a = cluster.a();
  a.ns->must("ip route add 172.16.0.0/16 via 192.168.50.254 dev eth0 onlink");  // the admin's
  auto report = remove_everything(*a.netlink, OwnershipPolicy{});
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->routes_removed, 3u);
  EXPECT_FALSE(a.ns->sh("ip link show vxlan.calico").ok());
  EXPECT_EQ(a.ns->must("ip -o route show proto 80"), "");
  EXPECT_EQ(a.ns->routes("10.244.1.5"), "");  // the workload route
  EXPECT_THAT(a.ns->routes(), HasSubstr("172.16.0.0/16 via 192.168.50.254"));
  EXPECT_FALSE(a.pod->ping(cluster.b().pod_address.to_string(), 1));
}

}  // namespace
}  // namespace tabby::dataplane::lab_topology

namespace tabby::dataplane::lab_topology {
namespace {

TEST_F(PodTrafficTest, TabbyNodeCleanupUninstallsFromTheNode) {
  TwoNodePods cluster(lab(), Encapsulation::kVxlan);
  auto& a = cluster.a();
  auto result = a.ns->exec({TABBY_NODE_BINARY, "--cleanup"});
  ASSERT_TRUE(result.ok()) << result.output;
  EXPECT_THAT(result.output, HasSubstr("removed 3 routes, 1 links"));
  EXPECT_FALSE(a.ns->sh("ip link show vxlan.calico").ok());
  EXPECT_EQ(a.ns->must("ip -o route show proto 80"), "");
  // The other node was not touched.
  EXPECT_TRUE(cluster.b().ns->sh("ip link show vxlan.calico").ok());
}

}  // namespace
}  // namespace tabby::dataplane::lab_topology
