#pragma once
// The reconciler's test cases, written once and run twice: against FakeNetlink (unit test)
// and against the real kernel in a fresh network namespace (lab test). The fake stays
// honest because it has to pass exactly what the kernel passes.
//
// An Env provides: netlink() (the layer under test), make_interface(name, cidr) (an up
// interface with carrier, as the CNI plugin or an admin makes it), and by_hand_add /
// by_hand_delete (changes made by someone else: `ip route` for real).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "tabby/dataplane/route_reconciler.h"

namespace tabby::dataplane::cases {

using ::testing::Contains;
using ::testing::Not;

inline IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}
inline IpPrefix net(const char* text) {
  return *IpPrefix::parse(text);
}

template <typename Env>
class ReconcilerCases : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = std::make_unique<Env>();
    env().make_interface("eth0", "10.0.0.1/24");
    env().make_interface("eth1", "10.0.1.1/24");
    env().make_interface("cali1234567890a", "");
  }
  void TearDown() override { env_.reset(); }

  Env& env() { return *env_; }
  NetlinkLayer& netlink() { return env_->netlink(); }

  std::vector<Route> main_table() {
    auto routes = netlink().dump_routes();
    EXPECT_TRUE(routes.ok()) << routes.error().message;
    std::vector<Route> main;
    for (const auto& route : *routes) {
      if (route.table == kMainTable) main.push_back(route);
    }
    return main;
  }
  bool has(const Route& route) {
    const auto routes = main_table();
    return std::find(routes.begin(), routes.end(), route.normalized()) != routes.end();
  }
  bool has_key(const RouteKey& key) {
    const auto routes = main_table();
    return std::any_of(routes.begin(), routes.end(),
                       [&](const Route& r) { return r.key() == key; });
  }
  // Settles notifications the way the agent's loop would.
  void settle(RouteReconciler& reconciler) {
    for (int i = 0; i < 5; ++i)
      EXPECT_TRUE(reconciler.handle_events().ok());
  }

  std::vector<Route> every_kind() {
    return {
        workload_route(ip("10.244.1.5"), "cali1234567890a"),
        workload_route(ip("fd00:244::5"), "cali1234567890a"),
        blackhole_route(net("10.244.1.0/26")),
        blackhole_route(net("fd00:244::/122")),
        direct_route(net("10.244.2.0/26"), ip("10.0.0.2"), "eth0"),
        direct_route(net("10.244.3.0/26"), ip("10.0.1.3"), "eth1", kProtoBird),
        ecmp_route(net("10.244.4.0/26"), {NextHop{.gateway = ip("10.0.0.4"), .device = "eth0"},
                                          NextHop{.gateway = ip("10.0.1.4"), .device = "eth1"}}),
    };
  }

 private:
  std::unique_ptr<Env> env_;
};

TYPED_TEST_SUITE_P(ReconcilerCases);

TYPED_TEST_P(ReconcilerCases, InstallsEveryRouteKind) {
  RouteReconciler reconciler(this->netlink());
  ASSERT_TRUE(reconciler.set_desired(this->every_kind()).ok());
  for (const auto& route : this->every_kind())
    EXPECT_TRUE(this->has(route)) << route.to_string();
  EXPECT_EQ(reconciler.stats().added, this->every_kind().size());
  EXPECT_TRUE(reconciler.in_sync());
  // Nothing to do a second time.
  ASSERT_TRUE(reconciler.resync().ok());
  EXPECT_EQ(reconciler.stats().added, this->every_kind().size());
  EXPECT_EQ(reconciler.stats().replaced, 0u);
}

