#include <gmock/gmock.h>

#include "calc_test_support.h"
#include "tabby/agent/calc_bgp_routes.h"
#include "tabby/agent/calc_vxlan.h"

namespace tabby::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using namespace testing;  // NOLINT: the test helpers

std::vector<std::string> texts(const std::vector<dataplane::Route>& routes) {
  std::vector<std::string> out;
  for (const auto& route : routes)
    out.push_back(route.to_string());
  return out;
}

BgpRouteContext context_for(const std::vector<api::Resource>& pools) {
  BgpRouteContext context;
  context.address_v4 = ip("10.0.0.2");
  context.address_v6 = ip("fd00::2");
  context.subnet_v4 = prefix("10.0.0.0/24");
  context.pools = pool_views(pools);
  context.blackholes = {prefix("192.168.1.0/26")};
  context.kernel_reject = {prefix("10.96.0.0/12")};
  context.parent_interface = "eth0";
  context.parent_interface_v6 = "eth1";  // IPv6 on another NIC
  return context;
}

struct PathCase {
  std::string name;
  std::string pool_spec;  // empty: no pool
  LearnedPath path;
  PathDecision::Kind kind;
  dataplane::NextHop next_hop;
};
void PrintTo(const PathCase& c, std::ostream* os) {
  *os << c.name;
}

class DecidePathTest : public ::testing::TestWithParam<PathCase> {};

TEST_P(DecidePathTest, KernelProgramming) {
  const auto& c = GetParam();
  std::vector<api::Resource> pools;
  if (!c.pool_spec.empty()) pools.push_back(pool("p", c.pool_spec));
  auto decision = decide_path(context_for(pools), c.path);
  EXPECT_EQ(decision.kind, c.kind) << decision.reason;
  if (c.kind != PathDecision::Kind::kNotProgrammed) {
    EXPECT_EQ(decision.next_hop, c.next_hop);
  }
}

const dataplane::NextHop kTunnelSame{.gateway = ip("10.0.0.3"), .device = "tunl0", .onlink = true};
const dataplane::NextHop kTunnelFar{.gateway = ip("10.0.5.3"), .device = "tunl0", .onlink = true};
const dataplane::NextHop kDirectSame{.gateway = ip("10.0.0.3"), .device = "eth0"};
const dataplane::NextHop kDirectFar{.gateway = ip("10.0.5.3"), .device = "eth0"};
const dataplane::NextHop kDirectV6{.gateway = ip("fd00::3"), .device = "eth1"};
const LearnedPath kSame{prefix("192.168.2.0/26"), ip("10.0.0.3")};
const LearnedPath kFar{prefix("192.168.2.0/26"), ip("10.0.5.3")};
using K = PathDecision::Kind;

INSTANTIATE_TEST_SUITE_P(
    Paths, DecidePathTest,
    ::testing::Values(
        PathCase{"ipip_always_same_subnet", "cidr: 192.168.0.0/16, ipipMode: Always", kSame,
                 K::kIpip, kTunnelSame},
        PathCase{"ipip_always_far", "cidr: 192.168.0.0/16, ipipMode: Always", kFar, K::kIpip,
                 kTunnelFar},
        PathCase{"cross_subnet_same_subnet", "cidr: 192.168.0.0/16, ipipMode: CrossSubnet", kSame,
                 K::kDirect, kDirectSame},
        PathCase{"cross_subnet_far", "cidr: 192.168.0.0/16, ipipMode: CrossSubnet", kFar, K::kIpip,
                 kTunnelFar},
        PathCase{"ipip_never", "cidr: 192.168.0.0/16", kFar, K::kDirect, kDirectFar},
        PathCase{"outside_pools",
                 "",
                 {prefix("0.0.0.0/0"), ip("10.0.0.1")},
                 K::kDirect,
                 {.gateway = ip("10.0.0.1"), .device = "eth0"}},
        PathCase{"vxlan_pool_left_to_vxlan",
                 "cidr: 192.168.0.0/16, vxlanMode: Always",
                 kSame,
                 K::kNotProgrammed,
                 {}},
        PathCase{"own_block_stays_blackhole",
                 "cidr: 192.168.0.0/16, ipipMode: Always",
                 {prefix("192.168.1.0/26"), ip("10.0.0.3")},
                 K::kNotProgrammed,
                 {}},
        PathCase{"borrowed_from_own_block",
                 "cidr: 192.168.0.0/16, ipipMode: Always",
                 {prefix("192.168.1.9/32"), ip("10.0.0.3")},
                 K::kIpip,
                 kTunnelSame},
        PathCase{
            "service_range", "", {prefix("10.96.0.10/32"), ip("10.0.0.3")}, K::kNotProgrammed, {}},
        PathCase{"originated_here",
                 "",
                 {prefix("192.168.7.0/26"), ip("10.0.0.3"), false},
                 K::kNotProgrammed,
                 {}},
        PathCase{"next_hop_is_this_node",
                 "",
                 {prefix("192.168.7.0/26"), ip("10.0.0.2")},
                 K::kNotProgrammed,
                 {}},
        // IPv6 never tunnels over IPIP.
        PathCase{"ipv6_pool",
                 "cidr: 'fd00:10::/64'",
                 {prefix("fd00:10::/122"), ip("fd00::3")},
                 K::kDirect,
                 kDirectV6},
        // An IPv6 route leaves by the NIC holding the node's IPv6 address, not the IPv4 one.
        PathCase{"ipv6_outside_pools",
                 "",
                 {prefix("::/0"), ip("fd00::1")},
                 K::kDirect,
                 {.gateway = ip("fd00::1"), .device = "eth1"}}),
    [](const auto& test) { return test.param.name; });

