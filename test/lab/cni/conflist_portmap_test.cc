// `tabby` chained with Debian's `portmap` (and `bandwidth`; containernetworking-plugins) in one
// conflist, run as a container runtime runs it (cni_runtime.h: libcni's order, prevResult,
// runtimeConfig, DEL in reverse): the pod gets its address from tabby, portmap's DNAT rules for the
// pod's portMappings appear in the node's netfilter tables, a connection to the host port from
// outside the node reaches a listener in the pod, and DEL takes all of it away again.

#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <thread>

#include "cni_runtime.h"
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
using ::testing::Not;

constexpr const char* kDebianPlugins = "/usr/lib/cni";
constexpr int kHostPort = 8080;
constexpr int kContainerPort = 80;

// A TCP server inside a pod: its socket is made in the pod's namespace (a socket stays in the
// namespace it was created in), then a thread answers every connection with `reply`.
class PodListener {
 public:
  PodListener(const Netns& pod, int port, std::string reply) : reply_(std::move(reply)) {
    std::string failed;
    std::thread([&] {
      const int ns = open(("/run/netns/" + pod.name()).c_str(), O_RDONLY | O_CLOEXEC);
      if (ns < 0 || setns(ns, CLONE_NEWNET) != 0) {
        failed = std::string("entering the namespace: ") + std::strerror(errno);
        return;
      }
      close(ns);
      // IPv6 with v6only off: one socket for both families.
      fd_ = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
      const int on = 1, off = 0;
      setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
      setsockopt(fd_, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
      sockaddr_in6 address{};
      address.sin6_family = AF_INET6;
      address.sin6_port = htons(static_cast<std::uint16_t>(port));
      if (bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
          listen(fd_, 8) != 0) {
        failed = std::string("bind/listen: ") + std::strerror(errno);
        close(fd_);
        fd_ = -1;
      }
    }).join();
    if (fd_ < 0) {
      throw LabError("cannot listen on port " + std::to_string(port) + " in " + pod.name() + ": " +
                     failed);
    }
    thread_ = std::thread([this] { serve(); });
  }
  ~PodListener() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  PodListener(const PodListener&) = delete;
  PodListener& operator=(const PodListener&) = delete;

 private:
  void serve() {
    while (!stop_) {
      pollfd ready{fd_, POLLIN, 0};
      if (poll(&ready, 1, 100) <= 0) continue;
      const int connection = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (connection < 0) continue;
      (void)!write(connection, reply_.data(), reply_.size());
      close(connection);
    }
  }

  std::string reply_;
  int fd_ = -1;
  std::atomic<bool> stop_ = false;
  std::thread thread_;
};

class ConflistPortmapTest : public LabTest {
 protected:
  void SetUp() override {
    LabTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(std::filesystem::exists(std::string(kDebianPlugins) + "/portmap"))
        << kDebianPlugins << "/portmap is missing: install Debian's containernetworking-plugins "
        << "(scripts/run deps)";
    ASSERT_TRUE(program_exists("iptables")) << "portmap needs iptables (scripts/run deps)";
    database_ = (lab().dir() / "datastore.db").string();
    add_pool("p1", "10.244.0.0/16");
    add_node_resource("node1");
    node_ = &lab().add_node("node");
    // A client outside the node, on the node's uplink (the node's default route points there,
    // as proxy ARP wants).
    client_ = &lab().add_namespace("client");
    lab().link(*node_, "eth0", "192.168.70.1/24", *client_, "eth0", "192.168.70.2/24");
    node_->must("ip route add default via 192.168.70.2");
  }

