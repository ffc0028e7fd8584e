// The `tabby` CNI plugin run exactly as a container runtime runs it: the binary, in the node's
// network namespace, with the CNI_* environment and the network config on stdin, wiring a
// pod namespace to the node.

#include <gmock/gmock.h>

#include <nlohmann/json.hpp>

#include "tabby/api/codec.h"
#include "tabby/api/ipam_records.h"
#include "tabby/api/resource_store.h"
#include "tabby/api/sqlite_datastore.h"
#include "tabby/lab/lab_test.h"

namespace tabby::lab {
namespace {

// The node's link names. ip's stderr is dropped: while another test's namespace is being
// deleted, ip warns "Peer netns reference is invalid" for a veth whose peer was in it.
constexpr const char* kLinkNames = "ip -o link show 2>/dev/null | cut -d: -f2";

using nlohmann::json;
using ::testing::HasSubstr;

class PodPluginTest : public LabTest {
 protected:
  void SetUp() override {
    LabTest::SetUp();
    if (HasFatalFailure()) return;
    database_ = (lab().dir() / "datastore.db").string();
    auto store = api::open_sqlite_datastore({.path = database_}).value();
    api::ResourceStore resources(*store);
    ASSERT_TRUE(
        resources
            .apply(*api::parse_resource("apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: "
                                        "{name: p1}\nspec: {cidr: 10.244.0.0/16}\n"))
            .ok());
    // The node as its tabby-node registers it: IPAM matches the pools' selectors to its labels.
    ASSERT_TRUE(resources
                    .apply(*api::parse_resource("apiVersion: projectcalico.org/v3\nkind: Node\n"
                                                "metadata: {name: node1}\nspec: {}\n"))
                    .ok());
    node_ = &lab().add_node("node");
    // Proxy ARP answers only for addresses the node can route elsewhere: real nodes have a
    // default route.
    auto& peer = lab().add_namespace("upstream");
    lab().link(*node_, "eth0", "192.168.60.1/24", peer, "eth0", "192.168.60.2/24");
    node_->must("ip route add default via 192.168.60.2");
  }

  CommandResult cni(const std::string& command, const Netns& pod, const std::string& container_id,
                    const std::string& pod_name) {
    const std::string config = R"({"cniVersion":"1.0.0","name":"k8s-pod-network","type":"tabby",)"
                               R"("nodename":"node1","mtu":1400,"datastore_path":")" +
                               database_ + R"(","ipam":{"type":"tabby-ipam"}})";
    const std::string script =
        "printf '%s' '" + config + "' | CNI_COMMAND=" + command +
        " CNI_CONTAINERID=" + container_id + " CNI_NETNS=/run/netns/" + pod.name() +
        " CNI_IFNAME=eth0 CNI_ARGS='IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=" +
        pod_name + "' CNI_PATH=/opt/cni/bin " + TABBY_CNI_PLUGIN;
    return node_->sh(script);
  }

  std::string database_;
  Netns* node_ = nullptr;
};

TEST_F(PodPluginTest, AddWiresThePodDelUnwiresIt) {
  auto& pod = lab().add_pod("pod1");
  auto added = cni("ADD", pod, "c1", "web-1");
  ASSERT_TRUE(added.ok()) << added.output;
  const json result = json::parse(added.output);
  ASSERT_FALSE(result.value("ips", json::array()).empty()) << added.output;
  const std::string host_if = result.at("interfaces").at(0).at("name");
  EXPECT_EQ(host_if.size(), 15u);
  EXPECT_EQ(host_if.substr(0, 4), "cali");
  const std::string address = result.at("ips").at(0).at("address");
  EXPECT_THAT(address, ::testing::EndsWith("/32"));
  const std::string pod_ip = address.substr(0, address.find('/'));

  // The pod: its address, the gateway route, MTU; the node: the host side, its /32 route.
  EXPECT_THAT(pod.must("ip -o addr show eth0"), HasSubstr(address));
  EXPECT_THAT(pod.must("ip link show eth0"), HasSubstr("mtu 1400"));
  EXPECT_THAT(pod.routes("default"), HasSubstr("via 169.254.1.1 dev eth0"));
  EXPECT_THAT(node_->must("ip link show " + host_if), HasSubstr("ee:ee:ee:ee:ee:ee"));
  EXPECT_EQ(node_->must("cat /proc/sys/net/ipv4/conf/" + host_if + "/proxy_arp"), "1\n");
  EXPECT_THAT(node_->routes(pod_ip), HasSubstr("dev " + host_if + " scope link"));
  EXPECT_TRUE(node_->ping(pod_ip, 2));
  EXPECT_TRUE(pod.ping("192.168.60.1", 1));  // out through the proxy-ARP gateway

  // The WorkloadEndpoint, as Calico names and fills it.
  auto store = api::open_sqlite_datastore({.path = database_}).value();
  api::ResourceStore resources(*store);
  auto wep = resources.get(api::Kind::kWorkloadEndpoint, "shop", "node1-k8s-web--1-eth0");
  ASSERT_TRUE(wep.ok()) << wep.error().message;
  EXPECT_EQ(wep->spec["interfaceName"], host_if);
  EXPECT_EQ(wep->spec["ipNetworks"][0], address);

  // A retried ADD (the runtime timed out) ends with the same name and a working pod.
  auto retried = cni("ADD", pod, "c1", "web-1");
  ASSERT_TRUE(retried.ok()) << retried.output;
  EXPECT_EQ(json::parse(retried.output)["interfaces"][0]["name"], host_if);

  auto deleted = cni("DEL", pod, "c1", "web-1");
  ASSERT_TRUE(deleted.ok()) << deleted.output;
  EXPECT_FALSE(node_->sh("ip link show " + host_if).ok());
  EXPECT_EQ(node_->routes(pod_ip), "");
  EXPECT_FALSE(resources.get(api::Kind::kWorkloadEndpoint, "shop", "node1-k8s-web--1-eth0").ok());
  EXPECT_TRUE(
      store->get(api::handle_key("k8s-pod-network.c1")).is(api::DatastoreErrorKind::NotFound));
  EXPECT_TRUE(cni("DEL", pod, "c1", "web-1").ok()) << "DEL is idempotent";
}

