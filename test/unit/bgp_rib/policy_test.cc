// Policy terms (prefix lists with ge/le, communities, large communities, AS path, source) and
// actions, and Calico BGPFilter-style rules turned into policy.

#include <gtest/gtest.h>

#include "rib_test_support.h"
#include "tabby/bgp/policy_filter.h"

namespace tabby::bgp {
namespace {

using testing::announce;
using testing::attrs;
using testing::flat;
using testing::kLocalAs;
using testing::Learned;
using testing::peer_config;
using testing::pfx;
using testing::rib_config;
using testing::session;
using testing::take;

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

  FilterRule bad_range;  // max 8 is below the cidr's own length
  bad_range.cidr = pfx("10.0.0.0/16");
  bad_range.max_length = 8;
  p = policy_from_filter_rules({bad_range});
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("10.0.0.0/16"), std::string::npos);

  FilterRule reject_with_operations;
  reject_with_operations.accept = false;
  reject_with_operations.operations = {SetPriority{512}};
  p = policy_from_filter_rules({reject_with_operations});
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().message, "filter rule 1: operations may only be used with action Accept");

  FilterRule zero_priority;
  zero_priority.priority = 0;
  p = policy_from_filter_rules({zero_priority});
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().message, "filter rule 1: priority 0 is not between 1 and 2147483646");

  FilterRule top_priority;
  top_priority.operations = {SetPriority{kMaxPriority}};
  p = policy_from_filter_rules({FilterRule{}, top_priority});
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().message,
            "filter rule 2: setPriority 2147483647 is not between 1 and 2147483646");

  FilterRule empty_prepend;
  empty_prepend.operations = {PrependAsPath{}};
  EXPECT_FALSE(policy_from_filter_rules({empty_prepend}).ok());
}

// Calico clamps prefixLength to the cidr: [max(cidr length, min), min(family bits, max)].
TEST(PolicyFilterTest, PrefixLengthIsClampedToTheCidr) {
  FilterRule rule;
  rule.cidr = pfx("10.0.0.0/16");
  rule.min_length = 8;
  rule.max_length = 40;
  auto policy = policy_from_filter_rules({rule});
  ASSERT_TRUE(policy.ok()) << policy.error().message;
  const PrefixMatch& entry = policy->terms.at(0).match.prefixes.at(0);
  EXPECT_EQ(entry.ge, 16);
  EXPECT_EQ(entry.le, 32);
}

struct GlobCase {
  const char* glob;
  const char* text;
  bool matches;
};

TEST(PolicyTest, InterfaceGlobs) {
  const GlobCase cases[] = {
      {"cali*", "cali0123456789a", true},
      {"cali*", "cali", true},
      {"cali*", "tunl0", false},
      {"*.calico", "vxlan.calico", true},
      {"*.calico", "vxlan.calico2", false},
      {"tunl0", "tunl0", true},
      {"tunl0", "tunl01", false},
      {"eth?", "eth0", true},
      {"eth?", "eth10", false},
      {"*a*b", "xaxxb", true},
      {"*a*b", "xaxxbc", false},
      {"**", "", true},
      {"*", "", true},  // a route without an interface has the name "" (as BIRD's ifname)
      {"eth*", "", false},
  };
  for (const auto& c : cases)
    EXPECT_EQ(glob_matches(c.glob, c.text), c.matches) << c.glob << " ~ " << c.text;
}

struct PathPrefixCase {
  std::vector<AsSegment> path;
  std::vector<std::uint32_t> prefix;
  bool matches;
};

