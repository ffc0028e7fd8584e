// UPDATEs into the RIB: acceptance, loop detection (allow-own-as, ORIGINATOR_ID,
// CLUSTER_LIST), treat-as-withdraw, the Loc-RIB choice and best-path changes, ECMP, local
// origination, graceful restart (helper), import policy re-run, counters.

#include <gtest/gtest.h>

#include <map>

#include "rib_test_support.h"

namespace tabby::bgp {
namespace {

using namespace testing;

class RibInboundTest : public ::testing::Test {
 protected:
  explicit RibInboundTest(std::size_t max_paths = 1) : rib_(rib_config(max_paths)) {}

  void add(const RibPeerConfig& c, const std::string& router_id) {
    ASSERT_TRUE(rib_.add_peer(c).ok());
    ASSERT_TRUE(rib_.peer_up(c.id, session(router_id)).ok());
  }
  UpdateReceipt feed(PeerId peer, const UpdateMessage& u,
                     UpdateVerdict verdict = UpdateVerdict::kAccept) {
    auto r = rib_.receive_update(peer, u, verdict);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : UpdateReceipt{};
  }

  Rib rib_;
};

TEST_F(RibInboundTest, AcceptsAnEbgpRouteWithLocalPrefReplaced) {
  add(peer_config(1, "10.0.0.2", 65001), "10.0.0.2");
  PathAttributes a = attrs({65001, 65010});
  a.local_pref = 500;  // an eBGP peer's LOCAL_PREF means nothing here
  const auto receipt = feed(1, announce({"203.0.113.0/24", "198.18.0.0/15"}, a));
  EXPECT_EQ(receipt.announced, 2u);
  EXPECT_EQ(receipt.rejected, 0u);

  const auto best = rib_.best_path(pfx("203.0.113.0/24"));
  ASSERT_TRUE(best);
  EXPECT_EQ(best->peer, 1u);
  EXPECT_EQ(best->peer_address, ip("10.0.0.2"));
  EXPECT_EQ(best->next_hop, ip("198.51.100.9"));
  EXPECT_EQ(best->attributes->local_pref, 100u);
  EXPECT_EQ(rib_.prefix_count(), 2u);

  auto changes = rib_.take_best_path_changes();
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_TRUE(changes[0].best);
  EXPECT_EQ(changes[0].multipath.size(), 1u);
  EXPECT_TRUE(rib_.take_best_path_changes().empty());

  feed(1, withdraw({"203.0.113.0/24"}));
  changes = rib_.take_best_path_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].prefix, pfx("203.0.113.0/24"));
  EXPECT_FALSE(changes[0].best);
  EXPECT_TRUE(changes[0].multipath.empty());
  EXPECT_EQ(rib_.counters(1)->received, 1u);
  EXPECT_EQ(rib_.counters(1)->accepted, 1u);
  EXPECT_EQ(rib_.counters(1)->updates_received, 2u);
}