TEST(BgpRoutesTest, BlackholesLearnedRoutesAndEcmp) {
  auto context = context_for({pool("p", "cidr: 192.168.0.0/16, ipipMode: Always")});
  context.ipip_mtu = 1480;
  auto routes = bgp_routes(context, {{prefix("192.168.2.0/26"), ip("10.0.0.3")},
                                     {prefix("192.168.9.0/26"), ip("10.0.0.4")},
                                     {prefix("192.168.9.0/26"), ip("10.0.0.3")},
                                     {prefix("192.168.9.0/26"), ip("10.0.0.3")},
                                     {prefix("192.168.1.0/26"), ip("10.0.0.3")}});
  ASSERT_EQ(routes.size(), 3u);
  EXPECT_EQ(routes[0], [] {
    auto blackhole = dataplane::blackhole_route(prefix("192.168.1.0/26"));
    blackhole.protocol = dataplane::kProtoBird;
    return blackhole;
  }());
  auto single =
      dataplane::ipip_route(prefix("192.168.2.0/26"), ip("10.0.0.3"), 1480, dataplane::kProtoBird);
  single.metric = 1024;
  EXPECT_EQ(routes[1], single);
  EXPECT_EQ(routes[2].destination, prefix("192.168.9.0/26"));
  EXPECT_EQ(routes[2].metric, 1024u);
  EXPECT_THAT(
      routes[2].next_hops,
      ElementsAre(
          dataplane::NextHop{.gateway = ip("10.0.0.3"), .device = "tunl0", .onlink = true},
          dataplane::NextHop{.gateway = ip("10.0.0.4"), .device = "tunl0", .onlink = true}));
}

// One learned prefix at a time, as the agent derives them from best-path changes: the same
// route bgp_routes makes for it, and none when no path is programmed.
TEST(BgpRoutesTest, LearnedRouteIsOnePrefixsShareOfBgpRoutes) {
  auto context = context_for({pool("p", "cidr: 192.168.0.0/16, ipipMode: Always"),
                              pool("v", "cidr: 172.20.0.0/16, vxlanMode: Always")});
  context.ipip_mtu = 1480;
  const std::vector<LearnedPath> paths = {{prefix("192.168.9.0/26"), ip("10.0.0.4")},
                                          {prefix("192.168.9.0/26"), ip("10.0.0.3")}};
  const auto route = learned_route(context, prefix("192.168.9.0/26"), paths);
  ASSERT_TRUE(route);
  const auto all = bgp_routes(context, paths);
  EXPECT_THAT(all, ::testing::Contains(*route));
  EXPECT_EQ(route->mtu, 1480u);
  EXPECT_EQ(route->next_hops.size(), 2u);
  EXPECT_FALSE(learned_route(context, prefix("192.168.1.0/26"),
                             {{prefix("192.168.1.0/26"), ip("10.0.0.3")}}))
      << "this node's block stays a blackhole";
  EXPECT_FALSE(
      learned_route(context, prefix("172.20.1.0/26"), {{prefix("172.20.1.0/26"), ip("10.0.0.3")}}))
      << "VXLAN pools are the VXLAN calculation's";
  EXPECT_FALSE(learned_route(context, prefix("192.168.9.0/26"), {}));
}

