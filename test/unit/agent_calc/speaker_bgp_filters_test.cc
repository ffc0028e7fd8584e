// BGPFilter rules in the speaker's terms: every rule field becomes a policy condition or
// action, and the resulting terms decide routes as Calico's BIRD functions do.

#include "tabby/agent/speaker_bgp_filters.h"

#include <gmock/gmock.h>

namespace tabby::agent {
namespace {

using ::testing::HasSubstr;

IpPrefix prefix(const char* text) {
  return IpPrefix::parse(text).value();
}

TEST(SpeakerBgpFiltersTest, EveryFieldIsMapped) {
  FilterRule rule;
  rule.accept = true;
  rule.cidr = prefix("10.244.0.0/16");
  rule.match = MatchOperator::kNotIn;
  rule.min_length = 20;
  rule.max_length = 28;
  rule.only_from_remote_peers = true;
  rule.interface = "cali*";
  rule.ibgp = true;
  rule.community = "65000:7";
  rule.as_path_prefix = {65100, 65200};
  rule.priority = 512;
  rule.operations = {
      {.kind = FilterOperation::Kind::kAddCommunity, .community = "65000:1"},
      {.kind = FilterOperation::Kind::kAddCommunity, .community = "65000:1:2"},
      {.kind = FilterOperation::Kind::kPrependAsPath, .prepend = {64512, 64513}},
      {.kind = FilterOperation::Kind::kSetPriority, .priority = 100},
  };
  auto out = speaker_filter_rule(rule, IpFamily::kV4);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->family, IpFamily::kV4);
  EXPECT_EQ(out->cidr, prefix("10.244.0.0/16"));
  EXPECT_EQ(out->match_operator, bgp::FilterMatchOperator::kNotIn);
  EXPECT_EQ(out->min_length, 20);
  EXPECT_EQ(out->max_length, 28);
  EXPECT_TRUE(out->only_from_remote_peers);
  EXPECT_EQ(out->interface_glob, "cali*");
  EXPECT_EQ(out->ebgp_session, false);  // peerType iBGP
  EXPECT_EQ(out->community, bgp::make_community(65000, 7));
  EXPECT_FALSE(out->large_community);
  EXPECT_THAT(out->as_path_prefix, ::testing::ElementsAre(65100u, 65200u));
  EXPECT_EQ(out->priority, 512u);
  EXPECT_TRUE(out->accept);
  const std::vector<bgp::FilterOperation> operations = {
      bgp::AddCommunity{bgp::make_community(65000, 1)},
      bgp::AddLargeCommunity{{65000, 1, 2}},
      bgp::PrependAsPath{{64512, 64513}},
      bgp::SetPriority{100},
  };
  EXPECT_EQ(out->operations, operations);
}

TEST(SpeakerBgpFiltersTest, UnsetFieldsStayUnset) {
  FilterRule rule;  // action Reject, nothing else
  auto out = speaker_filter_rule(rule, IpFamily::kV6);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->family, IpFamily::kV6);
  EXPECT_FALSE(out->cidr);
  EXPECT_FALSE(out->interface_glob);
  EXPECT_FALSE(out->ebgp_session);
  EXPECT_FALSE(out->community);
  EXPECT_FALSE(out->large_community);
  EXPECT_TRUE(out->as_path_prefix.empty());
  EXPECT_FALSE(out->priority);
  EXPECT_FALSE(out->accept);
  EXPECT_TRUE(out->operations.empty());
}

struct CommunityCase {
  const char* text;
  std::optional<bgp::Community> standard;
  std::optional<bgp::LargeCommunity> large;
};

TEST(SpeakerBgpFiltersTest, CommunitiesStandardAndLarge) {
  const CommunityCase cases[] = {
      {"65000:7", bgp::make_community(65000, 7), std::nullopt},
      {"0:0", bgp::make_community(0, 0), std::nullopt},
      {"65535:65535", bgp::make_community(65535, 65535), std::nullopt},
      {"4200000000:1:2", std::nullopt, bgp::LargeCommunity{4200000000u, 1, 2}},
      {"65536:1", std::nullopt, std::nullopt},  // a standard part is 16 bits
      {"4294967296:1:1", std::nullopt, std::nullopt},
      {"1:2:3:4", std::nullopt, std::nullopt},
      {"1", std::nullopt, std::nullopt},
      {"1::2", std::nullopt, std::nullopt},
      {"a:b", std::nullopt, std::nullopt},
  };
  for (const auto& c : cases) {
    FilterRule rule;
    rule.community = c.text;
    auto out = speaker_filter_rule(rule, IpFamily::kV4);
    if (!c.standard && !c.large) {
      ASSERT_FALSE(out.ok()) << c.text;
      EXPECT_THAT(out.error().message, HasSubstr(std::string("\"") + c.text + "\""));
      continue;
    }
    ASSERT_TRUE(out.ok()) << c.text << ": " << out.error().message;
    EXPECT_EQ(out->community, c.standard) << c.text;
    EXPECT_EQ(out->large_community, c.large) << c.text;
  }
}