TEST_F(RibInboundTest, EachPrefixIsOneChangeWithItsStateWhenTaken) {
  add(peer_config(1, "10.0.0.2", 65001), "10.0.0.2");
  add(peer_config(2, "10.0.0.3", 65002), "10.0.0.3");
  // 198.51.100.0/24 changes three times, 203.0.113.0/24 comes and goes, 192.0.2.0/24 goes,
  // comes back and goes again, 2001:db8::/32 goes and comes back: one change each.
  feed(1, announce({"192.0.2.0/24"}, attrs({65001})));
  rib_.take_best_path_changes();
  feed(1, announce({"198.51.100.0/24", "203.0.113.0/24"}, attrs({65001, 65010})));
  feed(2, announce({"198.51.100.0/24"}, attrs({65002})));  // shorter: the new best
  feed(1, withdraw({"203.0.113.0/24", "192.0.2.0/24"}));
  feed(1, announce({"192.0.2.0/24"}, attrs({65001})));
  feed(1, withdraw({"192.0.2.0/24"}));
  feed(1, announce({"198.51.100.0/24"}, attrs({65001})));  // as short: peer 1's lower address
  PathAttributes v6 = attrs({65001});
  v6.next_hop = ip("2001:db8:1::2");
  feed(1, announce({"2001:db8::/32"}, v6));
  feed(1, withdraw({"2001:db8::/32"}));
  feed(1, announce({"2001:db8::/32"}, v6));

  std::map<IpPrefix, std::optional<PeerId>> seen;
  for (const auto& change : rib_.take_best_path_changes()) {
    EXPECT_FALSE(seen.count(change.prefix)) << change.prefix.to_string() << " twice";
    seen[change.prefix] = change.best ? std::optional<PeerId>(change.best->peer) : std::nullopt;
  }
  EXPECT_EQ(seen, (std::map<IpPrefix, std::optional<PeerId>>{{pfx("192.0.2.0/24"), std::nullopt},
                                                             {pfx("198.51.100.0/24"), 1},
                                                             {pfx("203.0.113.0/24"), std::nullopt},
                                                             {pfx("2001:db8::/32"), 1}}));
  EXPECT_TRUE(rib_.take_best_path_changes().empty());
  // Withdrawn, then back in the same batch with a path that is refused (peer 2's own AS in
  // it: a loop): still a withdrawal.
  feed(1, announce({"192.0.2.0/24"}, attrs({65001})));
  rib_.take_best_path_changes();
  feed(1, withdraw({"192.0.2.0/24"}));
  EXPECT_EQ(feed(2, announce({"192.0.2.0/24"}, attrs({65002, 65000}))).rejected, 1u);
  auto refused = rib_.take_best_path_changes();
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].prefix, pfx("192.0.2.0/24"));
  EXPECT_FALSE(refused[0].best);
  EXPECT_EQ(rib_.paths(pfx("192.0.2.0/24")).size(), 0u);  // refused paths are not listed
  feed(2, withdraw({"192.0.2.0/24"}));
  EXPECT_TRUE(rib_.take_best_path_changes().empty());
  feed(2, withdraw({"198.51.100.0/24"}));  // not the best: no change
  EXPECT_TRUE(rib_.take_best_path_changes().empty());
  feed(1, withdraw({"198.51.100.0/24"}));
  const auto changes = rib_.take_best_path_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].prefix, pfx("198.51.100.0/24"));
  EXPECT_FALSE(changes[0].best);
}

TEST_F(RibInboundTest, Ipv6RoutesCarryTheirMpReachNextHop) {
  add(peer_config(1, "10.0.0.2", 65001), "10.0.0.2");
  PathAttributes a = attrs({65001});
  a.next_hop = ip("2001:db8:1::2");
  UpdateMessage u = announce({"2001:db8:100::/48"}, a);
  u.attributes.mp_reach->link_local_next_hop = ip("fe80::2");
  feed(1, u);
  const auto best = rib_.best_path(pfx("2001:db8:100::/48"));
  ASSERT_TRUE(best);
  EXPECT_EQ(best->next_hop, ip("2001:db8:1::2"));
  EXPECT_EQ(best->link_local_next_hop, ip("fe80::2"));
  feed(1, withdraw({"2001:db8:100::/48"}));
  EXPECT_FALSE(rib_.best_path(pfx("2001:db8:100::/48")));
}

TEST_F(RibInboundTest, NextHopThatIsOurOwnAddressIsIgnored) {
  add(peer_config(1, "10.0.0.2", 65001), "10.0.0.2");  // we are 192.0.2.1 and 2001:db8::1
  feed(1, announce({"203.0.113.0/24"}, attrs({65001})));
  auto receipt = feed(1, announce({"203.0.113.0/24"}, attrs({65001}, "192.0.2.1")));
  EXPECT_FALSE(rib_.best_path(pfx("203.0.113.0/24")));  // the old route went too
  EXPECT_EQ(receipt.withdrawn, 1u);
  ASSERT_EQ(receipt.problems.size(), 1u);
  EXPECT_NE(receipt.problems[0].find("192.0.2.1 is our own address"), std::string::npos);

  receipt = feed(1, announce({"2001:db8:100::/48"}, attrs({65001}, "2001:db8::1")));
  EXPECT_FALSE(rib_.best_path(pfx("2001:db8:100::/48")));
  EXPECT_EQ(receipt.problems.size(), 1u);

  receipt = feed(1, announce({"203.0.113.0/24"}, attrs({65001}, "127.0.0.5")));
  EXPECT_FALSE(rib_.best_path(pfx("203.0.113.0/24")));
  ASSERT_EQ(receipt.problems.size(), 1u);
  EXPECT_NE(receipt.problems[0].find("127.0.0.5 is loopback"), std::string::npos);
  receipt = feed(1, announce({"2001:db8:100::/48"}, attrs({65001}, "::1")));
  EXPECT_EQ(receipt.problems.size(), 1u);

  receipt = feed(1, announce({"203.0.113.0/24"}, attrs({65001}, "192.0.2.7")));
  EXPECT_TRUE(rib_.best_path(pfx("203.0.113.0/24")));
  EXPECT_TRUE(receipt.problems.empty());
}

