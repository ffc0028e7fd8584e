#pragma once
// Shared fixtures for the BGP FSM tests: a fake clock, a standard configuration and helpers
// that drive an Fsm into each state the way a shell would.

#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <string>
#include <type_traits>

#include "tabby/bgp/fsm.h"

namespace tabby::bgp {

// gtest prints these instead of byte dumps. Its variant printer prints the alternative, so
// each alternative gets an operator<< (for tests only: the library has to_string).
template <typename T>
requires(std::is_constructible_v<Action, T> && !std::is_same_v<T, Action>) std::ostream& operator<<(
    std::ostream& os, const T& alternative) {
  return os << to_string(Action{alternative});
}
inline void PrintTo(State state, std::ostream* os) {
  *os << to_string(state);
}
inline void PrintTo(const Notification& n, std::ostream* os) {
  *os << to_string(n);
}

namespace test {

using std::chrono::milliseconds;
using std::chrono::seconds;

// The fake clock: time is an offset from an arbitrary epoch.
inline TimePoint at(Duration offset) {
  return TimePoint{} + offset;
}

inline constexpr uint32_t kLocalAs = 64512;
inline constexpr uint32_t kPeerAs = 64513;
inline constexpr uint32_t kLocalId = 0x0a000001;  // 10.0.0.1
inline constexpr uint32_t kPeerId = 0x0a000002;   // 10.0.0.2

inline FsmConfig test_config() {
  FsmConfig config;
  config.local_as = kLocalAs;
  config.local_bgp_identifier = kLocalId;
  config.peer_as = kPeerAs;
  config.hold_time_seconds = 240;
  config.connect_retry_time = seconds(5);
  return config;
}

inline OpenValues peer_open(uint16_t hold_seconds = 90) {
  return OpenValues{4, kPeerAs, hold_seconds, kPeerId};
}

// Jitter factor 1.0: durations come out exactly as configured.
inline UniformRandom no_jitter() {
  return [] { return 1.0; };
}

inline Fsm make_fsm(FsmConfig config = test_config(), UniformRandom random = no_jitter()) {
  auto fsm = Fsm::create(std::move(config), std::move(random), at(seconds(0)));
  if (!fsm) throw std::runtime_error(fsm.error().message);
  return std::move(fsm).value();
}

inline Event ev(EventType type) {
  return Event::of(type);
}

template <typename T>
bool contains(const FsmActions& actions) {
  return std::any_of(actions.begin(), actions.end(),
                     [](const Action& a) { return std::holds_alternative<T>(a); });
}

template <typename T>
int count(const FsmActions& actions) {
  return static_cast<int>(std::count_if(actions.begin(), actions.end(), [](const Action& a) {
    return std::holds_alternative<T>(a);
  }));
}

inline std::optional<Notification> sent_notification(const FsmActions& actions) {
  for (const auto& a : actions) {
    if (const auto* send = std::get_if<SendNotification>(&a)) return send->notification;
  }
  return std::nullopt;
}

// Drives a fresh Fsm to `state` at time 0 through the ordinary path: active peer for Connect
// and later states, passive peer for Active.
inline void drive_to(Fsm& fsm, State state) {
  const TimePoint t0 = at(seconds(0));
  if (state == State::kIdle) return;
  if (state == State::kActive) {
    (void)fsm.handle(ev(EventType::kManualStartWithPassiveTcpEstablishment), t0);
    return;
  }
  (void)fsm.handle(ev(EventType::kManualStart), t0);
  if (state == State::kConnect) return;
  (void)fsm.handle(ev(EventType::kTcpCrAcked), t0);
  if (state == State::kOpenSent) return;
  (void)fsm.handle(Event::open_received(peer_open()), t0);
  if (state == State::kOpenConfirm) return;
  (void)fsm.handle(ev(EventType::kKeepAliveMsg), t0);
}

// From Connect: the connection comes up and the peer resets it with a NOTIFICATION before
// the OPENs are exchanged, a failed session that the idle-hold back-off counts. (A refused
// connect is not one: the Fsm waits in Active for the peer or its own retry.)
inline void reset_by_peer(Fsm& fsm, TimePoint now) {
  (void)fsm.handle(ev(EventType::kTcpCrAcked), now);
  (void)fsm.handle(Event::with_notification(EventType::kNotifMsg, {2, 2, {}}), now);
}

}  // namespace test
}  // namespace tabby::bgp