TEST_F(PodPluginTest, DelWorksWhenTheNetnsIsAlreadyGone) {
  auto& pod = lab().add_pod("pod2");
  ASSERT_TRUE(cni("ADD", pod, "c2", "db-0").ok());
  auto store = api::open_sqlite_datastore({.path = database_}).value();
  ASSERT_TRUE(store->get(api::handle_key("k8s-pod-network.c2")).ok());
  destroy_netns(pod.name());
  auto deleted = cni("DEL", pod, "c2", "db-0");
  ASSERT_TRUE(deleted.ok()) << deleted.output;
  EXPECT_TRUE(
      store->get(api::handle_key("k8s-pod-network.c2")).is(api::DatastoreErrorKind::NotFound));
}

TEST_F(PodPluginTest, TwoPodsOnANodeReachEachOther) {
  auto& a = lab().add_pod("pod-a");
  auto& b = lab().add_pod("pod-b");
  auto added_a = cni("ADD", a, "ca", "a");
  auto added_b = cni("ADD", b, "cb", "b");
  ASSERT_TRUE(added_a.ok() && added_b.ok()) << added_a.output << added_b.output;
  const std::string b_ip = json::parse(added_b.output).at("ips").at(0).at("address");
  EXPECT_TRUE(a.ping(b_ip.substr(0, b_ip.find('/')), 2));
}

TEST_F(PodPluginTest, ChainedAfterAnotherPluginItUsesThePrevResultsAddresses) {
  auto& pod = lab().add_pod("pod4");
  const std::string config =
      R"({"cniVersion":"1.0.0","name":"chain","type":"tabby","nodename":"node1",)"
      R"("datastore_path":")" +
      database_ + R"(","prevResult":{"cniVersion":"1.0.0","ips":[{"address":"10.99.0.7/24"}]}})";
  const std::string env =
      " CNI_CONTAINERID=c4 CNI_NETNS=/run/netns/" + pod.name() +
      " CNI_IFNAME=eth0 CNI_ARGS='K8S_POD_NAMESPACE=shop;K8S_POD_NAME=chained' ";
  auto added = node_->sh("printf '%s' '" + config + "' | CNI_COMMAND=ADD" + env + TABBY_CNI_PLUGIN);
  ASSERT_TRUE(added.ok()) << added.output;
  EXPECT_EQ(json::parse(added.output).at("ips").at(0).at("address"), "10.99.0.7/32");
  EXPECT_THAT(pod.must("ip -o addr show eth0"), HasSubstr("10.99.0.7/32"));
  EXPECT_TRUE(node_->ping("10.99.0.7", 1));
  // No IPAM was involved: nothing was allocated from the pools.
  auto store = api::open_sqlite_datastore({.path = database_}).value();
  EXPECT_TRUE(store->list("/calico/ipam/v2/handle/").value().entries.empty());
  auto deleted =
      node_->sh("printf '%s' '" + config + "' | CNI_COMMAND=DEL" + env + TABBY_CNI_PLUGIN);
  EXPECT_TRUE(deleted.ok()) << deleted.output;
  EXPECT_EQ(node_->routes("10.99.0.7"), "");
}

