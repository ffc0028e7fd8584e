// A cluster on etcd, as the manifest deploys it (DATASTORE_TYPE=etcdv3, ETCD_ENDPOINTS): a
// real etcd server on the rack, the agents, tabbyctl and the CNI plugin all using it. And
// calico-node's WAIT_FOR_DATASTORE: agents started before etcd wait for it, then come up.

#include <gmock/gmock.h>

#include <filesystem>
#include <iostream>
#include <thread>

#include "cluster.h"
#include "tabby/lab/lab_test.h"

namespace tabby::e2e {
namespace {

using lab::eventually;
using namespace std::chrono_literals;

class ClusterEtcdTest : public lab::LabTest {};

TEST_F(ClusterEtcdTest, PodsPingAcrossNodesWithEtcdAsTheDatastore) {
  Cluster cluster(lab(), {.etcd = true},
                  Binaries{TABBY_NODE_BINARY, TABBYCTL_BINARY, TABBY_CNI_DIR}, std::cout);
  cluster.start();
  cluster.add_pods();
  std::vector<std::string> failures;
  eventually([&] { return (failures = cluster.ping_all()).empty(); }, 20s, 500ms);
  EXPECT_THAT(failures, ::testing::IsEmpty());
  for (int i = 1; i <= 3; ++i)
    EXPECT_TRUE(cluster.all_peers_established(i)) << cluster.node_status(i);
  const std::string tor_routes = cluster.tor().routes();
  for (int i = 1; i <= 3; ++i)
    EXPECT_THAT(tor_routes, ::testing::HasSubstr("via " + cluster.node_address(i)));
  // The cluster's state really is in etcd, not in a file next to it.
  const auto keys = cluster.etcd()->etcdctl({"get", "", "--prefix", "--keys-only"});
  ASSERT_TRUE(keys.ok()) << keys.output;
  for (int i = 1; i <= 3; ++i)
    EXPECT_THAT(keys.output, ::testing::HasSubstr(cluster.node_name(i)));
  EXPECT_FALSE(std::filesystem::exists(cluster.datastore_path()));
  const auto nodes = cluster.tabbyctl({"get", "nodes"});
  ASSERT_TRUE(nodes.ok()) << nodes.output;
  for (int i = 1; i <= 3; ++i)
    EXPECT_THAT(nodes.output, ::testing::HasSubstr(cluster.node_name(i)));

  // A BGPPeer a newer Calico wrote, with a field this build does not know: the agents use
  // what they know (the peer appears in every node's status) instead of dropping it.
  const auto put = cluster.etcd()->etcdctl(
      {"put", "/calico/resources/v3/projectcalico.org/bgppeers/newer-calico",
       R"({"kind":"BGPPeer","apiVersion":"projectcalico.org/v3",)"
       R"("metadata":{"name":"newer-calico"},)"
       R"("spec":{"peerIP":"10.0.0.250","asNumber":65099,"futureKnob":{"level":3}}})"});
  ASSERT_TRUE(put.ok()) << put.output;
  for (int i = 1; i <= 3; ++i) {
    std::string status;
    EXPECT_TRUE(eventually(
        [&] { return (status = cluster.node_status(i)).find("10.0.0.250") != std::string::npos; },
        10s, 200ms))
        << status;
  }
}

TEST_F(ClusterEtcdTest, AgentsStartedBeforeEtcdWaitForItThenComeUp) {
  auto& rack = lab().add_segment("rack");
  auto& store = lab().add_node("etcd");
  lab().attach(store, "eth0", rack, {.address = "10.0.0.2/24"});
  const std::string endpoints = "http://10.0.0.2:2379";
  std::vector<lab::Netns*> nodes;
  std::vector<lab::Process*> agents;
  for (int i = 1; i <= 2; ++i) {
    const std::string name = "node" + std::to_string(i);
    auto& node = lab().add_node(name);
    lab().attach(node, "eth0", rack, {.address = "10.0.0.1" + std::to_string(i) + "/24"});
    nodes.push_back(&node);
    agents.push_back(&lab().start_process(
        node, name + "-agent", {TABBY_NODE_BINARY},
        {"NODENAME=" + name, "IP=autodetect", "IP_AUTODETECTION_METHOD=interface=eth0",
         "CALICO_IPV4POOL_CIDR=10.244.0.0/16", "CALICO_IPV4POOL_IPIP=Never",
         "DATASTORE_TYPE=etcdv3", "ETCD_ENDPOINTS=" + endpoints, "WAIT_FOR_DATASTORE=true",
         "TABBY_STATUS_SOCKET=" + (lab().dir() / (name + ".sock")).string(),
         "CALICO_NODENAME_FILE=" + (lab().dir() / (name + "-nodename")).string(),
         "TABBY_MTU_FILE=" + (lab().dir() / (name + "-mtu")).string(), "FELIX_HEALTHENABLED=true",
         "FELIX_IPV6SUPPORT=false"}));
  }
  // No etcd yet: the agents keep waiting (alive, not ready) and say what they wait for.
  for (auto* agent : agents) {
    EXPECT_TRUE(eventually(
        [&] { return agent->log().find("waiting for the datastore") != std::string::npos; }, 20s,
        200ms))
        << agent->log();
  }
  std::this_thread::sleep_for(3s);
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(agents[i]->running()) << agents[i]->log();
    EXPECT_FALSE(agent_ready(*nodes[i]));
  }

