// The VXLAN backend over IPv6, end to end: a dual-stack cluster of tabby-node agents with
// CALICO_NETWORKING_BACKEND=vxlan and VXLAN on both pools. Each node runs vxlan.calico and
// vxlan-v6.calico as Felix does; pods on different nodes reach each other over both families,
// IPv6 through vxlan-v6.calico: a route to each remote node's IPv6 block via that node's IPv6
// VXLAN tunnel address, and the device's transmit counter grows with the pings.

#include <gmock/gmock.h>

#include <fstream>
#include <iostream>

#include "cluster.h"
#include "tabby/common/ip.h"
#include "tabby/lab/lab_test.h"

namespace tabby::e2e {
namespace {

using lab::eventually;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using namespace std::chrono_literals;

constexpr const char* kPoolV6 = "fd00:244::/64";
constexpr int kBlockSizeV6 = 122;  // Calico's default IPv6 block

class ClusterVxlanV6Test : public lab::LabTest {
 protected:
  Cluster& make() {
    cluster_ = std::make_unique<Cluster>(
        lab(),
        ClusterSpec{.nodes = 3,
                    .pods_per_node = 1,
                    .encapsulation = Encapsulation::kVxlan,
                    .pool_v6_cidr = kPoolV6},
        Binaries{TABBY_NODE_BINARY, TABBYCTL_BINARY, TABBY_CNI_DIR}, std::cout);
    cluster_->start();
    cluster_->add_pods();
    return *cluster_;
  }

  // A field of node i's Node resource as `tabbyctl get node -o json` prints it ("" if absent).
  std::string node_field(int i, const std::string& field) const {
    const lab::CommandResult got =
        cluster_->tabbyctl({"get", "node", cluster_->node_name(i), "-o", "json"});
    if (!got.ok()) throw lab::LabError("tabbyctl get node: " + got.output);
    const auto at = got.output.find("\"" + field + "\"");
    if (at == std::string::npos) return {};
    const auto open = got.output.find('"', got.output.find(':', at) + 1);
    const auto close = got.output.find('"', open + 1);
    return got.output.substr(open + 1, close - open - 1);
  }

  static std::uint64_t counter(const lab::Netns& node, const std::string& name) {
    return std::stoull(node.must("cat /sys/class/net/vxlan-v6.calico/statistics/" + name));
  }

  static std::string block_of(const std::string& pod_address) {
    return IpAddress::parse(pod_address).value().masked(kBlockSizeV6).to_string() + "/" +
           std::to_string(kBlockSizeV6);
  }

