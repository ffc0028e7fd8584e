// Policy terms (prefix lists with ge/le, communities, large communities, AS path, source) and
// actions, and Calico BGPFilter-style rules turned into policy.

#include <gtest/gtest.h>

#include "rib_test_support.h"
#include "tabby/bgp/policy_filter.h"

namespace tabby::bgp {
namespace {

using testing::attrs;
using testing::pfx;

struct PrefixCase {
  const char* entry;
  std::optional<int> ge;
  std::optional<int> le;
  const char* route;
  bool matches;
};

const PrefixCase kPrefixCases[] = {
    {"10.0.0.0/8", std::nullopt, std::nullopt, "10.0.0.0/8", true},
    {"10.0.0.0/8", std::nullopt, std::nullopt, "10.1.0.0/16", false},  // exact only
    {"10.0.0.0/8", 16, std::nullopt, "10.1.0.0/16", true},
    {"10.0.0.0/8", 16, std::nullopt, "10.1.1.0/24", true},  // ge alone: up to /32
    {"10.0.0.0/8", 16, std::nullopt, "10.0.0.0/8", false},
    {"10.0.0.0/8", std::nullopt, 24, "10.0.0.0/8", true},  // le alone: from /8
    {"10.0.0.0/8", std::nullopt, 24, "10.1.1.0/25", false},
    {"10.0.0.0/8", 16, 24, "10.1.1.0/24", true},
    {"10.0.0.0/8", 16, 24, "11.1.1.0/24", false},  // outside
    {"10.0.0.0/8", 8, 32, "fd00::/8", false},      // other family
    {"fd00::/8", 48, 64, "fd00:1:2::/48", true},
    {"fd00::/8", 48, 64, "fd00:1:2::/80", false},
};

TEST(PolicyTest, PrefixListEntries) {
  for (const auto& c : kPrefixCases) {
    const PrefixMatch m{pfx(c.entry), c.ge, c.le};
    EXPECT_EQ(m.matches(pfx(c.route)), c.matches) << c.entry << " " << c.route;
  }
}

TEST(PolicyTest, MatchConditionsAreAnded) {
  Match m;
  m.any_community = {make_community(65000, 1), make_community(65000, 2)};
  m.any_large_community = {{65000, 1, 1}};
  m.as_path_contains = 65010;
  m.from_peers = {3};
  m.sources = {RouteSource::kEbgp};
  m.origin = Origin::kIgp;
  PathAttributes a = attrs({65001, 65010});
  a.communities = {make_community(65000, 2)};
  a.large_communities = {{65000, 1, 1}};
  RouteContext route{pfx("203.0.113.0/24"), 3, RouteSource::kEbgp, 65000};
  EXPECT_TRUE(matches(m, route, a));

  const auto without = [&](auto change) {
    PathAttributes b = a;
    RouteContext r = route;
    change(b, r);
    return matches(m, r, b);
  };
  EXPECT_FALSE(without([](PathAttributes& b, RouteContext&) { b.communities.clear(); }));
  EXPECT_FALSE(without([](PathAttributes& b, RouteContext&) { b.large_communities.clear(); }));
  EXPECT_FALSE(
      without([](PathAttributes& b, RouteContext&) { b.as_path = testing::as_path({1}); }));
  EXPECT_FALSE(without([](PathAttributes&, RouteContext& r) { r.from_peer = 4; }));
  EXPECT_FALSE(without([](PathAttributes&, RouteContext& r) { r.source = RouteSource::kLocal; }));
  EXPECT_FALSE(without([](PathAttributes& b, RouteContext&) { b.origin = Origin::kIncomplete; }));

  Match negated;
  negated.prefixes = {{pfx("203.0.113.0/24"), std::nullopt, std::nullopt}};
  negated.prefixes_negated = true;
  EXPECT_FALSE(matches(negated, route, a));
  route.prefix = pfx("198.18.0.0/24");
  EXPECT_TRUE(matches(negated, route, a));
}

TEST(PolicyTest, ActionsAndVerdicts) {
  Term tag_all;
  tag_all.verdict = Verdict::kContinue;
  tag_all.actions.remove_communities = {make_community(65001, 1)};
  tag_all.actions.add_communities = {make_community(65000, 9)};
  tag_all.actions.add_large_communities = {{65000, 0, 9}};
  Term prefer;
  prefer.match.any_community = {make_community(65001, 2)};
  prefer.actions.set_local_pref = 300;
  prefer.actions.set_med = 5;
  prefer.actions.prepend_count = 2;
  prefer.actions.next_hop_self = true;
  Term drop;
  drop.match.as_path_contains = 666;
  drop.verdict = Verdict::kReject;
  const Policy policy{{tag_all, drop, prefer}, Verdict::kReject};
  const RouteContext route{pfx("203.0.113.0/24"), 1, RouteSource::kEbgp, 65000};

  PathAttributes a = attrs({65001});
  a.communities = {make_community(65001, 1), make_community(65001, 2)};
  PolicyOutcome out = apply_policy(policy, route, a);
  EXPECT_TRUE(out.accepted);
  EXPECT_TRUE(out.next_hop_self);
  EXPECT_EQ(a.communities,
            (std::vector<Community>{make_community(65001, 2), make_community(65000, 9)}));
  EXPECT_EQ(a.large_communities, (std::vector<LargeCommunity>{{65000, 0, 9}}));
  EXPECT_EQ(a.local_pref, 300u);
  EXPECT_EQ(a.med, 5u);
  EXPECT_EQ(testing::flat(a), (std::vector<std::uint32_t>{65000, 65000, 65001}));

  PathAttributes bad = attrs({65001, 666});
  bad.communities = {make_community(65001, 2)};
  EXPECT_FALSE(apply_policy(policy, route, bad).accepted);

  PathAttributes plain = attrs({65001});  // no term decides: the default rejects
  EXPECT_FALSE(apply_policy(policy, route, plain).accepted);
  EXPECT_TRUE(apply_policy(Policy::accept_all(), route, plain).accepted);

  Term replace;
  replace.actions.set_communities = std::vector<Community>{kNoExport};
  replace.actions.prepend_as = 65123;
  replace.actions.prepend_count = 1;
  PathAttributes c = attrs({});
  c.communities = {make_community(1, 1)};
  EXPECT_TRUE(apply_policy(Policy{{replace}, Verdict::kReject}, route, c).accepted);
  EXPECT_EQ(c.communities, std::vector<Community>{kNoExport});
  EXPECT_EQ(testing::flat(c), std::vector<std::uint32_t>{65123});
}

// Calico's default export (only this node's blocks; BIRD's "if net ~ block then accept")
// expressed as a policy.
TEST(PolicyTest, ExportOnlyThisNodesBlocks) {
  Term blocks;
  blocks.match.sources = {RouteSource::kLocal};
  blocks.match.prefixes = {{pfx("10.244.1.0/26"), std::nullopt, 32}};
  const Policy policy{{blocks}, Verdict::kReject};
  PathAttributes a = attrs({});
  EXPECT_TRUE(
      apply_policy(policy, {pfx("10.244.1.0/26"), kLocalPeer, RouteSource::kLocal, 65000}, a)
          .accepted);
  EXPECT_TRUE(
      apply_policy(policy, {pfx("10.244.1.7/32"), kLocalPeer, RouteSource::kLocal, 65000}, a)
          .accepted);
  EXPECT_FALSE(
      apply_policy(policy, {pfx("10.244.2.0/26"), kLocalPeer, RouteSource::kLocal, 65000}, a)
          .accepted);
  EXPECT_FALSE(
      apply_policy(policy, {pfx("10.244.1.0/26"), 3, RouteSource::kIbgp, 65000}, a).accepted);
}

struct FilterCase {
  FilterMatchOperator op;
  const char* cidr;
  const char* route;
  bool matches;
};

// Each rule accepts what it matches, in front of a default reject. In and NotIn carry the
// prefix length range 24..26, which Equal and NotEqual ignore.
TEST(PolicyFilterTest, CalicoMatchOperators) {
  const FilterCase cases[] = {
      {FilterMatchOperator::kEqual, "10.0.1.0/24", "10.0.1.0/24", true},
      {FilterMatchOperator::kEqual, "10.0.1.0/24", "10.0.0.0/16", false},
      {FilterMatchOperator::kNotEqual, "10.0.1.0/24", "10.0.1.0/24", false},
      {FilterMatchOperator::kNotEqual, "10.0.1.0/24", "10.0.0.0/16", true},
      {FilterMatchOperator::kIn, "10.0.0.0/16", "10.0.1.0/24", true},
      {FilterMatchOperator::kIn, "10.0.0.0/16", "10.0.1.0/27", false},  // longer than max
      {FilterMatchOperator::kIn, "10.0.0.0/16", "10.0.0.0/16", false},  // shorter than min
      {FilterMatchOperator::kIn, "10.0.0.0/16", "10.1.0.0/24", false},  // outside
      {FilterMatchOperator::kNotIn, "10.0.0.0/16", "10.1.0.0/24", true},
      {FilterMatchOperator::kNotIn, "10.0.0.0/16", "10.0.1.0/25", false},
  };
  for (const auto& c : cases) {
    FilterRule rule;
    rule.cidr = pfx(c.cidr);
    rule.match_operator = c.op;
    rule.min_length = 24;
    rule.max_length = 26;
    auto policy = policy_from_filter_rules({rule}, Verdict::kReject);
    ASSERT_TRUE(policy.ok()) << policy.error().message;
    PathAttributes a = attrs({});
    const bool accepted =
        apply_policy(*policy, {pfx(c.route), 1, RouteSource::kEbgp, 65000}, a).accepted;
    EXPECT_EQ(accepted, c.matches) << static_cast<int>(c.op) << " " << c.cidr << " " << c.route;
  }
}

TEST(PolicyFilterTest, FamilySourceAndOrder) {
  FilterRule v6_reject;
  v6_reject.family = IpFamily::kV6;
  v6_reject.accept = false;
  v6_reject.only_from_remote_peers = true;
  FilterRule accept_doc;
  accept_doc.cidr = pfx("203.0.113.0/24");
  accept_doc.match_operator = FilterMatchOperator::kEqual;
  FilterRule reject_rest;
  reject_rest.accept = false;
  auto policy = policy_from_filter_rules({v6_reject, accept_doc, reject_rest});
  ASSERT_TRUE(policy.ok());
  const auto run = [&](const char* prefix, RouteSource source) {
    PathAttributes a = attrs({});
    return apply_policy(*policy, {pfx(prefix), 1, source, 65000}, a).accepted;
  };
  EXPECT_FALSE(run("fd00::/64", RouteSource::kEbgp));
  EXPECT_TRUE(run("fd00::/64", RouteSource::kLocal));  // v6 rule only for remote peers
  EXPECT_TRUE(run("203.0.113.0/24", RouteSource::kEbgp));
  EXPECT_FALSE(run("198.18.0.0/24", RouteSource::kEbgp));
}

TEST(PolicyFilterTest, BadRulesAreNamed) {
  FilterRule wrong_family;
  wrong_family.cidr = pfx("fd00::/8");
  auto p = policy_from_filter_rules({FilterRule{}, wrong_family});
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("filter rule 2"), std::string::npos);

  FilterRule bad_range;
  bad_range.cidr = pfx("10.0.0.0/16");
  bad_range.min_length = 8;
  p = policy_from_filter_rules({bad_range});
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("10.0.0.0/16"), std::string::npos);
}

}  // namespace
}  // namespace tabby::bgp
