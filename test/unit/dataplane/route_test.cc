// The pure parts: route kinds, normalization, ownership and planning.

#include <gmock/gmock.h>

#include "tabby/dataplane/ownership.h"
#include "tabby/dataplane/route_plan.h"

namespace tabby::dataplane {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}
IpPrefix net(const char* text) {
  return *IpPrefix::parse(text);
}

TEST(RouteKindsTest, HaveCalicosShapes) {
  EXPECT_EQ(workload_route(ip("10.244.1.5"), "cali1").to_string(),
            "10.244.1.5/32 dev cali1 proto 3 scope link");
  EXPECT_EQ(blackhole_route(net("10.244.1.0/26")).to_string(), "blackhole 10.244.1.0/26 proto 80");
  EXPECT_EQ(ipip_route(net("10.244.2.0/26"), ip("192.168.1.2"), 1480).to_string(),
            "10.244.2.0/26 via 192.168.1.2 dev tunl0 onlink proto 80 mtu 1480");
  EXPECT_EQ(vxlan_route(net("10.244.3.0/26"), ip("10.244.3.0")).to_string(),
            "10.244.3.0/26 via 10.244.3.0 dev vxlan.calico onlink proto 80");
  EXPECT_EQ(vxlan_route(net("fd00::/122"), ip("fd00::1")).next_hops[0].device, "vxlan-v6.calico");
  EXPECT_EQ(direct_route(net("10.244.4.0/26"), ip("192.168.1.4"), "eth0", kProtoBird).to_string(),
            "10.244.4.0/26 via 192.168.1.4 dev eth0 proto 12");
}

TEST(RouteKindsTest, NormalizationMatchesWhatTheKernelReportsBack) {
  EXPECT_EQ(workload_route(ip("fd00::5"), "cali1").normalized().metric, 1024u);
  EXPECT_EQ(workload_route(ip("10.0.0.5"), "cali1").normalized().metric, 0u);
  Route blackhole = blackhole_route(net("fd00::/122"));
  blackhole.next_hops = {NextHop{.device = "lo"}};  // how the kernel shows IPv6 blackholes
  EXPECT_EQ(blackhole.normalized(), blackhole_route(net("fd00::/122")).normalized());
  const NextHop a{.gateway = ip("10.0.0.1"), .device = "eth0"};
  const NextHop b{.gateway = ip("10.0.1.1"), .device = "eth1"};
  EXPECT_EQ(ecmp_route(net("10.1.0.0/26"), {b, a}).normalized(),
            ecmp_route(net("10.1.0.0/26"), {a, b}).normalized());
}

TEST(OwnershipTest, FollowsCalicosRule) {
  const OwnershipPolicy policy;
  EXPECT_TRUE(policy.owns(blackhole_route(net("10.244.1.0/26"))));  // proto 80
  EXPECT_TRUE(policy.owns(direct_route(net("10.1.0.0/26"), ip("10.0.0.1"), "eth0", 12)));  // bird
  EXPECT_TRUE(policy.owns(workload_route(ip("10.244.1.5"), "cali1")));  // on cali*
  Route foreign_on_cali = direct_route(net("10.9.0.0/24"), ip("10.0.0.1"), "cali1", 4);
  EXPECT_TRUE(policy.owns(foreign_on_cali));  // RemoveExternalRoutes
  OwnershipPolicy keep_external;
  keep_external.remove_external_routes = false;
  EXPECT_FALSE(keep_external.owns(foreign_on_cali));
  EXPECT_TRUE(policy.owns(direct_route(net("10.9.0.0/24"), ip("10.0.0.1"), "vxlan.calico", 3)));
  EXPECT_FALSE(policy.owns(direct_route(net("10.9.0.0/24"), ip("10.0.0.1"), "eth0", 4)));
  Route kernel_route = workload_route(ip("fe80::"), "cali1");
  kernel_route.protocol = 2;
  EXPECT_FALSE(policy.owns(kernel_route));  // the kernel's own, e.g. fe80::/64
  Route other_table = blackhole_route(net("10.244.1.0/26"));
  other_table.table = 100;
  EXPECT_FALSE(policy.owns(other_table));
}

TEST(RoutePlanTest, AddsReplacesRemovesAndLeavesForeignRoutes) {
  const OwnershipPolicy policy;
  const Route keep = blackhole_route(net("10.244.1.0/26"));
  const Route add = workload_route(ip("10.244.1.5"), "cali1");
  const Route old_path = direct_route(net("10.244.2.0/26"), ip("10.0.0.2"), "eth0");
  const Route new_path = direct_route(net("10.244.2.0/26"), ip("10.0.0.3"), "eth0");
  const Route stale = blackhole_route(net("10.244.9.0/26"));
  const Route foreign = direct_route(net("172.16.0.0/16"), ip("10.0.0.1"), "eth0", 4);

  const auto plan =
      plan_routes(make_route_set({keep, add, new_path}), {keep, old_path, stale, foreign}, policy);
  EXPECT_THAT(plan.add, ElementsAre(add.normalized()));
  EXPECT_THAT(plan.replace, ElementsAre(new_path.normalized()));
  EXPECT_THAT(plan.remove, ElementsAre(stale.normalized()));
  EXPECT_THAT(plan.conflicts, IsEmpty());
  EXPECT_EQ(plan.size(), 3u);
}

TEST(RoutePlanTest, AForeignRouteAtAWantedKeyIsAConflictNotAReplacement) {
  const Route foreign = direct_route(net("10.244.5.0/26"), ip("10.0.0.1"), "eth0", 4);
  const Route wanted = blackhole_route(net("10.244.5.0/26"));
  const auto plan = plan_routes(make_route_set({wanted}), {foreign}, OwnershipPolicy{});
  EXPECT_TRUE(plan.empty());
  EXPECT_THAT(plan.conflicts, ElementsAre(wanted.normalized()));
}

TEST(RoutePlanTest, NothingToDoWhenTheKernelIsRight) {
  const Route v6 = workload_route(ip("fd00::5"), "cali1");
  Route as_dumped = v6.normalized();
  EXPECT_TRUE(plan_routes(make_route_set({v6}), {as_dumped}, OwnershipPolicy{}).empty());
}

}  // namespace
}  // namespace tabby::dataplane