  // Calico's conflist for Kubernetes: the main plugin, then portmap with snat.
  // With `bandwidth`, Calico's full Kubernetes list: the main plugin, bandwidth, portmap.
  json conflist(bool dual_stack = false, bool bandwidth = false) const {
    json ipam = {{"type", "tabby-ipam"}};
    if (dual_stack) ipam["assign_ipv6"] = "true";
    json plugins = json::array();
    plugins.push_back({{"type", "tabby"},
                       {"nodename", "node1"},
                       {"mtu", 1400},
                       {"datastore_type", "sqlite"},
                       {"datastore_path", database_},
                       {"ipam", ipam}});
    if (bandwidth)
      plugins.push_back({{"type", "bandwidth"}, {"capabilities", {{"bandwidth", true}}}});
    plugins.push_back(
        {{"type", "portmap"}, {"snat", true}, {"capabilities", {{"portMappings", true}}}});
    return {{"cniVersion", "1.0.0"}, {"name", "k8s-pod-network"}, {"plugins", plugins}};
  }
  void add_pool(const std::string& name, const std::string& cidr) const {
    auto store = api::open_sqlite_datastore({.path = database_}).value();
    auto applied = api::ResourceStore(*store).apply(*api::parse_resource(
        "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: " + name +
        "}\nspec: {cidr: '" + cidr + "'}\n"));
    ASSERT_TRUE(applied.ok()) << applied.error().message;
  }
  // The node as its tabby-node registers it: IPAM matches the pools' selectors to its labels.
  void add_node_resource(const std::string& name) const {
    auto store = api::open_sqlite_datastore({.path = database_}).value();
    auto applied = api::ResourceStore(*store).apply(*api::parse_resource(
        "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: " + name +
        "}\nspec: {}\n"));
    ASSERT_TRUE(applied.ok()) << applied.error().message;
  }
  // The pod as the runtime describes it, with one TCP port mapping (the CRI's portMappings).
  static cni::Attachment pod_with_host_port(const Netns& pod, const std::string& container_id,
                                            const std::string& pod_name, int host_port) {
    return {
        .container_id = container_id,
        .netns = "/run/netns/" + pod.name(),
        .ifname = "eth0",
        .pod_namespace = "shop",
        .pod_name = pod_name,
        .capability_args = {
            {"portMappings",
             {{{"hostPort", host_port}, {"containerPort", kContainerPort}, {"protocol", "tcp"}}}}}};
  }
  cni::Runtime runtime() const {
    return cni::Runtime(
        {std::filesystem::path(TABBY_CNI_PLUGIN).parent_path().string(), kDebianPlugins},
        node_->name());
  }
  // What the client gets from the node's host port ("" when the connection fails).
  std::string fetch_from_client(const std::string& host, int port = kHostPort) const {
    auto fetched =
        client_->exec({"timeout", "5", "bash", "-c",
                       "exec 3<>/dev/tcp/" + host + "/" + std::to_string(port) + " && cat <&3"},
                      std::chrono::seconds(10));
    return fetched.ok() ? fetched.output : "";
  }
  std::string nat_rules(const char* tool = "iptables-save") const {
    return node_->must(std::string(tool) + " -t nat");
  }

