#pragma once
// The vocabulary of the BGP finite state machine (RFC 4271 section 8): its states, the
// events that drive it and the actions it asks its shell to perform. Deliberately independent
// of the wire codec: the shell decodes messages and hands the FSM only the few values it
// needs, so the FSM can be tested without bytes.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace tabby::bgp {

// Time for the FSM: any monotonic clock. Tests use a fake one that starts at the epoch.
using FsmClock = std::chrono::steady_clock;
using TimePoint = FsmClock::time_point;
using Duration = std::chrono::milliseconds;

// RFC 4271 section 8.2.2. The numbering is the BGP4-MIB's bgpPeerState.
enum class State : uint8_t {
  kIdle = 1,
  kConnect = 2,
  kActive = 3,
  kOpenSent = 4,
  kOpenConfirm = 5,
  kEstablished = 6,
};

// RFC 4271 section 8.1, numbered as the RFC numbers them so logs and tests can be read
// side by side with the RFC's tables.
enum class EventType : uint8_t {
  kManualStart = 1,
  kManualStop = 2,
  kAutomaticStart = 3,
  kManualStartWithPassiveTcpEstablishment = 4,
  kAutomaticStartWithPassiveTcpEstablishment = 5,
  kAutomaticStartWithDampPeerOscillations = 6,
  kAutomaticStartWithDampPeerOscillationsAndPassiveTcpEstablishment = 7,
  kAutomaticStop = 8,
  kConnectRetryTimerExpires = 9,
  kHoldTimerExpires = 10,
  kKeepaliveTimerExpires = 11,
  kDelayOpenTimerExpires = 12,
  kIdleHoldTimerExpires = 13,
  kTcpConnectionValid = 14,
  kTcpCrInvalid = 15,
  kTcpCrAcked = 16,
  kTcpConnectionConfirmed = 17,
  kTcpConnectionFails = 18,
  kBgpOpen = 19,
  kBgpOpenWithDelayOpenTimerRunning = 20,
  kBgpHeaderErr = 21,
  kBgpOpenMsgErr = 22,
  kOpenCollisionDump = 23,
  kNotifMsgVerErr = 24,
  kNotifMsg = 25,
  kKeepAliveMsg = 26,
  kUpdateMsg = 27,
  kUpdateMsgErr = 28,
};
inline constexpr int kFirstEventNumber = 1;
inline constexpr int kLastEventNumber = 28;

// NOTIFICATION error codes (RFC 4271 section 4.5) and the subcodes the FSM itself uses.
namespace notification_code {
inline constexpr uint8_t kMessageHeaderError = 1;
inline constexpr uint8_t kOpenMessageError = 2;
inline constexpr uint8_t kUpdateMessageError = 3;
inline constexpr uint8_t kHoldTimerExpired = 4;
inline constexpr uint8_t kFsmError = 5;
inline constexpr uint8_t kCease = 6;
}  // namespace notification_code

namespace open_error_subcode {
inline constexpr uint8_t kUnsupportedVersionNumber = 1;
inline constexpr uint8_t kBadPeerAs = 2;
inline constexpr uint8_t kBadBgpIdentifier = 3;
inline constexpr uint8_t kUnacceptableHoldTime = 6;
}  // namespace open_error_subcode

// RFC 6608: which state an unexpected message arrived in.
namespace fsm_error_subcode {
inline constexpr uint8_t kUnspecified = 0;
inline constexpr uint8_t kUnexpectedMessageInOpenSent = 1;
inline constexpr uint8_t kUnexpectedMessageInOpenConfirm = 2;
inline constexpr uint8_t kUnexpectedMessageInEstablished = 3;
}  // namespace fsm_error_subcode

// RFC 4486.
namespace cease_subcode {
inline constexpr uint8_t kUnspecified = 0;
inline constexpr uint8_t kMaximumPrefixesReached = 1;
inline constexpr uint8_t kAdministrativeShutdown = 2;
inline constexpr uint8_t kPeerDeconfigured = 3;
inline constexpr uint8_t kAdministrativeReset = 4;
inline constexpr uint8_t kConnectionRejected = 5;
inline constexpr uint8_t kOtherConfigurationChange = 6;
inline constexpr uint8_t kConnectionCollisionResolution = 7;
inline constexpr uint8_t kOutOfResources = 8;
}  // namespace cease_subcode

struct Notification {
  uint8_t code = 0;
  uint8_t subcode = 0;
  std::vector<uint8_t> data;

  bool operator==(const Notification&) const = default;
};

