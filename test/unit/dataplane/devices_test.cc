// tunl0, vxlan.calico, sysctls, MTU and clean-up against the fake netlink layer.

#include <gmock/gmock.h>

#include <boost/asio/io_context.hpp>

#include "tabby/dataplane/cleanup.h"
#include "tabby/dataplane/fake_netlink.h"
#include "tabby/dataplane/ipip_tunnel.h"
#include "tabby/dataplane/mtu.h"
#include "tabby/dataplane/route_sync_loop.h"
#include "tabby/dataplane/sysctls.h"
#include "tabby/dataplane/vxlan_tunnel.h"

namespace tabby::dataplane {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}
IpPrefix net(const char* text) {
  return *IpPrefix::parse(text);
}

const LinkInfo* find(const std::vector<LinkInfo>& links, const std::string& name) {
  for (const auto& link : links) {
    if (link.name == name) return &link;
  }
  return nullptr;
}

std::vector<InterfaceAddress> addresses_on(FakeNetlink& fake, const std::string& link) {
  std::vector<InterfaceAddress> on;
  for (const auto& address : *fake.dump_addresses()) {
    if (address.link == link) on.push_back(address);
  }
  return on;
}

TEST(VtepMacTest, IsCalicosDerivationFromTheNodeName) {
  EXPECT_EQ(vtep_mac("node1"), "66:f9:37:c3:7e:94");
  EXPECT_NE(vtep_mac("node1", IpFamily::kV6), vtep_mac("node1"));
  EXPECT_EQ(vtep_mac("node1", IpFamily::kV6).substr(0, 3), "66:");
}

TEST(IpipTunnelTest, CreatesOrAdoptsTunl0WithOnlyTheTunnelAddress) {
  FakeNetlink fake;
  const IpipSettings on{.enabled = true, .tunnel_address = ip("10.244.1.0"), .mtu = 1440};
  ASSERT_TRUE(ensure_ipip_tunnel(fake, on).ok());
  auto links = *fake.dump_links();
  ASSERT_NE(find(links, "tunl0"), nullptr);
  EXPECT_EQ(find(links, "tunl0")->kind, "ipip");
  EXPECT_EQ(find(links, "tunl0")->mtu, 1440u);
  EXPECT_TRUE(find(links, "tunl0")->admin_up);
  EXPECT_THAT(addresses_on(fake, "tunl0"),
              ElementsAre(InterfaceAddress{"tunl0", ip("10.244.1.0"), 32}));

  // Someone added another address and changed the MTU: both are put right.
  ASSERT_TRUE(fake.add_address({"tunl0", ip("10.9.9.9"), 32}).ok());
  ASSERT_TRUE(fake.set_link_mtu("tunl0", 1500).ok());
  ASSERT_TRUE(ensure_ipip_tunnel(fake, on).ok());
  EXPECT_THAT(addresses_on(fake, "tunl0"),
              ElementsAre(InterfaceAddress{"tunl0", ip("10.244.1.0"), 32}));
  EXPECT_EQ(find(*fake.dump_links(), "tunl0")->mtu, 1440u);

  // IPIP off: tunl0 stays (the kernel's fallback device) but loses its address.
  ASSERT_TRUE(ensure_ipip_tunnel(fake, {.enabled = false}).ok());
  EXPECT_THAT(addresses_on(fake, "tunl0"), IsEmpty());
}

TEST(IpipTunnelTest, RefusesATunl0ThatIsNotIpip) {
  FakeNetlink fake;
  fake.add_interface("tunl0", true, 1500, "veth");
  auto status = ensure_ipip_tunnel(fake, {.enabled = true, .tunnel_address = ip("10.244.1.0")});
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.error().message, HasSubstr("not ipip"));
}

VxlanTunnelSettings node_a_settings() {
  return {.enabled = true,
          .node_address = ip("192.168.0.1"),
          .mac = vtep_mac("a"),
          .tunnel_address = ip("10.244.1.0"),
          .mtu = 1450,
          .remotes = {{.node_address = ip("192.168.0.2"),
                       .tunnel_address = ip("10.244.2.0"),
                       .mac = vtep_mac("b")}}};
}

