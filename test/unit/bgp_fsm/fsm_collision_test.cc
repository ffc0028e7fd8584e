// Connection collision detection (RFC 4271 6.8): the pure decision with both identifier
// orders, and two Fsm instances for one peer resolved the way the shell will do it.

#include "tabby/bgp/fsm_collision.h"

#include <gtest/gtest.h>

#include "fsm_test_support.h"

namespace tabby::bgp {
namespace {

using namespace test;
using E = EventType;
constexpr auto kLocally = ConnectionOrigin::kInitiatedLocally;
constexpr auto kByPeer = ConnectionOrigin::kAcceptedFromPeer;

TEST(CollisionSurvivor, HigherIdentifierKeepsTheConnectionItInitiated) {
  EXPECT_EQ(collision_survivor(20, 10, 1, 1), kLocally);
  EXPECT_EQ(collision_survivor(10, 20, 1, 1), kByPeer);
  // Compared as unsigned host-order numbers: 192.0.2.1 is above 10.0.0.1.
  EXPECT_EQ(collision_survivor(0xc0000201, 0x0a000001, 1, 1), kLocally);
}

TEST(CollisionSurvivor, EqualIdentifiersFallBackToTheAsNumber) {
  EXPECT_EQ(collision_survivor(7, 7, 65001, 65000), kLocally);
  EXPECT_EQ(collision_survivor(7, 7, 65000, 65001), kByPeer);
}

struct CollisionCase {
  const char* name;
  uint32_t local_id;
  uint32_t remote_id;
  ConnectionOrigin receiving;
  ConnectionOrigin other;
  State other_state;
  bool detect_established;
  CollisionVerdict verdict;
};

class ResolveCollision : public ::testing::TestWithParam<CollisionCase> {};

TEST_P(ResolveCollision, Verdict) {
  const CollisionCase& c = GetParam();
  CollisionInput input;
  input.local_bgp_identifier = c.local_id;
  input.local_as = kLocalAs;
  input.remote_bgp_identifier = c.remote_id;
  input.remote_as = kPeerAs;
  input.receiving_origin = c.receiving;
  input.other_origin = c.other;
  input.other_state = c.other_state;
  input.collision_detect_established_state = c.detect_established;
  const CollisionDecision decision = resolve_collision(input);
  EXPECT_EQ(decision.verdict, c.verdict);
  if (c.verdict == CollisionVerdict::kNoCollision) {
    EXPECT_EQ(decision.notification, std::nullopt);
  } else {
    EXPECT_EQ(decision.notification, (Notification{6, 7, {}}));
  }
}

using V = CollisionVerdict;
INSTANTIATE_TEST_SUITE_P(
    Rfc4271Section6_8, ResolveCollision,
    ::testing::Values(
        // The other connection does not know the peer's identifier yet: no collision.
        CollisionCase{"OtherIdle", 1, 2, kByPeer, kLocally, State::kIdle, false, V::kNoCollision},
        CollisionCase{"OtherConnect", 1, 2, kByPeer, kLocally, State::kConnect, false,
                      V::kNoCollision},
        CollisionCase{"OtherActive", 1, 2, kByPeer, kLocally, State::kActive, false,
                      V::kNoCollision},
        CollisionCase{"OtherOpenSent", 1, 2, kByPeer, kLocally, State::kOpenSent, false,
                      V::kNoCollision},
        // OpenConfirm, local identifier lower: the peer's connection survives.
        CollisionCase{"LowerLocalOpenOnAccepted", 1, 2, kByPeer, kLocally, State::kOpenConfirm,
                      false, V::kCloseOther},
        CollisionCase{"LowerLocalOpenOnInitiated", 1, 2, kLocally, kByPeer, State::kOpenConfirm,
                      false, V::kCloseReceiving},
        // OpenConfirm, local identifier higher: our connection survives.
        CollisionCase{"HigherLocalOpenOnAccepted", 2, 1, kByPeer, kLocally, State::kOpenConfirm,
                      false, V::kCloseReceiving},
        CollisionCase{"HigherLocalOpenOnInitiated", 2, 1, kLocally, kByPeer, State::kOpenConfirm,
                      false, V::kCloseOther},
        // Established: the new connection goes, whoever has the higher identifier ...
        CollisionCase{"EstablishedLowerLocal", 1, 2, kByPeer, kLocally, State::kEstablished, false,
                      V::kCloseReceiving},
        CollisionCase{"EstablishedHigherLocal", 2, 1, kLocally, kByPeer, State::kEstablished, false,
                      V::kCloseReceiving},
        // ... unless CollisionDetectEstablishedState lets the identifiers decide.
        CollisionCase{"EstablishedDetectLowerLocal", 1, 2, kByPeer, kLocally, State::kEstablished,
                      true, V::kCloseOther},
        CollisionCase{"EstablishedDetectHigherLocal", 2, 1, kByPeer, kLocally, State::kEstablished,
                      true, V::kCloseReceiving},
        // Two connections the same way round: the newer one gives way.
        CollisionCase{"SameOrigin", 1, 2, kByPeer, kByPeer, State::kOpenConfirm, false,
                      V::kCloseReceiving}),
    [](const ::testing::TestParamInfo<CollisionCase>& p) { return p.param.name; });

// Both connections of one peer, each with its own Fsm, as the shell runs them: ours reaches
// OpenConfirm first, then the peer's OPEN arrives on the connection it opened to us.
struct TwoConnections {
  Fsm initiated = make_fsm();
  Fsm accepted = make_fsm();

