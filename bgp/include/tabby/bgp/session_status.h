#pragma once
// Per-peer counters and state of a session, for status and metrics.

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

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
  std::optional<NotificationMessage> last_notification_sent;
  std::optional<NotificationMessage> last_notification_received;
};

}  // namespace tabby::bgp