// The values of a received OPEN that the FSM decides on. The codec fills it in: `peer_as` is
// the speaker's real AS (from the 4-octet AS capability when present, else My Autonomous
// System), `bgp_identifier` is in host byte order.
struct OpenValues {
  uint8_t version = 4;
  uint32_t peer_as = 0;
  uint16_t hold_time_seconds = 0;
  uint32_t bgp_identifier = 0;

  bool operator==(const OpenValues&) const = default;
};

// One input to the FSM. Only the events that carry data use the optional fields:
//   kBgpOpen / kBgpOpenWithDelayOpenTimerRunning: `open`;
//   kBgpHeaderErr / kBgpOpenMsgErr / kUpdateMsgErr: `notification` is the NOTIFICATION the
//     codec says to send back (code, subcode and data of RFC 4271 section 6 / RFC 7606);
//   kNotifMsg / kNotifMsgVerErr: `notification` is the one the peer sent (for the reason the
//     session went down);
//   kManualStop / kAutomaticStop: `notification`, if set, replaces the default Cease (for
//     example Cease/Peer De-configured, or a shutdown communication of RFC 8203).
struct Event {
  EventType type;
  std::optional<OpenValues> open;
  std::optional<Notification> notification;

  static Event of(EventType type) { return Event{type, std::nullopt, std::nullopt}; }
  static Event open_received(OpenValues open) { return Event{EventType::kBgpOpen, open, {}}; }
  static Event with_notification(EventType type, Notification notification) {
    return Event{type, std::nullopt, std::move(notification)};
  }
};

enum class TimerId : uint8_t {
  kConnectRetry,
  kHold,
  kKeepalive,
  kDelayOpen,
  kIdleHold,
};
inline constexpr int kTimerCount = 5;

// Why a session (or an attempt at one) ended; the RIB and `tabbyctl node status` show it.
enum class DownCause : uint8_t {
  kManualStop,
  kAutomaticStop,
  kHoldTimerExpired,
  kTcpConnectionFailed,
  kNotificationReceived,
  kMessageError,  // a malformed message from the peer; we sent the codec's NOTIFICATION
  kFsmError,      // a message the state does not expect (RFC 6608)
  kConnectionCollision,
};

// Actions, in the order the shell must perform them.
struct ConnectTcp {  // initiate a TCP connection to the peer
  bool operator==(const ConnectTcp&) const = default;
};
struct DropTcp {  // close the connection, or abandon the connection attempt
  bool operator==(const DropTcp&) const = default;
};
struct SendOpen {  // the values our OPEN carries; the shell adds capabilities
  OpenValues open;
  bool operator==(const SendOpen&) const = default;
};
struct SendKeepalive {
  bool operator==(const SendKeepalive&) const = default;
};
struct SendNotification {
  Notification notification;
  bool operator==(const SendNotification&) const = default;
};
// The FSM keeps its timers' deadlines itself (see Fsm); these two tell the shell and the
// logs what it did, so a shell may also run one OS timer per TimerId if it prefers.
struct StartTimer {
  TimerId timer;
  Duration duration;
  bool operator==(const StartTimer&) const = default;
};
struct StopTimer {
  TimerId timer;
  bool operator==(const StopTimer&) const = default;
};
// Negotiated values of the session that just came up; the RIB starts exchanging routes.
struct SessionEstablished {
  OpenValues peer_open;
  Duration hold_time;           // zero: no hold timer
  Duration keepalive_interval;  // zero: no keepalives
  bool operator==(const SessionEstablished&) const = default;
};
// An Established session ended: the RIB removes the peer's routes ("deletes all routes").
struct SessionDown {
  DownCause cause;
  std::optional<Notification> notification_sent;
  std::optional<Notification> notification_received;
  bool operator==(const SessionDown&) const = default;
};
// RFC 4271 "releases all BGP resources": per-connection state such as buffers and the
// negotiated capabilities. Always follows DropTcp when the FSM falls back to Idle.
struct ReleaseResources {
  bool operator==(const ReleaseResources&) const = default;
};

using Action =
    std::variant<ConnectTcp, DropTcp, SendOpen, SendKeepalive, SendNotification, StartTimer,
                 StopTimer, SessionEstablished, SessionDown, ReleaseResources>;
using FsmActions = std::vector<Action>;

std::string to_string(State state);
std::string to_string(EventType type);
std::string to_string(TimerId timer);
std::string to_string(DownCause cause);
std::string to_string(const Notification& notification);
std::string to_string(const Action& action);

}  // namespace tabby::bgp
