// How an agent leaves, end to end. Killed (SIGKILL: a crash, the OOM killer) it says nothing
// to its peers: graceful restart has them keep its routes, stale, until it is back, so no
// traffic is lost — neither between the other nodes nor to the killed node's pods, whose
// routes stay in its kernel. Stopped with SIGTERM under --cleanup-on-exit it says goodbye
// (a BGP Cease): its routes go from the peers and the ToR at once, and its own kernel keeps
// none of tabby's routes or devices.

#include <gmock/gmock.h>

#include <iostream>
#include <thread>

#include "cluster.h"
#include "tabby/lab/lab_test.h"

namespace tabby::e2e {
namespace {

using lab::eventually;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using namespace std::chrono_literals;

class AgentExitTest : public lab::LabTest {
 protected:
  Cluster& make(ClusterSpec spec) {
    cluster_ = std::make_unique<Cluster>(
        lab(), spec, Binaries{TABBY_NODE_BINARY, TABBYCTL_BINARY, TABBY_CNI_DIR}, std::cout);
    cluster_->start();
    cluster_->add_pods();
    std::vector<std::string> failures;
    eventually([&] { return (failures = cluster_->ping_all()).empty(); }, 20s, 500ms);
    EXPECT_THAT(failures, IsEmpty());
    return *cluster_;
  }

  std::unique_ptr<Cluster> cluster_;
};

TEST_F(AgentExitTest, AKilledAgentsRoutesStayAndNoTrafficIsLost) {
  Cluster& cluster = make({});
  const std::string via_node1 = "via " + cluster.node_address(1);
  const std::string via_node2 = "via " + cluster.node_address(2);
  const Pod& from = cluster.pods().at(2);  // on node 2
  const Pod& to = cluster.pods().at(4);    // on node 3
  const Pod& on_node1 = cluster.pods().at(0);
  PingLoop pings(from, {&to, &on_node1});
  std::this_thread::sleep_for(1s);
  cluster.kill_agent(1);
  // Dead for a while: the BGP sessions to it are gone, its routes are not.
  std::this_thread::sleep_for(6s);
  EXPECT_FALSE(cluster.all_peers_established(2)) << cluster.node_status(2);
  EXPECT_THAT(cluster.node(2).routes(), HasSubstr(via_node1));
  EXPECT_THAT(cluster.node(3).routes(), HasSubstr(via_node1));
  EXPECT_THAT(cluster.tor().routes(), HasSubstr(via_node1));
  EXPECT_THAT(cluster.node(1).routes(), HasSubstr(via_node2));
  cluster.start_agent(1);
  std::this_thread::sleep_for(3s);
  pings.stop();
  EXPECT_GT(pings.rounds(), 30);
  EXPECT_EQ(pings.lost(), 0) << "of " << pings.rounds() << " rounds";
  std::vector<std::string> failures;
  eventually([&] { return (failures = cluster.ping_all()).empty(); }, 20s, 500ms);
  EXPECT_THAT(failures, IsEmpty());
  EXPECT_TRUE(eventually([&] { return cluster.all_peers_established(1); }, 20s, 500ms))
      << cluster.node_status(1);
  EXPECT_THAT(cluster.node(2).routes(), HasSubstr(via_node1));
}

TEST_F(AgentExitTest, CleanupOnExitSaysGoodbyeAndLeavesNothingBehind) {
  Cluster& cluster = make({.agent_arguments = {"--cleanup-on-exit"}});
  const std::string via_node1 = "via " + cluster.node_address(1);
  ASSERT_THAT(cluster.node(2).routes(), HasSubstr(via_node1));
  ASSERT_THAT(cluster.tor().routes(), HasSubstr(via_node1));
  ASSERT_THAT(cluster.node(1).routes(), HasSubstr("proto bird"));
  // The default pool has natOutgoing: node 1 masquerades in its own nftables table.
  ASSERT_THAT(cluster.node(1).must("nft list tables"), HasSubstr("table ip tabby-nat"));
  cluster.stop_agent(1);
  // A Cease, not a dropped session: the peers withdraw node 1's routes now, not when the
  // graceful-restart timer (120 s) runs out.
  for (lab::Netns* peer : {&cluster.node(2), &cluster.node(3), &cluster.tor()}) {
    EXPECT_TRUE(
        eventually([&] { return peer->routes().find(via_node1) == std::string::npos; }, 5s, 100ms))
        << peer->role() << ": " << peer->routes();
  }
  // FRR forgets a dynamic neighbor once its session is down; its log keeps the NOTIFICATION.
  const std::string tor_log = cluster.tor_router()->log();
  EXPECT_THAT(tor_log,
              ::testing::ContainsRegex("NOTIFICATION.*" + cluster.node_address(1) + ".*Cease"))
      << tor_log;
  // And node 1's kernel has none of the routes or devices the agent made.
  EXPECT_THAT(cluster.node(1).routes(), Not(HasSubstr("proto bird")));
  EXPECT_THAT(cluster.node(1).routes(), Not(HasSubstr("blackhole")));
  EXPECT_THAT(cluster.node(1).must("nft list tables"), Not(HasSubstr("tabby-nat")));
  // The other nodes still reach each other.
  EXPECT_TRUE(cluster.pods().at(2).netns->ping(cluster.pods().at(4).address, 3));
}

TEST_F(AgentExitTest, CleanupOnExitRemovesTheVxlanDeviceAndItsRoutes) {
  Cluster& cluster =
      make({.encapsulation = Encapsulation::kVxlan, .agent_arguments = {"--cleanup-on-exit"}});
  ASSERT_THAT(cluster.node(1).must("ip -o link show"), HasSubstr("vxlan.calico:"));
  ASSERT_THAT(cluster.node(1).routes(), HasSubstr("dev vxlan.calico"));
  ASSERT_THAT(cluster.node(1).routes(), HasSubstr("blackhole"));
  cluster.stop_agent(1);
  const std::string links = cluster.node(1).must("ip -o link show");
  EXPECT_THAT(links, Not(HasSubstr("vxlan.calico:"))) << links;
  EXPECT_THAT(cluster.node(1).routes(), Not(HasSubstr("vxlan.calico")));
  EXPECT_THAT(cluster.node(1).routes(), Not(HasSubstr("blackhole")));
  // Only node 1 cleaned up: the others keep their tunnels and reach each other.
  EXPECT_THAT(cluster.node(2).must("ip -o link show"), HasSubstr("vxlan.calico:"));
  EXPECT_TRUE(cluster.pods().at(2).netns->ping(cluster.pods().at(4).address, 3));
}

}  // namespace
}  // namespace tabby::e2e
