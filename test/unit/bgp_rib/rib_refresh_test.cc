// Tables sent again: a ROUTE-REFRESH answered with the group's whole table of the family to
// that peer alone (between BoRR and EoRR when enhanced route refresh was negotiated), the
// peer's own enhanced refresh to us (stale at BoRR, swept at EoRR), and the restarting
// speaker's deferred advertisement (RFC 4724 section 4.1).

#include <gtest/gtest.h>

#include "rib_test_support.h"

namespace tabby::bgp {
namespace {

using namespace testing;

// The messages of a stream, each an UPDATE or a ROUTE-REFRESH (BoRR/EoRR), in order.
std::vector<Message> decode_all(const std::vector<EncodedUpdate>& encoded) {
  std::vector<Message> out;
  for (const auto& bytes : encoded) {
    auto decoded = decode_message(*bytes, session("0.0.0.1").receive);
    EXPECT_TRUE(decoded.ok()) << decoded.error().description;
    if (decoded.ok()) out.push_back(decoded->message);
  }
  return out;
}

std::optional<RouteRefreshSubtype> demarcation(const Message& message) {
  const auto* refresh = std::get_if<RouteRefreshMessage>(&message);
  if (!refresh) return std::nullopt;
  return refresh->subtype;
}

// The UPDATEs of a stream (its ROUTE-REFRESH messages left out), learned in order.
Learned learn_updates(const std::vector<EncodedUpdate>& encoded) {
  std::vector<EncodedUpdate> updates;
  for (const auto& bytes : encoded) {
    auto decoded = decode_message(*bytes, session("0.0.0.1").receive);
    if (decoded.ok() && std::holds_alternative<UpdateMessage>(decoded->message))
      updates.push_back(bytes);
  }
  Learned learned;
  learn(learned, updates);
  return learned;
}

class RibRefreshTest : public ::testing::Test {
 protected:
  RibRefreshTest() : rib_(rib_config()) {
    // Peer 1 is the source of the routes; 2 and 3 share one update group.
    for (auto [id, address, as] :
         {std::tuple{1, "10.0.0.2", 65001}, {2, "10.0.0.3", 65002}, {3, "10.0.0.4", 65003}}) {
      EXPECT_TRUE(rib_.add_peer(peer_config(static_cast<PeerId>(id), address,
                                            static_cast<std::uint32_t>(as)))
                      .ok());
    }
    EXPECT_TRUE(rib_.peer_up(1, session("10.0.0.2")).ok());
  }
  void up(PeerId id, bool enhanced) {
    PeerSession s = session("10.0.0." + std::to_string(id + 1));
    s.enhanced_route_refresh = enhanced;
    ASSERT_TRUE(rib_.peer_up(id, s).ok());
  }
  void feed(PeerId peer, const UpdateMessage& update) {
    auto r = rib_.receive_update(peer, update);
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  std::vector<EncodedUpdate> updates_of(PeerId peer) {
    auto updates = rib_.take_updates(peer);
    EXPECT_TRUE(updates.ok()) << updates.error().message;
    return updates.ok() ? *updates : std::vector<EncodedUpdate>{};
  }
  Rib rib_;
};

TEST_F(RibRefreshTest, ARefreshResendsTheFamilyToThatPeerAlone) {
  up(2, false);
  up(3, false);
  feed(1, announce({"203.0.113.0/24", "198.18.0.0/24"}, attrs({65001})));
  feed(1, announce({"2001:db8:100::/48"}, attrs({65001})));
  rib_.originate(pfx("10.100.0.0/24"), {});
  ASSERT_EQ(learn_updates(updates_of(2)).routes.size(), 4u);
  ASSERT_EQ(learn_updates(updates_of(3)).routes.size(), 4u);
  ASSERT_EQ(rib_.update_group_of(2), rib_.update_group_of(3));

  ASSERT_TRUE(rib_.refresh_peer(2, kIpv4Unicast).ok());
  const auto again = updates_of(2);
  const auto messages = decode_all(again);
  for (const auto& m : messages)
    EXPECT_FALSE(demarcation(m)) << "BoRR/EoRR without enhanced route refresh";
  const Learned learned = learn_updates(again);
  EXPECT_EQ(learned.routes.size(), 3u);  // the IPv4 routes, not the IPv6 one
  EXPECT_TRUE(learned.has("203.0.113.0/24"));
  EXPECT_TRUE(learned.has("198.18.0.0/24"));
  EXPECT_TRUE(learned.has("10.100.0.0/24"));
  EXPECT_EQ(flat(learned.at("203.0.113.0/24")), (std::vector<std::uint32_t>{65000, 65001}));
  EXPECT_TRUE(learned.end_of_ribs.empty());  // a refresh is not an initial table
  // The other member of the group gets nothing, and the group is unchanged.
  EXPECT_TRUE(updates_of(3).empty());
  EXPECT_EQ(rib_.update_group_of(2), rib_.update_group_of(3));

  // And the stream goes on for both afterwards.
  feed(1, withdraw({"198.18.0.0/24"}));
  EXPECT_EQ(learn_updates(updates_of(2)).updates.size(), 1u);
  EXPECT_EQ(learn_updates(updates_of(3)).updates.size(), 1u);
}

TEST_F(RibRefreshTest, EnhancedRefreshIsWrappedInBorrAndEorr) {
  up(2, true);
  feed(1, announce({"203.0.113.0/24"}, attrs({65001})));
  feed(1, announce({"2001:db8:100::/48"}, attrs({65001})));
  updates_of(2);
  ASSERT_TRUE(rib_.refresh_peer(2, kIpv6Unicast).ok());
  const auto messages = decode_all(updates_of(2));
  ASSERT_GE(messages.size(), 3u);
  EXPECT_EQ(demarcation(messages.front()), RouteRefreshSubtype::kBeginningOfRouteRefresh);
  EXPECT_EQ(demarcation(messages.back()), RouteRefreshSubtype::kEndOfRouteRefresh);
  EXPECT_EQ(std::get<RouteRefreshMessage>(messages.front()).family, kIpv6Unicast);
  EXPECT_EQ(std::get<RouteRefreshMessage>(messages.back()).family, kIpv6Unicast);
  for (std::size_t i = 1; i + 1 < messages.size(); ++i) {
    ASSERT_TRUE(std::holds_alternative<UpdateMessage>(messages[i]));
    const auto& update = std::get<UpdateMessage>(messages[i]);
    ASSERT_TRUE(update.attributes.mp_reach);
    EXPECT_EQ(update.attributes.mp_reach->nlri.at(0).prefix, pfx("2001:db8:100::/48"));
  }
}

TEST_F(RibRefreshTest, WhatThePeerWasOwedGoesBeforeTheTable) {
  up(2, true);
  feed(1, announce({"203.0.113.0/24"}, attrs({65001})));
  updates_of(2);
  // Changes the peer has not taken yet: a withdrawal and a new route.
  feed(1, withdraw({"203.0.113.0/24"}));
  feed(1, announce({"198.18.0.0/24"}, attrs({65001, 65009})));
  ASSERT_TRUE(rib_.refresh_peer(2, kIpv4Unicast).ok());
  const auto stream = updates_of(2);
  const auto messages = decode_all(stream);
  std::size_t borr = messages.size();
  for (std::size_t i = 0; i < messages.size(); ++i)
    if (demarcation(messages[i]) == RouteRefreshSubtype::kBeginningOfRouteRefresh) borr = i;
  ASSERT_LT(borr, messages.size());
  EXPECT_GE(borr, 1u);  // the owed changes first
  EXPECT_EQ(demarcation(messages.back()), RouteRefreshSubtype::kEndOfRouteRefresh);
  const Learned learned = learn_updates(stream);
  EXPECT_FALSE(learned.has("203.0.113.0/24"));
  EXPECT_TRUE(learned.has("198.18.0.0/24"));
  EXPECT_TRUE(updates_of(2).empty());
}

TEST_F(RibRefreshTest, RefusedForAFamilyNotNegotiatedOrAPeerDown) {
  PeerSession v4_only = session("10.0.0.3");
  v4_only.families = {kIpv4Unicast};
  ASSERT_TRUE(rib_.peer_up(2, v4_only).ok());
  auto refused = rib_.refresh_peer(2, kIpv6Unicast);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("not negotiated"), std::string::npos)
      << refused.error().message;
  EXPECT_NE(refused.error().message.find("10.0.0.3"), std::string::npos);
  EXPECT_FALSE(rib_.refresh_peer(3, kIpv4Unicast).ok());   // configured, down
  EXPECT_FALSE(rib_.refresh_peer(99, kIpv4Unicast).ok());  // unknown
}

TEST_F(RibRefreshTest, ThePeersEnhancedRefreshSweepsWhatItDidNotSendAgain) {
  feed(1, announce({"203.0.113.0/24", "198.18.0.0/24"}, attrs({65001})));
  feed(1, announce({"2001:db8:100::/48"}, attrs({65001})));
  rib_.take_best_path_changes();

  ASSERT_TRUE(rib_.begin_route_refresh(1, kIpv4Unicast).ok());
  EXPECT_TRUE(rib_.best_path(pfx("203.0.113.0/24"))->stale);
  EXPECT_FALSE(rib_.best_path(pfx("2001:db8:100::/48"))->stale);  // another family
  EXPECT_TRUE(rib_.take_best_path_changes().empty());             // still in use
  feed(1, announce({"203.0.113.0/24"}, attrs({65001})));
  EXPECT_FALSE(rib_.best_path(pfx("203.0.113.0/24"))->stale);
  // An End-of-RIB in the middle (some speakers send one) does not end the refresh.
  feed(1, make_end_of_rib(kIpv4Unicast));
  EXPECT_TRUE(rib_.best_path(pfx("198.18.0.0/24")));

  ASSERT_TRUE(rib_.end_route_refresh(1, kIpv4Unicast).ok());
  EXPECT_TRUE(rib_.best_path(pfx("203.0.113.0/24")));
  EXPECT_FALSE(rib_.best_path(pfx("198.18.0.0/24")));
  EXPECT_TRUE(rib_.best_path(pfx("2001:db8:100::/48")));
  const auto changes = rib_.take_best_path_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].prefix, pfx("198.18.0.0/24"));
  EXPECT_FALSE(changes[0].best);
  EXPECT_EQ(rib_.counters(1)->received, 2u);
}