TYPED_TEST_P(ReconcilerCases, ReplacesARouteThatChangedAndRemovesOnesNoLongerWanted) {
  RouteReconciler reconciler(this->netlink());
  ASSERT_TRUE(reconciler.set_desired(this->every_kind()).ok());
  const Route moved = direct_route(net("10.244.2.0/26"), ip("10.0.1.2"), "eth1");
  ASSERT_TRUE(reconciler.want(moved).ok());
  EXPECT_TRUE(this->has(moved));
  EXPECT_EQ(reconciler.stats().replaced, 1u);

  ASSERT_TRUE(reconciler.set_desired({moved}).ok());
  EXPECT_TRUE(this->has(moved));
  for (const auto& route : this->every_kind()) {
    if (route.key() != moved.key()) {
      EXPECT_FALSE(this->has_key(route.key())) << route.to_string();
    }
  }
}

TYPED_TEST_P(ReconcilerCases, NeverTouchesRoutesItDoesNotOwn) {
  Route static_route = direct_route(net("172.16.0.0/16"), ip("10.0.0.254"), "eth0", /*boot*/ 4);
  Route other_table = blackhole_route(net("10.244.9.0/26"));
  other_table.table = 100;
  Route bird_elsewhere = direct_route(net("172.17.0.0/16"), ip("10.0.0.253"), "eth0", /*zebra*/ 11);
  for (const auto& route : {static_route, other_table, bird_elsewhere})
    this->env().by_hand_add(route);

  RouteReconciler reconciler(this->netlink());
  ASSERT_TRUE(reconciler.set_desired(this->every_kind()).ok());
  ASSERT_TRUE(reconciler.set_desired({}).ok());
  EXPECT_TRUE(this->has(static_route));
  EXPECT_TRUE(this->has(bird_elsewhere));
  auto all = this->netlink().dump_routes();
  ASSERT_TRUE(all.ok());
  EXPECT_THAT(*all, Contains(other_table.normalized()));
  for (const auto& route : this->every_kind())
    EXPECT_FALSE(this->has_key(route.key()));
}

TYPED_TEST_P(ReconcilerCases, RestoresARouteDeletedOrChangedByHand) {
  RouteReconciler reconciler(this->netlink());
  ASSERT_TRUE(reconciler.set_desired(this->every_kind()).ok());
  this->settle(reconciler);

  const Route victim = this->every_kind()[4];
  this->env().by_hand_delete(victim);
  EXPECT_FALSE(this->has(victim));
  this->settle(reconciler);
  EXPECT_TRUE(this->has(victim));

  const Route changed = direct_route(victim.destination, ip("10.0.0.99"), "eth0");
  this->env().by_hand_add(changed);
  this->settle(reconciler);
  EXPECT_TRUE(this->has(victim));
  EXPECT_GE(reconciler.stats().repaired, 2u);
}

TYPED_TEST_P(ReconcilerCases, RemovesAnOwnedRouteSomeoneElseAdded) {
  RouteReconciler reconciler(this->netlink());
  ASSERT_TRUE(reconciler.set_desired(this->every_kind()).ok());
  this->settle(reconciler);
  const Route stray = blackhole_route(net("10.244.77.0/26"));  // proto 80: ours by Calico's rule
  this->env().by_hand_add(stray);
  this->settle(reconciler);
  EXPECT_FALSE(this->has_key(stray.key()));
}

TYPED_TEST_P(ReconcilerCases, ARestartKeepsRoutesAndRemovesOnlyTheStaleOnes) {
  auto before = this->every_kind();
  {
    RouteReconciler first(this->netlink());
    ASSERT_TRUE(first.set_desired(before).ok());
  }
  // The agent restarts wanting all but one of its routes, and one new one.
  auto after = before;
  const Route stale = after.back();
  after.pop_back();
  const Route fresh = blackhole_route(net("10.244.1.64/26"));
  after.push_back(fresh);
  RouteReconciler second(this->netlink());
  ASSERT_TRUE(second.set_desired(after).ok());
  EXPECT_EQ(second.stats().added, 1u);
  EXPECT_EQ(second.stats().removed, 1u);
  EXPECT_EQ(second.stats().replaced, 0u);  // nothing that was right was touched
  EXPECT_FALSE(this->has_key(stale.key()));
  for (const auto& route : after)
    EXPECT_TRUE(this->has(route)) << route.to_string();
}

