// Update groups (encode once, send to many), packing many prefixes per UPDATE within the
// maximum message size, End-of-RIB after the initial table, moving between groups, and
// interned attribute sets.

#include <gtest/gtest.h>

#include <set>

#include "rib_test_support.h"

namespace tabby::bgp {
namespace {

using namespace testing;

std::vector<std::string> v4_prefixes(std::size_t count) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < count; ++i)
    out.push_back("10." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".0/24");
  return out;
}

class RibGroupsTest : public ::testing::Test {
 protected:
  RibGroupsTest() : rib_(rib_config()) {
    EXPECT_TRUE(rib_.add_peer(peer_config(1, "10.0.0.2", 65001)).ok());
    EXPECT_TRUE(rib_.peer_up(1, session("10.0.0.2")).ok());
    take(rib_, 1);
  }
  void add_ebgp(PeerId id, const std::string& address, std::uint32_t as,
                const Policy& export_policy = {}, bool extended = false) {
    auto c = peer_config(id, address, as);
    c.export_policy = export_policy;
    ASSERT_TRUE(rib_.add_peer(c).ok());
    ASSERT_TRUE(rib_.peer_up(id, session(address, true, extended)).ok());
  }
  // Peers 2 and 3, in one update group with peer 1, past their initial End-of-RIBs.
  void add_two_caught_up_peers() {
    add_ebgp(2, "10.0.0.3", 65002);
    add_ebgp(3, "10.0.0.4", 65003);
    take(rib_, 2);
    take(rib_, 3);
  }
  Rib rib_;
};

TEST_F(RibGroupsTest, PeersWithTheSameSettingsShareTheEncodedUpdates) {
  add_ebgp(2, "10.0.0.3", 65002);
  add_ebgp(3, "10.0.0.4", 65003);
  Term tag;
  tag.actions.add_communities = {make_community(65000, 9)};
  add_ebgp(4, "10.0.0.5", 65004, Policy{{tag}, Verdict::kAccept});
  take(rib_, 4);
  EXPECT_EQ(rib_.update_group_of(2), rib_.update_group_of(3));
  EXPECT_NE(rib_.update_group_of(2), rib_.update_group_of(4));
  EXPECT_EQ(rib_.update_group_count(), 2u);  // peer 1 is in the first group too

  // The initial table and End-of-RIB of the same group are the same objects.
  auto first2 = rib_.take_updates(2);
  auto first3 = rib_.take_updates(3);
  ASSERT_TRUE(first2.ok() && first3.ok());
  ASSERT_EQ(first2->size(), 2u);  // two End-of-RIBs
  EXPECT_EQ((*first2)[0].get(), (*first3)[0].get());

  ASSERT_TRUE(rib_.receive_update(1, announce({"203.0.113.0/24"}, attrs({65001}))).ok());
  auto to2 = rib_.take_updates(2);
  auto to3 = rib_.take_updates(3);
  auto to4 = rib_.take_updates(4);
  ASSERT_TRUE(to2.ok() && to3.ok() && to4.ok());
  ASSERT_EQ(to2->size(), 1u);
  ASSERT_EQ(to3->size(), 1u);
  EXPECT_EQ((*to2)[0].get(), (*to3)[0].get());  // encoded once, the same bytes object
  ASSERT_EQ(to4->size(), 1u);
  EXPECT_NE(*(*to4)[0], *(*to2)[0]);
  // Nothing more until something changes.
  EXPECT_TRUE(rib_.take_updates(2)->empty());
  EXPECT_EQ(rib_.counters(2)->updates_sent, 3u);
}

TEST_F(RibGroupsTest, ASlowPeerGetsEverythingItMissed) {
  add_two_caught_up_peers();
  ASSERT_TRUE(rib_.receive_update(1, announce({"203.0.113.0/24"}, attrs({65001}))).ok());
  EXPECT_TRUE(take(rib_, 2).has("203.0.113.0/24"));
  ASSERT_TRUE(rib_.receive_update(1, announce({"198.18.0.0/24"}, attrs({65001}))).ok());
  ASSERT_TRUE(rib_.receive_update(1, withdraw({"203.0.113.0/24"})).ok());
  const Learned slow = take(rib_, 3);
  EXPECT_TRUE(slow.has("198.18.0.0/24"));
  EXPECT_FALSE(slow.has("203.0.113.0/24"));
  EXPECT_EQ(slow.messages, 3u);
  const Learned fast = take(rib_, 2);
  EXPECT_EQ(fast.messages, 2u);
}