TEST_F(RibInboundTest, SpeakersSharingAHostMayUseTheirCommonAddress) {
  // Over loopback the peer's next-hop-self is 127.0.0.1, our address too.
  RibPeerConfig c = peer_config(1, "127.0.0.1", 65001);
  c.local.ipv4 = ip("127.0.0.1");
  add(c, "10.0.0.2");
  const auto receipt = feed(1, announce({"203.0.113.0/24"}, attrs({65001}, "127.0.0.1")));
  EXPECT_TRUE(rib_.best_path(pfx("203.0.113.0/24")));
  EXPECT_TRUE(receipt.problems.empty());
}

TEST_F(RibInboundTest, FamiliesNotNegotiatedAreIgnored) {
  const RibPeerConfig c = peer_config(1, "10.0.0.2", 65001);
  ASSERT_TRUE(rib_.add_peer(c).ok());
  PeerSession ipv4_only = session("10.0.0.2");
  ipv4_only.families = {kIpv4Unicast};
  ASSERT_TRUE(rib_.peer_up(c.id, ipv4_only).ok());

  PathAttributes a = attrs({65001});
  a.next_hop = ip("2001:db8:1::2");
  auto receipt = feed(1, announce({"2001:db8:100::/48"}, a));
  EXPECT_FALSE(rib_.best_path(pfx("2001:db8:100::/48")));
  EXPECT_EQ(receipt.announced, 0u);
  ASSERT_EQ(receipt.problems.size(), 1u);
  EXPECT_NE(receipt.problems[0].find("MP_REACH_NLRI for ipv6"), std::string::npos)
      << receipt.problems[0];

  receipt = feed(1, withdraw({"2001:db8:100::/48"}));
  EXPECT_EQ(receipt.withdrawn, 0u);
  EXPECT_EQ(receipt.problems.size(), 1u);

  // The negotiated family in MP_REACH_NLRI is used.
  UpdateMessage v4 = announce({"203.0.113.0/24"}, attrs({65001}));
  v4.attributes.mp_reach = MpReachNlri{kIpv4Unicast, ip("198.51.100.9"), std::nullopt, v4.nlri};
  v4.nlri.clear();
  v4.attributes.next_hop.reset();
  receipt = feed(1, v4);
  EXPECT_TRUE(rib_.best_path(pfx("203.0.113.0/24")));
  EXPECT_TRUE(receipt.problems.empty());
}

TEST_F(RibInboundTest, ConfederationSegmentsAreTreatedAsWithdraw) {
  add(peer_config(1, "10.0.0.2", 65001), "10.0.0.2");
  add(peer_config(2, "10.0.0.3", kLocalAs), "10.0.0.3");  // iBGP: no confederation either
  for (PeerId id : {PeerId{1}, PeerId{2}}) {
    feed(id, announce({"203.0.113.0/24"}, attrs({65001})));
    ASSERT_TRUE(rib_.best_path(pfx("203.0.113.0/24")));
    for (auto type : {AsSegmentType::kConfedSequence, AsSegmentType::kConfedSet}) {
      PathAttributes a = attrs({65001});
      a.as_path->segments.insert(a.as_path->segments.begin(), AsSegment{type, {64512}});
      const auto receipt = feed(id, announce({"203.0.113.0/24"}, a));
      EXPECT_EQ(receipt.withdrawn, 1u);
      ASSERT_EQ(receipt.problems.size(), 1u);
      EXPECT_NE(receipt.problems[0].find("confederation"), std::string::npos);
      EXPECT_FALSE(rib_.best_path(pfx("203.0.113.0/24")));
    }
  }
}