  lab().start_etcd(store, "etcd", "10.0.0.2");
  for (int i = 0; i < 2; ++i) {
    agents[i]->wait_until([&] { return agent_ready(*nodes[i]); },
                          "ready once etcd is up (/readiness on :9099 answering 200)", 60s);
  }
  const auto listed =
      lab::run_command({"ip", "netns", "exec", nodes[0]->name(), "env", "DATASTORE_TYPE=etcdv3",
                        "ETCD_ENDPOINTS=" + endpoints, TABBYCTL_BINARY, "get", "nodes"});
  ASSERT_TRUE(listed.ok()) << listed.output;
  EXPECT_THAT(listed.output, ::testing::HasSubstr("node1"));
  EXPECT_THAT(listed.output, ::testing::HasSubstr("node2"));
  // And they peer with each other (the mesh from the datastore both share).
  const auto status =
      lab::run_command({"env", "TABBY_STATUS_SOCKET=" + (lab().dir() / "node1.sock").string(),
                        TABBYCTL_BINARY, "node", "status"});
  EXPECT_THAT(status.output, ::testing::HasSubstr("| 10.0.0.12 "));
  EXPECT_THAT(status.output, ::testing::HasSubstr("Established"));
}

// Something that is not etcd answers on ETCD_ENDPOINTS (a proxy, a firewall) with an empty
// error: the message still says who answered what, not just the key.
TEST_F(ClusterEtcdTest, AnEmptyAnswerFromTheEndpointIsNamedInTheError) {
  auto& rack = lab().add_segment("rack");
  auto& impostor = lab().add_node("impostor");
  auto& node = lab().add_node("node1");
  lab().attach(impostor, "eth0", rack, {.address = "10.0.0.2/24"});
  lab().attach(node, "eth0", rack, {.address = "10.0.0.11/24"});
  auto& server =
      lab().start_process(impostor, "empty-404",
                          {"python3", "-c",
                           "import http.server as h\n"
                           "class E(h.BaseHTTPRequestHandler):\n"
                           "  def do_POST(self):\n"
                           "    self.send_response(404); self.send_header('Content-Length', '0'); "
                           "self.end_headers()\n"
                           "h.HTTPServer(('10.0.0.2', 2379), E).serve_forever()\n"});
  server.wait_until([&] { return impostor.sh("ss -ltn | grep -q 10.0.0.2:2379").ok(); },
                    "listening on 10.0.0.2:2379");
  const auto listed =
      node.exec({"env", "DATASTORE_TYPE=etcdv3", "ETCD_ENDPOINTS=http://10.0.0.2:2379",
                 TABBYCTL_BINARY, "get", "nodes"});
  EXPECT_FALSE(listed.ok());
  EXPECT_THAT(listed.output, ::testing::HasSubstr("http://10.0.0.2:2379: HTTP 404"))
      << listed.output;
}

}  // namespace
}  // namespace tabby::e2e