TEST_F(RibGroupsTest, ALatePeerGetsTheTableThenEndOfRib) {
  ASSERT_TRUE(rib_.receive_update(1, announce(v4_prefixes(300), attrs({65001}))).ok());
  rib_.originate(pfx("fd00::/64"), LocalRoute{});
  add_ebgp(2, "10.0.0.3", 65002);
  const Learned seen = take(rib_, 2);
  EXPECT_EQ(seen.routes.size(), 301u);
  EXPECT_EQ(seen.end_of_ribs, (std::vector<Family>{kIpv4Unicast, kIpv6Unicast}));
  // The End-of-RIBs are the last messages of the initial dump.
  ASSERT_GE(seen.updates.size(), 3u);
  EXPECT_TRUE(end_of_rib_family(seen.updates.back()));
  EXPECT_FALSE(end_of_rib_family(seen.updates.front()));
  EXPECT_EQ(rib_.counters(2)->advertised, 301u);
}

TEST_F(RibGroupsTest, ManyPrefixesArePackedWithinTheMessageSize) {
  add_ebgp(2, "10.0.0.3", 65002);
  add_ebgp(3, "10.0.0.4", 65003, {}, /*extended=*/true);
  take(rib_, 2);
  take(rib_, 3);
  // 3000 /24s take 4 octets each: 12000 octets of NLRI, 3 classic UPDATEs at best.
  ASSERT_TRUE(rib_.receive_update(1, announce(v4_prefixes(3000), attrs({65001}))).ok());
  const Learned classic = take(rib_, 2);
  EXPECT_EQ(classic.routes.size(), 3000u);
  EXPECT_LE(classic.max_message_size, kMaxMessageLength);
  EXPECT_EQ(classic.messages, 3u);
  // Each message is filled: at most one prefix's room is left in all but the last.
  EXPECT_GT(classic.max_message_size, kMaxMessageLength - 4);

  auto extended_context = session("10.0.0.4", true, true).receive;
  const Learned extended = take(rib_, 3, extended_context);
  EXPECT_EQ(extended.routes.size(), 3000u);
  EXPECT_EQ(extended.messages, 1u);

  // Withdrawals are packed too.
  ASSERT_TRUE(rib_.receive_update(1, withdraw(v4_prefixes(3000))).ok());
  const Learned gone = take(rib_, 2);
  EXPECT_LE(gone.max_message_size, kMaxMessageLength);
  EXPECT_EQ(gone.messages, 3u);
}

TEST_F(RibGroupsTest, Ipv6IsPackedIntoMpReachWithinTheMessageSize) {
  add_ebgp(2, "10.0.0.3", 65002);
  take(rib_, 2);
  std::vector<std::string> prefixes;
  for (int i = 0; i < 2000; ++i) {
    char text[64];
    std::snprintf(text, sizeof text, "2001:db8:%x::/48", i);
    prefixes.push_back(text);
  }
  ASSERT_TRUE(rib_.receive_update(1, announce(prefixes, attrs({65001}, "2001:db8:ff::1"))).ok());
  const Learned seen = take(rib_, 2);
  EXPECT_EQ(seen.routes.size(), 2000u);
  EXPECT_LE(seen.max_message_size, kMaxMessageLength);
  EXPECT_EQ(seen.messages, 4u);  // 7 octets per /48: about 580 per UPDATE
  for (const auto& u : seen.updates)
    EXPECT_TRUE(u.nlri.empty());
  ASSERT_TRUE(rib_.receive_update(1, withdraw(prefixes)).ok());
  const Learned gone = take(rib_, 2);
  EXPECT_LE(gone.max_message_size, kMaxMessageLength);
  EXPECT_EQ(gone.messages, 4u);
}

TEST_F(RibGroupsTest, RoutesTooLargeForAPeerAreNotAdvertisedThere) {
  add_ebgp(2, "10.0.0.3", 65002, {}, /*extended=*/true);
  add_ebgp(3, "10.0.0.4", 65003);
  const auto extended_context = session("10.0.0.3", true, true).receive;
  take(rib_, 2, extended_context);
  take(rib_, 3);
  PathAttributes huge = attrs({65001});
  for (std::uint32_t i = 0; i < 1500; ++i)  // 6000 octets of communities
    huge.communities.push_back(make_community(65001, static_cast<std::uint16_t>(i)));
  ASSERT_TRUE(rib_.receive_update(1, announce({"203.0.113.0/24"}, huge)).ok());
  ASSERT_TRUE(rib_.receive_update(1, announce({"198.18.0.0/24"}, attrs({65001}))).ok());
  EXPECT_TRUE(take(rib_, 2, extended_context).has("203.0.113.0/24"));
  const Learned classic = take(rib_, 3);
  EXPECT_FALSE(classic.has("203.0.113.0/24"));
  EXPECT_TRUE(classic.has("198.18.0.0/24"));
  EXPECT_EQ(rib_.counters(3)->advertised, 1u);
  const auto problems = rib_.take_problems();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("1 routes not advertised"), std::string::npos) << problems[0];
}