TEST(VxlanTunnelTest, MakesTheDeviceWithNeighbourAndFdbPerRemote) {
  FakeNetlink fake;
  fake.add_interface("eth0");
  ASSERT_TRUE(fake.add_address({"eth0", ip("192.168.0.1"), 24}).ok());
  ASSERT_TRUE(ensure_vxlan_tunnel(fake, node_a_settings()).ok());

  const auto links = *fake.dump_links();
  const LinkInfo* vxlan = find(links, "vxlan.calico");
  ASSERT_NE(vxlan, nullptr);
  EXPECT_EQ(vxlan->mac, vtep_mac("a"));
  ASSERT_TRUE(vxlan->vxlan.has_value());
  EXPECT_EQ(vxlan->vxlan->vni, 4096u);
  EXPECT_EQ(vxlan->vxlan->port, 4789);
  EXPECT_EQ(vxlan->vxlan->parent, "eth0");  // found from the node address
  EXPECT_EQ(vxlan->vxlan->local, ip("192.168.0.1"));
  EXPECT_FALSE(vxlan->vxlan->learning);
  EXPECT_THAT(addresses_on(fake, "vxlan.calico"),
              ElementsAre(InterfaceAddress{"vxlan.calico", ip("10.244.1.0"), 32}));
  EXPECT_THAT(*fake.dump_neighbours(),
              UnorderedElementsAre(Neighbour{.link = "vxlan.calico",
                                             .fdb = false,
                                             .destination = ip("10.244.2.0"),
                                             .mac = vtep_mac("b")},
                                   Neighbour{.link = "vxlan.calico",
                                             .fdb = true,
                                             .destination = ip("192.168.0.2"),
                                             .mac = vtep_mac("b")}));
}

TEST(VxlanTunnelTest, FollowsRemotesRecreatesAnIncompatibleDeviceAndGoesWhenOff) {
  FakeNetlink fake;
  fake.add_interface("eth0");
  ASSERT_TRUE(fake.add_address({"eth0", ip("192.168.0.1"), 24}).ok());
  ASSERT_TRUE(ensure_vxlan_tunnel(fake, node_a_settings()).ok());

  auto settings = node_a_settings();
  settings.remotes = {{.node_address = ip("192.168.0.3"),
                       .tunnel_address = ip("10.244.3.0"),
                       .mac = vtep_mac("c")}};
  settings.vni = 5000;
  ASSERT_TRUE(ensure_vxlan_tunnel(fake, settings).ok());
  EXPECT_EQ(find(*fake.dump_links(), "vxlan.calico")->vxlan->vni, 5000u);
  for (const auto& entry : *fake.dump_neighbours())
    EXPECT_EQ(entry.mac, vtep_mac("c"));
  EXPECT_EQ(fake.dump_neighbours()->size(), 2u);

  ASSERT_TRUE(ensure_vxlan_tunnel(fake, {.enabled = false}).ok());
  EXPECT_EQ(find(*fake.dump_links(), "vxlan.calico"), nullptr);
}

TEST(VxlanTunnelTest, SaysWhichAddressHasNoParent) {
  FakeNetlink fake;
  auto status = ensure_vxlan_tunnel(fake, node_a_settings());
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.error().message, HasSubstr("192.168.0.1"));
}

TEST(SysctlsTest, WorkloadInterfacesGetFelixsSettings) {
  const auto sysctls = workload_interface_sysctls("cali1", true, true, "1");
  EXPECT_THAT(sysctls, Contains(Sysctl{"net/ipv4/conf/cali1/proxy_arp", "1"}));
  EXPECT_THAT(sysctls, Contains(Sysctl{"net/ipv4/neigh/cali1/proxy_delay", "0"}));
  EXPECT_THAT(sysctls, Contains(Sysctl{"net/ipv4/conf/cali1/rp_filter", "1"}));
  EXPECT_THAT(sysctls, Contains(Sysctl{"net/ipv6/conf/cali1/proxy_ndp", "1"}));
  EXPECT_THAT(sysctls, Contains(Sysctl{"net/ipv6/conf/cali1/accept_ra", "0"}));
  EXPECT_EQ(workload_interface_sysctls("cali1", true, false, "2").size(), 5u);

  FakeNetlink fake;
  fake.add_interface("cali1");
  ASSERT_TRUE(apply_sysctls(fake, sysctls).ok());
  EXPECT_EQ(*fake.read_sysctl("net/ipv4/conf/cali1/proxy_arp"), "1");
  ASSERT_TRUE(apply_sysctls(fake, global_sysctls(true)).ok());
  EXPECT_EQ(*fake.read_sysctl("net/ipv4/ip_forward"), "1");
  auto missing = apply_sysctls(fake, workload_interface_sysctls("cali9", true, false, "1"));
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().message, HasSubstr("cali9"));
}