TEST(PolicyTest, AsPathBeginsWith) {
  using enum AsSegmentType;
  const PathPrefixCase cases[] = {
      {{{kSequence, {65001, 65002, 65003}}}, {65001}, true},
      {{{kSequence, {65001, 65002, 65003}}}, {65001, 65002}, true},
      {{{kSequence, {65001, 65002, 65003}}}, {65001, 65002, 65003}, true},
      {{{kSequence, {65001, 65002, 65003}}}, {65002}, false},  // contained, not at the start
      {{{kSequence, {65001, 65002, 65003}}}, {65001, 65003}, false},
      {{{kSequence, {65001}}}, {65001, 65002}, false},  // longer than the path
      {{}, {65001}, false},
      {{{kSequence, {65001}}, {kSequence, {65002}}}, {65001, 65002}, true},  // across segments
      {{{kSet, {65001, 65002}}}, {65001}, false},  // a set has no order to begin with
      {{{kSequence, {65001}}, {kSet, {65002}}}, {65001, 65002}, false},
  };
  for (const auto& c : cases) {
    PathAttributes a = attrs({});
    a.as_path = AsPath{c.path};
    Match m;
    m.as_path_prefix = c.prefix;
    const RouteContext route{pfx("203.0.113.0/24"), 1, RouteSource::kEbgp, 65000};
    EXPECT_EQ(matches(m, route, a), c.matches)
        << ::testing::PrintToString(c.prefix) << " on " << ::testing::PrintToString(flat(a));
  }
}

TEST(PolicyTest, PrependPathPutsTheAsnsInFrontInOrder) {
  PathAttributes a = attrs({65001});
  prepend_path(a, {65010, 65020});
  EXPECT_EQ(flat(a), (std::vector<std::uint32_t>{65010, 65020, 65001}));
  PathAttributes set_first = attrs({});
  set_first.as_path = AsPath{{{AsSegmentType::kSet, {7, 8}}}};
  prepend_path(set_first, {1, 2});
  ASSERT_EQ(set_first.as_path->segments.size(), 2u);
  EXPECT_EQ(set_first.as_path->segments[0],
            (AsSegment{AsSegmentType::kSequence, {1, 2}}));  // a new leading sequence
  PathAttributes none;
  prepend_path(none, {3});
  EXPECT_EQ(flat(none), std::vector<std::uint32_t>{3});
}

// One route seen by one BGPFilter-style rule (accept in front of a default reject), varying one
// condition at a time. Route: 10.0.1.0/24 from an eBGP peer, path 65001 65002, community
// 65001:7, large community 65001:1:7, LOCAL_PREF 2147482623 (priority 1024), interface "".
struct RuleCase {
  const char* what;
  FilterRule rule;
  bool accepted;
};

TEST(PolicyFilterTest, EachConditionOfARule) {
  const auto rule = [](auto change) {
    FilterRule r;
    change(r);
    return r;
  };
  const RuleCase cases[] = {
      {"no condition", rule([](FilterRule&) {}), true},
      {"community held", rule([](FilterRule& r) { r.community = make_community(65001, 7); }), true},
      {"community missing", rule([](FilterRule& r) { r.community = make_community(65001, 8); }),
       false},
      {"large community held", rule([](FilterRule& r) {
         r.large_community = LargeCommunity{65001, 1, 7};
       }),
       true},
      {"large community missing", rule([](FilterRule& r) {
         r.large_community = LargeCommunity{65001, 7, 1};
       }),
       false},
      {"path begins with", rule([](FilterRule& r) {
         r.as_path_prefix = {65001, 65002};
       }),
       true},
      {"path does not begin with", rule([](FilterRule& r) { r.as_path_prefix = {65002}; }), false},
      {"priority 1024", rule([](FilterRule& r) { r.priority = 1024; }), true},
      {"priority 512", rule([](FilterRule& r) { r.priority = 512; }), false},
      {"eBGP rule on eBGP session", rule([](FilterRule& r) { r.ebgp_session = true; }), true},
      {"iBGP rule on eBGP session", rule([](FilterRule& r) { r.ebgp_session = false; }), false},
      {"interface * (no interface)", rule([](FilterRule& r) { r.interface_glob = "*"; }), true},
      {"interface cali*", rule([](FilterRule& r) { r.interface_glob = "cali*"; }), false},
      {"remote peers", rule([](FilterRule& r) { r.only_from_remote_peers = true; }), true},
      {"all of them", rule([](FilterRule& r) {
         r.cidr = pfx("10.0.0.0/16");
         r.community = make_community(65001, 7);
         r.as_path_prefix = {65001};
         r.priority = 1024;
         r.ebgp_session = true;
       }),
       true},
      {"all but one", rule([](FilterRule& r) {
         r.cidr = pfx("10.0.0.0/16");
         r.community = make_community(65001, 7);
         r.as_path_prefix = {65001};
         r.priority = 1024;
         r.ebgp_session = false;
       }),
       false},
  };
  for (const auto& c : cases) {
    auto policy = policy_from_filter_rules({c.rule}, Verdict::kReject);
    ASSERT_TRUE(policy.ok()) << c.what << ": " << policy.error().message;
    PathAttributes a = attrs({65001, 65002});
    a.communities = {make_community(65001, 7)};
    a.large_communities = {{65001, 1, 7}};
    a.local_pref = kMaxPriority - 1024;
    RouteContext route{pfx("10.0.1.0/24"), 1, RouteSource::kEbgp, 65000};
    route.ebgp_session = true;
    EXPECT_EQ(apply_policy(*policy, route, a).accepted, c.accepted) << c.what;
  }
}