TEST_F(RibGroupsTest, AddPathPeersGetPathIdentifiers) {
  ASSERT_TRUE(rib_.add_peer(peer_config(2, "10.0.0.3", 65002)).ok());
  PeerSession s = session("10.0.0.3");
  s.send.add_path = {kIpv4Unicast, kIpv6Unicast};
  ASSERT_TRUE(rib_.peer_up(2, s).ok());
  EXPECT_NE(rib_.update_group_of(2), rib_.update_group_of(1));
  CodecContext peer_view = s.send;  // what the peer decodes with
  take(rib_, 2, peer_view);
  ASSERT_TRUE(rib_.receive_update(1, announce(v4_prefixes(2000), attrs({65001}))).ok());
  const Learned seen = take(rib_, 2, peer_view);
  EXPECT_EQ(seen.routes.size(), 2000u);
  EXPECT_LE(seen.max_message_size, kMaxMessageLength);
  EXPECT_EQ(seen.messages, 4u);  // 8 octets per prefix with its path identifier
  for (const auto& u : seen.updates)
    for (const auto& n : u.nlri)
      ASSERT_EQ(n.path_id, 1u);
}

TEST_F(RibGroupsTest, RoutesWithDifferentAttributesGoInDifferentUpdates) {
  add_ebgp(2, "10.0.0.3", 65002);
  take(rib_, 2);
  UpdateMessage a = announce({"203.0.113.0/24", "198.18.0.0/24"}, attrs({65001}));
  UpdateMessage b = announce({"198.18.1.0/24"}, attrs({65001, 65009}));
  ASSERT_TRUE(rib_.receive_update(1, a).ok());
  ASSERT_TRUE(rib_.receive_update(1, b).ok());
  const Learned seen = take(rib_, 2);
  ASSERT_EQ(seen.messages, 2u);
  EXPECT_EQ(seen.updates[0].nlri.size() + seen.updates[1].nlri.size(), 3u);
}

TEST_F(RibGroupsTest, ChangingExportPolicyMovesThePeerAndSendsTheDifference) {
  add_ebgp(2, "10.0.0.3", 65002);
  add_ebgp(3, "10.0.0.4", 65003);
  ASSERT_TRUE(
      rib_.receive_update(1, announce({"203.0.113.0/24", "198.18.0.0/24"}, attrs({65001}))).ok());
  take(rib_, 2);
  take(rib_, 3);
  const auto shared = rib_.update_group_of(2);

  auto c = peer_config(3, "10.0.0.4", 65003);
  Term only;
  only.match.prefixes = {{pfx("203.0.113.0/24"), std::nullopt, std::nullopt}};
  c.export_policy = Policy{{only}, Verdict::kReject};
  ASSERT_TRUE(rib_.update_peer(c).ok());
  EXPECT_NE(rib_.update_group_of(3), shared);
  EXPECT_EQ(rib_.update_group_of(2), shared);
  Learned moved;
  moved.routes = {{pfx("203.0.113.0/24"), {}}, {pfx("198.18.0.0/24"), {}}};
  learn(moved, *rib_.take_updates(3));
  EXPECT_TRUE(moved.has("203.0.113.0/24"));
  EXPECT_FALSE(moved.has("198.18.0.0/24"));
  EXPECT_TRUE(moved.end_of_ribs.empty());
  EXPECT_EQ(rib_.counters(3)->advertised, 1u);
}