TEST_F(RibRefreshTest, AnEorrWithoutABorrChangesNothing) {
  feed(1, announce({"203.0.113.0/24"}, attrs({65001})));
  ASSERT_TRUE(rib_.end_route_refresh(1, kIpv4Unicast).ok());
  EXPECT_TRUE(rib_.best_path(pfx("203.0.113.0/24")));
  // A session that ends mid-refresh forgets it.
  ASSERT_TRUE(rib_.begin_route_refresh(1, kIpv4Unicast).ok());
  rib_.peer_down(1, PeerDown::kHard);
  EXPECT_FALSE(rib_.begin_route_refresh(1, kIpv4Unicast).ok());
  up(1, true);
  feed(1, announce({"203.0.113.0/24"}, attrs({65001})));
  ASSERT_TRUE(rib_.end_route_refresh(1, kIpv4Unicast).ok());
  EXPECT_TRUE(rib_.best_path(pfx("203.0.113.0/24")));
}

TEST_F(RibRefreshTest, DeferredAdvertisementSendsNothingThenTheWholeTableOnce) {
  rib_.defer_advertisement();
  EXPECT_TRUE(rib_.advertisement_deferred());
  rib_.originate(pfx("10.100.0.0/24"), {});
  up(2, false);
  EXPECT_TRUE(updates_of(2).empty());
  feed(1, announce({"203.0.113.0/24"}, attrs({65001})));
  rib_.originate(pfx("10.101.0.0/24"), {});
  rib_.withdraw_local(pfx("10.100.0.0/24"));
  EXPECT_TRUE(updates_of(1).empty());
  EXPECT_TRUE(updates_of(2).empty());
  // The Loc-RIB goes on meanwhile.
  EXPECT_EQ(rib_.take_best_path_changes().size(), 3u);

  ASSERT_TRUE(rib_.end_advertisement_deferral().ok());
  EXPECT_FALSE(rib_.advertisement_deferred());
  const Learned learned = take(rib_, 2);
  EXPECT_EQ(learned.routes.size(), 2u);
  EXPECT_TRUE(learned.has("203.0.113.0/24"));
  EXPECT_TRUE(learned.has("10.101.0.0/24"));
  // The table as it is now, once: no withdrawal of what was never sent, End-of-RIBs last.
  for (const auto& update : learned.updates)
    EXPECT_TRUE((update.withdrawn.empty() && !update.attributes.mp_unreach) ||
                end_of_rib_family(update));
  ASSERT_EQ(learned.end_of_ribs.size(), 2u);
  EXPECT_TRUE(end_of_rib_family(learned.updates.back()));
  EXPECT_TRUE(end_of_rib_family(learned.updates[learned.updates.size() - 2]));
  EXPECT_EQ(learned.messages, 2u + 2u);  // one UPDATE per attribute set, two End-of-RIBs
  EXPECT_TRUE(take(rib_, 1).has("10.101.0.0/24"));
  EXPECT_TRUE(updates_of(2).empty());
}

}  // namespace
}  // namespace tabby::bgp