// The agent derives every learned route again only when one of these changed.
TEST(BgpRoutesTest, LearnedRouteInputsChangeWithWhatLearnedRoutesDependOn) {
  const auto context = context_for({pool("p", "cidr: 192.168.0.0/16, ipipMode: Always")});
  const LearnedRouteInputs inputs = learned_route_inputs(context);
  EXPECT_EQ(learned_route_inputs(context), inputs);
  auto mtu = context;
  mtu.ipip_mtu = 1400;
  EXPECT_NE(learned_route_inputs(mtu), inputs);
  auto encap = context_for({pool("p", "cidr: 192.168.0.0/16, ipipMode: CrossSubnet")});
  EXPECT_NE(learned_route_inputs(encap), inputs);
  auto nic = context;
  nic.parent_interface = "eth1";
  EXPECT_NE(learned_route_inputs(nic), inputs);
  auto peers = context;  // a reachableBy route is a static route, not an input of learned ones
  peers.peer_host_routes.push_back({ip("10.9.0.1"), ip("10.0.1.254")});
  EXPECT_EQ(learned_route_inputs(peers), inputs);
}

TEST(BgpRoutesTest, ContextFromSnapshot) {
  ClusterSnapshot snapshot{
      .node_name = "a",
      .nodes = {node("a", "ipv4Address: 10.0.0.2/24")},
      .ip_pools = {pool("p", "cidr: 192.168.0.0/16, ipipMode: CrossSubnet")},
      .bgp_configurations = {bgp_config("default",
                                        "ipv4NormalRoutePriority: 100, "
                                        "serviceClusterIPs: [{cidr: 10.96.0.0/12}]")},
      .affinities = {{"a", prefix("192.168.1.0/26"), api::AffinityState::kConfirmed}}};
  auto bgp = desired_bgp(snapshot).value();
  auto context = bgp_route_context(snapshot, bgp, bgp_export(snapshot, bgp));
  EXPECT_EQ(context.subnet_v4, prefix("10.0.0.0/24"));
  EXPECT_EQ(context.metric_v4, 100u);
  EXPECT_THAT(context.blackholes, ElementsAre(prefix("10.96.0.0/12"), prefix("192.168.1.0/26")));
  EXPECT_THAT(context.kernel_reject, ElementsAre(prefix("10.96.0.0/12")));
  EXPECT_EQ(decide_path(context, {prefix("192.168.2.0/26"), ip("10.0.0.3")}).kind, K::kDirect);
  EXPECT_EQ(decide_path(context, {prefix("192.168.2.0/26"), ip("10.1.0.3")}).kind, K::kIpip);
}

// BGPPeer reachableBy: BIRD's static `peerIP/32 via reachableBy`, in the kernel as proto bird
// on the interface of the gateway's subnet, winning over a learned route for the peer's /32.
TEST(BgpRoutesTest, ReachableByBecomesAHostRouteToThePeer) {
  ClusterSnapshot snapshot{
      .node_name = "a",
      .nodes = {node("a", "ipv4Address: 10.0.0.2/24")},
      .ip_pools = {pool("p", "cidr: 192.168.0.0/16")},
      .bgp_peers = {peer("far", "peerIP: 10.9.0.1, asNumber: 65001, reachableBy: 10.0.1.254"),
                    peer("far-again",
                         "peerIP: 10.9.0.1, asNumber: 65002, "
                         "reachableBy: 10.0.1.254"),
                    peer("near", "peerIP: 10.0.0.1, asNumber: 65001")}};
  auto bgp = desired_bgp(snapshot).value();
  auto context = bgp_route_context(snapshot, bgp, bgp_export(snapshot, bgp));
  EXPECT_THAT(context.peer_host_routes,
              ElementsAre(PeerHostRoute{ip("10.9.0.1"), ip("10.0.1.254")}));

  context.interfaces = {
      {.index = 1, .name = "lo", .up = true, .loopback = true, .addresses = {{ip("127.0.0.1"), 8}}},
      {.index = 2, .name = "eth0", .up = true, .addresses = {{ip("10.0.0.2"), 24}}},
      {.index = 3, .name = "eth1", .up = true, .addresses = {{ip("10.0.1.2"), 24}}}};
  const auto routes = bgp_routes(context, {{prefix("10.9.0.1/32"), ip("10.0.0.1")},
                                           {prefix("192.168.2.0/26"), ip("10.0.0.3")}});
  EXPECT_THAT(texts(routes), ElementsAre("10.9.0.1/32 via 10.0.1.254 dev eth1 proto 12 metric 1024",
                                         "192.168.2.0/26 via 10.0.0.3 proto 12 metric 1024"));

  // The peer goes: so does its route.
  snapshot.bgp_peers.erase(snapshot.bgp_peers.begin(), snapshot.bgp_peers.begin() + 2);
  bgp = desired_bgp(snapshot).value();
  context = bgp_route_context(snapshot, bgp, bgp_export(snapshot, bgp));
  EXPECT_THAT(context.peer_host_routes, ::testing::IsEmpty());
  EXPECT_THAT(texts(bgp_routes(context, {})), ::testing::IsEmpty());
}