TEST(PolicyFilterTest, OperationsRunInOrderBeforeAccept) {
  FilterRule rule;
  rule.community = make_community(65001, 7);
  rule.operations = {PrependAsPath{{64512, 64513}},
                     AddCommunity{make_community(65000, 1)},
                     SetPriority{512},
                     PrependAsPath{{64600}},
                     AddLargeCommunity{{65000, 2, 3}},
                     AddCommunity{make_community(65000, 1)},
                     SetPriority{100}};
  FilterRule reject_rest;
  reject_rest.accept = false;
  auto policy = policy_from_filter_rules({rule, reject_rest});
  ASSERT_TRUE(policy.ok()) << policy.error().message;
  const RouteContext route{pfx("10.0.1.0/24"), 1, RouteSource::kIbgp, 65000};

  PathAttributes a = attrs({65001});
  a.communities = {make_community(65001, 7)};
  ASSERT_TRUE(apply_policy(*policy, route, a).accepted);
  // The later prepend is in front of the earlier one; each keeps its own order.
  EXPECT_EQ(flat(a), (std::vector<std::uint32_t>{64600, 64512, 64513, 65001}));
  EXPECT_EQ(a.communities,
            (std::vector<Community>{make_community(65001, 7), make_community(65000, 1)}));
  EXPECT_EQ(a.large_communities, (std::vector<LargeCommunity>{{65000, 2, 3}}));
  EXPECT_EQ(a.local_pref, kMaxPriority - 100);  // the last setPriority wins

  PathAttributes other = attrs({65001});  // no community: the reject rule, untouched path
  EXPECT_FALSE(apply_policy(*policy, route, other).accepted);
  EXPECT_EQ(flat(other), std::vector<std::uint32_t>{65001});
}

// The RIB hands export policy what it cannot read from the attributes: the session kind, a
// local route's interface tag, and the route's LOCAL_PREF even toward eBGP peers.
class PolicyInRibTest : public ::testing::Test {
 protected:
  PolicyInRibTest() : rib_(rib_config()) {}

  void add(RibPeerConfig c, const std::string& router_id) {
    ASSERT_TRUE(rib_.add_peer(c).ok());
    ASSERT_TRUE(rib_.peer_up(c.id, session(router_id)).ok());
    take(rib_, c.id);
  }
  Rib rib_;
};

