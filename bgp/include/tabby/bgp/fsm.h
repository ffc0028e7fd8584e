#pragma once
// The BGP finite state machine of RFC 4271 section 8 for one TCP connection to one peer, as a
// pure component: no sockets, no real time. The shell feeds it events and the current time
// and performs the actions it returns, in order. See docs/bgp-fsm.md for the contract.
//
// Timers are data: the Fsm keeps a deadline per running timer, computed from the `now` it is
// given. The shell wakes up at next_deadline() and calls advance(now), which fires every timer
// due by then, earliest first, each as the RFC's *_Expires event. handle() does the same
// before it processes its event, so a keepalive that arrives after the hold timer ran out does
// not revive the session. Tests drive the clock by hand.
//
// Not thread-safe: one owner (the peer's strand) calls it.

#include <array>
#include <cstdint>
#include <optional>

#include "tabby/bgp/fsm_config.h"
#include "tabby/bgp/fsm_hold_time.h"
#include "tabby/bgp/fsm_types.h"
#include "tabby/common/result.h"

namespace tabby::bgp {

class Fsm {
 public:
  // Fails when the configuration is invalid (see validate()). `random` supplies the jitter of
  // RFC 4271 section 10; `now` is the time the FSM starts at.
  static Result<Fsm> create(FsmConfig config, UniformRandom random, TimePoint now);

  // Processes one event at `now` (never earlier than any previous call's `now`): first fires
  // timers due by `now`, then the event. Returns the actions to perform, in order.
  FsmActions handle(const Event& event, TimePoint now);
  // Fires the timers due by `now`, earliest first.
  FsmActions advance(TimePoint now);
  // The shell sent an UPDATE: RFC 4271 4.4 restarts the KeepaliveTimer, since any message
  // proves we are alive. (KEEPALIVEs the Fsm asks for restart it already.)
  FsmActions update_sent(TimePoint now);
  // A start whose TCP connection is already up: a fresh Fsm (Idle, never started) for a
  // connection accepted from the peer, started as configured (`passive` or not), going
  // straight to OpenSent (or to the DelayOpen wait in Active). The shell gives one to a
  // connection that arrives while another attempt is in OpenSent or later, so that whichever
  // survives the collision can restart by itself as the peer is configured.
  FsmActions start_with_connection(bool passive, TimePoint now);
  // When advance() next has something to do; nullopt when no timer runs.
  std::optional<TimePoint> next_deadline() const;

  State state() const { return state_; }
  TimePoint state_since() const { return state_since_; }
  // RFC 4271's ConnectRetryCounter (reset by ManualStop and AutomaticStart as the RFC says).
  uint32_t connect_retry_counter() const { return connect_retry_counter_; }
  // Consecutive failed sessions, which the idle-hold back-off doubles on; kept across starts.
  uint32_t consecutive_failures() const { return consecutive_failures_; }
  bool passive() const { return passive_; }
  // Started and not stopped since (ManualStop / AutomaticStop): the peer is enabled, so a
  // connection from it is taken even in Idle (during the idle-hold wait).
  bool started() const { return started_; }
  bool timer_running(TimerId timer) const { return deadline(timer).has_value(); }
  std::optional<TimePoint> deadline(TimerId timer) const;
  // The peer's OPEN and the timers negotiated from it, from OpenConfirm on.
  const std::optional<OpenValues>& peer_open() const { return peer_open_; }
  const std::optional<NegotiatedTimers>& negotiated() const { return negotiated_; }
  const std::optional<Notification>& last_notification_sent() const { return last_sent_; }
  const std::optional<Notification>& last_notification_received() const { return last_received_; }
  const FsmConfig& config() const { return config_; }

  // The idle hold time the next automatic restart would wait.
  Duration idle_hold_time() const;

 private:
  Fsm(FsmConfig config, UniformRandom random, TimePoint now);

  void dispatch(const Event& event);
  void on_idle(const Event& event);
  void on_connect(const Event& event);
  void on_active(const Event& event);
  void on_open_sent(const Event& event);
  void on_open_confirm(const Event& event);
  void on_established(const Event& event);

  // Shared steps of the RFC's tables.
  void start_session(bool passive);
  void tcp_connection_up();
  void take_connection_in_idle();
  void connect_failed();
  Duration retry_after_close();
  void send_open_and_wait();
  void accept_peer_open(const OpenValues& open);
  void restart_hold_timer();
  void send_keepalive_and_restart_timer();
  void send_notification(Notification notification);
  struct Failure {
    DownCause cause;
    std::optional<Notification> send;
    std::optional<Notification> received;
    bool increment_connect_retry_counter = true;
    bool stop = false;  // ManualStop/AutomaticStop: no automatic restart
    bool manual = false;
  };
  void fall_to_idle(const Failure& failure);
  static bool ended_without_error(const Failure& failure);
  void fsm_error(uint8_t subcode);
  void reject_open(const Notification& notification);

  void enter(State state);
  void start_timer(TimerId timer, Duration duration);
  void stop_timer(TimerId timer);
  void fire_due_timers(TimePoint now);

  FsmConfig config_;
  UniformRandom random_;
  State state_ = State::kIdle;
  TimePoint now_;
  TimePoint state_since_;
  std::array<std::optional<TimePoint>, kTimerCount> deadlines_;
  uint32_t connect_retry_counter_ = 0;
  uint32_t consecutive_failures_ = 0;
  bool passive_ = false;
  bool started_ = false;
  uint32_t closed_before_open_ = 0;  // connections the peer closed in OpenSent since Established
  bool restart_pending_ = false;     // IdleHoldTimer runs for a start that is still to happen
  std::optional<OpenValues> peer_open_;
  std::optional<NegotiatedTimers> negotiated_;
  std::optional<Notification> last_sent_;
  std::optional<Notification> last_received_;
  FsmActions actions_;  // being collected for the current call
};

}  // namespace tabby::bgp