TEST(BgpRoutesTest, TheGatewaysInterfaceIsTheUpOneOnItsSubnet) {
  const std::vector<dataplane::HostInterface> interfaces = {
      {.index = 2, .name = "eth0", .up = false, .addresses = {{ip("10.0.1.3"), 24}}},
      {.index = 3,
       .name = "eth1",
       .up = true,
       .addresses = {{ip("fd00::2"), 64}, {ip("10.0.1.2"), 24}}},
      {.index = 4, .name = "eth2", .up = true, .addresses = {{ip("10.0.0.0"), 16}}}};
  EXPECT_EQ(connected_interface(ip("10.0.1.254"), interfaces), "eth1");
  EXPECT_EQ(connected_interface(ip("fd00::1"), interfaces), "eth1");
  EXPECT_EQ(connected_interface(ip("10.0.200.1"), interfaces), "eth2");
  EXPECT_EQ(connected_interface(ip("10.1.0.1"), interfaces), "");
}

// The VXLAN backend: a on 10.0.0.0/24 with b; c on another subnet; d has no VTEP yet.
ClusterSnapshot vxlan_cluster(const std::string& mode) {
  return ClusterSnapshot{
      .node_name = "a",
      .nodes = {node("a", "ipv4Address: 10.0.0.2/24", "",
                     "ipv4VXLANTunnelAddr: 192.168.1.0, vxlanTunnelMACAddr: 'ee:ee:ee:00:00:01'"),
                node("b", "ipv4Address: 10.0.0.3/24", "", "ipv4VXLANTunnelAddr: 192.168.2.0"),
                node("c", "ipv4Address: 10.1.0.4/24", "", "ipv4VXLANTunnelAddr: 192.168.50.1"),
                node("d", "ipv4Address: 10.0.0.5/24")},
      .ip_pools = {pool("p", "cidr: 192.168.0.0/16, vxlanMode: " + mode),
                   pool("q", "cidr: 172.16.0.0/16")},
      .blocks = {block("192.168.1.0/26", "a", {{0, "a"}, {7, "c"}}),
                 block("192.168.2.0/26", "b", {{0, "b"}}), block("192.168.3.0/26", "c"),
                 block("192.168.4.0/26", "d"),
                 block("192.168.50.0/26", "b", {{1, "c"}}, "vxlanTunnelAddress"),
                 block("172.16.0.0/26", "b")}};
}

TEST(VxlanTest, AlwaysRoutesThroughVteps) {
  auto desired = vxlan_desired(vxlan_cluster("Always"), {.mtu = 1450}).value();
  EXPECT_EQ(desired.node_address, ip("10.0.0.2"));
  EXPECT_EQ(desired.tunnel_address, ip("192.168.1.0"));
  EXPECT_EQ(desired.mac, "ee:ee:ee:00:00:01");
  ASSERT_EQ(desired.remotes.size(), 2u);  // d has no VTEP
  EXPECT_EQ(desired.remotes[0].node_address, ip("10.0.0.3"));
  EXPECT_EQ(desired.remotes[0].tunnel_address, ip("192.168.2.0"));
  EXPECT_EQ(desired.remotes[0].mac, dataplane::vtep_mac("b"));
  EXPECT_EQ(desired.remotes[1].node_address, ip("10.1.0.4"));

  auto tunnel_host = [] {
    dataplane::Route route;
    route.destination = prefix("192.168.50.1/32");
    route.scope = dataplane::RouteScope::kLink;
    route.mtu = 1450;
    route.next_hops = {{.gateway = std::nullopt, .device = "vxlan.calico"}};
    return route;
  }();
  EXPECT_THAT(
      desired.routes,
      ElementsAre(dataplane::blackhole_route(prefix("192.168.1.0/26")),
                  // c's pod in a's block, by c's VTEP
                  dataplane::vxlan_route(prefix("192.168.1.7/32"), ip("192.168.50.1"), 1450),
                  dataplane::vxlan_route(prefix("192.168.2.0/26"), ip("192.168.2.0"), 1450),
                  dataplane::vxlan_route(prefix("192.168.3.0/26"), ip("192.168.50.1"), 1450),
                  dataplane::vxlan_route(prefix("192.168.50.0/26"), ip("192.168.2.0"), 1450),
                  // c's tunnel address, borrowed from b's block: on the device
                  tunnel_host));
}