TEST_F(RibGroupsTest, AMovingPeerFirstGetsWhatItWasOwed) {
  add_two_caught_up_peers();
  ASSERT_TRUE(
      rib_.receive_update(1, announce({"198.18.0.0/24", "198.18.1.0/24"}, attrs({65001}))).ok());
  Learned seen = take(rib_, 3);
  ASSERT_TRUE(seen.has("198.18.0.0/24"));
  // Encoded for the group, taken by peer 2 but not yet by peer 3: a withdrawal (which neither
  // the old nor the new group's table shows any more) and an announcement.
  ASSERT_TRUE(rib_.receive_update(1, withdraw({"198.18.0.0/24"})).ok());
  ASSERT_TRUE(rib_.receive_update(1, announce({"203.0.113.0/24"}, attrs({65001}))).ok());
  take(rib_, 2);
  auto c = peer_config(3, "10.0.0.4", 65003);
  c.next_hop = NextHopMode::kKeep;
  ASSERT_TRUE(rib_.update_peer(c).ok());
  learn(seen, *rib_.take_updates(3));
  EXPECT_FALSE(seen.has("198.18.0.0/24"));
  ASSERT_TRUE(seen.has("203.0.113.0/24"));
  EXPECT_EQ(seen.at("203.0.113.0/24").next_hop, ip("198.51.100.9"));  // the new group's view
  EXPECT_TRUE(seen.has("198.18.1.0/24"));
}

TEST_F(RibGroupsTest, GroupsGoWithTheirLastPeer) {
  add_ebgp(2, "10.0.0.3", 65002, Policy::reject_all());
  EXPECT_EQ(rib_.update_group_count(), 2u);
  rib_.peer_down(2, PeerDown::kHard);
  EXPECT_EQ(rib_.update_group_count(), 1u);
  EXPECT_FALSE(rib_.update_group_of(2));
  EXPECT_TRUE(rib_.take_updates(2)->empty());
  rib_.remove_peer(2);
  EXPECT_FALSE(rib_.counters(2));
}

// Memory per route (test/bench/bgp_rib, BM_LearnAndAdvertise, heap measured with mallinfo2):
// about 231 octets per IPv4 route for 1,000,000 routes learned from one peer and advertised to
// one update group. That is one Loc-RIB destination (an unordered_map node of IpPrefix and a
// vector: 80 octets with the allocator's header, plus about 10 of bucket array), its Candidate
// (48 octets in the vector's own 64-octet block) and one Adj-RIB-Out entry per update group
// (64 octets plus bucket). Attribute sets do not count: the routes of one UPDATE (and of every
// UPDATE with the same attributes) point at a single interned set, as this test checks.
TEST_F(RibGroupsTest, IdenticalAttributeSetsShareStorage) {
  add_ebgp(2, "10.0.0.3", 65001);
  take(rib_, 2);
  const std::size_t before = rib_.interner().size();
  ASSERT_TRUE(rib_.receive_update(1, announce(v4_prefixes(500), attrs({65001}))).ok());
  ASSERT_TRUE(rib_.receive_update(2, announce(v4_prefixes(500), attrs({65001}))).ok());
  {
    const auto a = rib_.paths(pfx("10.0.0.0/24"));
    const auto b = rib_.paths(pfx("10.1.200.0/24"));
    ASSERT_EQ(a.size(), 2u);
    ASSERT_EQ(b.size(), 2u);
    EXPECT_EQ(a[0].attributes.get(), a[1].attributes.get());  // two peers, one set
    EXPECT_EQ(a[0].attributes.get(), b[0].attributes.get());  // two prefixes, one set
  }
  // One received set, and one exported set per group (the groups' next hops differ).
  EXPECT_LE(rib_.interner().size() - before, 3u);
  ASSERT_TRUE(rib_.receive_update(1, withdraw(v4_prefixes(500))).ok());
  ASSERT_TRUE(rib_.receive_update(2, withdraw(v4_prefixes(500))).ok());
  take(rib_, 1);
  take(rib_, 2);
  EXPECT_EQ(rib_.interner().size(), before);  // released with the last route
}

TEST(AttributeInternerTest, EqualValuesGiveOneSetThatOutlivesTheInterner) {
  AttributeSet kept;
  {
    AttributeInterner interner;
    PathAttributes a = attrs({65001});
    a.placement = {{attr::kOrigin, attr_flag::kTransitive}};  // wire detail, ignored
    const AttributeSet x = interner.intern(a);
    const AttributeSet y = interner.intern(attrs({65001}));
    const AttributeSet z = interner.intern(attrs({65002}));
    EXPECT_EQ(x.get(), y.get());
    EXPECT_NE(x.get(), z.get());
    EXPECT_TRUE(x->placement.empty());
    EXPECT_EQ(interner.size(), 2u);
    kept = z;
  }
  EXPECT_EQ(flat(*kept), std::vector<std::uint32_t>{65002});
}

}  // namespace
}  // namespace tabby::bgp