TEST_F(RibInboundTest, EnforceFirstAsIsPerPeerAndOffByDefault) {
  add(peer_config(1, "10.0.0.2", 65001), "10.0.0.2");  // a route server leaving its AS out
  feed(1, announce({"203.0.113.0/24"}, attrs({65010})));
  EXPECT_TRUE(rib_.best_path(pfx("203.0.113.0/24")));

  RibPeerConfig strict = peer_config(2, "10.0.0.3", 65002);
  strict.enforce_first_as = true;
  add(strict, "10.0.0.3");
  auto receipt = feed(2, announce({"198.18.0.0/15"}, attrs({65010, 65002})));
  EXPECT_FALSE(rib_.best_path(pfx("198.18.0.0/15")));
  ASSERT_EQ(receipt.problems.size(), 1u);
  EXPECT_NE(receipt.problems[0].find("does not start with the peer's AS 65002"), std::string::npos);
  receipt = feed(2, announce({"198.18.0.0/15"}, attrs({})));  // empty path: no first AS
  EXPECT_FALSE(rib_.best_path(pfx("198.18.0.0/15")));
  EXPECT_EQ(receipt.problems.size(), 1u);
  receipt = feed(2, announce({"198.18.0.0/15"}, attrs({65002, 65010})));
  EXPECT_TRUE(rib_.best_path(pfx("198.18.0.0/15")));
  EXPECT_TRUE(receipt.problems.empty());

  // iBGP routes are not checked: their path starts with a neighbouring AS, or is empty.
  RibPeerConfig ibgp = peer_config(3, "10.0.0.4", kLocalAs);
  ibgp.enforce_first_as = true;
  add(ibgp, "10.0.0.4");
  feed(3, announce({"192.0.2.128/25"}, attrs({65010})));
  EXPECT_TRUE(rib_.best_path(pfx("192.0.2.128/25")));
}

TEST_F(RibInboundTest, OwnAsInThePathIsALoopUnlessAllowed) {
  auto c = peer_config(1, "10.0.0.2", 65001);
  add(c, "10.0.0.2");
  auto receipt = feed(1, announce({"203.0.113.0/24"}, attrs({65001, kLocalAs, 65010})));
  EXPECT_EQ(receipt.rejected, 1u);
  EXPECT_FALSE(rib_.best_path(pfx("203.0.113.0/24")));
  EXPECT_EQ(rib_.counters(1)->received, 1u);
  EXPECT_EQ(rib_.counters(1)->accepted, 0u);

  // allow-own-as 1: one occurrence is fine (re-run over what was received), two are not.
  c.allow_own_as = 1;
  ASSERT_TRUE(rib_.update_peer(c).ok());
  EXPECT_TRUE(rib_.best_path(pfx("203.0.113.0/24")));
  EXPECT_EQ(rib_.counters(1)->accepted, 1u);
  receipt = feed(1, announce({"198.18.0.0/24"}, attrs({65001, kLocalAs, kLocalAs})));
  EXPECT_EQ(receipt.rejected, 1u);
  EXPECT_FALSE(rib_.best_path(pfx("198.18.0.0/24")));
}

TEST_F(RibInboundTest, OwnOriginatorIdOrClusterIdIsALoop) {
  add(peer_config(1, "10.0.0.2", kLocalAs), "10.0.0.2");
  PathAttributes a = attrs({65010});
  a.originator_id = rib_.config().router_id;
  EXPECT_EQ(feed(1, announce({"203.0.113.0/24"}, a)).rejected, 1u);

  PathAttributes b = attrs({65010});
  b.originator_id = ip("10.9.9.9");
  b.cluster_list = {ip("10.8.8.8"), rib_.config().router_id};  // cluster ID = router ID
  EXPECT_EQ(feed(1, announce({"203.0.113.0/24"}, b)).rejected, 1u);

  b.cluster_list = {ip("10.8.8.8")};
  EXPECT_EQ(feed(1, announce({"203.0.113.0/24"}, b)).rejected, 0u);
  EXPECT_TRUE(rib_.best_path(pfx("203.0.113.0/24")));
}

TEST_F(RibInboundTest, TreatAsWithdrawRemovesTheAnnouncedPrefixes) {
  add(peer_config(1, "10.0.0.2", 65001), "10.0.0.2");
  feed(1, announce({"203.0.113.0/24"}, attrs({65001})));
  ASSERT_TRUE(rib_.best_path(pfx("203.0.113.0/24")));
  const auto receipt =
      feed(1, announce({"203.0.113.0/24"}, attrs({65001, 65002})), UpdateVerdict::kTreatAsWithdraw);
  EXPECT_EQ(receipt.withdrawn, 1u);
  EXPECT_EQ(receipt.announced, 0u);
  EXPECT_FALSE(rib_.best_path(pfx("203.0.113.0/24")));
  EXPECT_EQ(rib_.counters(1)->received, 0u);
}

