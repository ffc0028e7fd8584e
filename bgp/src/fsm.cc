#include "tabby/bgp/fsm.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "tabby/bgp/fsm_collision.h"

namespace tabby::bgp {
namespace {

using E = EventType;

constexpr std::array<TimerId, kTimerCount> kAllTimers = {TimerId::kConnectRetry, TimerId::kHold,
                                                         TimerId::kKeepalive, TimerId::kDelayOpen,
                                                         TimerId::kIdleHold};

EventType expiry_event(TimerId timer) {
  switch (timer) {
    case TimerId::kConnectRetry:
      return E::kConnectRetryTimerExpires;
    case TimerId::kHold:
      return E::kHoldTimerExpires;
    case TimerId::kKeepalive:
      return E::kKeepaliveTimerExpires;
    case TimerId::kDelayOpen:
      return E::kDelayOpenTimerExpires;
    case TimerId::kIdleHold:
      return E::kIdleHoldTimerExpires;
  }
  throw std::logic_error("unknown TimerId");
}

bool is_start(EventType type) {
  const int n = static_cast<int>(type);
  return n == 1 || (n >= 3 && n <= 7);
}

bool is_passive_start(EventType type) {
  return type == E::kManualStartWithPassiveTcpEstablishment ||
         type == E::kAutomaticStartWithPassiveTcpEstablishment ||
         type == E::kAutomaticStartWithDampPeerOscillationsAndPassiveTcpEstablishment;
}

bool is_damped_start(EventType type) {
  return type == E::kAutomaticStartWithDampPeerOscillations ||
         type == E::kAutomaticStartWithDampPeerOscillationsAndPassiveTcpEstablishment;
}

bool is_open(EventType type) {
  return type == E::kBgpOpen || type == E::kBgpOpenWithDelayOpenTimerRunning;
}

Notification cease(const Event& event, uint8_t default_subcode) {
  if (event.notification) return *event.notification;
  return Notification{notification_code::kCease, default_subcode, {}};
}

// The NOTIFICATION the codec reported for a malformed message; if the shell left it out, the
// error code of the message kind with an unspecific subcode.
Notification message_error(const Event& event) {
  if (event.notification) return *event.notification;
  switch (event.type) {
    case E::kBgpHeaderErr:
      return {notification_code::kMessageHeaderError, 0, {}};
    case E::kBgpOpenMsgErr:
      return {notification_code::kOpenMessageError, 0, {}};
    default:
      return {notification_code::kUpdateMessageError, 0, {}};
  }
}

Notification hold_timer_expired() {
  return {notification_code::kHoldTimerExpired, 0, {}};
}

}  // namespace

Result<Fsm> Fsm::create(FsmConfig config, UniformRandom random, TimePoint now) {
  if (auto valid = validate(config); !valid) return valid.error();
  if (!random) return Error{"BGP FSM: the random source for timer jitter is empty"};
  return Fsm(std::move(config), std::move(random), now);
}

Fsm::Fsm(FsmConfig config, UniformRandom random, TimePoint now)
    : config_(std::move(config)), random_(std::move(random)), now_(now), state_since_(now) {}

FsmActions Fsm::handle(const Event& event, TimePoint now) {
  actions_.clear();
  fire_due_timers(now);
  now_ = std::max(now_, now);
  dispatch(event);
  return std::exchange(actions_, {});
}

FsmActions Fsm::advance(TimePoint now) {
  actions_.clear();
  fire_due_timers(now);
  now_ = std::max(now_, now);
  return std::exchange(actions_, {});
}

FsmActions Fsm::update_sent(TimePoint now) {
  actions_.clear();
  fire_due_timers(now);
  now_ = std::max(now_, now);
  if (state_ == State::kEstablished && negotiated_ &&
      negotiated_->keepalive_interval > Duration{0}) {
    start_timer(TimerId::kKeepalive, jittered(negotiated_->keepalive_interval, random_));
  }
  return std::exchange(actions_, {});
}

FsmActions Fsm::start_with_connection(bool passive, TimePoint now) {
  actions_.clear();
  fire_due_timers(now);
  now_ = std::max(now_, now);
  if (state_ == State::kIdle && !started_) {
    started_ = true;
    passive_ = passive;
    take_connection_in_idle();
  }
  return std::exchange(actions_, {});
}

std::optional<TimePoint> Fsm::next_deadline() const {
  std::optional<TimePoint> earliest;
  for (const auto& deadline : deadlines_) {
    if (deadline && (!earliest || *deadline < *earliest)) earliest = deadline;
  }
  return earliest;
}

std::optional<TimePoint> Fsm::deadline(TimerId timer) const {
  return deadlines_[static_cast<size_t>(timer)];
}

Duration Fsm::idle_hold_time() const {
  Duration wait = config_.idle_hold.initial;
  if (!config_.damp_peer_oscillations) return wait;
  // Doubling stops at the cap, so the loop is short and nothing overflows.
  for (uint32_t i = 1; i < consecutive_failures_ && wait < config_.idle_hold.max; ++i)
    wait *= 2;
  return std::min(wait, config_.idle_hold.max);
}

void Fsm::fire_due_timers(TimePoint now) {
  for (;;) {
    std::optional<size_t> due;
    for (size_t i = 0; i < deadlines_.size(); ++i) {
      if (deadlines_[i] && *deadlines_[i] <= now && (!due || *deadlines_[i] < *deadlines_[*due])) {
        due = i;
      }
    }
    if (!due) return;
    // Timers restarted by the expiry count from when it was due, not from when the shell
    // noticed, so a late wake-up does not make keepalives drift.
    now_ = std::max(now_, *deadlines_[*due]);
    deadlines_[*due].reset();
    dispatch(Event::of(expiry_event(kAllTimers[*due])));
  }
}

void Fsm::dispatch(const Event& original) {
  Event event = original;
  if (is_open(event.type)) {
    if (!event.open) throw std::invalid_argument("BGPOpen event without the OPEN's values");
    // Which of the two OPEN events it is depends on our own DelayOpenTimer, which the shell
    // does not need to know about.
    event.type =
        timer_running(TimerId::kDelayOpen) ? E::kBgpOpenWithDelayOpenTimerRunning : E::kBgpOpen;
    // An OPEN we cannot accept is the RFC's BGPOpenMsgErr, in the states that expect one.
    const bool expecting_open =
        state_ == State::kConnect || state_ == State::kActive || state_ == State::kOpenSent;
    if (expecting_open) {
      if (auto refusal = check_peer_open(config_, *event.open)) {
        event = Event::with_notification(E::kBgpOpenMsgErr, *refusal);
      }
    }
  }
  switch (state_) {
    case State::kIdle:
      on_idle(event);
      break;
    case State::kConnect:
      on_connect(event);
      break;
    case State::kActive:
      on_active(event);
      break;
    case State::kOpenSent:
      on_open_sent(event);
      break;
    case State::kOpenConfirm:
      on_open_confirm(event);
      break;
    case State::kEstablished:
      on_established(event);
      break;
  }
}

void Fsm::on_idle(const Event& event) {
  if (is_start(event.type)) {
    const bool passive = is_passive_start(event.type);
    started_ = true;
    if (is_damped_start(event.type) && consecutive_failures_ > 0) {
      // Peer oscillation damping: the start waits out the back-off first.
      passive_ = passive;
      restart_pending_ = true;
      start_timer(TimerId::kIdleHold, idle_hold_time());
      return;
    }
    start_session(passive);
    return;
  }
  switch (event.type) {
    case E::kIdleHoldTimerExpires:
      if (restart_pending_) start_session(passive_);
      return;
    case E::kTcpConnectionConfirmed:
      // The RFC's Idle refuses connections. A peer that is enabled and dials in while we wait
      // out the idle hold time (or before our own connect) is the quickest way back up, and
      // it may be the only way (our connects filtered, a peer that only dials out), so its
      // connection is taken; a stopped Fsm still refuses it.
      if (started_) take_connection_in_idle();
      return;
    case E::kManualStop:
      // The RFC ignores stops in Idle; ours also cancels a pending automatic restart.
      stop_timer(TimerId::kIdleHold);
      restart_pending_ = false;
      started_ = false;
      connect_retry_counter_ = 0;
      consecutive_failures_ = 0;
      return;
    case E::kAutomaticStop:
      stop_timer(TimerId::kIdleHold);
      restart_pending_ = false;
      started_ = false;
      return;
    default:
      // Idle ignores everything else (RFC 4271 8.2.2, Idle).
      return;
  }
}

void Fsm::on_connect(const Event& event) {
  if (is_start(event.type)) return;
  switch (event.type) {
    case E::kManualStop:
      fall_to_idle({DownCause::kManualStop, {}, {}, false, true, true});
      return;
    case E::kConnectRetryTimerExpires:
      actions_.push_back(DropTcp{});
      start_timer(TimerId::kConnectRetry, jittered(config_.connect_retry_time, random_));
      stop_timer(TimerId::kDelayOpen);
      actions_.push_back(ConnectTcp{});
      return;
    case E::kDelayOpenTimerExpires:
      send_open_and_wait();
      return;
    case E::kTcpConnectionValid:
    case E::kTcpCrInvalid:
      return;
    case E::kTcpCrAcked:
    case E::kTcpConnectionConfirmed:
      tcp_connection_up();
      return;
    case E::kTcpConnectionFails:
      connect_failed();
      return;
    case E::kBgpOpenWithDelayOpenTimerRunning:
      stop_timer(TimerId::kConnectRetry);
      stop_timer(TimerId::kDelayOpen);
      actions_.push_back(SendOpen{local_open(config_)});
      accept_peer_open(*event.open);
      return;
    case E::kBgpHeaderErr:
    case E::kBgpOpenMsgErr:
      reject_open(message_error(event));
      return;
    case E::kNotifMsgVerErr:
      fall_to_idle({DownCause::kNotificationReceived,
                    {},
                    event.notification,
                    !timer_running(TimerId::kDelayOpen)});
      return;
    case E::kAutomaticStop:
      fall_to_idle({DownCause::kAutomaticStop, {}, {}, true, true});
      return;
    case E::kNotifMsg:
      fall_to_idle({DownCause::kNotificationReceived, {}, event.notification});
      return;
    default:  // 10, 11, 13, 19, 23, 26-28
      fall_to_idle({DownCause::kFsmError, {}, {}});
      return;
  }
}

void Fsm::on_active(const Event& event) {
  if (is_start(event.type)) return;
  switch (event.type) {
    case E::kManualStop: {
      std::optional<Notification> send;
      if (timer_running(TimerId::kDelayOpen) && config_.send_notification_without_open) {
        send = cease(event, cease_subcode::kAdministrativeShutdown);
      }
      fall_to_idle({DownCause::kManualStop, send, {}, false, true, true});
      return;
    }
    case E::kConnectRetryTimerExpires:
      if (passive_) return;  // a passive peer never connects out
      start_timer(TimerId::kConnectRetry, jittered(config_.connect_retry_time, random_));
      actions_.push_back(ConnectTcp{});
      enter(State::kConnect);
      return;
    case E::kDelayOpenTimerExpires:
      stop_timer(TimerId::kConnectRetry);
      send_open_and_wait();
      return;
    case E::kTcpConnectionValid:
    case E::kTcpCrInvalid:
      return;
    case E::kTcpCrAcked:
    case E::kTcpConnectionConfirmed:
      tcp_connection_up();
      return;
    case E::kTcpConnectionFails:
      connect_failed();
      return;
    case E::kBgpOpenWithDelayOpenTimerRunning:
      stop_timer(TimerId::kConnectRetry);
      stop_timer(TimerId::kDelayOpen);
      actions_.push_back(SendOpen{local_open(config_)});
      accept_peer_open(*event.open);
      return;
    case E::kBgpHeaderErr:
    case E::kBgpOpenMsgErr:
      reject_open(message_error(event));
      return;
    case E::kNotifMsgVerErr:
      fall_to_idle({DownCause::kNotificationReceived,
                    {},
                    event.notification,
                    !timer_running(TimerId::kDelayOpen)});
      return;
    case E::kAutomaticStop:
      fall_to_idle({DownCause::kAutomaticStop, {}, {}, true, true});
      return;
    case E::kNotifMsg:
      fall_to_idle({DownCause::kNotificationReceived, {}, event.notification});
      return;
    default:  // 10, 11, 13, 19, 23, 26-28
      fall_to_idle({DownCause::kFsmError, {}, {}});
      return;
  }
}

void Fsm::on_open_sent(const Event& event) {
  if (is_start(event.type)) return;
  switch (event.type) {
    case E::kManualStop:
      fall_to_idle({DownCause::kManualStop,
                    cease(event, cease_subcode::kAdministrativeShutdown),
                    {},
                    false,
                    true,
                    true});
      return;
    case E::kAutomaticStop:
      fall_to_idle(
          {DownCause::kAutomaticStop, cease(event, cease_subcode::kUnspecified), {}, true, true});
      return;
    case E::kHoldTimerExpires:
      fall_to_idle({DownCause::kHoldTimerExpired, hold_timer_expired(), {}});
      return;
    case E::kTcpConnectionValid:
    case E::kTcpCrInvalid:
    case E::kTcpCrAcked:
    case E::kTcpConnectionConfirmed:
      // A second connection to the peer: the shell gives it its own Fsm (section 6.8).
      return;
    case E::kTcpConnectionFails:
      stop_timer(TimerId::kHold);
      actions_.push_back(DropTcp{});
      if (!passive_) start_timer(TimerId::kConnectRetry, jittered(retry_after_close(), random_));
      enter(State::kActive);
      return;
    case E::kBgpOpen:
      stop_timer(TimerId::kDelayOpen);
      stop_timer(TimerId::kConnectRetry);
      accept_peer_open(*event.open);
      return;
    case E::kBgpHeaderErr:
    case E::kBgpOpenMsgErr:
      fall_to_idle({DownCause::kMessageError, message_error(event), {}});
      return;
    case E::kOpenCollisionDump:
      fall_to_idle({DownCause::kConnectionCollision, collision_notification(), {}});
      return;
    case E::kNotifMsgVerErr:
      fall_to_idle({DownCause::kNotificationReceived, {}, event.notification, false});
      return;
    case E::kNotifMsg:
      // RFC 4271 lists NotifMsg among the FSM errors here; answering a NOTIFICATION with one
      // is pointless (the peer closes right after sending it), so we only drop.
      fall_to_idle({DownCause::kNotificationReceived, {}, event.notification});
      return;
    default:  // 9, 11-13, 20, 26-28
      fsm_error(fsm_error_subcode::kUnexpectedMessageInOpenSent);
      return;
  }
}

void Fsm::on_open_confirm(const Event& event) {
  if (is_start(event.type)) return;
  switch (event.type) {
    case E::kManualStop:
      fall_to_idle({DownCause::kManualStop,
                    cease(event, cease_subcode::kAdministrativeShutdown),
                    {},
                    false,
                    true,
                    true});
      return;
    case E::kAutomaticStop:
      fall_to_idle(
          {DownCause::kAutomaticStop, cease(event, cease_subcode::kUnspecified), {}, true, true});
      return;
    case E::kHoldTimerExpires:
      fall_to_idle({DownCause::kHoldTimerExpired, hold_timer_expired(), {}});
      return;
    case E::kKeepaliveTimerExpires:
      send_keepalive_and_restart_timer();
      return;
    case E::kTcpConnectionValid:
    case E::kTcpCrInvalid:
    case E::kTcpCrAcked:
    case E::kTcpConnectionConfirmed:
      return;
    case E::kTcpConnectionFails:
      fall_to_idle({DownCause::kTcpConnectionFailed, {}, {}});
      return;
    case E::kNotifMsg:
      fall_to_idle({DownCause::kNotificationReceived, {}, event.notification});
      return;
    case E::kNotifMsgVerErr:
      fall_to_idle({DownCause::kNotificationReceived, {}, event.notification, false});
      return;
    case E::kBgpHeaderErr:
    case E::kBgpOpenMsgErr:
      fall_to_idle({DownCause::kMessageError, message_error(event), {}});
      return;
    case E::kOpenCollisionDump:
      fall_to_idle({DownCause::kConnectionCollision, collision_notification(), {}});
      return;
    case E::kKeepAliveMsg:
      restart_hold_timer();
      closed_before_open_ = 0;
      enter(State::kEstablished);
      actions_.push_back(
          SessionEstablished{*peer_open_, negotiated_->hold_time, negotiated_->keepalive_interval});
      return;
    default:  // 9, 12, 13, 19 (a second OPEN on this connection), 20, 27, 28
      fsm_error(fsm_error_subcode::kUnexpectedMessageInOpenConfirm);
      return;
  }
}

void Fsm::on_established(const Event& event) {
  if (is_start(event.type)) return;
  switch (event.type) {
    case E::kManualStop:
      fall_to_idle({DownCause::kManualStop,
                    cease(event, cease_subcode::kAdministrativeShutdown),
                    {},
                    false,
                    true,
                    true});
      return;
    case E::kAutomaticStop:
      fall_to_idle(
          {DownCause::kAutomaticStop, cease(event, cease_subcode::kUnspecified), {}, true, true});
      return;
    case E::kHoldTimerExpires:
      fall_to_idle({DownCause::kHoldTimerExpired, hold_timer_expired(), {}});
      return;
    case E::kKeepaliveTimerExpires:
      send_keepalive_and_restart_timer();
      return;
    case E::kTcpConnectionValid:
    case E::kTcpCrInvalid:
    case E::kTcpCrAcked:
    case E::kTcpConnectionConfirmed:
      return;
    case E::kTcpConnectionFails:
      fall_to_idle({DownCause::kTcpConnectionFailed, {}, {}});
      return;
    case E::kNotifMsg:
    case E::kNotifMsgVerErr:
      fall_to_idle({DownCause::kNotificationReceived, {}, event.notification});
      return;
    case E::kOpenCollisionDump:
      fall_to_idle({DownCause::kConnectionCollision, collision_notification(), {}});
      return;
    case E::kKeepAliveMsg:
    case E::kUpdateMsg:
      restart_hold_timer();
      return;
    case E::kUpdateMsgErr:
    case E::kBgpHeaderErr:
      // RFC 4271 files BGPHeaderErr under FSM errors here, but a broken header is a header
      // error in any state (section 6.1), and the peer learns more from the real code.
      fall_to_idle({DownCause::kMessageError, message_error(event), {}});
      return;
    default:  // 9, 12, 13, 19, 20, 22: an OPEN (valid or not) has no place here
      fsm_error(fsm_error_subcode::kUnexpectedMessageInEstablished);
      return;
  }
}

void Fsm::start_session(bool passive) {
  stop_timer(TimerId::kIdleHold);
  restart_pending_ = false;
  connect_retry_counter_ = 0;
  passive_ = passive;
  peer_open_.reset();
  negotiated_.reset();
  if (passive) {
    // A passive peer (BIRD's "passive on", Calico's passive mesh side) only listens, so it
    // runs no ConnectRetryTimer.
    enter(State::kActive);
    return;
  }
  start_timer(TimerId::kConnectRetry, jittered(config_.connect_retry_time, random_));
  actions_.push_back(ConnectTcp{});
  enter(State::kConnect);
}

void Fsm::take_connection_in_idle() {
  stop_timer(TimerId::kIdleHold);
  restart_pending_ = false;
  connect_retry_counter_ = 0;
  peer_open_.reset();
  negotiated_.reset();
  // Active is where a connection that came up waits out DelayOpen; without it, OpenSent.
  enter(State::kActive);
  tcp_connection_up();
}

// A connect() that failed (refused, unreachable), or a connection that broke before an OPEN
// was exchanged (during DelayOpen), is not a failed session: the peer may dial in at any
// moment, so we keep listening in Active (BIRD and FRR do the same) and retry on our own;
// no idle hold, no failure counted. A connect() the peer's host refused (no DelayOpen
// running: the connection never came up) means its speaker is not listening yet, so the
// retry comes soon; a connection that came up and broke waits the whole ConnectRetryTime.
void Fsm::connect_failed() {
  const bool connection_was_up = timer_running(TimerId::kDelayOpen);
  stop_timer(TimerId::kDelayOpen);
  actions_.push_back(DropTcp{});
  if (passive_) {
    stop_timer(TimerId::kConnectRetry);
  } else {
    const Duration wait =
        connection_was_up || state_ == State::kActive
            ? config_.connect_retry_time
            : std::min(config_.connect_retry_after_refusal, config_.connect_retry_time);
    start_timer(TimerId::kConnectRetry, jittered(wait, random_));
  }
  enter(State::kActive);
}

// The peer's speaker took our connection and closed it before its OPEN (BIRD and tabby do
// that for an address they have no peer for yet, e.g. a mesh node that has not seen us yet).
// It may know us in a moment, so the first retries come soon; each further one waits twice
// as long, up to ConnectRetryTime, so a peer that keeps refusing is not dialed twice a second.
Duration Fsm::retry_after_close() {
  Duration wait = config_.connect_retry_after_refusal;
  for (uint32_t i = 0; i < closed_before_open_ && wait < config_.connect_retry_time; ++i)
    wait *= 2;
  ++closed_before_open_;
  return std::min(wait, config_.connect_retry_time);
}

void Fsm::tcp_connection_up() {
  stop_timer(TimerId::kConnectRetry);
  if (config_.delay_open_time > Duration{0}) {
    start_timer(TimerId::kDelayOpen, config_.delay_open_time);
    return;
  }
  send_open_and_wait();
}

void Fsm::send_open_and_wait() {
  actions_.push_back(SendOpen{local_open(config_)});
  start_timer(TimerId::kHold, config_.large_hold_time);
  enter(State::kOpenSent);
}

void Fsm::accept_peer_open(const OpenValues& open) {
  peer_open_ = open;
  negotiated_ = negotiate_hold_time(config_.hold_time_seconds, config_.keepalive_time_seconds,
                                    open.hold_time_seconds);
  // Our OPEN is always out before this KEEPALIVE (BIRD answers 5/1 otherwise).
  actions_.push_back(SendKeepalive{});
  if (negotiated_->hold_time > Duration{0}) {
    start_timer(TimerId::kKeepalive, jittered(negotiated_->keepalive_interval, random_));
    start_timer(TimerId::kHold, negotiated_->hold_time);
  } else {
    stop_timer(TimerId::kKeepalive);
    stop_timer(TimerId::kHold);
  }
  enter(State::kOpenConfirm);
}

void Fsm::restart_hold_timer() {
  if (negotiated_ && negotiated_->hold_time > Duration{0}) {
    start_timer(TimerId::kHold, negotiated_->hold_time);
  }
}

void Fsm::send_keepalive_and_restart_timer() {
  actions_.push_back(SendKeepalive{});
  if (negotiated_ && negotiated_->keepalive_interval > Duration{0}) {
    start_timer(TimerId::kKeepalive, jittered(negotiated_->keepalive_interval, random_));
  }
}

void Fsm::send_notification(Notification notification) {
  last_sent_ = notification;
  actions_.push_back(SendNotification{std::move(notification)});
}

void Fsm::reject_open(const Notification& notification) {
  // Before our OPEN is out (DelayOpen), a NOTIFICATION goes only where the peer allows it.
  std::optional<Notification> send;
  if (config_.send_notification_without_open) send = notification;
  fall_to_idle({DownCause::kMessageError, send, {}});
}

void Fsm::fsm_error(uint8_t subcode) {
  fall_to_idle({DownCause::kFsmError, Notification{notification_code::kFsmError, subcode, {}}, {}});
}

void Fsm::fall_to_idle(const Failure& failure) {
  if (failure.send) send_notification(*failure.send);
  if (failure.received) last_received_ = failure.received;
  for (TimerId timer : kAllTimers)
    stop_timer(timer);
  const bool was_established = state_ == State::kEstablished;
  if (was_established) {
    actions_.push_back(SessionDown{failure.cause, failure.send, failure.received});
  }
  actions_.push_back(DropTcp{});
  actions_.push_back(ReleaseResources{});

  if (failure.stop) started_ = false;
  if (failure.manual) closed_before_open_ = 0;
  if (failure.manual) {
    connect_retry_counter_ = 0;
    consecutive_failures_ = 0;
  } else if (failure.increment_connect_retry_counter) {
    ++connect_retry_counter_;
  }
  if (was_established && now_ - state_since_ >= config_.idle_hold.forget_after) {
    consecutive_failures_ = 0;  // it was a good session; start the back-off afresh
  }
  // Only a reset after an error backs off (BIRD's error wait time). A peer that ended the
  // session with a Cease (it is shutting down, restarting or was reconfigured), or whose
  // connection went away once the OPENs were exchanged, did nothing wrong and is usually
  // back in a moment: the restart comes after retry_after_close() (0.5 s, doubling while the
  // peer keeps closing us before a session is up), as BIRD restarts without its error wait.
  const bool after_error = !ended_without_error(failure);
  if (!failure.stop && after_error) ++consecutive_failures_;

  peer_open_.reset();
  negotiated_.reset();
  enter(State::kIdle);
  restart_pending_ = false;
  if (!failure.stop && config_.automatic_restart) {
    restart_pending_ = true;
    start_timer(TimerId::kIdleHold, after_error ? idle_hold_time() : retry_after_close());
  }
}

bool Fsm::ended_without_error(const Failure& failure) {
  if (failure.cause == DownCause::kTcpConnectionFailed) return true;
  return failure.cause == DownCause::kNotificationReceived && failure.received &&
         failure.received->code == notification_code::kCease;
}

void Fsm::enter(State state) {
  if (state == state_) return;
  state_ = state;
  state_since_ = now_;
}

void Fsm::start_timer(TimerId timer, Duration duration) {
  deadlines_[static_cast<size_t>(timer)] = now_ + duration;
  actions_.push_back(StartTimer{timer, duration});
}

void Fsm::stop_timer(TimerId timer) {
  auto& deadline = deadlines_[static_cast<size_t>(timer)];
  if (!deadline) return;
  deadline.reset();
  actions_.push_back(StopTimer{timer});
}

}  // namespace tabby::bgp