TEST_F(PolicyInRibTest, InterfacePeerTypeAndPriorityOnExport) {
  // One filter for both peers: workload routes (cali*) only to eBGP, each with its priority
  // matched and raised; everything else goes.
  FilterRule workloads_to_ebgp;
  workloads_to_ebgp.interface_glob = "cali*";
  workloads_to_ebgp.ebgp_session = true;
  workloads_to_ebgp.priority = 1024;
  workloads_to_ebgp.operations = {AddCommunity{make_community(65000, 42)}, SetPriority{512}};
  FilterRule no_workloads_elsewhere;
  no_workloads_elsewhere.interface_glob = "cali*";
  no_workloads_elsewhere.accept = false;
  auto policy = policy_from_filter_rules({workloads_to_ebgp, no_workloads_elsewhere});
  ASSERT_TRUE(policy.ok()) << policy.error().message;
  auto ebgp = peer_config(1, "10.0.0.2", 65001);
  auto ibgp = peer_config(2, "10.0.1.2", kLocalAs);
  ebgp.export_policy = ibgp.export_policy = *policy;
  add(ebgp, "10.0.0.2");
  add(ibgp, "10.0.1.2");

  LocalRoute workload;
  workload.local_pref = kMaxPriority - 1024;
  workload.interface = "cali0123456789a";
  rib_.originate(pfx("10.244.9.7/32"), workload);
  LocalRoute block;  // a blackhole: no interface
  block.local_pref = kMaxPriority - 1024;
  rib_.originate(pfx("10.244.1.0/26"), block);

  Learned to_ebgp = take(rib_, 1);
  Learned to_ibgp = take(rib_, 2);
  ASSERT_TRUE(to_ebgp.has("10.244.9.7/32"));
  EXPECT_EQ(to_ebgp.at("10.244.9.7/32").communities,
            std::vector<Community>{make_community(65000, 42)});
  EXPECT_EQ(to_ebgp.at("10.244.9.7/32").local_pref, std::nullopt);  // never sent to eBGP
  EXPECT_FALSE(to_ibgp.has("10.244.9.7/32"));
  EXPECT_TRUE(to_ebgp.has("10.244.1.0/26"));
  ASSERT_TRUE(to_ibgp.has("10.244.1.0/26"));
  EXPECT_EQ(to_ibgp.at("10.244.1.0/26").local_pref, kMaxPriority - 1024);

  // The same route moved off a cali interface: re-exported although its attributes are equal.
  workload.interface = "eth0";
  rib_.originate(pfx("10.244.9.7/32"), workload);
  to_ibgp = take(rib_, 2);
  ASSERT_TRUE(to_ibgp.has("10.244.9.7/32"));
  EXPECT_EQ(to_ibgp.at("10.244.9.7/32").local_pref, kMaxPriority - 1024);
  to_ebgp = take(rib_, 1);
  ASSERT_TRUE(to_ebgp.has("10.244.9.7/32"));  // now as any other route: no community added
  EXPECT_TRUE(to_ebgp.at("10.244.9.7/32").communities.empty());
}

TEST_F(PolicyInRibTest, PeerTypeAndCommunityOnImport) {
  FilterRule drop_tagged_from_ebgp;
  drop_tagged_from_ebgp.ebgp_session = true;
  drop_tagged_from_ebgp.community = make_community(65001, 666);
  drop_tagged_from_ebgp.accept = false;
  auto policy = policy_from_filter_rules({drop_tagged_from_ebgp});
  ASSERT_TRUE(policy.ok());
  auto ebgp = peer_config(1, "10.0.0.2", 65001);
  auto ibgp = peer_config(2, "10.0.1.2", kLocalAs);
  ebgp.import_policy = ibgp.import_policy = *policy;
  add(ebgp, "10.0.0.2");
  add(ibgp, "10.0.1.2");
  PathAttributes tagged = attrs({65001});
  tagged.communities = {make_community(65001, 666)};
  auto from_ebgp = rib_.receive_update(1, announce({"203.0.113.0/24"}, tagged));
  ASSERT_TRUE(from_ebgp.ok());
  EXPECT_EQ(from_ebgp->rejected, 1u);
  PathAttributes tagged_ibgp = attrs({});
  tagged_ibgp.communities = tagged.communities;
  tagged_ibgp.local_pref = 100;
  auto from_ibgp = rib_.receive_update(2, announce({"198.51.100.0/24"}, tagged_ibgp));
  ASSERT_TRUE(from_ibgp.ok());
  EXPECT_EQ(from_ibgp->rejected, 0u);
}

}  // namespace
}  // namespace tabby::bgp
