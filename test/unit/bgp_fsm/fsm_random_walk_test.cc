// Long random walks through the FSM (seeded, so reproducible): whatever the order of events
// and however the clock jumps, the actions stay coherent for a shell and the timers match the
// state. Complements the matrix, which checks one step from each state.

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "fsm_test_support.h"

namespace tabby::bgp {
namespace {

using namespace test;
using E = EventType;

// Half the time the event that moves a session forward from `state`, so walks reach
// Established often; otherwise any event.
Event random_event(std::mt19937_64& rng, State state) {
  if (rng() % 2 == 0) {
    switch (state) {
      case State::kIdle:
        return Event::of(E::kManualStart);
      case State::kConnect:
        return Event::of(E::kTcpCrAcked);
      case State::kActive:
        return Event::of(E::kTcpConnectionConfirmed);
      case State::kOpenSent:
        return Event::open_received(peer_open(rng() % 2 ? 90 : 0));
      case State::kOpenConfirm:
        return Event::of(E::kKeepAliveMsg);
      case State::kEstablished:
        return Event::of(rng() % 2 ? E::kKeepAliveMsg : E::kUpdateMsg);
    }
  }
  // Events the shell can send (no timer expiries: those come from advance()).
  static constexpr E kShellEvents[] = {
      E::kManualStart,
      E::kManualStop,
      E::kAutomaticStart,
      E::kManualStartWithPassiveTcpEstablishment,
      E::kAutomaticStartWithDampPeerOscillations,
      E::kAutomaticStop,
      E::kTcpCrAcked,
      E::kTcpConnectionConfirmed,
      E::kTcpConnectionFails,
      E::kBgpOpen,
      E::kBgpHeaderErr,
      E::kBgpOpenMsgErr,
      E::kOpenCollisionDump,
      E::kNotifMsgVerErr,
      E::kNotifMsg,
      E::kKeepAliveMsg,
      E::kUpdateMsg,
      E::kUpdateMsgErr,
  };
  const E type = kShellEvents[rng() % std::size(kShellEvents)];
  if (type == E::kBgpOpen) {
    static constexpr uint16_t kHolds[] = {0, 1, 2, 3, 9, 90, 240};
    return Event::open_received(peer_open(kHolds[rng() % std::size(kHolds)]));
  }
  if (type == E::kBgpHeaderErr || type == E::kBgpOpenMsgErr || type == E::kUpdateMsgErr ||
      type == E::kNotifMsg || type == E::kNotifMsgVerErr) {
    return Event::with_notification(type, {static_cast<uint8_t>(1 + rng() % 6), 0, {}});
  }
  return Event::of(type);
}

// What a shell would believe from the actions alone.
struct ShellModel {
  bool open_sent = false;  // on the current connection
  bool session_up = false;

  void apply(const FsmActions& actions) {
    for (size_t i = 0; i < actions.size(); ++i) {
      const Action& a = actions[i];
      if (std::holds_alternative<SendOpen>(a)) {
        EXPECT_FALSE(open_sent) << "two OPENs on one connection";
        open_sent = true;
      } else if (std::holds_alternative<SendKeepalive>(a)) {
        EXPECT_TRUE(open_sent) << "KEEPALIVE before our OPEN";
      } else if (std::holds_alternative<SendNotification>(a)) {
        const bool dropped = std::any_of(actions.begin() + static_cast<long>(i), actions.end(),
                                         [](const Action& b) { return b == Action{DropTcp{}}; });
        EXPECT_TRUE(dropped) << "NOTIFICATION without dropping the connection";
      } else if (std::holds_alternative<DropTcp>(a)) {
        open_sent = false;
      } else if (std::holds_alternative<SessionEstablished>(a)) {
        EXPECT_FALSE(session_up);
        session_up = true;
      } else if (std::holds_alternative<SessionDown>(a)) {
        EXPECT_TRUE(session_up) << "SessionDown without SessionEstablished";
        session_up = false;
      }
    }
  }
};

void expect_timers_fit_the_state(const Fsm& fsm, TimePoint now) {
  const State s = fsm.state();
  const bool connecting = s == State::kConnect || s == State::kActive;
  const bool open_exchanged = s == State::kOpenConfirm || s == State::kEstablished;
  if (s != State::kIdle) {
    EXPECT_FALSE(fsm.timer_running(TimerId::kIdleHold));
  }
  if (!connecting) {
    EXPECT_FALSE(fsm.timer_running(TimerId::kConnectRetry));
    EXPECT_FALSE(fsm.timer_running(TimerId::kDelayOpen));
  }
  if (fsm.passive()) {
    EXPECT_FALSE(fsm.timer_running(TimerId::kConnectRetry));
  }
  if (!open_exchanged) {
    EXPECT_FALSE(fsm.timer_running(TimerId::kKeepalive));
  }
  if (s == State::kOpenSent) {
    EXPECT_TRUE(fsm.timer_running(TimerId::kHold));
  }
  if (open_exchanged) {
    const bool timed = fsm.negotiated()->hold_time > Duration{0};
    EXPECT_EQ(fsm.timer_running(TimerId::kHold), timed);
    EXPECT_EQ(fsm.timer_running(TimerId::kKeepalive), timed);
  }
  if (s == State::kIdle || connecting) {
    EXPECT_FALSE(fsm.timer_running(TimerId::kHold));
  }
  if (const auto next = fsm.next_deadline()) {
    EXPECT_GT(*next, now) << "a due timer did not fire";
  }
}

class RandomWalk : public ::testing::TestWithParam<uint64_t> {};

TEST_P(RandomWalk, ActionsStayCoherent) {
  std::mt19937_64 rng(GetParam());
  FsmConfig config = test_config();
  if (GetParam() % 2 == 1) config.delay_open_time = seconds(3);
  config.send_notification_without_open = GetParam() % 3 == 0;
  Fsm fsm = make_fsm(config, seeded_uniform_random(GetParam()));
  ShellModel shell;
  Duration now{0};
  std::set<State> visited;
  int sessions = 0;
  for (int step = 0; step < 5000 && !::testing::Test::HasFailure(); ++step) {
    // Sometimes time jumps well past several timers, sometimes it barely moves.
    now += milliseconds(rng() % 10 == 0 ? rng() % 600000 : rng() % 2000);
    FsmActions actions;
    if (rng() % 3 == 0) {
      actions = fsm.advance(at(now));
    } else {
      actions = fsm.handle(random_event(rng, fsm.state()), at(now));
    }
    SCOPED_TRACE("step " + std::to_string(step) + " in " + to_string(fsm.state()));
    shell.apply(actions);
    visited.insert(fsm.state());
    sessions += count<SessionEstablished>(actions);
    EXPECT_EQ(shell.session_up, fsm.state() == State::kEstablished);
    expect_timers_fit_the_state(fsm, at(now));
  }
  // The walk is only worth something if it goes everywhere, sessions included.
  EXPECT_EQ(visited.size(), 6u);
  EXPECT_GE(sessions, 5);
}

INSTANTIATE_TEST_SUITE_P(Seeds, RandomWalk, ::testing::Range<uint64_t>(1, 13));

}  // namespace
}  // namespace tabby::bgp