TYPED_TEST_P(ReconcilerCases, AdoptsCalicoNodeRoutesWithoutAGap) {
  // What Felix and BIRD left on the node: same shapes, same protocols.
  const Route felix_blackhole = blackhole_route(net("10.244.1.0/26"));
  const Route bird_route = direct_route(net("10.244.3.0/26"), ip("10.0.1.3"), "eth1", kProtoBird);
  const Route old_path = direct_route(net("10.244.2.0/26"), ip("10.0.0.2"), "eth0");
  for (const auto& route : {felix_blackhole, bird_route, old_path})
    this->env().by_hand_add(route);

  RouteReconciler reconciler(this->netlink());
  const Route new_path = direct_route(net("10.244.2.0/26"), ip("10.0.1.2"), "eth1");
  ASSERT_TRUE(reconciler.set_desired({felix_blackhole, bird_route, new_path}).ok());
  EXPECT_EQ(reconciler.stats().added, 0u);
  EXPECT_EQ(reconciler.stats().removed, 0u);
  EXPECT_EQ(reconciler.stats().replaced, 1u);  // in place: never absent
  EXPECT_TRUE(this->has(new_path));
}

TYPED_TEST_P(ReconcilerCases, ReportsAndLeavesAForeignRouteAtAWantedPrefix) {
  const Route admins = direct_route(net("10.244.5.0/26"), ip("10.0.0.250"), "eth0", 4);
  this->env().by_hand_add(admins);
  RouteReconciler reconciler(this->netlink());
  EXPECT_TRUE(reconciler.set_desired({blackhole_route(net("10.244.5.0/26"))}).ok());
  EXPECT_EQ(reconciler.stats().conflicts, 1u);
  EXPECT_FALSE(reconciler.in_sync());
  EXPECT_TRUE(this->has(admins));
}

TYPED_TEST_P(ReconcilerCases, ARouteForAMissingInterfaceIsInstalledWhenItAppears) {
  RouteReconciler reconciler(this->netlink());
  const Route pod = workload_route(ip("10.244.1.9"), "cali0000000000b");
  const auto status = reconciler.set_desired({pod});
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.error().message, ::testing::HasSubstr("cali0000000000b"));
  EXPECT_FALSE(reconciler.in_sync());

  this->env().make_interface("cali0000000000b", "");
  this->settle(reconciler);
  EXPECT_TRUE(this->has(pod));
  EXPECT_TRUE(reconciler.in_sync());
}

// The route pipeline's path: a batch of changes, written together, touching only its keys
// (a route deleted by hand elsewhere waits for the notification's repair), the last change
// of a key winning.
TYPED_TEST_P(ReconcilerCases, AppliesABatchOfChangesAtItsKeysOnly) {
  RouteReconciler reconciler(this->netlink());
  const auto routes = this->every_kind();
  ASSERT_TRUE(reconciler.set_desired(routes).ok());
  this->settle(reconciler);
  const Route elsewhere = routes[2];
  this->env().by_hand_delete(elsewhere);

  const Route added = blackhole_route(net("10.244.1.64/26"));
  const Route moved = direct_route(net("10.244.3.0/26"), ip("10.0.0.3"), "eth0", kProtoBird);
  const Route first_try = direct_route(net("10.244.8.0/26"), ip("10.0.0.8"), "eth0");
  const Route last_try = direct_route(net("10.244.8.0/26"), ip("10.0.1.8"), "eth1");
  const std::vector<DesiredRouteChange> batch = {
      {added.normalized().key(), added.normalized()},
      {routes[4].normalized().key(), std::nullopt},
      {moved.normalized().key(), moved.normalized()},
      {first_try.normalized().key(), first_try.normalized()},
      {last_try.normalized().key(), last_try.normalized()},
  };
  const auto before = reconciler.stats();
  ASSERT_TRUE(reconciler.update_desired(batch).ok());
  EXPECT_TRUE(this->has(added));
  EXPECT_FALSE(this->has_key(routes[4].key()));
  EXPECT_TRUE(this->has(moved));
  EXPECT_TRUE(this->has(last_try));
  EXPECT_FALSE(this->has(first_try));
  EXPECT_EQ(reconciler.stats().added - before.added, 2u);
  EXPECT_EQ(reconciler.stats().replaced - before.replaced, 1u);
  EXPECT_EQ(reconciler.stats().removed - before.removed, 1u);
  EXPECT_FALSE(this->has(elsewhere)) << "the batch touched a key it does not hold";
  EXPECT_EQ(reconciler.desired().count(routes[4].normalized().key()), 0u);
  EXPECT_EQ(reconciler.desired().at(last_try.normalized().key()), last_try.normalized());
  this->settle(reconciler);
  EXPECT_TRUE(this->has(elsewhere)) << "the notification's repair puts it back";
}

