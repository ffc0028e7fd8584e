// The main job as lab tests: whole tabby clusters in namespaces, driven as a user drives them
// (environment, tabbyctl, CNI invocations), checked as a user checks them (pings, node status,
// the ToR's routes).

#include "cluster.h"

#include <gmock/gmock.h>

#include <atomic>
#include <iostream>
#include <thread>

#include "tabby/lab/lab_test.h"

namespace tabby::e2e {
namespace {

using lab::eventually;
using namespace std::chrono_literals;

class ClusterTest : public lab::LabTest {
 protected:
  Cluster& make(ClusterSpec spec) {
    cluster_ = std::make_unique<Cluster>(
        lab(), spec, Binaries{TABBY_NODE_BINARY, TABBYCTL_BINARY, TABBY_CNI_DIR}, std::cout);
    cluster_->start();
    cluster_->add_pods();
    return *cluster_;
  }
  void expect_full_connectivity(const Cluster& cluster) {
    std::vector<std::string> failures;
    // Routes follow the pods' blocks through BGP; give them a moment to converge.
    eventually([&] { return (failures = cluster.ping_all()).empty(); }, 20s, 500ms);
    EXPECT_THAT(failures, ::testing::IsEmpty());
  }

  std::unique_ptr<Cluster> cluster_;
};

TEST_F(ClusterTest, BgpMeshWithATopOfRackRouter) {
  Cluster& cluster = make({});
  expect_full_connectivity(cluster);
  for (int i = 1; i <= 3; ++i) {
    EXPECT_TRUE(cluster.all_peers_established(i)) << cluster.node_status(i);
    EXPECT_THAT(cluster.node_status(i), ::testing::HasSubstr("node-to-node mesh"));
    EXPECT_THAT(cluster.node_status(i), ::testing::HasSubstr("| 10.0.0.1 "));
  }
  // The ToR learned every node's block from that node.
  const std::string tor_routes = cluster.tor().routes();
  for (int i = 1; i <= 3; ++i)
    EXPECT_THAT(tor_routes, ::testing::HasSubstr("via " + cluster.node_address(i)));
  // Pods on other nodes are reached straight over the rack (no encapsulation).
  EXPECT_THAT(cluster.node(1).routes(), ::testing::HasSubstr("via 10.0.0.12 dev eth0 proto bird"));
  // Every node offers ADD-PATH in both directions, as Calico's BIRD (`add paths on`) does: the
  // ToR sees the node able to send it several paths per prefix.
  for (int i = 1; i <= 3; ++i) {
    const std::string neighbor =
        cluster.tor_router()->vtysh("show bgp neighbors " + cluster.node_address(i)).output;
    const auto add_path = neighbor.find("AddPath:");
    ASSERT_NE(add_path, std::string::npos) << neighbor;
    // FRR: "IPv4 Unicast: TX received" (the node may send several paths).
    EXPECT_THAT(neighbor.substr(add_path, 200), ::testing::HasSubstr("TX received")) << neighbor;
  }
}

TEST_F(ClusterTest, VxlanBackendWithoutBgp) {
  Cluster& cluster = make({.encapsulation = Encapsulation::kVxlan});
  expect_full_connectivity(cluster);
  EXPECT_THAT(cluster.node(1).routes(), ::testing::HasSubstr("dev vxlan.calico"));
  EXPECT_THAT(cluster.node_status(1), ::testing::Not(::testing::HasSubstr("Established")));
}

TEST_F(ClusterTest, RouteReflectorInsteadOfTheMesh) {
  Cluster& cluster = make({.route_reflector = true});
  expect_full_connectivity(cluster);
  // Node 2 peers with the reflector (and the ToR) only, not with node 3.
  const std::string status = cluster.node_status(2);
  EXPECT_THAT(status, ::testing::HasSubstr("| 10.0.0.11 "));
  EXPECT_THAT(status, ::testing::Not(::testing::HasSubstr("| 10.0.0.13 ")));
  EXPECT_TRUE(cluster.all_peers_established(2)) << status;
  // Routes to node 3's pods come reflected, with node 3 as next hop.
  EXPECT_THAT(cluster.node(2).routes(), ::testing::HasSubstr("via 10.0.0.13 dev eth0 proto bird"));
}

TEST_F(ClusterTest, AnAgentRestartLosesNoTraffic) {
  Cluster& cluster = make({});
  expect_full_connectivity(cluster);
  const Pod& from = cluster.pods().at(2);  // on node 2
  const Pod& to = cluster.pods().at(4);    // on node 3
  const Pod& on_node1 = cluster.pods().at(0);
  // Pods on the other nodes ping each other (and node 1's pod) all through node 1's restart.
  std::atomic<bool> done = false;
  std::atomic<int> lost = 0, sent = 0;
  std::thread pinger([&] {
    while (!done) {
      ++sent;
      if (!from.netns->ping(to.address, 1)) ++lost;
      if (!from.netns->ping(on_node1.address, 1)) ++lost;
      std::this_thread::sleep_for(100ms);
    }
  });
  cluster.restart_agent(1);
  std::this_thread::sleep_for(2s);
  done = true;
  pinger.join();
  EXPECT_GT(sent.load(), 5);
  EXPECT_EQ(lost.load(), 0);
  expect_full_connectivity(cluster);
  EXPECT_TRUE(cluster.all_peers_established(1)) << cluster.node_status(1);
}

}  // namespace
}  // namespace tabby::e2e