TEST_F(RibInboundTest, UpdatesFromUnknownOrDownPeersAreRefused) {
  EXPECT_FALSE(rib_.receive_update(7, announce({"203.0.113.0/24"}, attrs({1}))).ok());
  ASSERT_TRUE(rib_.add_peer(peer_config(1, "10.0.0.2", 65001)).ok());
  const auto r = rib_.receive_update(1, announce({"203.0.113.0/24"}, attrs({1})));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("10.0.0.2"), std::string::npos);
  EXPECT_FALSE(rib_.add_peer(peer_config(1, "10.0.0.3", 65001)).ok());
  EXPECT_FALSE(rib_.add_peer(peer_config(0, "10.0.0.3", 65001)).ok());
}

TEST_F(RibInboundTest, BestPathFollowsTheDecisionProcess) {
  add(peer_config(1, "10.0.0.2", 65001), "10.0.0.2");
  add(peer_config(2, "10.0.0.3", 65002), "10.0.0.3");
  add(peer_config(3, "10.0.0.4", kLocalAs), "10.0.0.4");
  feed(1, announce({"203.0.113.0/24"}, attrs({65001, 65010})));
  feed(2, announce({"203.0.113.0/24"}, attrs({65002})));  // shorter path
  EXPECT_EQ(rib_.best_path(pfx("203.0.113.0/24"))->peer, 2u);

  PathAttributes preferred = attrs({65010, 65011, 65012}, "10.0.0.99");
  preferred.local_pref = 300;  // from iBGP, LOCAL_PREF counts
  feed(3, announce({"203.0.113.0/24"}, preferred));
  EXPECT_EQ(rib_.best_path(pfx("203.0.113.0/24"))->peer, 3u);
  const auto all = rib_.paths(pfx("203.0.113.0/24"));
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].peer, 3u);
  EXPECT_EQ(all[1].peer, 2u);
  EXPECT_EQ(all[2].peer, 1u);

  // Our own route beats everything; withdrawing it gives the prefix back to the best learned.
  rib_.take_best_path_changes();
  rib_.originate(pfx("203.0.113.0/24"), LocalRoute{});
  auto best = rib_.best_path(pfx("203.0.113.0/24"));
  ASSERT_TRUE(best);
  EXPECT_TRUE(best->local());
  EXPECT_FALSE(best->next_hop);
  EXPECT_EQ(rib_.take_best_path_changes().size(), 1u);
  rib_.withdraw_local(pfx("203.0.113.0/24"));
  EXPECT_EQ(rib_.best_path(pfx("203.0.113.0/24"))->peer, 3u);
}

TEST_F(RibInboundTest, MedDecidesOnlyBetweenPathsFromTheSameNeighborAs) {
  add(peer_config(1, "10.0.0.2", 65001), "10.0.0.9");  // higher router ID
  add(peer_config(2, "10.0.0.3", 65001), "10.0.0.8");
  add(peer_config(3, "10.0.0.4", 65002), "10.0.0.7");
  PathAttributes low = attrs({65001, 65100});
  low.med = 10;
  PathAttributes high = attrs({65001, 65100});
  high.med = 20;
  feed(1, announce({"203.0.113.0/24"}, low));
  feed(2, announce({"203.0.113.0/24"}, high));
  EXPECT_EQ(rib_.best_path(pfx("203.0.113.0/24"))->peer, 1u);  // same AS: MED decides

  PathAttributes other_as = attrs({65002, 65100});
  other_as.med = 50;  // higher, but from another AS: not compared; lowest router ID wins
  feed(3, announce({"203.0.113.0/24"}, other_as));
  EXPECT_EQ(rib_.best_path(pfx("203.0.113.0/24"))->peer, 3u);
}

TEST(RibAlwaysCompareMedTest, ComparesMedAcrossAses) {
  RibConfig config = rib_config();
  config.always_compare_med = true;
  Rib rib(config);
  ASSERT_TRUE(rib.add_peer(peer_config(1, "10.0.0.2", 65001)).ok());
  ASSERT_TRUE(rib.add_peer(peer_config(3, "10.0.0.4", 65002)).ok());
  ASSERT_TRUE(rib.peer_up(1, session("10.0.0.9")).ok());
  ASSERT_TRUE(rib.peer_up(3, session("10.0.0.7")).ok());
  PathAttributes low = attrs({65001});
  low.med = 10;
  PathAttributes high = attrs({65002});
  high.med = 50;
  ASSERT_TRUE(rib.receive_update(1, announce({"203.0.113.0/24"}, low)).ok());
  ASSERT_TRUE(rib.receive_update(3, announce({"203.0.113.0/24"}, high)).ok());
  EXPECT_EQ(rib.best_path(pfx("203.0.113.0/24"))->peer, 1u);
}

