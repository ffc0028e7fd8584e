// Every (state, event) cell of RFC 4271 section 8.2.2: the next state, the NOTIFICATION sent
// (if any) and the ConnectRetryCounter. The table below is written from the RFC's text (and
// the deviations docs/bgp-fsm.md lists), not from the implementation; a second set of tests
// checks the exact action lists of the cells a session goes through.

#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <utility>

#include "fsm_test_support.h"

namespace tabby::bgp {
namespace {

using namespace test;
using E = EventType;

struct Cell {
  State next;
  std::optional<std::pair<int, int>> notification;  // code, subcode sent
  int connect_retry_counter;
};

constexpr auto I = State::kIdle;
constexpr auto C = State::kConnect;
constexpr auto A = State::kActive;
constexpr auto S = State::kOpenSent;
constexpr auto O = State::kOpenConfirm;
constexpr auto X = State::kEstablished;
const std::optional<std::pair<int, int>> none;
std::pair<int, int> n(int code, int subcode) {
  return {code, subcode};
}

// The NOTIFICATIONs the events carry: what the codec says to send for malformed messages,
// what the peer sent for NotifMsg / NotifMsgVerErr.
const Notification kHeaderError{1, 2, {0, 17}};
const Notification kOpenError{2, 4, {}};
const Notification kUpdateError{3, 1, {}};
const Notification kPeerVersionError{2, 1, {0, 4}};
const Notification kPeerCease{6, 2, {}};

Event event_for(int number) {
  const auto type = static_cast<EventType>(number);
  switch (type) {
    case E::kBgpOpen:
    case E::kBgpOpenWithDelayOpenTimerRunning:
      return Event{type, peer_open(), std::nullopt};
    case E::kBgpHeaderErr:
      return Event::with_notification(type, kHeaderError);
    case E::kBgpOpenMsgErr:
      return Event::with_notification(type, kOpenError);
    case E::kUpdateMsgErr:
      return Event::with_notification(type, kUpdateError);
    case E::kNotifMsgVerErr:
      return Event::with_notification(type, kPeerVersionError);
    case E::kNotifMsg:
      return Event::with_notification(type, kPeerCease);
    default:
      return Event::of(type);
  }
}

// Rows are events 1..28 in RFC order.
using Row = std::array<Cell, 28>;

const Row kIdle = {{
    {C, none, 0}, {I, none, 0}, {C, none, 0}, {A, none, 0},  // 1-4
    {A, none, 0}, {C, none, 0}, {A, none, 0}, {I, none, 0},  // 5-8
    {I, none, 0}, {I, none, 0}, {I, none, 0}, {I, none, 0},  // 9-12
    {I, none, 0}, {I, none, 0}, {I, none, 0}, {I, none, 0},  // 13-16
    {I, none, 0}, {I, none, 0}, {I, none, 0}, {I, none, 0},  // 17-20
    {I, none, 0}, {I, none, 0}, {I, none, 0}, {I, none, 0},  // 21-24
    {I, none, 0}, {I, none, 0}, {I, none, 0}, {I, none, 0},  // 25-28
}};

// Active peer, no DelayOpen. 18: a refused connect waits in Active, listening, for the peer
// or our own retry (BIRD and FRR do this; the RFC falls back to Idle).
const Row kConnect = {{
    {C, none, 0}, {I, none, 0}, {C, none, 0}, {C, none, 0},  // 1-4
    {C, none, 0}, {C, none, 0}, {C, none, 0}, {I, none, 1},  // 5-8 AutomaticStop
    {C, none, 0}, {I, none, 1}, {I, none, 1}, {S, none, 0},  // 9-12 DelayOpen expiry: OPEN
    {I, none, 1}, {C, none, 0}, {C, none, 0}, {S, none, 0},  // 13-16
    {S, none, 0}, {A, none, 0}, {I, none, 1}, {I, none, 1},  // 17-20 (no DelayOpen running)
    {I, none, 1}, {I, none, 1}, {I, none, 1}, {I, none, 1},  // 21-24 no OPEN sent: silent
    {I, none, 1}, {I, none, 1}, {I, none, 1}, {I, none, 1},  // 25-28
}};

// Passive peer: listens only, so ConnectRetryTimer_Expires changes nothing. 18 (an accepted
// connection lost during DelayOpen, or a stray report): keeps listening.
const Row kActive = {{
    {A, none, 0}, {I, none, 0}, {A, none, 0}, {A, none, 0},  // 1-4
    {A, none, 0}, {A, none, 0}, {A, none, 0}, {I, none, 1},  // 5-8
    {A, none, 0}, {I, none, 1}, {I, none, 1}, {S, none, 0},  // 9-12
    {I, none, 1}, {A, none, 0}, {A, none, 0}, {S, none, 0},  // 13-16
    {S, none, 0}, {A, none, 0}, {I, none, 1}, {I, none, 1},  // 17-20
    {I, none, 1}, {I, none, 1}, {I, none, 1}, {I, none, 1},  // 21-24
    {I, none, 1}, {I, none, 1}, {I, none, 1}, {I, none, 1},  // 25-28
}};

const Row kOpenSent = {{
    {S, none, 0},    {I, n(6, 2), 0}, {S, none, 0},    {S, none, 0},     // 1-4
    {S, none, 0},    {S, none, 0},    {S, none, 0},    {I, n(6, 0), 1},  // 5-8
    {I, n(5, 1), 1}, {I, n(4, 0), 1}, {I, n(5, 1), 1}, {I, n(5, 1), 1},  // 9-12
    {I, n(5, 1), 1}, {S, none, 0},    {S, none, 0},    {S, none, 0},     // 13-16
    {S, none, 0},    {A, none, 0},    {O, none, 0},    {O, none, 0},     // 17-20
    {I, n(1, 2), 1}, {I, n(2, 4), 1}, {I, n(6, 7), 1}, {I, none, 0},     // 21-24
    {I, none, 1},    {I, n(5, 1), 1}, {I, n(5, 1), 1}, {I, n(5, 1), 1},  // 25-28
}};

const Row kOpenConfirm = {{
    {O, none, 0},    {I, n(6, 2), 0}, {O, none, 0},    {O, none, 0},     // 1-4
    {O, none, 0},    {O, none, 0},    {O, none, 0},    {I, n(6, 0), 1},  // 5-8
    {I, n(5, 2), 1}, {I, n(4, 0), 1}, {O, none, 0},    {I, n(5, 2), 1},  // 9-12
    {I, n(5, 2), 1}, {O, none, 0},    {O, none, 0},    {O, none, 0},     // 13-16
    {O, none, 0},    {I, none, 1},    {I, n(5, 2), 1}, {I, n(5, 2), 1},  // 17-20
    {I, n(1, 2), 1}, {I, n(2, 4), 1}, {I, n(6, 7), 1}, {I, none, 0},     // 21-24
    {I, none, 1},    {X, none, 0},    {I, n(5, 2), 1}, {I, n(5, 2), 1},  // 25-28
}};

const Row kEstablished = {{
    {X, none, 0},    {I, n(6, 2), 0}, {X, none, 0},    {X, none, 0},     // 1-4
    {X, none, 0},    {X, none, 0},    {X, none, 0},    {I, n(6, 0), 1},  // 5-8
    {I, n(5, 3), 1}, {I, n(4, 0), 1}, {X, none, 0},    {I, n(5, 3), 1},  // 9-12
    {I, n(5, 3), 1}, {X, none, 0},    {X, none, 0},    {X, none, 0},     // 13-16
    {X, none, 0},    {I, none, 1},    {I, n(5, 3), 1}, {I, n(5, 3), 1},  // 17-20
    {I, n(1, 2), 1}, {I, n(5, 3), 1}, {I, n(6, 7), 1}, {I, none, 1},     // 21-24
    {I, none, 1},    {X, none, 0},    {X, none, 0},    {I, n(3, 1), 1},  // 25-28
}};

struct MatrixCase {
  State from;
  int event;
  Cell expected;
};

std::vector<MatrixCase> all_cells() {
  const std::pair<State, const Row*> rows[] = {
      {I, &kIdle},     {C, &kConnect},     {A, &kActive},
      {S, &kOpenSent}, {O, &kOpenConfirm}, {X, &kEstablished},
  };
  std::vector<MatrixCase> cases;
  for (const auto& [state, row] : rows) {
    for (int e = kFirstEventNumber; e <= kLastEventNumber; ++e) {
      cases.push_back({state, e, (*row)[static_cast<size_t>(e - 1)]});
    }
  }
  return cases;
}

class FsmMatrix : public ::testing::TestWithParam<MatrixCase> {};

TEST_P(FsmMatrix, NextStateNotificationAndCounter) {
  const MatrixCase& c = GetParam();
  Fsm fsm = make_fsm();
  drive_to(fsm, c.from);
  ASSERT_EQ(fsm.state(), c.from);
  ASSERT_EQ(fsm.connect_retry_counter(), 0u);

  const FsmActions actions = fsm.handle(event_for(c.event), at(seconds(1)));

  EXPECT_EQ(fsm.state(), c.expected.next);
  const auto sent = sent_notification(actions);
  if (c.expected.notification) {
    ASSERT_TRUE(sent.has_value()) << "expected a NOTIFICATION";
    EXPECT_EQ(sent->code, c.expected.notification->first);
    EXPECT_EQ(sent->subcode, c.expected.notification->second);
  } else {
    EXPECT_FALSE(sent.has_value()) << "sent " << to_string(*sent);
  }
  EXPECT_EQ(fsm.connect_retry_counter(), static_cast<uint32_t>(c.expected.connect_retry_counter));

  // Invariants of every cell that falls back to Idle: the connection goes, resources are
  // released after it, the RIB hears about it only if a session was up, and an automatic
  // restart is scheduled unless the event was a stop.
  const bool fell_to_idle = c.from != I && c.expected.next == I;
  if (fell_to_idle) {
    ASSERT_GE(actions.size(), 2u);
    EXPECT_EQ(actions[actions.size() - 3 + (fsm.timer_running(TimerId::kIdleHold) ? 0 : 1)],
              Action{DropTcp{}});
    EXPECT_TRUE(contains<ReleaseResources>(actions));
    EXPECT_EQ(contains<SessionDown>(actions), c.from == X);
    const bool stop = c.event == 2 || c.event == 8;
    EXPECT_EQ(fsm.timer_running(TimerId::kIdleHold), !stop);
    for (TimerId t :
         {TimerId::kConnectRetry, TimerId::kHold, TimerId::kKeepalive, TimerId::kDelayOpen}) {
      EXPECT_FALSE(fsm.timer_running(t)) << to_string(t);
    }
  } else {
    EXPECT_FALSE(contains<SessionDown>(actions));
  }
  // A NOTIFICATION always leaves before the connection is dropped.
  if (sent) {
    const auto notification_at = std::find_if(actions.begin(), actions.end(), [](const Action& a) {
      return std::holds_alternative<SendNotification>(a);
    });
    const auto drop_at = std::find(actions.begin(), actions.end(), Action{DropTcp{}});
    EXPECT_LT(notification_at, drop_at);
  }
}

INSTANTIATE_TEST_SUITE_P(Rfc4271Section8, FsmMatrix, ::testing::ValuesIn(all_cells()),
                         [](const ::testing::TestParamInfo<MatrixCase>& p) {
                           return to_string(p.param.from) + "_" + std::to_string(p.param.event) +
                                  "_" + to_string(static_cast<EventType>(p.param.event));
                         });

// The exact action lists of the cells an ordinary session goes through.

TEST(FsmActions, ManualStartInIdleStartsConnectRetryAndConnects) {
  Fsm fsm = make_fsm();
  EXPECT_EQ(fsm.handle(ev(E::kManualStart), at(seconds(0))),
            (FsmActions{StartTimer{TimerId::kConnectRetry, seconds(5)}, ConnectTcp{}}));
  EXPECT_EQ(fsm.state(), C);
  EXPECT_EQ(fsm.deadline(TimerId::kConnectRetry), at(seconds(5)));
}

TEST(FsmActions, PassiveStartOnlyListens) {
  Fsm fsm = make_fsm();
  EXPECT_EQ(fsm.handle(ev(E::kAutomaticStartWithPassiveTcpEstablishment), at(seconds(0))),
            FsmActions{});
  EXPECT_EQ(fsm.state(), A);
  EXPECT_TRUE(fsm.passive());
  EXPECT_EQ(fsm.next_deadline(), std::nullopt);
}

TEST(FsmActions, TcpUpInConnectSendsOpenWithLargeHoldTimer) {
  Fsm fsm = make_fsm();
  drive_to(fsm, C);
  EXPECT_EQ(fsm.handle(ev(E::kTcpCrAcked), at(seconds(1))),
            (FsmActions{StopTimer{TimerId::kConnectRetry},
                        SendOpen{OpenValues{4, kLocalAs, 240, kLocalId}},
                        StartTimer{TimerId::kHold, std::chrono::minutes(4)}}));
  EXPECT_EQ(fsm.state(), S);
}

TEST(FsmActions, ConnectRetryExpiryInConnectRetriesTheConnection) {
  Fsm fsm = make_fsm();
  drive_to(fsm, C);
  EXPECT_EQ(fsm.advance(at(seconds(5))),
            (FsmActions{DropTcp{}, StartTimer{TimerId::kConnectRetry, seconds(5)}, ConnectTcp{}}));
  EXPECT_EQ(fsm.state(), C);
}

TEST(FsmActions, OpenInOpenSentAnswersKeepaliveAndNegotiatesTimers) {
  Fsm fsm = make_fsm();
  drive_to(fsm, S);
  EXPECT_EQ(fsm.handle(Event::open_received(peer_open(90)), at(seconds(1))),
            (FsmActions{SendKeepalive{}, StartTimer{TimerId::kKeepalive, seconds(30)},
                        StartTimer{TimerId::kHold, seconds(90)}}));
  EXPECT_EQ(fsm.state(), O);
  EXPECT_EQ(fsm.peer_open(), peer_open(90));
}

TEST(FsmActions, KeepaliveInOpenConfirmEstablishesTheSession) {
  Fsm fsm = make_fsm();
  drive_to(fsm, O);
  EXPECT_EQ(fsm.handle(ev(E::kKeepAliveMsg), at(seconds(1))),
            (FsmActions{StartTimer{TimerId::kHold, seconds(90)},
                        SessionEstablished{peer_open(90), seconds(90), seconds(30)}}));
  EXPECT_EQ(fsm.state(), X);
}

TEST(FsmActions, ManualStopInEstablishedSendsAdministrativeShutdownAndTellsTheRib) {
  Fsm fsm = make_fsm();
  drive_to(fsm, X);
  const Notification shutdown{6, 2, {}};
  EXPECT_EQ(fsm.handle(ev(E::kManualStop), at(seconds(1))),
            (FsmActions{SendNotification{shutdown}, StopTimer{TimerId::kHold},
                        StopTimer{TimerId::kKeepalive},
                        SessionDown{DownCause::kManualStop, shutdown, std::nullopt}, DropTcp{},
                        ReleaseResources{}}));
  EXPECT_EQ(fsm.state(), I);
  EXPECT_FALSE(fsm.timer_running(TimerId::kIdleHold));  // no automatic restart after a stop
}

TEST(FsmActions, ManualStopCarriesAShutdownCommunication) {
  Fsm fsm = make_fsm();
  drive_to(fsm, X);
  const Notification deconfigured{6, 3, {5, 'b', 'y', 'e', '!', '!'}};
  const FsmActions actions =
      fsm.handle(Event::with_notification(E::kManualStop, deconfigured), at(seconds(1)));
  EXPECT_EQ(sent_notification(actions), deconfigured);
  EXPECT_EQ(fsm.last_notification_sent(), deconfigured);
}

TEST(FsmActions, NotificationReceivedInEstablishedIsTheReasonTheSessionWentDown) {
  Fsm fsm = make_fsm();
  drive_to(fsm, X);
  const FsmActions actions =
      fsm.handle(Event::with_notification(E::kNotifMsg, kPeerCease), at(seconds(1)));
  EXPECT_TRUE(contains<SessionDown>(actions));
  for (const auto& a : actions) {
    if (const auto* down = std::get_if<SessionDown>(&a)) {
      EXPECT_EQ(down->cause, DownCause::kNotificationReceived);
      EXPECT_EQ(down->notification_received, kPeerCease);
      EXPECT_EQ(down->notification_sent, std::nullopt);
    }
  }
  EXPECT_EQ(fsm.last_notification_received(), kPeerCease);
}

TEST(FsmActions, TcpFailureInOpenSentGoesBackToActiveAndRetries) {
  Fsm fsm = make_fsm();
  drive_to(fsm, S);
  // The peer closed our connection before its OPEN: the first retry comes soon.
  EXPECT_EQ(fsm.handle(ev(E::kTcpConnectionFails), at(seconds(1))),
            (FsmActions{StopTimer{TimerId::kHold}, DropTcp{},
                        StartTimer{TimerId::kConnectRetry, milliseconds(500)}}));
  EXPECT_EQ(fsm.state(), A);
  // ConnectRetry expiry in Active connects again.
  EXPECT_EQ(fsm.advance(at(milliseconds(1500))),
            (FsmActions{StartTimer{TimerId::kConnectRetry, seconds(5)}, ConnectTcp{}}));
  EXPECT_EQ(fsm.state(), C);
}

TEST(FsmActions, APeerThatKeepsClosingOurConnectionIsRetriedLessAndLessOften) {
  Fsm fsm = make_fsm();
  drive_to(fsm, C);
  Duration now = seconds(0);
  std::vector<Duration> waits;
  for (int i = 0; i < 6; ++i) {
    (void)fsm.handle(ev(E::kTcpCrAcked), at(now));
    (void)fsm.handle(ev(E::kTcpConnectionFails), at(now));
    ASSERT_EQ(fsm.state(), A);
    const auto wait =
        std::chrono::duration_cast<Duration>(*fsm.deadline(TimerId::kConnectRetry) - at(now));
    waits.push_back(wait);
    now += wait;
    (void)fsm.advance(at(now));
    ASSERT_EQ(fsm.state(), C);
  }
  EXPECT_EQ(waits, (std::vector<Duration>{milliseconds(500), seconds(1), seconds(2), seconds(4),
                                          seconds(5), seconds(5)}));
  // A session that comes up starts the count afresh.
  (void)fsm.handle(ev(E::kTcpCrAcked), at(now));
  (void)fsm.handle(Event::open_received(peer_open()), at(now));
  (void)fsm.handle(ev(E::kKeepAliveMsg), at(now));
  ASSERT_EQ(fsm.state(), X);
  // Lost once up is no error either: the restart comes after 0.5 s, and the next close
  // before an OPEN waits twice that.
  (void)fsm.handle(ev(E::kTcpConnectionFails), at(now));
  ASSERT_EQ(fsm.deadline(TimerId::kIdleHold), at(now + milliseconds(500)));
  now += milliseconds(500);
  (void)fsm.advance(at(now));
  (void)fsm.handle(ev(E::kTcpCrAcked), at(now));
  (void)fsm.handle(ev(E::kTcpConnectionFails), at(now));
  EXPECT_EQ(fsm.deadline(TimerId::kConnectRetry), at(now + seconds(1)));
}

TEST(FsmActions, ARefusedConnectListensInActiveAndRetriesSoonWithoutBackoff) {
  Fsm fsm = make_fsm();
  drive_to(fsm, C);
  EXPECT_EQ(fsm.handle(ev(E::kTcpConnectionFails), at(seconds(1))),
            (FsmActions{DropTcp{}, StartTimer{TimerId::kConnectRetry, milliseconds(500)}}));
  EXPECT_EQ(fsm.state(), A);
  EXPECT_EQ(fsm.consecutive_failures(), 0u);
  EXPECT_FALSE(fsm.timer_running(TimerId::kIdleHold));
  // The retry connects again with the whole ConnectRetryTime for an unanswered connect.
  EXPECT_EQ(fsm.advance(at(milliseconds(1500))),
            (FsmActions{StartTimer{TimerId::kConnectRetry, seconds(5)}, ConnectTcp{}}));
  EXPECT_EQ(fsm.state(), C);
  // Meanwhile the peer may dial in: in Active its connection is the session's.
  (void)fsm.handle(ev(E::kTcpConnectionFails), at(seconds(2)));
  EXPECT_EQ(fsm.handle(ev(E::kTcpConnectionConfirmed), at(milliseconds(2100))),
            (FsmActions{StopTimer{TimerId::kConnectRetry},
                        SendOpen{OpenValues{4, kLocalAs, 240, kLocalId}},
                        StartTimer{TimerId::kHold, std::chrono::minutes(4)}}));
  EXPECT_EQ(fsm.state(), S);
}

TEST(FsmActions, TheRefusalRetryIsNeverLongerThanConnectRetryTime) {
  FsmConfig config = test_config();
  config.connect_retry_time = milliseconds(200);
  Fsm fsm = make_fsm(config);
  drive_to(fsm, C);
  EXPECT_EQ(fsm.handle(ev(E::kTcpConnectionFails), at(milliseconds(100))),
            (FsmActions{DropTcp{}, StartTimer{TimerId::kConnectRetry, milliseconds(200)}}));
}

TEST(FsmActions, AConnectionFromThePeerDuringTheIdleHoldWaitIsTaken) {
  Fsm fsm = make_fsm();
  drive_to(fsm, X);
  (void)fsm.advance(at(seconds(90)));  // hold timer: reset after an error, idle hold 5 s
  ASSERT_EQ(fsm.state(), I);
  ASSERT_EQ(fsm.deadline(TimerId::kIdleHold), at(seconds(95)));
  EXPECT_EQ(
      fsm.handle(ev(E::kTcpConnectionConfirmed), at(seconds(91))),
      (FsmActions{StopTimer{TimerId::kIdleHold}, SendOpen{OpenValues{4, kLocalAs, 240, kLocalId}},
                  StartTimer{TimerId::kHold, std::chrono::minutes(4)}}));
  EXPECT_EQ(fsm.state(), S);
  EXPECT_FALSE(fsm.passive());  // later restarts still connect out
  (void)fsm.handle(ev(E::kTcpConnectionFails), at(seconds(92)));
  EXPECT_EQ(fsm.state(), A);
  EXPECT_TRUE(fsm.timer_running(TimerId::kConnectRetry));
}

TEST(FsmActions, AStoppedOrNeverStartedFsmRefusesConnectionsInIdle) {
  Fsm fresh = make_fsm();
  EXPECT_EQ(fresh.handle(ev(E::kTcpConnectionConfirmed), at(seconds(1))), FsmActions{});
  EXPECT_EQ(fresh.state(), I);
  EXPECT_FALSE(fresh.started());

  Fsm stopped = make_fsm();
  drive_to(stopped, X);
  (void)stopped.handle(ev(E::kManualStop), at(seconds(1)));
  EXPECT_FALSE(stopped.started());
  EXPECT_EQ(stopped.handle(ev(E::kTcpConnectionConfirmed), at(seconds(2))), FsmActions{});
  EXPECT_EQ(stopped.state(), I);

  Fsm automatic = make_fsm();
  drive_to(automatic, S);
  (void)automatic.handle(ev(E::kAutomaticStop), at(seconds(1)));
  EXPECT_EQ(automatic.handle(ev(E::kTcpConnectionConfirmed), at(seconds(2))), FsmActions{});
  EXPECT_EQ(automatic.state(), I);
}

TEST(FsmActions, StartWithConnectionGoesToOpenSentAndRestartsAsConfigured) {
  Fsm active = make_fsm();
  EXPECT_EQ(active.start_with_connection(false, at(seconds(0))),
            (FsmActions{SendOpen{OpenValues{4, kLocalAs, 240, kLocalId}},
                        StartTimer{TimerId::kHold, std::chrono::minutes(4)}}));
  EXPECT_EQ(active.state(), S);
  EXPECT_TRUE(active.started());
  (void)active.handle(Event::with_notification(E::kNotifMsg, kPeerCease), at(seconds(1)));
  ASSERT_EQ(active.state(), I);
  // The automatic restart of an active peer connects out.
  EXPECT_EQ(active.advance(at(seconds(6))),
            (FsmActions{StartTimer{TimerId::kConnectRetry, seconds(5)}, ConnectTcp{}}));

  Fsm passive = make_fsm();
  (void)passive.start_with_connection(true, at(seconds(0)));
  (void)passive.handle(Event::with_notification(E::kNotifMsg, kPeerCease), at(seconds(1)));
  EXPECT_EQ(passive.advance(at(seconds(6))), FsmActions{});
  EXPECT_EQ(passive.state(), A);

  // Only a fresh Fsm: one that runs already ignores it.
  EXPECT_EQ(passive.start_with_connection(true, at(seconds(7))), FsmActions{});
  EXPECT_EQ(passive.state(), A);
}

TEST(FsmActions, StartWithConnectionWaitsOutDelayOpenInActive) {
  FsmConfig config = test_config();
  config.delay_open_time = seconds(3);
  Fsm fsm = make_fsm(config);
  EXPECT_EQ(fsm.start_with_connection(false, at(seconds(0))),
            (FsmActions{StartTimer{TimerId::kDelayOpen, seconds(3)}}));
  EXPECT_EQ(fsm.state(), A);
  EXPECT_EQ(fsm.advance(at(seconds(3))),
            (FsmActions{SendOpen{OpenValues{4, kLocalAs, 240, kLocalId}},
                        StartTimer{TimerId::kHold, std::chrono::minutes(4)}}));
  EXPECT_EQ(fsm.state(), S);
}

TEST(FsmActions, UpdatesAndKeepalivesInEstablishedRestartTheHoldTimer) {
  Fsm fsm = make_fsm();
  drive_to(fsm, X);  // keepalive timer due at 30 s
  EXPECT_EQ(fsm.handle(ev(E::kUpdateMsg), at(seconds(20))),
            (FsmActions{StartTimer{TimerId::kHold, seconds(90)}}));
  EXPECT_EQ(fsm.deadline(TimerId::kHold), at(seconds(110)));
  EXPECT_EQ(fsm.handle(ev(E::kKeepAliveMsg), at(seconds(25))),
            (FsmActions{StartTimer{TimerId::kHold, seconds(90)}}));
  EXPECT_EQ(fsm.deadline(TimerId::kHold), at(seconds(115)));
  // Our own keepalive, due at 30 s, goes out before a message handled later.
  EXPECT_EQ(fsm.handle(ev(E::kUpdateMsg), at(seconds(31))),
            (FsmActions{SendKeepalive{}, StartTimer{TimerId::kKeepalive, seconds(30)},
                        StartTimer{TimerId::kHold, seconds(90)}}));
}

TEST(FsmActions, UnacceptableOpenInOpenSentIsRefusedWithTheOpenError) {
  Fsm fsm = make_fsm();
  drive_to(fsm, S);
  OpenValues wrong_as = peer_open();
  wrong_as.peer_as = 65000;
  const FsmActions actions = fsm.handle(Event::open_received(wrong_as), at(seconds(1)));
  EXPECT_EQ(sent_notification(actions), (Notification{2, 2, {}}));
  EXPECT_EQ(fsm.state(), I);
}

}  // namespace
}  // namespace tabby::bgp