// After an agent restart, before the datastore and the peers' tables are in: what is no longer
// wanted stays (the node keeps forwarding), additions and changes go in, and releasing the
// hold removes the stale ones.
TYPED_TEST_P(ReconcilerCases, KeepsUnwantedRoutesWhileHeldAndRemovesThemAfter) {
  const auto before = this->every_kind();
  {
    RouteReconciler first(this->netlink());
    ASSERT_TRUE(first.set_desired(before).ok());
  }
  RouteReconciler second(this->netlink());
  second.keep_unwanted();
  ASSERT_TRUE(second.resync().ok());  // at start, nothing wanted yet
  for (const auto& route : before)
    EXPECT_TRUE(this->has(route)) << route.to_string();
  const Route fresh = blackhole_route(net("10.244.1.64/26"));
  const Route moved = direct_route(net("10.244.2.0/26"), ip("10.0.1.2"), "eth1");
  std::vector<DesiredRouteChange> batch;
  for (const auto& route : before) {
    if (route.key() == moved.key()) continue;
    if (route.key() == before.back().key()) continue;  // stale: no longer wanted
    batch.push_back({route.normalized().key(), route.normalized()});
  }
  batch.push_back({fresh.normalized().key(), fresh.normalized()});
  batch.push_back({moved.normalized().key(), moved.normalized()});
  batch.push_back({before.back().normalized().key(), std::nullopt});
  ASSERT_TRUE(second.update_desired(batch).ok());
  EXPECT_TRUE(this->has(fresh));
  EXPECT_TRUE(this->has(moved));
  EXPECT_TRUE(this->has(before.back())) << "held: the stale route stays for now";
  EXPECT_EQ(second.stats().removed, 0u);

  ASSERT_TRUE(second.remove_unwanted().ok());
  EXPECT_FALSE(this->has_key(before.back().key()));
  EXPECT_TRUE(this->has(fresh));
  EXPECT_TRUE(this->has(moved));
  EXPECT_EQ(second.stats().removed, 1u);
}

REGISTER_TYPED_TEST_SUITE_P(
    ReconcilerCases, InstallsEveryRouteKind, ReplacesARouteThatChangedAndRemovesOnesNoLongerWanted,
    NeverTouchesRoutesItDoesNotOwn, RestoresARouteDeletedOrChangedByHand,
    RemovesAnOwnedRouteSomeoneElseAdded, ARestartKeepsRoutesAndRemovesOnlyTheStaleOnes,
    AdoptsCalicoNodeRoutesWithoutAGap, ReportsAndLeavesAForeignRouteAtAWantedPrefix,
    ARouteForAMissingInterfaceIsInstalledWhenItAppears, AppliesABatchOfChangesAtItsKeysOnly,
    KeepsUnwantedRoutesWhileHeldAndRemovesThemAfter);

}  // namespace tabby::dataplane::cases
