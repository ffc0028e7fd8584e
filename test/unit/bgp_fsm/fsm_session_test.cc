// Whole sessions on the fake clock: an active peer coming up, keepalives over simulated
// minutes, hold expiry, reconnection with exponential idle-hold back-off, a passive peer,
// DelayOpen, hold time 0, jitter and the clock contract of handle() and advance().

#include <gtest/gtest.h>

#include <algorithm>

#include "fsm_test_support.h"

namespace tabby::bgp {
namespace {

using namespace test;
using E = EventType;
using std::chrono::minutes;

// Runs the clock from `from` to `to` in steps of `step`, calling advance() like a shell that
// wakes up late, and returns every action.
FsmActions run_clock(Fsm& fsm, Duration from, Duration to, Duration step) {
  FsmActions all;
  for (Duration t = from; t <= to; t += step) {
    for (auto& a : fsm.advance(at(t)))
      all.push_back(a);
  }
  return all;
}

// Brings an active session up at `start`: connect, OPEN from the peer, KEEPALIVE.
void establish(Fsm& fsm, Duration start, uint16_t peer_hold = 90) {
  (void)fsm.handle(ev(E::kTcpCrAcked), at(start));
  (void)fsm.handle(Event::open_received(peer_open(peer_hold)), at(start + milliseconds(10)));
  const FsmActions up = fsm.handle(ev(E::kKeepAliveMsg), at(start + milliseconds(20)));
  ASSERT_TRUE(contains<SessionEstablished>(up));
  ASSERT_EQ(fsm.state(), State::kEstablished);
}

TEST(FsmSession, ActivePeerComesUpKeepsAliveThenExpiresAndReconnects) {
  Fsm fsm = make_fsm();
  ASSERT_EQ(fsm.handle(ev(E::kManualStart), at(seconds(0))),
            (FsmActions{StartTimer{TimerId::kConnectRetry, seconds(5)}, ConnectTcp{}}));
  // Our OPEN goes out as soon as TCP is up, before anything from the peer.
  const FsmActions tcp_up = fsm.handle(ev(E::kTcpCrAcked), at(seconds(1)));
  ASSERT_TRUE(contains<SendOpen>(tcp_up));
  ASSERT_EQ(fsm.state(), State::kOpenSent);
  const FsmActions open = fsm.handle(Event::open_received(peer_open(90)), at(seconds(2)));
  ASSERT_EQ(open.front(), Action{SendKeepalive{}});
  ASSERT_EQ(fsm.state(), State::kOpenConfirm);
  (void)fsm.handle(ev(E::kKeepAliveMsg), at(seconds(3)));
  ASSERT_EQ(fsm.state(), State::kEstablished);
  EXPECT_EQ(fsm.negotiated(), (NegotiatedTimers{seconds(90), seconds(30)}));

  // Ten minutes: the peer sends a KEEPALIVE every 30 s, we send ours every 30 s from when
  // the OPEN was answered (t = 2 s): at 32, 62, ..., 602 s.
  int sent = 0;
  for (int t = 4; t <= 603; ++t) {
    if (t % 30 == 0) {
      const FsmActions a = fsm.handle(ev(E::kKeepAliveMsg), at(seconds(t)));
      sent += count<SendKeepalive>(a);
    }
    sent += count<SendKeepalive>(fsm.advance(at(seconds(t))));
  }
  EXPECT_EQ(sent, 20);
  EXPECT_EQ(fsm.state(), State::kEstablished);
  EXPECT_EQ(fsm.deadline(TimerId::kKeepalive), at(seconds(632)));

  // The peer falls silent after its KEEPALIVE at 600 s: the hold timer runs out at 690 s.
  const FsmActions before = run_clock(fsm, seconds(604), seconds(689), seconds(1));
  EXPECT_EQ(fsm.state(), State::kEstablished);
  EXPECT_EQ(count<SendKeepalive>(before), 2);  // 632 and 662
  const FsmActions expiry = fsm.advance(at(seconds(690)));
  EXPECT_EQ(fsm.state(), State::kIdle);
  EXPECT_EQ(sent_notification(expiry), (Notification{4, 0, {}}));
  EXPECT_TRUE(contains<SessionDown>(expiry));
  EXPECT_EQ(expiry.back(), (Action{StartTimer{TimerId::kIdleHold, seconds(5)}}));
  EXPECT_EQ(fsm.last_notification_sent(), (Notification{4, 0, {}}));

  // After the idle hold time it starts again by itself.
  EXPECT_EQ(fsm.advance(at(seconds(694))), FsmActions{});
  const FsmActions restart = fsm.advance(at(seconds(695)));
  EXPECT_EQ(fsm.state(), State::kConnect);
  EXPECT_EQ(restart, (FsmActions{StartTimer{TimerId::kConnectRetry, seconds(5)}, ConnectTcp{}}));
}

TEST(FsmSession, RepeatedFailuresDoubleTheIdleHoldTimeUpToTheCap) {
  FsmConfig config = test_config();
  config.idle_hold = {seconds(5), seconds(30), seconds(300)};
  Fsm fsm = make_fsm(config);
  (void)fsm.handle(ev(E::kManualStart), at(seconds(0)));

  Duration now = seconds(0);
  std::vector<Duration> waits;
  for (int attempt = 0; attempt < 6; ++attempt) {
    // The peer resets every connection with a NOTIFICATION.
    reset_by_peer(fsm, at(now));
    ASSERT_EQ(fsm.state(), State::kIdle);
    const auto deadline = fsm.deadline(TimerId::kIdleHold);
    ASSERT_TRUE(deadline.has_value());
    waits.push_back(std::chrono::duration_cast<Duration>(*deadline - at(now)));
    now = std::chrono::duration_cast<Duration>(*deadline - TimePoint{});
    (void)fsm.advance(at(now));
    ASSERT_EQ(fsm.state(), State::kConnect);
  }
  EXPECT_EQ(waits, (std::vector<Duration>{seconds(5), seconds(10), seconds(20), seconds(30),
                                          seconds(30), seconds(30)}));
  EXPECT_EQ(fsm.consecutive_failures(), 6u);
}

TEST(FsmSession, ASessionThatStayedUpResetsTheBackoffAndAShortOneDoesNot) {
  Fsm fsm = make_fsm();
  (void)fsm.handle(ev(E::kManualStart), at(seconds(0)));
  for (int i = 0; i < 3; ++i) {  // three quick failures: next wait would be 20 s
    reset_by_peer(fsm, at(seconds(0)));
    (void)fsm.handle(ev(E::kIdleHoldTimerExpires), at(seconds(0)));
  }
  ASSERT_EQ(fsm.consecutive_failures(), 3u);

  // Up for a minute only, then the peer resets it (its hold timer expired): the back-off
  // keeps growing.
  establish(fsm, seconds(100));
  (void)fsm.handle(Event::with_notification(E::kNotifMsg, {4, 0, {}}), at(seconds(160)));
  EXPECT_EQ(fsm.consecutive_failures(), 4u);
  EXPECT_EQ(fsm.deadline(TimerId::kIdleHold), at(seconds(160 + 30)));

  // Up for ten minutes (longer than forget_after = 300 s): back to the initial wait.
  (void)fsm.advance(at(seconds(190)));
  establish(fsm, seconds(192), /*peer_hold=*/0);
  (void)fsm.handle(Event::with_notification(E::kNotifMsg, {4, 0, {}}), at(seconds(800)));
  EXPECT_EQ(fsm.consecutive_failures(), 1u);
  EXPECT_EQ(fsm.deadline(TimerId::kIdleHold), at(seconds(805)));
}

TEST(FsmSession, APeerThatEndsTheSessionWithACeaseIsRedialedSoonWithoutCountingAFailure) {
  // BIRD's error wait applies to errors only: a Cease (the peer shutting down, restarting,
  // reconfigured) or a connection lost after the OPENs is no reason to wait 5 s or more.
  Fsm fsm = make_fsm();
  (void)fsm.handle(ev(E::kManualStart), at(seconds(0)));
  reset_by_peer(fsm, at(seconds(0)));  // one real error first: 2/2 Bad Peer AS
  ASSERT_EQ(fsm.consecutive_failures(), 1u);
  (void)fsm.advance(at(seconds(5)));
  establish(fsm, seconds(5));
  for (const uint8_t subcode : {2, 4, 5}) {  // administrative shutdown, reset; rejected
    const Duration now = seconds(10 * subcode);
    const auto down = fsm.handle(Event::with_notification(E::kNotifMsg, {6, subcode, {}}), at(now));
    ASSERT_EQ(fsm.state(), State::kIdle);
    EXPECT_EQ(fsm.consecutive_failures(), 1u) << "a Cease counted as a failure";
    EXPECT_NE(std::find(down.begin(), down.end(),
                        Action{StartTimer{TimerId::kIdleHold, milliseconds(500)}}),
              down.end());
    (void)fsm.advance(at(now + milliseconds(500)));
    ASSERT_EQ(fsm.state(), State::kConnect);
    establish(fsm, now + seconds(1));
  }
  // The connection lost once Established (the peer's process killed): the same.
  (void)fsm.handle(ev(E::kTcpConnectionFails), at(seconds(100)));
  EXPECT_EQ(fsm.consecutive_failures(), 1u);
  EXPECT_EQ(fsm.deadline(TimerId::kIdleHold), at(seconds(100) + milliseconds(500)));
  // A Cease before any session is up, again and again (a peer rejecting us): the waits
  // double up to ConnectRetryTime, so it is not dialed twice a second.
  (void)fsm.advance(at(seconds(101)));
  Duration now = seconds(101);
  std::vector<Duration> waits;
  for (int i = 0; i < 5; ++i) {
    (void)fsm.handle(ev(E::kTcpCrAcked), at(now));
    (void)fsm.handle(Event::with_notification(E::kNotifMsg, {6, 5, {}}), at(now));
    const auto deadline = *fsm.deadline(TimerId::kIdleHold);
    waits.push_back(std::chrono::duration_cast<Duration>(deadline - at(now)));
    now = std::chrono::duration_cast<Duration>(deadline - TimePoint{});
    (void)fsm.advance(at(now));
  }
  EXPECT_EQ(waits,
            (std::vector<Duration>{seconds(1), seconds(2), seconds(4), seconds(5), seconds(5)}));
  EXPECT_EQ(fsm.consecutive_failures(), 1u);
}

TEST(FsmSession, WithoutDampingEveryRestartWaitsTheInitialTime) {
  FsmConfig config = test_config();
  config.damp_peer_oscillations = false;
  Fsm fsm = make_fsm(config);
  (void)fsm.handle(ev(E::kManualStart), at(seconds(0)));
  for (int i = 0; i < 4; ++i) {
    reset_by_peer(fsm, at(seconds(0)));
    EXPECT_EQ(fsm.deadline(TimerId::kIdleHold), at(seconds(5)));
    (void)fsm.handle(ev(E::kIdleHoldTimerExpires), at(seconds(0)));
  }
}

TEST(FsmSession, WithoutAutomaticRestartAFailedSessionStaysIdle) {
  FsmConfig config = test_config();
  config.automatic_restart = false;
  Fsm fsm = make_fsm(config);
  (void)fsm.handle(ev(E::kManualStart), at(seconds(0)));
  reset_by_peer(fsm, at(seconds(1)));
  EXPECT_EQ(fsm.state(), State::kIdle);
  EXPECT_EQ(fsm.next_deadline(), std::nullopt);
}

TEST(FsmSession, DampedAutomaticStartWaitsOutTheBackoff) {
  FsmConfig config = test_config();
  config.automatic_restart = false;  // the owner restarts it, with event 6
  Fsm fsm = make_fsm(config);
  // No failures yet: starts at once.
  (void)fsm.handle(ev(E::kAutomaticStartWithDampPeerOscillations), at(seconds(0)));
  EXPECT_EQ(fsm.state(), State::kConnect);
  reset_by_peer(fsm, at(seconds(1)));
  (void)fsm.handle(ev(E::kAutomaticStart), at(seconds(1)));
  reset_by_peer(fsm, at(seconds(2)));
  ASSERT_EQ(fsm.consecutive_failures(), 2u);

  const FsmActions wait = fsm.handle(
      ev(E::kAutomaticStartWithDampPeerOscillationsAndPassiveTcpEstablishment), at(seconds(3)));
  EXPECT_EQ(wait, (FsmActions{StartTimer{TimerId::kIdleHold, seconds(10)}}));
  EXPECT_EQ(fsm.state(), State::kIdle);
  EXPECT_EQ(fsm.advance(at(seconds(13))), FsmActions{});  // passive start: nothing to do but listen
  EXPECT_EQ(fsm.state(), State::kActive);
}

TEST(FsmSession, ManualStopInIdleCancelsAPendingRestartAndForgetsFailures) {
  Fsm fsm = make_fsm();
  (void)fsm.handle(ev(E::kManualStart), at(seconds(0)));
  reset_by_peer(fsm, at(seconds(1)));
  ASSERT_TRUE(fsm.timer_running(TimerId::kIdleHold));
  EXPECT_EQ(fsm.handle(ev(E::kManualStop), at(seconds(2))),
            FsmActions{StopTimer{TimerId::kIdleHold}});
  EXPECT_EQ(fsm.next_deadline(), std::nullopt);
  EXPECT_EQ(fsm.consecutive_failures(), 0u);
  EXPECT_EQ(fsm.advance(at(minutes(10))), FsmActions{});
  EXPECT_EQ(fsm.state(), State::kIdle);
}

TEST(FsmSession, PassivePeerWaitsForTheConnectionAndNeverConnectsOut) {
  Fsm fsm = make_fsm();
  (void)fsm.handle(ev(E::kManualStartWithPassiveTcpEstablishment), at(seconds(0)));
  EXPECT_TRUE(run_clock(fsm, seconds(0), minutes(10), seconds(1)).empty());
  EXPECT_EQ(fsm.state(), State::kActive);

  const FsmActions accepted = fsm.handle(ev(E::kTcpConnectionConfirmed), at(minutes(10)));
  EXPECT_TRUE(contains<SendOpen>(accepted));
  EXPECT_FALSE(contains<ConnectTcp>(accepted));
  EXPECT_EQ(fsm.state(), State::kOpenSent);

  // The connection dies before the OPEN: back to listening, still without connecting out.
  const FsmActions failed = fsm.handle(ev(E::kTcpConnectionFails), at(minutes(10) + seconds(1)));
  EXPECT_EQ(failed, (FsmActions{StopTimer{TimerId::kHold}, DropTcp{}}));
  EXPECT_EQ(fsm.state(), State::kActive);
  EXPECT_EQ(fsm.next_deadline(), std::nullopt);

  // A failure in Active restarts passively too.
  (void)fsm.handle(ev(E::kTcpConnectionConfirmed), at(minutes(11)));
  (void)fsm.handle(Event::with_notification(E::kNotifMsg, {6, 5, {}}), at(minutes(11)));
  ASSERT_EQ(fsm.state(), State::kIdle);
  const FsmActions restart = run_clock(fsm, minutes(11), minutes(12), seconds(1));
  EXPECT_FALSE(contains<ConnectTcp>(restart));
  EXPECT_EQ(fsm.state(), State::kActive);
}

TEST(FsmSession, OpenSentWaitsFourMinutesForTheOpen) {
  Fsm fsm = make_fsm();
  drive_to(fsm, State::kOpenSent);
  EXPECT_TRUE(run_clock(fsm, seconds(1), seconds(239), seconds(1)).empty());
  const FsmActions expiry = fsm.advance(at(seconds(240)));
  EXPECT_EQ(sent_notification(expiry), (Notification{4, 0, {}}));
  EXPECT_EQ(fsm.state(), State::kIdle);
}

TEST(FsmSession, OpenConfirmKeepsAliveUntilTheHoldTimerRunsOut) {
  Fsm fsm = make_fsm();
  drive_to(fsm, State::kOpenConfirm);  // at 0 s, negotiated 90 / 30
  const FsmActions waiting = run_clock(fsm, seconds(1), seconds(89), seconds(1));
  EXPECT_EQ(count<SendKeepalive>(waiting), 2);  // 30 and 60 s
  EXPECT_EQ(fsm.state(), State::kOpenConfirm);
  EXPECT_EQ(sent_notification(fsm.advance(at(seconds(90)))), (Notification{4, 0, {}}));
}

class DelayOpen : public ::testing::Test {
 protected:
  DelayOpen() {
    FsmConfig config = test_config();
    config.delay_open_time = seconds(10);
    fsm_.emplace(make_fsm(config));
    (void)fsm_->handle(ev(E::kManualStart), at(seconds(0)));
  }
  std::optional<Fsm> fsm_;
};

TEST_F(DelayOpen, TcpUpStartsTheDelayInsteadOfSendingOpen) {
  EXPECT_EQ(fsm_->handle(ev(E::kTcpCrAcked), at(seconds(1))),
            (FsmActions{StopTimer{TimerId::kConnectRetry},
                        StartTimer{TimerId::kDelayOpen, seconds(10)}}));
  EXPECT_EQ(fsm_->state(), State::kConnect);
}

TEST_F(DelayOpen, ThePeersOpenWithinTheDelayIsAnsweredWithOpenThenKeepalive) {
  (void)fsm_->handle(ev(E::kTcpCrAcked), at(seconds(1)));
  // The shell sends the plain BGPOpen; the Fsm knows its DelayOpenTimer runs.
  EXPECT_EQ(fsm_->handle(Event::open_received(peer_open(90)), at(seconds(4))),
            (FsmActions{StopTimer{TimerId::kDelayOpen}, SendOpen{local_open(test_config())},
                        SendKeepalive{}, StartTimer{TimerId::kKeepalive, seconds(30)},
                        StartTimer{TimerId::kHold, seconds(90)}}));
  EXPECT_EQ(fsm_->state(), State::kOpenConfirm);
}

TEST_F(DelayOpen, WithoutAnOpenOursGoesOutWhenTheDelayEnds) {
  (void)fsm_->handle(ev(E::kTcpCrAcked), at(seconds(1)));
  EXPECT_EQ(fsm_->advance(at(seconds(10))), FsmActions{});
  EXPECT_EQ(fsm_->advance(at(seconds(11))), (FsmActions{SendOpen{local_open(test_config())},
                                                        StartTimer{TimerId::kHold, minutes(4)}}));
  EXPECT_EQ(fsm_->state(), State::kOpenSent);
}

TEST_F(DelayOpen, TcpFailureDuringTheDelayFallsBackToActive) {
  (void)fsm_->handle(ev(E::kTcpCrAcked), at(seconds(1)));
  EXPECT_EQ(fsm_->handle(ev(E::kTcpConnectionFails), at(seconds(2))),
            (FsmActions{StopTimer{TimerId::kDelayOpen}, DropTcp{},
                        StartTimer{TimerId::kConnectRetry, seconds(5)}}));
  EXPECT_EQ(fsm_->state(), State::kActive);
  EXPECT_EQ(fsm_->connect_retry_counter(), 0u);
}

TEST_F(DelayOpen, AnUnacceptableOpenIsRefusedSilentlyUnlessAllowedBeforeOurOpen) {
  (void)fsm_->handle(ev(E::kTcpCrAcked), at(seconds(1)));
  const FsmActions silent = fsm_->handle(Event::open_received(peer_open(2)), at(seconds(2)));
  EXPECT_FALSE(sent_notification(silent).has_value());
  EXPECT_EQ(fsm_->state(), State::kIdle);

  FsmConfig config = test_config();
  config.delay_open_time = seconds(10);
  config.send_notification_without_open = true;
  Fsm talkative = make_fsm(config);
  (void)talkative.handle(ev(E::kManualStart), at(seconds(0)));
  (void)talkative.handle(ev(E::kTcpCrAcked), at(seconds(1)));
  const FsmActions told = talkative.handle(Event::open_received(peer_open(2)), at(seconds(2)));
  EXPECT_EQ(sent_notification(told), (Notification{2, 6, {}}));
}

TEST_F(DelayOpen, AVersionNotificationDuringTheDelayDoesNotCountAsAFailedRetry) {
  (void)fsm_->handle(ev(E::kTcpCrAcked), at(seconds(1)));
  (void)fsm_->handle(Event::with_notification(E::kNotifMsgVerErr, {2, 1, {0, 3}}), at(seconds(2)));
  EXPECT_EQ(fsm_->state(), State::kIdle);
  EXPECT_EQ(fsm_->connect_retry_counter(), 0u);
  EXPECT_EQ(fsm_->last_notification_received(), (Notification{2, 1, {0, 3}}));
}

TEST(FsmDelayOpenPassive, ManualStopDuringTheDelaySendsCeaseOnlyIfAllowed) {
  for (bool allowed : {false, true}) {
    SCOPED_TRACE(allowed);
    FsmConfig config = test_config();
    config.delay_open_time = seconds(10);
    config.send_notification_without_open = allowed;
    Fsm fsm = make_fsm(config);
    (void)fsm.handle(ev(E::kManualStartWithPassiveTcpEstablishment), at(seconds(0)));
    (void)fsm.handle(ev(E::kTcpConnectionConfirmed), at(seconds(1)));
    ASSERT_EQ(fsm.state(), State::kActive);
    ASSERT_TRUE(fsm.timer_running(TimerId::kDelayOpen));
    const FsmActions stop = fsm.handle(ev(E::kManualStop), at(seconds(2)));
    EXPECT_EQ(fsm.state(), State::kIdle);
    if (allowed) {
      EXPECT_EQ(sent_notification(stop), (Notification{6, 2, {}}));
    } else {
      EXPECT_EQ(sent_notification(stop), std::nullopt);
    }
  }
}

TEST(FsmSession, HoldTimeZeroMeansNoKeepalivesAndNoExpiry) {
  Fsm fsm = make_fsm();
  drive_to(fsm, State::kOpenSent);
  const FsmActions open = fsm.handle(Event::open_received(peer_open(0)), at(seconds(1)));
  // Only the answer to the OPEN; the four-minute OpenSent hold timer stops.
  EXPECT_EQ(open, (FsmActions{SendKeepalive{}, StopTimer{TimerId::kHold}}));
  const FsmActions up = fsm.handle(ev(E::kKeepAliveMsg), at(seconds(2)));
  EXPECT_EQ(up, (FsmActions{SessionEstablished{peer_open(0), Duration{0}, Duration{0}}}));
  EXPECT_EQ(fsm.next_deadline(), std::nullopt);
  EXPECT_TRUE(run_clock(fsm, seconds(2), std::chrono::hours(2), seconds(7)).empty());
  EXPECT_EQ(fsm.state(), State::kEstablished);
}

TEST(FsmSession, OurHoldTimeZeroWinsOverThePeers) {
  FsmConfig config = test_config();
  config.hold_time_seconds = 0;
  Fsm fsm = make_fsm(config);
  drive_to(fsm, State::kEstablished);
  EXPECT_EQ(fsm.negotiated(), (NegotiatedTimers{Duration{0}, Duration{0}}));
  EXPECT_EQ(fsm.next_deadline(), std::nullopt);
}

TEST(FsmSession, PeerOpenValuesAreCheckedWithTheRightOpenErrors) {
  struct Case {
    const char* what;
    OpenValues open;
    Notification expected;
  };
  const Case cases[] = {
      {"version 3", {3, kPeerAs, 90, kPeerId}, {2, 1, {0, 4}}},
      {"wrong AS", {4, 65000, 90, kPeerId}, {2, 2, {}}},
      {"AS 0", {4, 0, 90, kPeerId}, {2, 2, {}}},
      {"identifier 0", {4, kPeerAs, 90, 0}, {2, 3, {}}},
      {"hold 1", {4, kPeerAs, 1, kPeerId}, {2, 6, {}}},
      {"hold 2", {4, kPeerAs, 2, kPeerId}, {2, 6, {}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Fsm fsm = make_fsm();
    drive_to(fsm, State::kOpenSent);
    const FsmActions actions = fsm.handle(Event::open_received(c.open), at(seconds(1)));
    EXPECT_EQ(sent_notification(actions), c.expected);
    EXPECT_EQ(fsm.state(), State::kIdle);
    EXPECT_EQ(fsm.connect_retry_counter(), 1u);
  }
}

TEST(FsmSession, HoldTimesOfThreeAndMoreAreAccepted) {
  for (uint16_t hold : {3, 4, 9, 65535}) {
    Fsm fsm = make_fsm();
    drive_to(fsm, State::kOpenSent);
    (void)fsm.handle(Event::open_received(peer_open(hold)), at(seconds(1)));
    EXPECT_EQ(fsm.state(), State::kOpenConfirm) << hold;
  }
}

TEST(FsmSession, SameIdentifierIsRefusedOnlyWithinTheAs) {
  FsmConfig ibgp = test_config();
  ibgp.peer_as = kLocalAs;
  Fsm fsm = make_fsm(ibgp);
  drive_to(fsm, State::kOpenSent);
  const FsmActions refused =
      fsm.handle(Event::open_received({4, kLocalAs, 90, kLocalId}), at(seconds(1)));
  EXPECT_EQ(sent_notification(refused), (Notification{2, 3, {}}));

  Fsm ebgp = make_fsm();  // RFC 6286: an eBGP peer may share our identifier
  drive_to(ebgp, State::kOpenSent);
  (void)ebgp.handle(Event::open_received({4, kPeerAs, 90, kLocalId}), at(seconds(1)));
  EXPECT_EQ(ebgp.state(), State::kOpenConfirm);
}

TEST(FsmSession, AcceptOpenPolicyCanRefuseAnOpen) {
  FsmConfig config = test_config();
  config.peer_as = 0;  // any AS, the policy decides
  config.accept_open = [](const OpenValues& open) -> std::optional<Notification> {
    if (open.peer_as == 64999) return Notification{2, 2, {}};
    return std::nullopt;
  };
  Fsm refused = make_fsm(config);
  drive_to(refused, State::kOpenSent);
  EXPECT_EQ(sent_notification(
                refused.handle(Event::open_received({4, 64999, 90, kPeerId}), at(seconds(1)))),
            (Notification{2, 2, {}}));
  Fsm accepted = make_fsm(config);
  drive_to(accepted, State::kOpenSent);
  (void)accepted.handle(Event::open_received({4, 65001, 90, kPeerId}), at(seconds(1)));
  EXPECT_EQ(accepted.state(), State::kOpenConfirm);
}

TEST(FsmSession, JitterShortensConnectRetryAndKeepaliveButNotHold) {
  double r = 0.0;
  Fsm fsm = make_fsm(test_config(), [&r] { return r; });
  r = 0.0;  // factor 0.75
  EXPECT_EQ(fsm.handle(ev(E::kManualStart), at(seconds(0))).front(),
            (Action{StartTimer{TimerId::kConnectRetry, milliseconds(3750)}}));
  (void)fsm.handle(ev(E::kTcpCrAcked), at(seconds(1)));
  r = 0.5;  // factor 0.875
  const FsmActions open = fsm.handle(Event::open_received(peer_open(90)), at(seconds(2)));
  EXPECT_EQ(open, (FsmActions{SendKeepalive{}, StartTimer{TimerId::kKeepalive, milliseconds(26250)},
                              StartTimer{TimerId::kHold, seconds(90)}}));
}

TEST(FsmSession, HandleFiresDueTimersBeforeTheEvent) {
  Fsm fsm = make_fsm();
  drive_to(fsm, State::kEstablished);  // hold 90 s from 0
  // A KEEPALIVE that arrives after the hold time has passed does not revive the session.
  const FsmActions late = fsm.handle(ev(E::kKeepAliveMsg), at(seconds(91)));
  EXPECT_EQ(sent_notification(late), (Notification{4, 0, {}}));
  EXPECT_EQ(fsm.state(), State::kIdle);
}

TEST(FsmSession, ALateWakeUpFiresEveryMissedExpiryWithoutDrift) {
  Fsm fsm = make_fsm();
  drive_to(fsm, State::kEstablished);                       // keepalive every 30 s from 0
  (void)fsm.handle(ev(E::kKeepAliveMsg), at(seconds(60)));  // keeps the hold timer at bay
  const FsmActions late = fsm.advance(at(seconds(65)));
  EXPECT_EQ(count<SendKeepalive>(late), 0);  // the 60 s keepalive went out with handle()
  EXPECT_EQ(fsm.deadline(TimerId::kKeepalive), at(seconds(90)));
  (void)fsm.handle(ev(E::kKeepAliveMsg), at(seconds(119)));
  EXPECT_EQ(count<SendKeepalive>(fsm.advance(at(seconds(125)))), 1);  // the one due at 120 s
  EXPECT_EQ(fsm.deadline(TimerId::kKeepalive), at(seconds(150)));
}

TEST(FsmSession, SendingUpdatesPostponesOurKeepalives) {
  Fsm fsm = make_fsm();
  drive_to(fsm, State::kEstablished);  // keepalive due at 30 s
  EXPECT_EQ(fsm.update_sent(at(seconds(20))),
            (FsmActions{StartTimer{TimerId::kKeepalive, seconds(30)}}));
  EXPECT_EQ(fsm.advance(at(seconds(49))), FsmActions{});
  EXPECT_EQ(count<SendKeepalive>(fsm.advance(at(seconds(50)))), 1);
  // Outside Established an UPDATE is not ours to send; nothing changes.
  Fsm opening = make_fsm();
  drive_to(opening, State::kOpenConfirm);
  EXPECT_EQ(opening.update_sent(at(seconds(20))), FsmActions{});
}

TEST(FsmSession, StateSinceFollowsTheClock) {
  Fsm fsm = make_fsm();
  (void)fsm.handle(ev(E::kManualStart), at(seconds(3)));
  EXPECT_EQ(fsm.state_since(), at(seconds(3)));
  (void)fsm.handle(ev(E::kKeepAliveMsg), at(seconds(4)));  // unexpected: back to Idle
  EXPECT_EQ(fsm.state(), State::kIdle);
  EXPECT_EQ(fsm.state_since(), at(seconds(4)));
}

TEST(FsmSession, InvalidConfigurationIsRefusedNamingTheField) {
  FsmConfig config = test_config();
  config.hold_time_seconds = 2;
  auto fsm = Fsm::create(config, no_jitter(), at(seconds(0)));
  ASSERT_FALSE(fsm.ok());
  EXPECT_NE(fsm.error().message.find("hold_time_seconds is 2"), std::string::npos);

  config = test_config();
  config.local_bgp_identifier = 0;
  EXPECT_FALSE(Fsm::create(config, no_jitter(), at(seconds(0))).ok());
  config = test_config();
  config.idle_hold.max = seconds(1);
  EXPECT_FALSE(Fsm::create(config, no_jitter(), at(seconds(0))).ok());
  EXPECT_FALSE(Fsm::create(test_config(), UniformRandom{}, at(seconds(0))).ok());
}

}  // namespace
}  // namespace tabby::bgp
