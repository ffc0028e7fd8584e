#include "tabby/bgp/fsm_config.h"

#include <string>

namespace tabby::bgp {
namespace {

Error config_error(const std::string& what) {
  return Error{"BGP FSM configuration: " + what};
}

}  // namespace

Status validate(const FsmConfig& config) {
  if (config.local_as == 0) return config_error("local_as is 0; an AS number is required");
  if (config.local_bgp_identifier == 0) {
    return config_error("local_bgp_identifier is 0.0.0.0, which RFC 4271 forbids");
  }
  if (config.hold_time_seconds == 1 || config.hold_time_seconds == 2) {
    return config_error("hold_time_seconds is " + std::to_string(config.hold_time_seconds) +
                        "; it must be 0 or at least 3 (RFC 4271 section 4.2)");
  }
  if (config.connect_retry_time <= Duration{0}) {
    return config_error("connect_retry_time must be positive");
  }
  if (config.connect_retry_after_refusal <= Duration{0}) {
    return config_error("connect_retry_after_refusal must be positive");
  }
  if (config.large_hold_time <= Duration{0}) {
    return config_error("large_hold_time must be positive");
  }
  if (config.delay_open_time < Duration{0}) {
    return config_error("delay_open_time must not be negative");
  }
  if (config.idle_hold.initial <= Duration{0} || config.idle_hold.max < config.idle_hold.initial) {
    return config_error("idle_hold needs 0 < initial <= max");
  }
  if (config.idle_hold.forget_after < Duration{0}) {
    return config_error("idle_hold.forget_after must not be negative");
  }
  return {};
}

OpenValues local_open(const FsmConfig& config) {
  return OpenValues{4, config.local_as, config.hold_time_seconds, config.local_bgp_identifier};
}

std::optional<Notification> check_peer_open(const FsmConfig& config, const OpenValues& open) {
  using namespace notification_code;
  using namespace open_error_subcode;
  if (open.version != 4) {
    // RFC 4271 section 6.2: the data is the largest locally supported version, 2 octets.
    return Notification{kOpenMessageError, kUnsupportedVersionNumber, {0, 4}};
  }
  if (open.peer_as == 0 || (config.peer_as != 0 && open.peer_as != config.peer_as)) {
    return Notification{kOpenMessageError, kBadPeerAs, {}};
  }
  // RFC 6286: identifiers must differ only within an AS; 0 is never valid.
  if (open.bgp_identifier == 0 ||
      (open.peer_as == config.local_as && open.bgp_identifier == config.local_bgp_identifier)) {
    return Notification{kOpenMessageError, kBadBgpIdentifier, {}};
  }
  if (open.hold_time_seconds == 1 || open.hold_time_seconds == 2) {
    return Notification{kOpenMessageError, kUnacceptableHoldTime, {}};
  }
  if (config.accept_open) return config.accept_open(open);
  return std::nullopt;
}

}  // namespace tabby::bgp