  explicit TwoConnections(uint32_t peer_id) {
    const TimePoint t0 = at(seconds(0));
    (void)initiated.handle(ev(E::kManualStart), t0);
    (void)initiated.handle(ev(E::kTcpCrAcked), t0);
    (void)initiated.handle(Event::open_received({4, kPeerAs, 90, peer_id}), t0);
    (void)accepted.handle(ev(E::kManualStartWithPassiveTcpEstablishment), t0);
    (void)accepted.handle(ev(E::kTcpConnectionConfirmed), t0);
  }

  CollisionDecision open_arrives_on_accepted(uint32_t peer_id) {
    CollisionInput input;
    input.local_bgp_identifier = kLocalId;
    input.local_as = kLocalAs;
    input.remote_bgp_identifier = peer_id;
    input.remote_as = kPeerAs;
    input.receiving_origin = kByPeer;
    input.other_origin = kLocally;
    input.other_state = initiated.state();
    return resolve_collision(input);
  }
};

TEST(CollisionBetweenTwoFsms, PeerWithHigherIdentifierKeepsItsConnection) {
  const uint32_t peer_id = kLocalId + 1;
  TwoConnections peer(peer_id);
  ASSERT_EQ(peer.initiated.state(), State::kOpenConfirm);
  ASSERT_EQ(peer.accepted.state(), State::kOpenSent);

  const CollisionDecision decision = peer.open_arrives_on_accepted(peer_id);
  ASSERT_EQ(decision.verdict, CollisionVerdict::kCloseOther);
  const FsmActions dumped = peer.initiated.handle(ev(E::kOpenCollisionDump), at(seconds(1)));
  EXPECT_EQ(sent_notification(dumped), (Notification{6, 7, {}}));
  EXPECT_TRUE(contains<DropTcp>(dumped));
  EXPECT_FALSE(contains<SessionDown>(dumped));
  EXPECT_EQ(peer.initiated.state(), State::kIdle);

  // The surviving connection carries on to Established.
  (void)peer.accepted.handle(Event::open_received({4, kPeerAs, 90, peer_id}), at(seconds(1)));
  (void)peer.accepted.handle(ev(E::kKeepAliveMsg), at(seconds(1)));
  EXPECT_EQ(peer.accepted.state(), State::kEstablished);
}

TEST(CollisionBetweenTwoFsms, LowerPeerIdentifierLosesItsConnection) {
  const uint32_t peer_id = kLocalId - 1;
  TwoConnections peer(peer_id);
  const CollisionDecision decision = peer.open_arrives_on_accepted(peer_id);
  ASSERT_EQ(decision.verdict, CollisionVerdict::kCloseReceiving);
  // The OPEN that collided is not processed; the receiving Fsm is dumped instead.
  const FsmActions dumped = peer.accepted.handle(ev(E::kOpenCollisionDump), at(seconds(1)));
  EXPECT_EQ(sent_notification(dumped), (Notification{6, 7, {}}));
  EXPECT_EQ(peer.accepted.state(), State::kIdle);
  (void)peer.initiated.handle(ev(E::kKeepAliveMsg), at(seconds(1)));
  EXPECT_EQ(peer.initiated.state(), State::kEstablished);
}

TEST(CollisionBetweenTwoFsms, DumpingAnEstablishedSessionTellsTheRib) {
  Fsm established = make_fsm();
  drive_to(established, State::kEstablished);
  const FsmActions dumped = established.handle(ev(E::kOpenCollisionDump), at(seconds(1)));
  EXPECT_TRUE(contains<SessionDown>(dumped));
  EXPECT_EQ(sent_notification(dumped), (Notification{6, 7, {}}));
}

}  // namespace
}  // namespace tabby::bgp