  std::unique_ptr<Cluster> cluster_;
};

TEST_F(ClusterVxlanV6Test, Ipv6PodsReachEachOtherThroughVxlanV6) {
  Cluster& cluster = make();
  std::vector<std::string> failures;
  eventually([&] { return (failures = cluster.ping_all_v6()).empty(); }, 30s, 500ms);
  EXPECT_THAT(failures, IsEmpty()) << cluster.node(1).must("ip -6 -o route show");
  eventually([&] { return (failures = cluster.ping_all()).empty(); }, 20s, 500ms);
  EXPECT_THAT(failures, IsEmpty()) << "IPv4 beside IPv6";

  // Start-up recorded every node's IPv6 VXLAN tunnel address in its Node, from the IPv6 pool;
  // no MAC is written (each end derives the "-v6" MAC from the node name, as Felix does).
  const IpPrefix pool = IpPrefix::parse(kPoolV6).value();
  std::vector<std::string> tunnels;
  for (int i = 1; i <= 3; ++i) {
    const std::string tunnel = node_field(i, "ipv6VXLANTunnelAddr");
    ASSERT_TRUE(IpAddress::parse(tunnel).ok()) << cluster.node_name(i) << ": " << tunnel;
    EXPECT_TRUE(pool.contains(IpAddress::parse(tunnel).value())) << tunnel;
    EXPECT_EQ(node_field(i, "vxlanTunnelMACAddrV6"), "");
    tunnels.push_back(tunnel);
  }

  // Node 1's vxlan-v6.calico as Felix makes it: the node's IPv6 address as local end, VNI
  // 4096, port 4789, host MTU 1500 less 70, and its tunnel address.
  const lab::Netns& node1 = cluster.node(1);
  const std::string link = node1.must("ip -d link show vxlan-v6.calico");
  EXPECT_THAT(link, HasSubstr("mtu 1430"));
  EXPECT_THAT(link, HasSubstr("vxlan id 4096"));
  EXPECT_THAT(link, HasSubstr("local " + cluster.node_address_v6(1)));
  EXPECT_THAT(link, HasSubstr("dstport 4789"));
  EXPECT_THAT(node1.must("ip -6 addr show dev vxlan-v6.calico"), HasSubstr(tunnels[0]));
  EXPECT_THAT(node1.must("ip -d link show vxlan.calico"), HasSubstr("mtu 1450"));
  // The pods get the smallest MTU of the encapsulations in use, vxlan-v6.calico's, from the
  // file the agent writes for the CNI plugin (the network configuration says mtu 0).
  std::ifstream mtu_file(cluster.mtu_file(1));
  std::string mtu;
  std::getline(mtu_file, mtu);
  EXPECT_EQ(mtu, "1430");
  EXPECT_THAT(cluster.pods().at(0).netns->must("ip -o link show eth0"), HasSubstr("mtu 1430 "));

  // The remote IPv6 blocks go through the remote VTEPs on vxlan-v6.calico.
  const std::string routes = node1.must("ip -6 -o route show");
  for (int i = 2; i <= 3; ++i) {
    const Pod& remote = cluster.pods().at(static_cast<std::size_t>(i - 1));
    ASSERT_EQ(remote.node, i);
    EXPECT_THAT(routes, HasSubstr(block_of(remote.address_v6) + " via " + tunnels[i - 1] +
                                  " dev vxlan-v6.calico"))
        << routes;
  }
  EXPECT_THAT(node1.must("ip -o route show"), HasSubstr("dev vxlan.calico"));
  // The neighbours are the other nodes' tunnel addresses, with their "-v6" MACs.
  const std::string neighbours = node1.must("ip -6 neigh show dev vxlan-v6.calico");
  EXPECT_THAT(neighbours, HasSubstr(tunnels[1] + " lladdr"));
  EXPECT_THAT(neighbours, HasSubstr(tunnels[2] + " lladdr"));

  // The pings really cross the device: its transmit counter grows by at least as many.
  const Pod& from = cluster.pods().at(0);
  const Pod& to = cluster.pods().at(1);
  const std::uint64_t before = counter(node1, "tx_packets");
  EXPECT_TRUE(from.netns->ping(to.address_v6, 5));
  EXPECT_GE(counter(node1, "tx_packets"), before + 5);
}

TEST_F(ClusterVxlanV6Test, TurningVxlanOffOnTheIpv6PoolRemovesTheDevice) {
  Cluster& cluster = make();
  std::vector<std::string> failures;
  eventually([&] { return (failures = cluster.ping_all_v6()).empty(); }, 30s, 500ms);
  ASSERT_THAT(failures, IsEmpty());

  // vxlanMode Never on the IPv6 pool: the agents give their IPv6 tunnel addresses back and
  // take vxlan-v6.calico and its routes down; IPv4 keeps working through vxlan.calico.
  lab::CommandResult pool =
      cluster.tabbyctl({"get", "ippool", "default-ipv6-ippool", "-o", "yaml"});
  ASSERT_TRUE(pool.ok()) << pool.output;
  const auto mode = pool.output.find("vxlanMode: Always");
  ASSERT_NE(mode, std::string::npos) << pool.output;
  std::string never = pool.output;
  never.replace(mode, std::string("vxlanMode: Always").size(), "vxlanMode: Never");
  const auto file = lab().dir() / "pool-v6-never.yaml";
  std::ofstream(file) << never;
  lab::CommandResult applied = cluster.tabbyctl({"apply", "-f", file.string()});
  ASSERT_TRUE(applied.ok()) << applied.output;

  for (int i = 1; i <= 3; ++i) {
    EXPECT_TRUE(eventually([&] { return !cluster.node(i).sh("ip link show vxlan-v6.calico").ok(); },
                           20s, 250ms))
        << cluster.node_name(i) << " still has vxlan-v6.calico";
    EXPECT_TRUE(
        eventually([&] { return node_field(i, "ipv6VXLANTunnelAddr").empty(); }, 20s, 250ms))
        << cluster.node_name(i);
  }
  EXPECT_THAT(cluster.node(1).must("ip -6 -o route show"), Not(HasSubstr("vxlan-v6.calico")));
  EXPECT_THAT(cluster.ping_all(), IsEmpty());
}

}  // namespace
}  // namespace tabby::e2e