TEST(VxlanTest, CrossSubnetGoesDirectOnTheSubnet) {
  auto desired =
      vxlan_desired(vxlan_cluster("CrossSubnet"), {.mtu = 1450, .parent_interface = "eth0"})
          .value();
  auto direct = dataplane::direct_route(prefix("192.168.2.0/26"), ip("10.0.0.3"), "eth0");
  direct.next_hops[0].onlink = true;
  auto direct_d = dataplane::direct_route(prefix("192.168.4.0/26"), ip("10.0.0.5"), "eth0");
  direct_d.next_hops[0].onlink = true;
  std::vector<std::string> routes = texts(desired.routes);
  EXPECT_THAT(routes, ::testing::Contains(direct.to_string()));
  // d shares the subnet, so it needs no VTEP for the direct route.
  EXPECT_THAT(routes, ::testing::Contains(direct_d.to_string()));
  // c is on another subnet: still through its VTEP.
  EXPECT_THAT(
      routes,
      ::testing::Contains(
          dataplane::vxlan_route(prefix("192.168.3.0/26"), ip("192.168.50.1"), 1450).to_string()));
}

TEST(VxlanTest, Ipv6UsesTheV6DeviceAndMac) {
  ClusterSnapshot snapshot{
      .node_name = "a",
      .nodes = {node("a", "ipv6Address: fd00::2/64", "", "ipv6VXLANTunnelAddr: 'fd00:10::'"),
                node("b", "ipv6Address: fd00::3/64", "", "ipv6VXLANTunnelAddr: 'fd00:10::40'")},
      .ip_pools = {pool("p6", "cidr: 'fd00:10::/64', vxlanMode: Always")},
      .blocks = {block("fd00:10::/122", "a"), block("fd00:10::40/122", "b")}};
  auto desired = vxlan_desired(snapshot, {.family = IpFamily::kV6}).value();
  ASSERT_EQ(desired.remotes.size(), 1u);
  EXPECT_EQ(desired.remotes[0].mac, dataplane::vtep_mac("b", IpFamily::kV6));
  EXPECT_EQ(desired.mac, dataplane::vtep_mac("a", IpFamily::kV6));
  ASSERT_EQ(desired.routes.size(), 2u);
  EXPECT_EQ(desired.routes[0], dataplane::blackhole_route(prefix("fd00:10::/122")));
  EXPECT_EQ(desired.routes[1].next_hops[0].device, "vxlan-v6.calico");
  EXPECT_EQ(desired.routes[1].next_hops[0].gateway, ip("fd00:10::40"));
  // Nothing for IPv4: the snapshot has no IPv4 pool.
  EXPECT_TRUE(vxlan_desired(snapshot).value().routes.empty());
}