TEST_F(PodPluginTest, AFailedAddLeavesNothingBehindAndARetrySucceeds) {
  auto& pod = lab().add_pod("pod5");
  const std::string config = R"({"cniVersion":"1.0.0","name":"k8s-pod-network","type":"tabby",)"
                             R"("nodename":"node1","datastore_path":")" +
                             database_ + R"(","ipam":{"type":"tabby-ipam"}})";
  const auto add = [&](const std::string& netns) {
    return node_->sh("printf '%s' '" + config +
                     "' | CNI_COMMAND=ADD CNI_CONTAINERID=c5 CNI_NETNS=" + netns +
                     " CNI_IFNAME=eth0 CNI_ARGS='K8S_POD_NAMESPACE=shop;K8S_POD_NAME=retry' " +
                     TABBY_CNI_PLUGIN);
  };
  // A CNI_NETNS that is no network namespace: the ADD fails after IPAM ran.
  const std::string not_a_netns = (lab().dir() / "not-a-netns").string();
  node_->must("touch " + not_a_netns);
  auto failed = add(not_a_netns);
  ASSERT_FALSE(failed.ok());
  EXPECT_THAT(json::parse(failed.output).at("msg").get<std::string>(), HasSubstr("veth"))
      << failed.output;
  auto store = api::open_sqlite_datastore({.path = database_}).value();
  EXPECT_TRUE(
      store->get(api::handle_key("k8s-pod-network.c5")).is(api::DatastoreErrorKind::NotFound))
      << "the failed ADD kept its address";
  EXPECT_THAT(node_->must("ip -o link show"), ::testing::Not(HasSubstr("cali")));
  auto retried = add("/run/netns/" + pod.name());
  ASSERT_TRUE(retried.ok()) << retried.output;
  EXPECT_TRUE(store->get(api::handle_key("k8s-pod-network.c5")).ok());
}

TEST_F(PodPluginTest, TwoHundredAddDelCyclesLeaveNothingBehind) {
  auto& pod = lab().add_pod("pod7");
  const std::string before_links = node_->must(kLinkNames);
  const std::string before_routes = node_->must("ip -o route show | wc -l");
  for (int cycle = 0; cycle < 200; ++cycle) {
    const std::string id = "cycle" + std::to_string(cycle);
    auto added = cni("ADD", pod, id, "churn");
    ASSERT_TRUE(added.ok()) << "cycle " << cycle << ": " << added.output;
    auto deleted = cni("DEL", pod, id, "churn");
    ASSERT_TRUE(deleted.ok()) << "cycle " << cycle << ": " << deleted.output;
  }
  EXPECT_EQ(node_->must(kLinkNames), before_links) << "a veth was left behind";
  EXPECT_EQ(node_->must("ip -o route show | wc -l"), before_routes) << "a route was left behind";
  EXPECT_EQ(pod.must("ip -o addr show | grep -c 10.244. || true"), "0\n")
      << "an address was left in the pod";
  auto store = api::open_sqlite_datastore({.path = database_}).value();
  EXPECT_TRUE(store->list("/calico/ipam/v2/handle/").value().entries.empty())
      << "a handle was left behind";
  EXPECT_TRUE(
      store->list(api::resource_prefix(api::Kind::kWorkloadEndpoint)).value().entries.empty());
  for (const auto& entry : store->list(api::block_prefix(IpFamily::kV4)).value().entries) {
    auto block = api::decode_block(entry.key, entry.value).value();
    EXPECT_TRUE(std::none_of(block.allocations.begin(), block.allocations.end(),
                             [](const auto& slot) { return slot.has_value(); }))
        << "an allocation was left in " << entry.key;
  }
}

TEST_F(PodPluginTest, AnInterfaceNameTheKernelCannotTakeIsRefused) {
  auto& pod = lab().add_pod("pod6");
  const std::string script =
      R"(printf '%s' '{"cniVersion":"1.0.0","name":"n","type":"tabby","nodename":"n1"}' | )"
      "CNI_COMMAND=ADD CNI_CONTAINERID=c6 CNI_NETNS=/run/netns/" +
      pod.name() + " CNI_IFNAME=eth0123456789abc " + TABBY_CNI_PLUGIN;
  auto result = node_->sh(script);
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(json::parse(result.output).at("code"), 4);
  EXPECT_THAT(result.output, HasSubstr("CNI_IFNAME"));
}

TEST_F(PodPluginTest, ABadConfigIsACniErrorNamingTheField) {
  auto& pod = lab().add_pod("pod3");
  const std::string script =
      R"(printf '%s' '{"cniVersion":"1.0.0","name":"n","type":"tabby","mtu":"big"}' | )"
      "CNI_COMMAND=ADD CNI_CONTAINERID=c3 CNI_NETNS=/run/netns/" +
      pod.name() + " CNI_IFNAME=eth0 " + TABBY_CNI_PLUGIN;
  auto result = node_->sh(script);
  EXPECT_FALSE(result.ok());
  const json error = json::parse(result.output);
  EXPECT_EQ(error["code"], 7);
  EXPECT_THAT(error["msg"].get<std::string>(), HasSubstr("mtu"));
}

}  // namespace
}  // namespace tabby::lab