// Two filters on one export: the first tags and prepends for eBGP, the second rejects what
// comes through a tunnel device. What neither decides goes on (to Calico's policy).
TEST(SpeakerBgpFiltersTest, TermsDecideAsCalicoDoes) {
  FilterRule tag;
  tag.accept = true;
  tag.ibgp = false;
  tag.priority = 1024;
  tag.operations = {{.kind = FilterOperation::Kind::kAddCommunity, .community = "64512:42"},
                    {.kind = FilterOperation::Kind::kPrependAsPath, .prepend = {64512, 64999}}};
  FilterRule no_tunnels;
  no_tunnels.interface = "tunl0";
  std::vector<std::string> warnings;
  auto terms = filter_terms({tag}, IpFamily::kV4, "tag", warnings);
  const auto more = filter_terms({no_tunnels}, IpFamily::kV4, "no-tunnels", warnings);
  terms.insert(terms.end(), more.begin(), more.end());
  EXPECT_TRUE(warnings.empty());
  const bgp::Policy policy{terms, bgp::Verdict::kReject};  // kReject: "nothing decided"

  const auto run = [&](bool ebgp, std::string_view interface, std::uint32_t local_pref,
                       bgp::PathAttributes& a) {
    a.local_pref = local_pref;
    bgp::RouteContext route{prefix("10.244.1.0/26"), bgp::kLocalPeer, bgp::RouteSource::kLocal,
                            64512};
    route.ebgp_session = ebgp;
    route.interface = interface;
    return bgp::apply_policy(policy, route, a).accepted;
  };
  bgp::PathAttributes a;
  EXPECT_TRUE(run(true, "", bgp::kMaxPriority - 1024, a));
  EXPECT_EQ(a.communities, std::vector<bgp::Community>{bgp::make_community(64512, 42)});
  ASSERT_TRUE(a.as_path);
  EXPECT_THAT(a.as_path->segments.at(0).asns, ::testing::ElementsAre(64512u, 64999u));

  bgp::PathAttributes ibgp;  // iBGP: the tag rule does not apply, nothing decides
  EXPECT_FALSE(run(false, "", bgp::kMaxPriority - 1024, ibgp));
  EXPECT_TRUE(ibgp.communities.empty());
  bgp::PathAttributes elevated;  // another priority: not tagged
  EXPECT_FALSE(run(true, "", bgp::kMaxPriority - 512, elevated));
  // Through tunl0 on iBGP: the second filter's rule (action Reject) decides.
  bgp::PathAttributes tunnel;
  const bgp::Policy accept_rest{terms, bgp::Verdict::kAccept};
  tunnel.local_pref = bgp::kMaxPriority - 1024;
  bgp::RouteContext route{prefix("10.244.2.0/26"), bgp::kLocalPeer, bgp::RouteSource::kLocal,
                          64512};
  route.interface = "tunl0";
  EXPECT_FALSE(bgp::apply_policy(accept_rest, route, tunnel).accepted);
  route.interface = "eth0";
  EXPECT_TRUE(bgp::apply_policy(accept_rest, route, tunnel).accepted);
}

TEST(SpeakerBgpFiltersTest, AFilterItCannotTakeIsLeftOutWithAWarning) {
  FilterRule good;
  FilterRule bad;
  bad.accept = true;
  bad.operations = {{.kind = FilterOperation::Kind::kAddCommunity, .community = "70000:1"}};
  std::vector<std::string> warnings;
  EXPECT_TRUE(filter_terms({good, bad}, IpFamily::kV4, "f1", warnings).empty());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("BGPFilter \"f1\": filter rule 2: addCommunity:"));
  EXPECT_THAT(warnings[0], HasSubstr("\"70000:1\""));

  FilterRule reject_with_operations;  // the API refuses it; the speaker would too
  reject_with_operations.operations = {
      {.kind = FilterOperation::Kind::kSetPriority, .priority = 10}};
  warnings.clear();
  EXPECT_TRUE(filter_terms({reject_with_operations}, IpFamily::kV4, "f2", warnings).empty());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("operations may only be used with action Accept"));
}

// The community text of BGPFilter rules and BGPConfiguration communities.
TEST(SpeakerBgpFiltersTest, ParseCommunity) {
  auto standard = parse_community("65000:100");
  ASSERT_TRUE(standard.ok());
  EXPECT_EQ(std::get<bgp::Community>(*standard), bgp::make_community(65000, 100));
  auto large = parse_community("4200000000:1:2");
  ASSERT_TRUE(large.ok());
  EXPECT_EQ(std::get<bgp::LargeCommunity>(*large), (bgp::LargeCommunity{4200000000u, 1, 2}));
  for (const char* bad : {"70000:1", "1:2:3:4", "1", "a:b", "1::2", ""})
    EXPECT_FALSE(parse_community(bad).ok()) << bad;
}

}  // namespace
}  // namespace tabby::agent
