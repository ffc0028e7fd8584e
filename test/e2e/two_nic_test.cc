// The classic two-NIC experiment, end to end in BGP-only mode: two nodes with a NIC on each of
// two subnets, the NIC names differing between them (node A: ens32 on S1, ens33 on S2; node B:
// eth1 on S1, eth0 on S2). For each IP_AUTODETECTION_METHOD, both agents start, each node gets
// a pod (so a block) through the CNI plugin, and the test asserts the subnet over which each
// node's route to the other node's pod block goes — and that the pods reach each other.
// Built twice: BGP-only on the host, and with TABBY_TWO_NIC_IPIP (CALICO_IPV4POOL_IPIP=Always,
// routes through tunl0) inside User-Mode Linux, since the host kernel has no ipip.

#include <gmock/gmock.h>

#include <fstream>

#include "cluster.h"
#include "tabby/lab/daemons.h"
#include "tabby/lab/lab_test.h"

namespace tabby::e2e {
namespace {

#ifdef TABBY_TWO_NIC_IPIP
constexpr const char* kIpipMode = "Always";
constexpr const char* kDevice = "tunl0";
#else
constexpr const char* kIpipMode = "Never";
constexpr const char* kDevice = "";
#endif

using namespace std::chrono_literals;

struct Case {
  std::string method;
  std::string subnet;  // "10.0.1" (S1) or "10.0.2" (S2): the third octet the routes use
};

class TwoNicRoutesTest : public lab::LabTest, public ::testing::WithParamInterface<Case> {
 protected:
  void SetUp() override {
    lab::LabTest::SetUp();
    auto& s1 = lab().add_segment("s1");
    auto& s2 = lab().add_segment("s2");
    a_ = &lab().add_node("node-a");
    b_ = &lab().add_node("node-b");
    lab().attach(*a_, "ens32", s1, {.address = "10.0.1.11/24"});
    lab().attach(*a_, "ens33", s2, {.address = "10.0.2.11/24"});
    lab().attach(*b_, "eth1", s1, {.address = "10.0.1.12/24"});
    lab().attach(*b_, "eth0", s2, {.address = "10.0.2.12/24"});
    // Proxy ARP (the pods' 169.254.1.1 gateway) answers only for what the node can route on:
    // real nodes have a default route.
    a_->must("ip route add default dev ens32");
    b_->must("ip route add default dev eth1");
    database_ = (lab().dir() / "datastore.db").string();
  }

  lab::Process& start_agent(lab::Netns& node, const std::string& name, const std::string& method) {
    auto& agent = lab().start_process(
        node, name + "-agent", {TABBY_NODE_BINARY},
        {"NODENAME=" + name, "IP=autodetect", "IP_AUTODETECTION_METHOD=" + method,
         "CALICO_IPV4POOL_CIDR=10.244.0.0/16", std::string("CALICO_IPV4POOL_IPIP=") + kIpipMode,
         "DATASTORE_TYPE=sqlite", "TABBY_DATASTORE_PATH=" + database_,
         "TABBY_STATUS_SOCKET=" + (lab().dir() / (name + ".sock")).string(),
         "CALICO_NODENAME_FILE=" + (lab().dir() / (name + "-nodename")).string(),
         "TABBY_MTU_FILE=" + (lab().dir() / (name + "-mtu")).string(), "FELIX_HEALTHENABLED=true",
         "FELIX_IPV6SUPPORT=false"});
    return agent;
  }

  std::string add_pod(lab::Netns& node, const std::string& node_name, const std::string& pod) {
    auto& netns = lab().add_pod(pod);
    const std::string config =
        R"({"cniVersion":"1.0.0","name":"k8s-pod-network","type":"tabby","nodename":")" +
        node_name + R"(","datastore_path":")" + database_ + R"(","ipam":{"type":"tabby-ipam"}})";
    auto added =
        node.sh("printf '%s' '" + config + "' | CNI_COMMAND=ADD CNI_CONTAINERID=" + pod +
                " CNI_NETNS=/run/netns/" + netns.name() +
                " CNI_IFNAME=eth0 CNI_ARGS='K8S_POD_NAMESPACE=default;K8S_POD_NAME=" + pod +
                "' CNI_PATH=" TABBY_CNI_DIR " " TABBY_CNI_DIR "/tabby");
    if (!added.ok()) throw lab::LabError("CNI ADD " + pod + ": " + added.output);
    const auto at = added.output.find("\"address\"");
    const auto open = added.output.find('"', added.output.find(':', at) + 1);
    pods_.push_back(&netns);
    return added.output.substr(open + 1, added.output.find('/', open) - open - 1);
  }

  lab::Netns* a_ = nullptr;
  lab::Netns* b_ = nullptr;
  std::vector<lab::Netns*> pods_;
  std::string database_;
};

TEST_P(TwoNicRoutesTest, RoutesToTheOtherNodesBlockUseTheDetectedSubnet) {
  const Case& c = GetParam();
  auto& agent_a = start_agent(*a_, "node-a", c.method);
  auto& agent_b = start_agent(*b_, "node-b", c.method);
  agent_a.wait_until([&] { return agent_ready(*a_); }, "ready", 60s);
  agent_b.wait_until([&] { return agent_ready(*b_); }, "ready", 60s);
  const std::string pod_a = add_pod(*a_, "node-a", "pod-a");
  const std::string pod_b = add_pod(*b_, "node-b", "pod-b");
  // Each node's route to the other's /26 goes via the other node's address on the subnet.
  const std::string via_b = "via " + c.subnet + ".12 dev " + kDevice;
  const std::string via_a = "via " + c.subnet + ".11 dev " + kDevice;
  EXPECT_TRUE(lab::eventually([&] { return a_->routes().find(via_b) != std::string::npos; }, 20s))
      << c.method << ": node A routes:\n"
      << a_->routes();
  EXPECT_TRUE(lab::eventually([&] { return b_->routes().find(via_a) != std::string::npos; }, 20s))
      << c.method << ": node B routes:\n"
      << b_->routes();
  EXPECT_THAT(a_->routes(), ::testing::HasSubstr("proto bird"));
  EXPECT_TRUE(lab::eventually([&] { return pods_[0]->ping(pod_b); }, 10s, 500ms));
  EXPECT_TRUE(pods_[1]->ping(pod_a));
}

INSTANTIATE_TEST_SUITE_P(Methods, TwoNicRoutesTest,
                         ::testing::Values(Case{"interface=ens33,eth0", "10.0.2"},
                                           Case{"interface=ens32,eth1", "10.0.1"},
                                           Case{"skip-interface=eth1,ens32", "10.0.2"},
                                           Case{"can-reach=10.0.2.12", "10.0.2"},
                                           Case{"cidr=10.0.1.0/24", "10.0.1"}),
                         [](const ::testing::TestParamInfo<Case>& param) {
                           return "case" + std::to_string(param.index);
                         });

}  // namespace
}  // namespace tabby::e2e
