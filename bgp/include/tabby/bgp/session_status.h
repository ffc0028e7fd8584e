#pragma once
// Per-peer counters and state of a session, for status and metrics.

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tabby/bgp/fsm_types.h"
#include "tabby/bgp/notification.h"
#include "tabby/bgp/wire_types.h"

namespace tabby::bgp {

// Messages by type (index: MessageType 1..5; 0 counts nothing).
struct MessageCounters {
  std::array<std::uint64_t, 6> by_type{};
  std::uint64_t& operator[](MessageType type) { return by_type[static_cast<std::size_t>(type)]; }
  std::uint64_t operator[](MessageType type) const {
    return by_type[static_cast<std::size_t>(type)];
  }
  std::uint64_t total() const;
};

// Why an incoming connection from a configured peer's address was not taken.
enum class RefusedReason : std::uint8_t {
  kPeerDisabled,           // the session is stopped (peer disabled, administratively down)
  kAlreadyEstablished,     // a session is up and the peer did not negotiate graceful restart
  kTwoConnectionsAlready,  // a collision is being resolved between two connections already
  kCollisionLoser,         // RFC 4271 6.8: the peer's connection lost to ours
};
inline constexpr std::size_t kRefusedReasonCount = 4;
std::string_view to_string(RefusedReason reason);

struct SessionStatus {
  State state = State::kIdle;
  TimePoint state_since{};  // FsmClock
  std::chrono::system_clock::time_point state_since_wall{};
  MessageCounters received;
  MessageCounters sent;
  std::uint64_t established_transitions = 0;
  // The last reason a session or an attempt at one ended: "hold timer expired",
  // "NOTIFICATION received: Cease / Administrative Shutdown (6/2)", "connect: Connection
  // refused". Empty until something went wrong.
  std::string last_error;
  // What `birdc show protocols all` tells of a session that is not up: the last failed
  // connect() ("connect: Connection refused"), the last reset of a session or of an attempt
  // at one (a NOTIFICATION sent or received, hold timer expiry, a TCP failure), each with
  // when it happened, and when we last connected or were connected to.
  std::string last_connect_error;
  std::chrono::system_clock::time_point last_connect_error_at{};
  std::string last_reset_reason;
  std::chrono::system_clock::time_point last_reset_at{};
  std::chrono::system_clock::time_point last_attempt{};
  // Incoming connections from the peer that were not taken.
  std::uint64_t connections_refused = 0;
  std::array<std::uint64_t, kRefusedReasonCount> refused_by_reason{};  // index: RefusedReason
  std::optional<RefusedReason> last_refusal;
  std::chrono::system_clock::time_point last_refusal_at{};
  std::optional<NotificationMessage> last_notification_sent;
  std::optional<NotificationMessage> last_notification_received;
};

}  // namespace tabby::bgp