// A dual-stack node: each family's calculation takes only that family's addresses, tunnel
// address, MAC (vxlanTunnelMACAddrV6 when given) and blocks; a remote node without an IPv6
// address has no IPv6 VTEP even with an IPv6 tunnel address.
TEST(VxlanTest, DualStackKeepsTheFamiliesApart) {
  ClusterSnapshot snapshot{
      .node_name = "a",
      .nodes = {node("a", "ipv4Address: 10.0.0.2/24, ipv6Address: 'fd00::2/64'", "",
                     "ipv4VXLANTunnelAddr: 192.168.1.0, ipv6VXLANTunnelAddr: 'fd00:10::', "
                     "vxlanTunnelMACAddrV6: 'ee:ee:ee:00:00:06'"),
                node("b", "ipv4Address: 10.0.0.3/24, ipv6Address: 'fd00::3/64'", "",
                     "ipv4VXLANTunnelAddr: 192.168.2.0, ipv6VXLANTunnelAddr: 'fd00:10::40'"),
                node("c", "ipv4Address: 10.0.0.4/24", "",
                     "ipv4VXLANTunnelAddr: 192.168.3.0, ipv6VXLANTunnelAddr: 'fd00:10::80'")},
      .ip_pools = {pool("p4", "cidr: 192.168.0.0/16, vxlanMode: Always"),
                   pool("p6", "cidr: 'fd00:10::/64', vxlanMode: CrossSubnet")},
      .blocks = {block("192.168.1.0/26", "a"), block("192.168.2.0/26", "b"),
                 block("192.168.3.0/26", "c"), block("fd00:10::/122", "a"),
                 block("fd00:10::40/122", "b"), block("fd00:10::80/122", "c")}};

  auto v6 =
      vxlan_desired(snapshot, {.family = IpFamily::kV6, .mtu = 1430, .parent_interface = "eth0"})
          .value();
  EXPECT_EQ(v6.node_address, ip("fd00::2"));
  EXPECT_EQ(v6.tunnel_address, ip("fd00:10::"));
  EXPECT_EQ(v6.mac, "ee:ee:ee:00:00:06");
  ASSERT_EQ(v6.remotes.size(), 1u);  // c has no IPv6 address
  EXPECT_EQ(v6.remotes[0].node_address, ip("fd00::3"));
  EXPECT_EQ(v6.remotes[0].tunnel_address, ip("fd00:10::40"));
  EXPECT_EQ(v6.remotes[0].mac, dataplane::vtep_mac("b", IpFamily::kV6));
  // CrossSubnet: b shares a's IPv6 subnet, so its block goes straight over eth0; c's block
  // has no IPv6 VTEP to go through, so no route.
  auto direct = dataplane::direct_route(prefix("fd00:10::40/122"), ip("fd00::3"), "eth0");
  direct.next_hops[0].onlink = true;
  EXPECT_THAT(texts(v6.routes),
              ElementsAre(dataplane::blackhole_route(prefix("fd00:10::/122")).to_string(),
                          direct.to_string()));

  auto v4 = vxlan_desired(snapshot, {.family = IpFamily::kV4, .mtu = 1450}).value();
  EXPECT_EQ(v4.node_address, ip("10.0.0.2"));
  EXPECT_EQ(v4.mac, dataplane::vtep_mac("a"));
  EXPECT_EQ(v4.remotes.size(), 2u);
  EXPECT_THAT(
      texts(v4.routes),
      ElementsAre(
          dataplane::blackhole_route(prefix("192.168.1.0/26")).to_string(),
          dataplane::vxlan_route(prefix("192.168.2.0/26"), ip("192.168.2.0"), 1450).to_string(),
          dataplane::vxlan_route(prefix("192.168.3.0/26"), ip("192.168.3.0"), 1450).to_string()));
}

TEST(VxlanTest, PoolsWantVxlanPerFamily) {
  ClusterSnapshot snapshot{.node_name = "a"};
  EXPECT_FALSE(pools_want_vxlan(snapshot, IpFamily::kV4));
  EXPECT_FALSE(pools_want_vxlan(snapshot, IpFamily::kV6));
  snapshot.ip_pools = {pool("p4", "cidr: 192.168.0.0/16, vxlanMode: Always"),
                       pool("p6", "cidr: 'fd00:10::/64', vxlanMode: Never")};
  EXPECT_TRUE(pools_want_vxlan(snapshot, IpFamily::kV4));
  EXPECT_FALSE(pools_want_vxlan(snapshot, IpFamily::kV6));
  snapshot.ip_pools = {pool("p4", "cidr: 192.168.0.0/16, ipipMode: Always"),
                       pool("p6", "cidr: 'fd00:10::/64', vxlanMode: CrossSubnet")};
  EXPECT_FALSE(pools_want_vxlan(snapshot, IpFamily::kV4));
  EXPECT_TRUE(pools_want_vxlan(snapshot, IpFamily::kV6));
  // A disabled pool allocates nothing new and asks for no device.
  snapshot.ip_pools = {pool("p6", "cidr: 'fd00:10::/64', vxlanMode: Always, disabled: true")};
  EXPECT_FALSE(pools_want_vxlan(snapshot, IpFamily::kV6));
}

TEST(VxlanTest, NeedsThisNode) {
  ClusterSnapshot snapshot{.node_name = "ghost"};
  auto desired = vxlan_desired(snapshot);
  ASSERT_FALSE(desired.ok());
  EXPECT_THAT(desired.error().message, HasSubstr("no Node resource named \"ghost\""));
}

}  // namespace
}  // namespace tabby::agent
