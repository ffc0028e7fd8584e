#pragma once
// NOTIFICATION: the error codes and subcodes of RFC 4271, 4486 (Cease), 6608 (FSM), 7313
// (ROUTE-REFRESH) and 8538 (Hard Reset), and the shutdown communication of RFC 8203/9003.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tabby/common/result.h"

namespace tabby::bgp {

enum class ErrorCode : std::uint8_t {
  kMessageHeader = 1,
  kOpenMessage = 2,
  kUpdateMessage = 3,
  kHoldTimerExpired = 4,
  kFiniteStateMachine = 5,
  kCease = 6,
  kRouteRefreshMessage = 7,
};

enum class HeaderError : std::uint8_t {
  kConnectionNotSynchronized = 1,
  kBadMessageLength = 2,
  kBadMessageType = 3,
};

enum class OpenError : std::uint8_t {
  kUnspecific = 0,
  kUnsupportedVersionNumber = 1,
  kBadPeerAs = 2,
  kBadBgpIdentifier = 3,
  kUnsupportedOptionalParameter = 4,
  kUnacceptableHoldTime = 6,
  kUnsupportedCapability = 7,  // RFC 5492
  kRoleMismatch = 11,          // RFC 9234
};

enum class UpdateError : std::uint8_t {
  kMalformedAttributeList = 1,
  kUnrecognizedWellKnownAttribute = 2,
  kMissingWellKnownAttribute = 3,
  kAttributeFlagsError = 4,
  kAttributeLengthError = 5,
  kInvalidOriginAttribute = 6,
  kInvalidNextHopAttribute = 8,
  kOptionalAttributeError = 9,
  kInvalidNetworkField = 10,
  kMalformedAsPath = 11,
};

// RFC 6608.
enum class FsmError : std::uint8_t {
  kUnspecified = 0,
  kUnexpectedMessageInOpenSent = 1,
  kUnexpectedMessageInOpenConfirm = 2,
  kUnexpectedMessageInEstablished = 3,
};

// RFC 4486, 8538 (Hard Reset), 9384 (BFD Down).
enum class CeaseSubcode : std::uint8_t {
  kMaximumNumberOfPrefixesReached = 1,
  kAdministrativeShutdown = 2,
  kPeerDeconfigured = 3,
  kAdministrativeReset = 4,
  kConnectionRejected = 5,
  kOtherConfigurationChange = 6,
  kConnectionCollisionResolution = 7,
  kOutOfResources = 8,
  kHardReset = 9,
  kBfdDown = 10,
};

// RFC 7313.
enum class RouteRefreshError : std::uint8_t { kInvalidMessageLength = 1 };

// RFC 9003 (which raised RFC 8203's 128): the longest shutdown communication, in octets.
inline constexpr std::size_t kMaxShutdownCommunicationLength = 255;

// Codes are kept as raw numbers: a peer may send codes this file does not name.
struct NotificationMessage {
  std::uint8_t code = 0;
  std::uint8_t subcode = 0;
  std::vector<std::uint8_t> data;

  NotificationMessage() = default;
  NotificationMessage(std::uint8_t code_, std::uint8_t subcode_,
                      std::vector<std::uint8_t> data_ = {})
      : code(code_), subcode(subcode_), data(std::move(data_)) {}
  NotificationMessage(HeaderError e, std::vector<std::uint8_t> d = {})
      : NotificationMessage(1, static_cast<std::uint8_t>(e), std::move(d)) {}
  NotificationMessage(OpenError e, std::vector<std::uint8_t> d = {})
      : NotificationMessage(2, static_cast<std::uint8_t>(e), std::move(d)) {}
  NotificationMessage(UpdateError e, std::vector<std::uint8_t> d = {})
      : NotificationMessage(3, static_cast<std::uint8_t>(e), std::move(d)) {}
  NotificationMessage(FsmError e, std::vector<std::uint8_t> d = {})
      : NotificationMessage(5, static_cast<std::uint8_t>(e), std::move(d)) {}
  NotificationMessage(CeaseSubcode e, std::vector<std::uint8_t> d = {})
      : NotificationMessage(6, static_cast<std::uint8_t>(e), std::move(d)) {}
  NotificationMessage(RouteRefreshError e, std::vector<std::uint8_t> d = {})
      : NotificationMessage(7, static_cast<std::uint8_t>(e), std::move(d)) {}

  friend bool operator==(const NotificationMessage&, const NotificationMessage&) = default;
};

// "Cease / Administrative Shutdown (6/2)", for logs and status; unknown codes by number.
std::string describe(const NotificationMessage& notification);

// A Cease with subcode Administrative Shutdown or Administrative Reset whose data is the
// operator's message (RFC 9003: length octet + UTF-8). Fails if the message is too long or
// not UTF-8.
Result<NotificationMessage> make_shutdown_notification(CeaseSubcode subcode,
                                                       std::string_view message);
// The shutdown communication in a received Administrative Shutdown/Reset, if it carries a
// well-formed one (RFC 9003 section 2: a bad one is to be ignored, not acted on).
std::optional<std::string> shutdown_communication(const NotificationMessage& notification);

}  // namespace tabby::bgp
