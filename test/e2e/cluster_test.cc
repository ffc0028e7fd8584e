// The main job as lab tests: whole tabby clusters in namespaces, driven as a user drives them
// (environment, tabbyctl, CNI invocations), checked as a user checks them (pings, node status,
// the ToR's routes).

#include "cluster.h"

#include <gmock/gmock.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "tabby/lab/lab_test.h"

namespace tabby::e2e {
namespace {

using lab::eventually;
using namespace std::chrono_literals;

// The value of the first series in a Prometheus exposition whose line starts with `series`
// (a name, or a name and its leading labels: `ipam_blocks{ippool="p",`); -1 when none.
double metric(const std::string& exposition, const std::string& series) {
  std::istringstream lines(exposition);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(series, 0) == 0) return std::stod(line.substr(line.rfind(' ') + 1));
  }
  return -1;
}

// GET /metrics from the agent on node i, as Prometheus scrapes it.
std::string scrape(const Cluster& cluster, int node) {
  return cluster.node(node)
      .exec({"curl", "-s", "--max-time", "5", "http://127.0.0.1:9091/metrics"}, 10s)
      .output;
}

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

  // No encapsulation: pods get the host's MTU.
  EXPECT_THAT(cluster.pods().at(0).netns->must("ip -o link show eth0"),
              ::testing::HasSubstr("mtu 1500 "));

  // Every family the issue names, from node 1's Prometheus endpoint.
  std::string metrics;
  eventually(
      [&] {
        metrics = scrape(cluster, 1);
        return metric(metrics, "tabby_bgp_peer_prefixes_received{peer=\"10.0.0.12\",") >= 1;
      },
      10s, 250ms);
  for (const std::string peer : {"10.0.0.1", "10.0.0.12", "10.0.0.13"}) {
    const std::string labels = "{peer=\"" + peer + "\",";
    EXPECT_EQ(metric(metrics, "tabby_bgp_peer_up" + labels), 1) << peer << "\n" << metrics;
    EXPECT_EQ(metric(metrics, "tabby_bgp_peer_state" + labels), 6) << peer;
    EXPECT_GE(metric(metrics, "tabby_bgp_peer_established_transitions_total" + labels), 1) << peer;
    EXPECT_GE(metric(metrics, "tabby_bgp_peer_prefixes_advertised" + labels), 1) << peer;
  }
  // Node 2's block, from node 2 and (eBGP) from the ToR.
  EXPECT_GE(metric(metrics, "tabby_bgp_peer_prefixes_received{peer=\"10.0.0.12\","), 1);
  // Its pods' /32s, the blackhole of its block and the routes to the other nodes' blocks.
  EXPECT_GE(metric(metrics, "felix_route_table_num_routes{ip_version=\"4\"}"), 5);
  // Node 1 holds a block of the default pool with its two pods' addresses in it.
  EXPECT_GE(metric(metrics, "ipam_blocks{ippool=\"default-ipv4-ippool\",node=\"node1\"}"), 1)
      << metrics;
  EXPECT_GE(
      metric(metrics, "ipam_allocations_in_use{ippool=\"default-ipv4-ippool\",node=\"node1\"}"), 2);
  EXPECT_GE(metric(metrics, "tabby_reconcile_duration_seconds_count{reconciler=\"dataplane\"}"), 1);
  EXPECT_EQ(metric(metrics, "tabby_datastore_errors_total{operation=\"list\"}"), 0);
  EXPECT_GE(metric(metrics, "felix_resyncs_started"), 1);
  EXPECT_EQ(metric(metrics, "felix_cluster_num_hosts"), 3);

  // A pool of its own for one more pod (its ipv4pools annotation), then the pod gone and the
  // pool deleted, as with calicoctl: the pool's block leaves node 1's routes (no blackhole
  // left) and the ToR's.
  const auto pool_file = lab().dir() / "extra-pool.yaml";
  std::ofstream(pool_file) << "apiVersion: projectcalico.org/v3\nkind: IPPool\n"
                              "metadata: {name: extra}\nspec: {cidr: 10.250.0.0/16}\n";
  const auto applied = cluster.tabbyctl({"apply", "-f", pool_file.string()});
  ASSERT_TRUE(applied.ok()) << applied.output;
  const Pod extra =
      cluster.add_pod(1, "extra-pod", R"({"cni.projectcalico.org/ipv4pools":"[\"extra\"]"})");
  EXPECT_THAT(extra.address, ::testing::StartsWith("10.250."));
  const auto has_extra_block = [](const std::string& routes) {
    return routes.find("10.250.") != std::string::npos;
  };
  EXPECT_TRUE(eventually(
      [&] { return cluster.node(1).routes().find("blackhole 10.250.") != std::string::npos; }, 10s,
      250ms))
      << cluster.node(1).routes();
  EXPECT_TRUE(eventually([&] { return has_extra_block(cluster.tor().routes()); }, 10s, 250ms))
      << cluster.tor().routes();
  EXPECT_TRUE(
      eventually([&] { return cluster.pods().at(2).netns->ping(extra.address, 1); }, 10s, 250ms));
  cluster.remove_pod("extra-pod");
  const auto deleted = cluster.tabbyctl({"delete", "ippool", "extra"});
  ASSERT_TRUE(deleted.ok()) << deleted.output;
  EXPECT_TRUE(eventually([&] { return !has_extra_block(cluster.node(1).routes()); }, 10s, 250ms))
      << cluster.node(1).routes();
  EXPECT_TRUE(eventually([&] { return !has_extra_block(cluster.tor().routes()); }, 10s, 250ms))
      << cluster.tor().routes();
}

TEST_F(ClusterTest, VxlanBackendWithoutBgp) {
  Cluster& cluster = make({.encapsulation = Encapsulation::kVxlan});
  expect_full_connectivity(cluster);
  EXPECT_THAT(cluster.node(1).routes(), ::testing::HasSubstr("dev vxlan.calico"));
  // The CNI plugin (mtu 0 in its configuration) took the MTU the agent wrote: the host's
  // 1500 less VXLAN's 50.
  for (const Pod& pod : cluster.pods())
    EXPECT_THAT(pod.netns->must("ip -o link show eth0"), ::testing::HasSubstr("mtu 1450 "));
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
  PingLoop pings(from, {&to, &on_node1});
  cluster.restart_agent(1);
  std::this_thread::sleep_for(2s);
  pings.stop();
  EXPECT_GT(pings.rounds(), 5);
  EXPECT_EQ(pings.lost(), 0);
  expect_full_connectivity(cluster);
  EXPECT_TRUE(cluster.all_peers_established(1)) << cluster.node_status(1);
}

}  // namespace
}  // namespace tabby::e2e
