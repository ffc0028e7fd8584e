// RouteClaims: the merge by key (the first claimant wins, the next takes over), coalescing of
// changes between two batches, and the order batches take keys in.

#include "tabby/agent/route_claims.h"

#include <gmock/gmock.h>

namespace tabby::agent {
namespace {

using dataplane::DesiredRouteChange;
using dataplane::Route;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

IpPrefix net(const char* text) {
  return *IpPrefix::parse(text);
}
IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}
Route learned(const char* prefix, const char* via, std::uint32_t metric = 1024) {
  Route route = dataplane::direct_route(net(prefix), ip(via), "eth0", dataplane::kProtoBird);
  route.metric = metric;
  return route;
}
DesiredRouteChange put(const Route& route) {
  return {route.normalized().key(), route.normalized()};
}
DesiredRouteChange gone(const Route& route) {
  return {route.normalized().key(), std::nullopt};
}

TEST(RouteClaimsTest, TheFirstClaimantWinsAndTheNextTakesOverWhenItGoes) {
  RouteClaims claims;
  Route blackhole = dataplane::blackhole_route(net("10.244.1.0/26"));
  blackhole.protocol = dataplane::kProtoBird;
  const Route vxlan = dataplane::vxlan_route(net("10.244.1.0/26"), ip("10.244.1.0"), 1450);
  ASSERT_EQ(blackhole.key(), vxlan.key());
  claims.claim(RouteSource::kVxlan, vxlan);
  claims.claim(RouteSource::kBgpStatic, blackhole);
  EXPECT_THAT(claims.take_changes(), ElementsAre(put(blackhole)));
  EXPECT_EQ(*claims.wanted(blackhole.key()), blackhole.normalized());

  claims.release(RouteSource::kBgpStatic, blackhole.key());
  EXPECT_THAT(claims.take_changes(), ElementsAre(put(vxlan)));
  claims.release(RouteSource::kVxlan, vxlan.key());
  EXPECT_THAT(claims.take_changes(), ElementsAre(gone(vxlan)));
  EXPECT_EQ(claims.wanted(vxlan.key()), nullptr);
}

TEST(RouteClaimsTest, AChangeBehindAnEarlierClaimantIsNotQueued) {
  RouteClaims claims;
  const Route pod = dataplane::workload_route(ip("10.244.2.7"), "cali0123456789a");
  Route same_key = learned("10.244.2.7/32", "10.0.0.3", 0);
  ASSERT_EQ(pod.key(), same_key.key());
  claims.claim(RouteSource::kWorkload, pod);
  claims.take_changes();
  claims.claim(RouteSource::kBgpLearned, same_key);
  EXPECT_EQ(claims.pending(), 0u);
  claims.release(RouteSource::kBgpLearned, same_key.key());
  EXPECT_EQ(claims.pending(), 0u);
  EXPECT_EQ(*claims.wanted(pod.key()), pod.normalized());
}

TEST(RouteClaimsTest, ManyChangesToOneKeyBetweenBatchesAreTakenOnceInTheirLastState) {
  RouteClaims claims;
  claims.claim(RouteSource::kBgpLearned, learned("198.51.100.0/24", "10.0.0.3"));
  claims.claim(RouteSource::kBgpLearned, learned("198.51.100.0/24", "10.0.0.4"));
  claims.claim(RouteSource::kBgpLearned, learned("198.51.100.0/24", "10.0.0.5"));
  EXPECT_THAT(claims.take_changes(), ElementsAre(put(learned("198.51.100.0/24", "10.0.0.5"))));

  // Claimed and released again before the batch: one change, to nothing.
  claims.claim(RouteSource::kBgpLearned, learned("203.0.113.0/24", "10.0.0.3"));
  claims.release(RouteSource::kBgpLearned, learned("203.0.113.0/24", "10.0.0.3").key());
  EXPECT_THAT(claims.take_changes(), ElementsAre(gone(learned("203.0.113.0/24", "10.0.0.3"))));
  // The same route claimed again changes nothing.
  claims.claim(RouteSource::kBgpLearned, learned("198.51.100.0/24", "10.0.0.5"));
  EXPECT_THAT(claims.take_changes(), IsEmpty());
}

TEST(RouteClaimsTest, APodsRouteIsTakenBeforeQueuedLearnedOnes) {
  RouteClaims claims;
  for (int i = 0; i < 10; ++i) {
    const std::string prefix = "198.51." + std::to_string(i) + ".0/24";
    claims.claim(RouteSource::kBgpLearned, learned(prefix.c_str(), "10.0.0.3"));
  }
  const Route pod = dataplane::workload_route(ip("10.244.2.7"), "cali0123456789a");
  claims.claim(RouteSource::kWorkload, pod);
  EXPECT_THAT(claims.take_changes(1), ElementsAre(put(pod)));
  EXPECT_EQ(claims.take_changes(4).size(), 4u);
  EXPECT_EQ(claims.take_changes().size(), 6u);
  EXPECT_EQ(claims.pending(), 0u);
}

TEST(RouteClaimsTest, ReplacingASourceQueuesOnlyWhatDiffers) {
  RouteClaims claims;
  const Route a = dataplane::workload_route(ip("10.244.2.1"), "cali000000000a1");
  const Route b = dataplane::workload_route(ip("10.244.2.2"), "cali000000000a2");
  const Route c = dataplane::workload_route(ip("10.244.2.3"), "cali000000000a3");
  claims.set_source(RouteSource::kWorkload, {a, b});
  EXPECT_EQ(claims.take_changes().size(), 2u);
  claims.set_source(RouteSource::kWorkload, {b, c});
  EXPECT_THAT(claims.take_changes(), ElementsAre(gone(a), put(c)));
  EXPECT_EQ(claims.size(RouteSource::kWorkload), 2u);
}

TEST(RouteClaimsTest, ADestinationsRouteReplacesWhateverMetricItHadBefore) {
  RouteClaims claims;
  claims.set_destination(RouteSource::kBgpLearned, net("198.51.100.0/24"),
                         learned("198.51.100.0/24", "10.0.0.3", 1024));
  claims.take_changes();
  claims.set_destination(RouteSource::kBgpLearned, net("198.51.100.0/24"),
                         learned("198.51.100.0/24", "10.0.0.3", 100));
  EXPECT_THAT(claims.take_changes(), ElementsAre(put(learned("198.51.100.0/24", "10.0.0.3", 100)),
                                                 gone(learned("198.51.100.0/24", "10.0.0.3"))));
  claims.set_destination(RouteSource::kBgpLearned, net("198.51.100.0/24"), std::nullopt);
  EXPECT_THAT(claims.take_changes(),
              ElementsAre(gone(learned("198.51.100.0/24", "10.0.0.3", 100))));
  EXPECT_EQ(claims.size(RouteSource::kBgpLearned), 0u);
}

TEST(RouteClaimsTest, CountsWantedDestinationsPerFamily) {
  RouteClaims claims;
  const Route v4 = dataplane::workload_route(ip("10.244.2.1"), "cali000000000a1");
  const Route v6 = dataplane::workload_route(ip("fd00:244::1"), "cali000000000a1");
  Route shadowed = learned("10.244.2.1/32", "10.0.0.3", 0);
  claims.claim(RouteSource::kWorkload, v4);
  claims.claim(RouteSource::kBgpLearned, shadowed);  // the same key: one destination
  claims.claim(RouteSource::kWorkload, v6);
  EXPECT_EQ(claims.wanted_count(IpFamily::kV4), 1u);
  EXPECT_EQ(claims.wanted_count(IpFamily::kV6), 1u);
  claims.release(RouteSource::kWorkload, v4.key());
  EXPECT_EQ(claims.wanted_count(IpFamily::kV4), 1u);  // the learned one is wanted now
  claims.release(RouteSource::kBgpLearned, shadowed.key());
  claims.release(RouteSource::kWorkload, v6.normalized().key());
  EXPECT_EQ(claims.wanted_count(IpFamily::kV4), 0u);
  EXPECT_EQ(claims.wanted_count(IpFamily::kV6), 0u);
}

}  // namespace
}  // namespace tabby::agent