TEST(MtuTest, HostMtuIsTheSmallestMatchingUpInterface) {
  const std::vector<LinkInfo> links = {
      {.name = "lo", .mtu = 65536, .oper_up = true},
      {.name = "eth0", .mtu = 9000, .oper_up = true},
      {.name = "ens33", .mtu = 1500, .oper_up = true},
      {.name = "eth1", .mtu = 1200, .oper_up = false},    // down: ignored
      {.name = "cali123", .mtu = 1000, .oper_up = true},  // not a host NIC
  };
  EXPECT_EQ(*detect_host_mtu(links), std::optional<std::uint32_t>(1500));
  EXPECT_EQ(*detect_host_mtu({links[0]}), std::nullopt);
  EXPECT_FALSE(detect_host_mtu(links, "([").ok());
}

TEST(MtuTest, EncapsulationsSubtractTheirOverheadAndConfigWins) {
  auto mtus = compute_mtus(1500, {.ipip_enabled = true});
  EXPECT_EQ(mtus.ipip, 1480u);
  EXPECT_EQ(mtus.vxlan, 1450u);
  EXPECT_EQ(mtus.vxlan_v6, 1430u);
  EXPECT_EQ(mtus.pod, 1480u);
  EXPECT_EQ(compute_mtus(1500, {.ipip_enabled = true, .vxlan_enabled = true}).pod, 1450u);
  EXPECT_EQ(compute_mtus(1500, {}).pod, 1500u);
  EXPECT_EQ(compute_mtus(9000, {.ipip = 1400, .ipip_enabled = true}).pod, 1400u);
  // A host MTU smaller than the overhead allows gives IPv4's minimum, never a wrap-around.
  const auto tiny = compute_mtus(100, {.vxlan_enabled = true});
  EXPECT_EQ(tiny.vxlan, 68u);
  EXPECT_EQ(tiny.vxlan_v6, 68u);
  EXPECT_EQ(tiny.ipip, 80u);
}

TEST(CleanupTest, RemovesOnlyWhatTabbyPutThere) {
  FakeNetlink fake;
  fake.add_interface("eth0");
  fake.add_interface("cali1");
  ASSERT_TRUE(fake.add_address({"eth0", ip("192.168.0.1"), 24}).ok());
  ASSERT_TRUE(ensure_vxlan_tunnel(fake, node_a_settings()).ok());
  ASSERT_TRUE(ensure_ipip_tunnel(fake, {.enabled = true, .tunnel_address = ip("10.244.1.1")}).ok());
  RouteReconciler reconciler(fake);
  ASSERT_TRUE(reconciler
                  .set_desired({workload_route(ip("10.244.1.5"), "cali1"),
                                blackhole_route(net("10.244.1.0/26")),
                                vxlan_route(net("10.244.2.0/26"), ip("10.244.2.0"))})
                  .ok());
  const Route foreign = direct_route(net("172.16.0.0/16"), ip("192.168.0.254"), "eth0", 4);
  fake.add_foreign_route(foreign);

  auto report = remove_everything(fake, OwnershipPolicy{});
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->routes_removed, 3u);  // routes first, then the devices they use
  EXPECT_THAT(report->links_removed, ElementsAre("vxlan.calico"));
  EXPECT_EQ(report->addresses_removed, 1u);
  EXPECT_THAT(*fake.dump_routes(), ElementsAre(foreign.normalized()));
}

TEST(RouteSyncLoopTest, RepairsFromNotificationsWithoutPolling) {
  FakeNetlink fake;
  fake.add_interface("eth0");
  RouteReconciler reconciler(fake);
  boost::asio::io_context io;
  RouteSyncLoop loop(io, fake, reconciler, std::chrono::hours(1));
  const Route route = blackhole_route(net("10.244.1.0/26"));
  ASSERT_TRUE(reconciler.want(route).ok());
  loop.start();
  io.poll();
  fake.delete_route_behind_our_back(route.normalized().key());
  io.poll();  // the eventfd is readable: the loop handles it at once
  EXPECT_EQ(fake.dump_routes()->size(), 1u);
  EXPECT_EQ(reconciler.stats().repaired, 1u);
  loop.stop();
}

}  // namespace
}  // namespace tabby::dataplane