TEST_F(RibInboundTest, TwoOctetPeersHaveTheirAs4PathMerged) {
  ASSERT_TRUE(rib_.add_peer(peer_config(1, "10.0.0.2", 65001)).ok());
  ASSERT_TRUE(rib_.peer_up(1, session("10.0.0.2", /*four_octet_as=*/false)).ok());
  PathAttributes a = attrs({65001, kAsTrans});
  a.as4_path = as_path({65001, 4200000000});
  feed(1, announce({"203.0.113.0/24"}, a));
  const auto best = rib_.best_path(pfx("203.0.113.0/24"));
  ASSERT_TRUE(best);
  EXPECT_EQ(flat(*best->attributes), (std::vector<std::uint32_t>{65001, 4200000000}));
  EXPECT_FALSE(best->attributes->as4_path);
}

TEST_F(RibInboundTest, AddPathKeepsEachPathOfAPeer) {
  ASSERT_TRUE(rib_.add_peer(peer_config(1, "10.0.0.2", kLocalAs)).ok());
  PeerSession s = session("10.0.0.2");
  s.receive.add_path = {kIpv4Unicast};
  ASSERT_TRUE(rib_.peer_up(1, s).ok());
  UpdateMessage first = announce({"203.0.113.0/24"}, attrs({65010}, "10.0.0.20"));
  first.nlri[0].path_id = 1;
  UpdateMessage second = announce({"203.0.113.0/24"}, attrs({65010, 65011}, "10.0.0.21"));
  second.nlri[0].path_id = 2;
  feed(1, first);
  feed(1, second);
  auto all = rib_.paths(pfx("203.0.113.0/24"));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].path_id, 1u);  // shorter AS_PATH
  EXPECT_EQ(all[1].path_id, 2u);
  EXPECT_EQ(rib_.counters(1)->received, 2u);
  UpdateMessage gone = withdraw({"203.0.113.0/24"});
  gone.withdrawn[0].path_id = 1;
  feed(1, gone);
  all = rib_.paths(pfx("203.0.113.0/24"));
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].next_hop, ip("10.0.0.21"));
}

class RibEcmpTest : public RibInboundTest {
 protected:
  RibEcmpTest() : RibInboundTest(4) {}
};

TEST_F(RibEcmpTest, EqualPathsFormTheMultipathSet) {
  add(peer_config(1, "10.0.0.2", 65001), "10.0.0.2");
  add(peer_config(2, "10.0.0.3", 65002), "10.0.0.3");
  add(peer_config(3, "10.0.0.4", 65003), "10.0.0.4");
  feed(1, announce({"203.0.113.0/24"}, attrs({65001, 65100}, "10.0.0.2")));
  feed(2, announce({"203.0.113.0/24"}, attrs({65002, 65100}, "10.0.0.3")));
  feed(3, announce({"203.0.113.0/24"}, attrs({65003, 65004, 65100}, "10.0.0.4")));
  rib_.take_best_path_changes();
  auto changes = rib_.take_best_path_changes();
  EXPECT_TRUE(changes.empty());

  feed(2, withdraw({"203.0.113.0/24"}));
  feed(2, announce({"203.0.113.0/24"}, attrs({65002, 65100}, "10.0.0.3")));
  changes = rib_.take_best_path_changes();
  ASSERT_EQ(changes.size(), 1u);
  ASSERT_EQ(changes[0].multipath.size(), 2u);
  EXPECT_EQ(changes[0].best->peer, 1u);  // lower router ID
  EXPECT_EQ(changes[0].multipath[0].peer, 1u);
  EXPECT_EQ(changes[0].multipath[1].peer, 2u);
  EXPECT_EQ(changes[0].multipath[1].next_hop, ip("10.0.0.3"));
}

