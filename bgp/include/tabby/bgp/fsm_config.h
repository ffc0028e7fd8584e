#pragma once
// The per-peer settings of the BGP FSM: RFC 4271 section 8's session attributes and
// optional attributes, plus the idle-hold back-off that BIRD calls "error wait time".

#include <cstdint>
#include <functional>
#include <optional>

#include "tabby/bgp/fsm_types.h"
#include "tabby/common/result.h"

namespace tabby::bgp {

// Exponential back-off before an automatic restart after a failure (RFC 4271's
// DampPeerOscillations with IdleHoldTimer; BIRD's "error wait time min,max" and "error forget
// time"). The n-th consecutive failure waits initial * 2^(n-1), at most `max`. A session that
// stayed Established for `forget_after` resets the count when it goes down.
struct IdleHoldBackoff {
  Duration initial = std::chrono::seconds(5);
  Duration max = std::chrono::seconds(30);
  Duration forget_after = std::chrono::seconds(300);
};

struct FsmConfig {
  uint32_t local_as = 0;
  uint32_t local_bgp_identifier = 0;  // host byte order
  // The peer's AS as configured; 0 accepts any AS (the shell or `accept_open` then decides).
  uint32_t peer_as = 0;

  // Calico's BIRD defaults (reference/calico-bgp.md): hold 240 s, connect retry 5 s.
  uint16_t hold_time_seconds = 240;  // 0, or at least 3 (RFC 4271 section 4.2)
  // Keepalive interval wanted; 0 means a third of the negotiated hold time. Never more than a
  // third of the negotiated hold time, so a peer with a shorter hold time does not expire us.
  uint16_t keepalive_time_seconds = 0;
  Duration connect_retry_time = std::chrono::seconds(5);
  // The wait after a connect() the peer's host answered with a refusal (RST, ICMP
  // unreachable): its speaker is not listening yet, most often because it is starting, so we
  // try again soon rather than after connect_retry_time. A refusal costs the peer one segment.
  // The shorter of this and connect_retry_time applies, jittered.
  Duration connect_retry_after_refusal = std::chrono::milliseconds(500);
  // Hold time while waiting for the peer's OPEN (RFC 4271 section 8.2.2 suggests 4 minutes).
  Duration large_hold_time = std::chrono::minutes(4);
  // DelayOpen (RFC 4271 8.1.1): wait this long after TCP is up for the peer's OPEN before
  // sending ours; zero disables it.
  Duration delay_open_time{0};
  // SendNOTIFICATIONwithoutOPEN: may a NOTIFICATION go out before our OPEN (DelayOpen)?
  bool send_notification_without_open = false;
  // CollisionDetectEstablishedState: does an OPEN colliding with an Established session
  // take part in collision resolution (true), or is the new connection closed (false)?
  bool collision_detect_established_state = false;

  // After a failure, restart by itself after the idle hold time (AllowAutomaticStart).
  bool automatic_restart = true;
  // With damping, the idle hold time doubles with each consecutive failure
  // (DampPeerOscillations); without, every restart waits `idle_hold.initial`.
  bool damp_peer_oscillations = true;
  IdleHoldBackoff idle_hold;

  // Extra checks on the peer's OPEN beyond version, AS, identifier and hold time (for
  // example required capabilities): return the NOTIFICATION to refuse it with.
  std::function<std::optional<Notification>(const OpenValues&)> accept_open;
};

// Checks the values RFC 4271 constrains; the error names the field and the problem.
Status validate(const FsmConfig& config);

// The OPEN we send, as the FSM's SendOpen action carries it.
OpenValues local_open(const FsmConfig& config);

// Decides whether the peer's OPEN is acceptable (RFC 4271 section 6.2): version 4, the
// configured peer AS, a usable BGP identifier, a hold time of 0 or at least 3 seconds, then
// `config.accept_open`. Returns the NOTIFICATION to send when it is not.
std::optional<Notification> check_peer_open(const FsmConfig& config, const OpenValues& open);

}  // namespace tabby::bgp
