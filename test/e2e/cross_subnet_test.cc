// VXLAN CrossSubnet in the kernel, end to end: three nodes on two subnets joined by a router
// (node1 and node2 on 10.0.1.0/24, node3 on 10.0.2.0/24), the VXLAN backend and a default
// pool with CALICO_IPV4POOL_VXLAN=CrossSubnet. A block on a node of the same subnet is routed
// straight over the NIC to that node; one across the router goes through vxlan.calico (the
// router knows nothing of pod addresses). Every pod pings every other.

#include <gmock/gmock.h>

#include <sstream>

#include "cluster.h"
#include "tabby/lab/daemons.h"
#include "tabby/lab/lab_test.h"

namespace tabby::e2e {
namespace {

using lab::eventually;
using namespace std::chrono_literals;

struct CrossSubnetNode {
  std::string name;
  std::string address;  // on its subnet, /24
  std::string gateway;
  lab::Netns* netns = nullptr;
  lab::Netns* pod = nullptr;
  std::string pod_address;
};

// The kernel's route to the /26 block holding `address` (the pool's default block size), or
// "" if there is none.
std::string route_to_block_of(const lab::Netns& node, const std::string& address) {
  unsigned a = 0, b = 0, c = 0, d = 0;
  char dot = 0;
  std::istringstream(address) >> a >> dot >> b >> dot >> c >> dot >> d;
  const std::string block = std::to_string(a) + "." + std::to_string(b) + "." + std::to_string(c) +
                            "." + std::to_string(d & ~63u) + "/26 ";
  std::istringstream routes(node.routes());
  for (std::string line; std::getline(routes, line);) {
    if (line.rfind(block, 0) == 0) return line;
  }
  return "";
}

class CrossSubnetTest : public lab::LabTest {
 protected:
  void SetUp() override {
    lab::LabTest::SetUp();
    auto& s1 = lab().add_segment("s1");
    auto& s2 = lab().add_segment("s2");
    auto& router = lab().add_router("router");
    lab().attach(router, "eth0", s1, {.address = "10.0.1.1/24"});
    lab().attach(router, "eth1", s2, {.address = "10.0.2.1/24"});
    nodes_ = {{.name = "node1", .address = "10.0.1.11", .gateway = "10.0.1.1"},
              {.name = "node2", .address = "10.0.1.12", .gateway = "10.0.1.1"},
              {.name = "node3", .address = "10.0.2.13", .gateway = "10.0.2.1"}};
    for (auto& node : nodes_) {
      node.netns = &lab().add_node(node.name);
      lab().attach(*node.netns, "eth0", node.address.starts_with("10.0.1.") ? s1 : s2,
                   {.address = node.address + "/24", .gateway = node.gateway});
    }
    database_ = (lab().dir() / "datastore.db").string();
  }

  void start_agents() {
    std::vector<lab::Process*> agents;
    for (auto& node : nodes_) {
      agents.push_back(&lab().start_process(
          *node.netns, node.name + "-agent", {TABBY_NODE_BINARY},
          {"NODENAME=" + node.name, "IP=autodetect", "IP_AUTODETECTION_METHOD=interface=eth0",
           "CALICO_IPV4POOL_CIDR=10.244.0.0/16", "CALICO_IPV4POOL_IPIP=Never",
           "CALICO_IPV4POOL_VXLAN=CrossSubnet", "CALICO_NETWORKING_BACKEND=vxlan",
           "DATASTORE_TYPE=sqlite", "TABBY_DATASTORE_PATH=" + database_,
           "TABBY_STATUS_SOCKET=" + (lab().dir() / (node.name + ".sock")).string(),
           "CALICO_NODENAME_FILE=" + (lab().dir() / (node.name + "-nodename")).string(),
           "TABBY_MTU_FILE=" + (lab().dir() / (node.name + "-mtu")).string(),
           "FELIX_HEALTHENABLED=true", "FELIX_IPV6SUPPORT=false"}));
    }
    for (size_t i = 0; i < nodes_.size(); ++i) {
      agents[i]->wait_until([&] { return agent_ready(*nodes_[i].netns); }, "ready", 60s);
    }
  }

  void add_pod(CrossSubnetNode& node) {
    const std::string pod = "pod-" + node.name;
    node.pod = &lab().add_pod(pod);
    const std::string config =
        R"({"cniVersion":"1.0.0","name":"k8s-pod-network","type":"tabby","nodename":")" +
        node.name + R"(","mtu":1450,"datastore_type":"sqlite","datastore_path":")" + database_ +
        R"(","ipam":{"type":"tabby-ipam"}})";
    auto added =
        node.netns->sh("printf '%s' '" + config + "' | CNI_COMMAND=ADD CNI_CONTAINERID=" + pod +
                       " CNI_NETNS=/run/netns/" + node.pod->name() +
                       " CNI_IFNAME=eth0 CNI_ARGS='K8S_POD_NAMESPACE=default;K8S_POD_NAME=" + pod +
                       "' CNI_PATH=" TABBY_CNI_DIR " " TABBY_CNI_DIR "/tabby");
    if (!added.ok()) throw lab::LabError("CNI ADD " + pod + ": " + added.output);
    const auto at = added.output.find("\"address\"");
    const auto open = added.output.find('"', added.output.find(':', at) + 1);
    node.pod_address = added.output.substr(open + 1, added.output.find('/', open) - open - 1);
  }

  std::vector<CrossSubnetNode> nodes_;
  std::string database_;
};

TEST_F(CrossSubnetTest, SameSubnetBlocksGoOverTheNicOthersThroughVxlan) {
  start_agents();
  for (auto& node : nodes_)
    add_pod(node);
  const CrossSubnetNode& node1 = nodes_[0];
  const CrossSubnetNode& node2 = nodes_[1];
  const CrossSubnetNode& node3 = nodes_[2];
  const auto route_has = [](const CrossSubnetNode& from, const CrossSubnetNode& to,
                            const std::string& text) {
    return route_to_block_of(*from.netns, to.pod_address).find(text) != std::string::npos;
  };
  // Same subnet: straight to the other node's address on the NIC, no encapsulation.
  EXPECT_TRUE(eventually([&] { return route_has(node1, node2, "via 10.0.1.12 dev eth0"); }, 20s))
      << node1.netns->routes();
  EXPECT_TRUE(eventually([&] { return route_has(node2, node1, "via 10.0.1.11 dev eth0"); }, 20s))
      << node2.netns->routes();
  // Across the router: through the VXLAN device.
  for (const auto& pair : {std::pair{&node1, &node3}, std::pair{&node2, &node3},
                           std::pair{&node3, &node1}, std::pair{&node3, &node2}}) {
    const CrossSubnetNode* from = pair.first;
    const CrossSubnetNode* to = pair.second;
    EXPECT_TRUE(eventually([&] { return route_has(*from, *to, "dev vxlan.calico"); }, 20s))
        << from->name << " to " << to->name << "'s block:\n"
        << from->netns->routes();
  }
  EXPECT_THAT(route_to_block_of(*node1.netns, node2.pod_address),
              ::testing::Not(::testing::HasSubstr("vxlan.calico")));
  for (const auto& from : nodes_) {
    for (const auto& to : nodes_) {
      if (&from == &to) continue;
      EXPECT_TRUE(eventually([&] { return from.pod->ping(to.pod_address); }, 10s, 500ms))
          << "pod on " << from.name << " -> pod on " << to.name << " (" << to.pod_address << ")";
    }
  }
}

}  // namespace
}  // namespace tabby::e2e