// The owner that rebuilds its routes from the Loc-RIB sees what the changes reported: every
// prefix with its multipath set, best first, and no prefix without a path.
TEST_F(RibEcmpTest, ForEachSelectedVisitsEveryPrefixsMultipathSet) {
  add(peer_config(1, "10.0.0.2", 65001), "10.0.0.2");
  add(peer_config(2, "10.0.0.3", 65002), "10.0.0.3");
  feed(1, announce({"203.0.113.0/24", "198.51.100.0/24"}, attrs({65001, 65100}, "10.0.0.2")));
  feed(2, announce({"203.0.113.0/24"}, attrs({65002, 65100}, "10.0.0.3")));
  feed(1, announce({"192.0.2.0/24"}, attrs({65001, 65100}, "10.0.0.2")));
  feed(1, withdraw({"192.0.2.0/24"}));
  std::map<IpPrefix, std::vector<RoutePath>> seen;
  rib_.for_each_selected([&](const IpPrefix& prefix, const std::vector<RoutePath>& paths) {
    EXPECT_TRUE(seen.emplace(prefix, paths).second) << prefix.to_string() << " twice";
  });
  ASSERT_EQ(seen.size(), 2u);
  ASSERT_EQ(seen[pfx("203.0.113.0/24")].size(), 2u);
  EXPECT_EQ(seen[pfx("203.0.113.0/24")][0].peer, 1u);
  EXPECT_EQ(seen[pfx("203.0.113.0/24")][1].next_hop, ip("10.0.0.3"));
  ASSERT_EQ(seen[pfx("198.51.100.0/24")].size(), 1u);
  EXPECT_EQ(seen[pfx("198.51.100.0/24")][0].next_hop, ip("10.0.0.2"));
}

// An ADD-PATH peer (a route reflector, or a BIRD with "add paths") sends several equal paths
// to one prefix: they form the multipath set as paths from different peers do, and each is
// withdrawn by its path identifier.
TEST_F(RibEcmpTest, EqualPathsOfOneAddPathPeerFormTheMultipathSet) {
  ASSERT_TRUE(rib_.add_peer(peer_config(1, "10.0.0.2", kLocalAs)).ok());
  PeerSession s = session("10.0.0.2");
  s.receive.add_path = {kIpv4Unicast};
  ASSERT_TRUE(rib_.peer_up(1, s).ok());
  for (std::uint32_t id : {1u, 2u, 3u}) {
    UpdateMessage u =
        announce({"203.0.113.0/24"}, attrs({65010}, "10.0.0." + std::to_string(19 + id)));
    u.nlri[0].path_id = id;
    feed(1, u);
  }
  auto changes = rib_.take_best_path_changes();
  ASSERT_EQ(changes.size(), 1u);
  ASSERT_EQ(changes[0].multipath.size(), 3u);
  EXPECT_EQ(changes[0].multipath[0].path_id, 1u);  // the lowest path identifier breaks the tie
  EXPECT_EQ(changes[0].multipath[0].next_hop, ip("10.0.0.20"));

  UpdateMessage gone = withdraw({"203.0.113.0/24"});
  gone.withdrawn[0].path_id = 2;
  feed(1, gone);
  changes = rib_.take_best_path_changes();
  ASSERT_EQ(changes.size(), 1u);
  ASSERT_EQ(changes[0].multipath.size(), 2u);
  EXPECT_EQ(changes[0].multipath[0].next_hop, ip("10.0.0.20"));
  EXPECT_EQ(changes[0].multipath[1].next_hop, ip("10.0.0.22"));
  EXPECT_EQ(rib_.counters(1)->received, 2u);
}

class RibGracefulRestartTest : public RibInboundTest {
 protected:
  PeerSession gr_session(bool preserved) {
    PeerSession s = session("10.0.0.2");
    GracefulRestartCapability gr;
    gr.restart_time = 120;
    const std::uint8_t f = preserved ? GracefulRestartCapability::kForwardingStatePreserved : 0;
    gr.families = {{kIpv4Unicast, f}, {kIpv6Unicast, f}};
    s.graceful_restart = gr;
    return s;
  }
  void SetUp() override {
    ASSERT_TRUE(rib_.add_peer(peer_config(1, "10.0.0.2", 65001)).ok());
    ASSERT_TRUE(rib_.peer_up(1, gr_session(true)).ok());
    feed(1, announce({"203.0.113.0/24", "198.18.0.0/24"}, attrs({65001})));
    feed(1, announce({"2001:db8:100::/48"}, attrs({65001})));
    rib_.take_best_path_changes();
  }
};

