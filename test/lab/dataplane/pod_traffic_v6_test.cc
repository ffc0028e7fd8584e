// IPv6 pods on two nodes over vxlan-v6.calico: the IPv6 device (IPv6 local address, VNI,
// the "-v6" VTEP MAC), NDP and FDB entries with IPv6 underlay destinations, /128 workload
// routes and onlink routes via the remote IPv6 tunnel address — all through the library.

#include <gmock/gmock.h>

#include "tabby/dataplane/libnl_netlink.h"
#include "tabby/dataplane/route_reconciler.h"
#include "tabby/dataplane/sysctls.h"
#include "tabby/dataplane/vxlan_tunnel.h"
#include "tabby/lab/lab_test.h"

namespace tabby::dataplane {
namespace {

using ::testing::HasSubstr;

IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}

struct V6Node {
  std::string name;
  lab::Netns* ns;
  lab::Netns* pod;
  IpAddress underlay;
  IpPrefix block;
  IpAddress pod_address;
  std::unique_ptr<LibnlNetlink> netlink;
  std::unique_ptr<RouteReconciler> reconciler;
};

class PodTrafficV6Test : public lab::LabTest {
 protected:
  V6Node make_node(const std::string& name, const char* underlay, const char* block) {
    V6Node node{name,
                &lab().add_node("node-" + name),
                &lab().add_pod("pod-" + name),
                ip(underlay),
                *IpPrefix::parse(block),
                {},
                nullptr,
                nullptr};
    node.pod_address = node.block.address().plus(5);
    auto netlink = LibnlNetlink::open("/run/netns/" + node.ns->name());
    if (!netlink) throw lab::LabError(netlink.error().message);
    node.netlink = std::move(*netlink);
    node.reconciler = std::make_unique<RouteReconciler>(*node.netlink);
    // The pod as the CNI plugin wires it for IPv6: the host side's MAC is ee:ee:ee:ee:ee:ee,
    // so its link-local address, the pod's gateway, is fe80::ecee:eeff:feee:eeee.
    const std::string host_if = "cali" + name + "0000000001";  // 15 characters
    lab().link(*node.ns, host_if, "", *node.pod, "eth0", node.pod_address.to_string() + "/128");
    node.ns->must("ip link set " + host_if + " down && ip link set " + host_if +
                  " address ee:ee:ee:ee:ee:ee && sysctl -qw net.ipv6.conf." + host_if +
                  ".accept_dad=0 && ip link set " + host_if + " up");
    node.pod->must("ip -6 route add default via fe80::ecee:eeff:feee:eeee dev eth0");
    host_interface_[name] = host_if;
    return node;
  }

  void wire(V6Node& self, const V6Node& peer) {
    auto& netlink = *self.netlink;
    ASSERT_TRUE(apply_sysctls(netlink, global_sysctls(true)).ok());
    ASSERT_TRUE(apply_sysctls(netlink, workload_interface_sysctls(host_interface_[self.name], false,
                                                                  true, "1"))
                    .ok());
    const IpAddress tunnel = self.block.address();
    auto status =
        ensure_vxlan_tunnel(netlink, {.enabled = true,
                                      .family = IpFamily::kV6,
                                      .node_address = self.underlay,
                                      .mac = vtep_mac(self.name, IpFamily::kV6),
                                      .tunnel_address = tunnel,
                                      .mtu = 1430,
                                      .remotes = {{.node_address = peer.underlay,
                                                   .tunnel_address = peer.block.address(),
                                                   .mac = vtep_mac(peer.name, IpFamily::kV6)}}});
    ASSERT_TRUE(status.ok()) << status.error().message;
    auto routes = self.reconciler->set_desired(
        {workload_route(self.pod_address, host_interface_[self.name]), blackhole_route(self.block),
         vxlan_route(peer.block, peer.block.address(), 1430)});
    ASSERT_TRUE(routes.ok()) << routes.error().message;
  }

  std::map<std::string, std::string> host_interface_;
};

TEST_F(PodTrafficV6Test, Ipv6PodsReachEachOtherOverVxlanV6) {
  V6Node a = make_node("a", "fd00:50::1", "fd00:244:1::/122");
  V6Node b = make_node("b", "fd00:50::2", "fd00:244:2::/122");
  lab().link(*a.ns, "eth0", "fd00:50::1/64", *b.ns, "eth0", "fd00:50::2/64");
  wire(a, b);
  wire(b, a);

  EXPECT_THAT(a.ns->must("ip -d link show vxlan-v6.calico"), HasSubstr("vxlan id 4096"));
  EXPECT_THAT(a.ns->must("ip -d link show vxlan-v6.calico"), HasSubstr("local fd00:50::1"));
  EXPECT_THAT(a.ns->must("ip link show vxlan-v6.calico"), HasSubstr(vtep_mac("a", IpFamily::kV6)));
  EXPECT_THAT(a.ns->must("ip -6 neigh show dev vxlan-v6.calico"),
              HasSubstr("fd00:244:2:: lladdr " + vtep_mac("b", IpFamily::kV6) + " PERMANENT"));
  EXPECT_THAT(a.ns->must("bridge fdb show dev vxlan-v6.calico"),
              HasSubstr(vtep_mac("b", IpFamily::kV6) + " dst fd00:50::2"));
  EXPECT_THAT(a.ns->must("ip -6 route show fd00:244:2::/122"),
              HasSubstr("via fd00:244:2:: dev vxlan-v6.calico"));

  EXPECT_TRUE(lab::eventually([&] { return a.pod->ping(b.pod_address.to_string(), 1); },
                              std::chrono::seconds(10)));
  EXPECT_TRUE(b.pod->ping(a.pod_address.to_string(), 3));
  EXPECT_GE(std::stol(a.ns->must("cat /sys/class/net/vxlan-v6.calico/statistics/tx_packets")), 4);
}

}  // namespace
}  // namespace tabby::dataplane