  std::string database_;
  Netns* node_ = nullptr;
  Netns* client_ = nullptr;
};

TEST_F(ConflistPortmapTest, PortMappingsReachThePodAndDelRemovesEverything) {
  auto& pod = lab().add_pod("web");
  auto cni = runtime();
  const auto attachment = pod_with_host_port(pod, "c0ffee01", "web-0", kHostPort);
  const std::string links_before = node_->must(kLinkNames);

  auto added = cni.add(conflist(), attachment);
  ASSERT_TRUE(added.ok) << added.describe();
  // The network's result is portmap's, which passes tabby's on.
  const std::string address = added.result.at("ips").at(0).at("address");
  EXPECT_THAT(address, ::testing::StartsWith("10.244."));
  EXPECT_THAT(address, ::testing::EndsWith("/32"));
  const std::string pod_ip = address.substr(0, address.find('/'));
  const std::string host_if = added.result.at("interfaces").at(0).at("name");
  EXPECT_THAT(pod.must("ip -o addr show eth0"), HasSubstr(address));
  EXPECT_THAT(node_->routes(pod_ip), HasSubstr("dev " + host_if));

  // portmap's rules: the host port DNATed to the pod, tagged with the container's id.
  const std::string rules = nat_rules();
  EXPECT_THAT(rules, HasSubstr("CNI-HOSTPORT-DNAT"));
  EXPECT_THAT(rules, HasSubstr("--to-destination " + pod_ip + ":" + std::to_string(kContainerPort)))
      << rules;
  EXPECT_THAT(rules, HasSubstr("--dport " + std::to_string(kHostPort))) << rules;
  EXPECT_THAT(rules, HasSubstr("c0ffee01")) << rules;
  // The same rules as nftables sees them (Debian's iptables is iptables-nft).
  EXPECT_THAT(node_->must("nft list ruleset"), HasSubstr("dnat to " + pod_ip + ":80"));

  {
    PodListener listener(pod, kContainerPort, "hello from web-0\n");
    EXPECT_EQ(fetch_from_client("192.168.70.1"), "hello from web-0\n")
        << "the host port did not reach the pod\n"
        << nat_rules();
  }

  auto deleted = cni.del(conflist(), attachment);
  ASSERT_TRUE(deleted.ok) << deleted.describe();
  const std::string after = nat_rules();
  EXPECT_THAT(after, Not(HasSubstr("c0ffee01"))) << after;
  EXPECT_THAT(after, Not(HasSubstr(pod_ip))) << after;
  EXPECT_THAT(after, Not(HasSubstr("--dport " + std::to_string(kHostPort)))) << after;
  EXPECT_EQ(node_->must(kLinkNames), links_before) << "the veth was left behind";
  EXPECT_EQ(node_->routes(pod_ip), "");
  auto store = api::open_sqlite_datastore({.path = database_}).value();
  EXPECT_TRUE(store->get(api::handle_key("k8s-pod-network.c0ffee01"))
                  .is(api::DatastoreErrorKind::NotFound));
  EXPECT_TRUE(
      store->list(api::resource_prefix(api::Kind::kWorkloadEndpoint)).value().entries.empty());
  {
    PodListener listener(pod, kContainerPort, "still here\n");
    EXPECT_EQ(fetch_from_client("192.168.70.1"), "") << "the host port still leads somewhere";
  }
  // A second DEL (the runtime retrying) finds nothing to do and succeeds.
  EXPECT_TRUE(cni.del(conflist(), attachment).ok);
}

TEST_F(ConflistPortmapTest, TwoPodsGetTheirOwnHostPortsAndLoseOnlyTheirOwn) {
  auto cni = runtime();
  std::vector<cni::Attachment> attachments;
  std::vector<std::string> pod_ips;
  for (int i = 0; i < 2; ++i) {
    auto& pod = lab().add_pod("pod" + std::to_string(i));
    attachments.push_back(pod_with_host_port(pod, "ctr" + std::to_string(i),
                                             "pod-" + std::to_string(i), kHostPort + i));
    auto added = cni.add(conflist(), attachments.back());
    ASSERT_TRUE(added.ok) << added.describe();
    const std::string address = added.result.at("ips").at(0).at("address");
    pod_ips.push_back(address.substr(0, address.find('/')));
  }
  EXPECT_NE(pod_ips[0], pod_ips[1]);
  ASSERT_TRUE(cni.del(conflist(), attachments[0]).ok);
  const std::string rules = nat_rules();
  EXPECT_THAT(rules, Not(HasSubstr("ctr0")));
  EXPECT_THAT(rules, HasSubstr("ctr1"));
  EXPECT_THAT(rules, HasSubstr("--to-destination " + pod_ips[1] + ":80"));
  ASSERT_TRUE(cni.del(conflist(), attachments[1]).ok);
  EXPECT_THAT(nat_rules(), Not(HasSubstr("ctr1")));
}

// Dual stack through the chain: tabby hands portmap an IPv4 and an IPv6 address, and portmap
// maps the port for both families. (No conflist CHECK here or above: Debian's portmap 1.1.1
// fails every CHECK, looking for its IPv4 rules in the IPv6 table too —
// containernetworking/plugins#819, fixed upstream after 1.1.1.)
TEST_F(ConflistPortmapTest, DualStackPodsAreMappedForBothFamilies) {
  add_pool("p6", "fd00:10:244::/112");
  node_->must("ip addr add fd00:70::1/64 dev eth0 nodad && ip -6 route add default via fd00:70::2");
  client_->must("ip addr add fd00:70::2/64 dev eth0 nodad");
  auto& pod = lab().add_pod("dual");
  auto cni = runtime();
  const auto attachment = pod_with_host_port(pod, "d0a1", "dual-0", kHostPort);
  auto added = cni.add(conflist(true), attachment);
  ASSERT_TRUE(added.ok) << added.describe();
  ASSERT_EQ(added.result.at("ips").size(), 2u) << added.result.dump();
  const std::string v6 = added.result.at("ips").at(1).at("address");
  EXPECT_THAT(v6, ::testing::EndsWith("/128"));
  const std::string pod_v6 = v6.substr(0, v6.find('/'));
  EXPECT_THAT(nat_rules("ip6tables-save"), HasSubstr("--to-destination [" + pod_v6 + "]:80"));

  {
    PodListener listener(pod, kContainerPort, "hello over both\n");
    EXPECT_EQ(fetch_from_client("192.168.70.1"), "hello over both\n");
    EXPECT_EQ(fetch_from_client("fd00:70::1"), "hello over both\n") << nat_rules("ip6tables-save");
  }
  auto deleted = cni.del(conflist(true), attachment);
  ASSERT_TRUE(deleted.ok) << deleted.describe();
  EXPECT_THAT(nat_rules("ip6tables-save"), Not(HasSubstr("d0a1")));
  EXPECT_THAT(nat_rules(), Not(HasSubstr("d0a1")));
  auto store = api::open_sqlite_datastore({.path = database_}).value();
  EXPECT_TRUE(
      store->get(api::handle_key("k8s-pod-network.d0a1")).is(api::DatastoreErrorKind::NotFound));
}

// Calico's full list with Debian's `bandwidth` between: the pod's bandwidth annotation (the
// runtime's `bandwidth` capability) becomes a token bucket on the host side of the veth for
// traffic to the pod, and an ifb device with another for traffic from it; DEL removes the ifb.
TEST_F(ConflistPortmapTest, BandwidthShapesThePodsTrafficAndDelRemovesItsIfb) {
  ASSERT_TRUE(std::filesystem::exists(std::string(kDebianPlugins) + "/bandwidth"));
  auto& pod = lab().add_pod("shaped");
  auto attachment = pod_with_host_port(pod, "b4nd", "shaped-0", kHostPort);
  attachment.capability_args["bandwidth"] = {{"ingressRate", 1000000},
                                             {"ingressBurst", 200000},
                                             {"egressRate", 2000000},
                                             {"egressBurst", 200000}};
  auto cni = runtime();
  const json list = conflist(false, true);
  auto added = cni.add(list, attachment);
  ASSERT_TRUE(added.ok) << added.describe();
  const std::string host_if = added.result.at("interfaces").at(0).at("name");
  EXPECT_THAT(node_->must("tc qdisc show dev " + host_if), HasSubstr("rate 1Mbit"));
  const std::string ifb = node_->must("ip -o link show type ifb | cut -d: -f2 | tr -d ' \\n'");
  ASSERT_FALSE(ifb.empty()) << "no ifb device for the egress limit";
  EXPECT_THAT(node_->must("tc qdisc show dev " + ifb), HasSubstr("rate 2Mbit"));
  EXPECT_THAT(nat_rules(), HasSubstr("b4nd")) << "portmap still ran after bandwidth";
  EXPECT_EQ(json::parse(added.last.stdout_text).at("ips"), added.result.at("ips"));

  auto deleted = cni.del(list, attachment);
  ASSERT_TRUE(deleted.ok) << deleted.describe();
  EXPECT_EQ(node_->must("ip -o link show type ifb"), "") << "the ifb device was left behind";
  EXPECT_THAT(nat_rules(), Not(HasSubstr("b4nd")));
}

}  // namespace
}  // namespace tabby::lab