TEST_F(RibGracefulRestartTest, StaleRoutesStayUntilEndOfRib) {
  rib_.peer_down(1, PeerDown::kGraceful);
  EXPECT_TRUE(rib_.take_best_path_changes().empty());  // nothing to reprogram
  auto best = rib_.best_path(pfx("203.0.113.0/24"));
  ASSERT_TRUE(best);
  EXPECT_TRUE(best->stale);

  ASSERT_TRUE(rib_.peer_up(1, gr_session(true)).ok());
  feed(1, announce({"203.0.113.0/24"}, attrs({65001})));
  EXPECT_FALSE(rib_.best_path(pfx("203.0.113.0/24"))->stale);
  EXPECT_TRUE(rib_.best_path(pfx("198.18.0.0/24"))->stale);

  EXPECT_FALSE(rib_.initial_table_received(1));
  const auto receipt = feed(1, make_end_of_rib(kIpv4Unicast));
  EXPECT_EQ(receipt.end_of_rib, kIpv4Unicast);
  EXPECT_FALSE(rib_.initial_table_received(1));
  EXPECT_TRUE(rib_.best_path(pfx("203.0.113.0/24")));
  EXPECT_FALSE(rib_.best_path(pfx("198.18.0.0/24")));
  EXPECT_TRUE(rib_.best_path(pfx("2001:db8:100::/48")));  // its family's EoR is still due
  feed(1, make_end_of_rib(kIpv6Unicast));
  EXPECT_FALSE(rib_.best_path(pfx("2001:db8:100::/48")));
  EXPECT_TRUE(rib_.initial_table_received(1));
  EXPECT_EQ(rib_.counters(1)->received, 1u);
}

TEST_F(RibGracefulRestartTest, RestartTimerSweepsStaleRoutes) {
  rib_.peer_down(1, PeerDown::kGraceful);
  rib_.end_graceful_restart(1);
  EXPECT_EQ(rib_.prefix_count(), 0u);
  EXPECT_EQ(rib_.take_best_path_changes().size(), 3u);
}

TEST_F(RibGracefulRestartTest, ForwardingStateLostMeansStaleRoutesGoAtOnce) {
  rib_.peer_down(1, PeerDown::kGraceful);
  ASSERT_TRUE(rib_.peer_up(1, gr_session(false)).ok());
  EXPECT_EQ(rib_.prefix_count(), 0u);
}

TEST_F(RibGracefulRestartTest, HardDownWithdrawsAtOnce) {
  rib_.peer_down(1, PeerDown::kHard);
  EXPECT_EQ(rib_.prefix_count(), 0u);
  const auto changes = rib_.take_best_path_changes();
  ASSERT_EQ(changes.size(), 3u);
  for (const auto& c : changes)
    EXPECT_FALSE(c.best);
}

TEST_F(RibInboundTest, GracefulDownWithoutTheCapabilityIsHard) {
  add(peer_config(1, "10.0.0.2", 65001), "10.0.0.2");
  feed(1, announce({"203.0.113.0/24"}, attrs({65001})));
  rib_.peer_down(1, PeerDown::kGraceful);
  EXPECT_EQ(rib_.prefix_count(), 0u);
}

TEST_F(RibInboundTest, ImportPolicyChangesAreReRun) {
  auto c = peer_config(1, "10.0.0.2", 65001);
  add(c, "10.0.0.2");
  feed(1, announce({"203.0.113.0/24", "198.18.0.0/24"}, attrs({65001})));
  Term only_doc;
  only_doc.match.prefixes = {{pfx("203.0.113.0/24"), std::nullopt, std::nullopt}};
  only_doc.actions.set_local_pref = 250;
  c.import_policy = Policy{{only_doc}, Verdict::kReject};
  ASSERT_TRUE(rib_.update_peer(c).ok());
  EXPECT_EQ(rib_.best_path(pfx("203.0.113.0/24"))->attributes->local_pref, 250u);
  EXPECT_FALSE(rib_.best_path(pfx("198.18.0.0/24")));
  EXPECT_EQ(rib_.counters(1)->received, 2u);
  EXPECT_EQ(rib_.counters(1)->accepted, 1u);
  c.import_policy = Policy::accept_all();
  ASSERT_TRUE(rib_.update_peer(c).ok());
  EXPECT_TRUE(rib_.best_path(pfx("198.18.0.0/24")));
  EXPECT_EQ(rib_.best_path(pfx("203.0.113.0/24"))->attributes->local_pref, 100u);
}

}  // namespace
}  // namespace tabby::bgp
