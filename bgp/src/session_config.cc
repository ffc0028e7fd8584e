#include "tabby/bgp/session_config.h"

#include <algorithm>
#include <tuple>

#include "tabby/bgp/socket_options.h"

namespace tabby::bgp {

Status validate(const SessionConfig& config) {
  const std::string peer = "peer " + config.peer_address.to_string();
  if (config.local_as == 0) return Error{peer + ": local AS is 0"};
  if (!config.router_id.is_v4() || config.router_id.v4_value() == 0)
    return Error{peer + ": router ID " + config.router_id.to_string() +
                 " is not a non-zero IPv4 address"};
  if (config.source_address && config.source_address->family() != config.peer_address.family())
    return Error{peer + ": source address " + config.source_address->to_string() +
                 " is of the other address family"};
  if (config.hold_time_seconds == 1 || config.hold_time_seconds == 2)
    return Error{peer + ": hold time " + std::to_string(config.hold_time_seconds) +
                 " s; it must be 0 or at least 3"};
  if (config.ttl_security < 0 || config.ttl_security > 255)
    return Error{peer + ": ttl security hops " + std::to_string(config.ttl_security) +
                 " is outside 0..255"};
  if (config.multihop_ttl < 0 || config.multihop_ttl > 255)
    return Error{peer + ": multihop TTL " + std::to_string(config.multihop_ttl) +
                 " is outside 0..255"};
  if (config.password.size() > kMaxMd5KeyLength)
    return Error{peer + ": password longer than " + std::to_string(kMaxMd5KeyLength) + " bytes"};
  if (config.families.empty()) return Error{peer + ": no address family"};
  return validate(fsm_config(config));
}

bool same_session(const SessionConfig& a, const SessionConfig& b) {
  auto backoff = [](const IdleHoldBackoff& x) {
    return std::tuple(x.initial, x.max, x.forget_after);
  };
  return a.local_as == b.local_as && a.router_id == b.router_id &&
         a.peer_address == b.peer_address && a.peer_as == b.peer_as && a.peer_port == b.peer_port &&
         a.accept_port == b.accept_port && a.source_address == b.source_address &&
         a.source_port == b.source_port && a.passive == b.passive && a.password == b.password &&
         a.ttl_security == b.ttl_security && a.multihop_ttl == b.multihop_ttl &&
         a.hold_time_seconds == b.hold_time_seconds &&
         a.keepalive_time_seconds == b.keepalive_time_seconds &&
         a.connect_retry_time == b.connect_retry_time && a.delay_open_time == b.delay_open_time &&
         backoff(a.idle_hold) == backoff(b.idle_hold) &&
         a.collision_detect_established_state == b.collision_detect_established_state &&
         a.families == b.families && a.graceful_restart == b.graceful_restart &&
         a.add_path == b.add_path;
}

FsmConfig fsm_config(const SessionConfig& config) {
  FsmConfig fsm;
  fsm.local_as = config.local_as;
  fsm.local_bgp_identifier = config.router_id.is_v4() ? config.router_id.v4_value() : 0;
  fsm.peer_as = config.peer_as;
  fsm.hold_time_seconds = config.hold_time_seconds;
  fsm.keepalive_time_seconds = config.keepalive_time_seconds;
  fsm.connect_retry_time = config.connect_retry_time;
  fsm.delay_open_time = config.delay_open_time;
  fsm.collision_detect_established_state = config.collision_detect_established_state;
  fsm.idle_hold = config.idle_hold;
  return fsm;
}

OpenMessage local_open(const SessionConfig& config, const OpenValues& values) {
  OpenMessage open;
  open.version = values.version;
  open.my_as = config.local_as <= 0xffff ? static_cast<std::uint16_t>(config.local_as)
                                         : static_cast<std::uint16_t>(kAsTrans);
  open.hold_time = values.hold_time_seconds;
  open.bgp_identifier = IpAddress::v4(values.bgp_identifier);
  for (const Family& family : config.families)
    open.capabilities.push_back(MultiprotocolCapability{family});
  open.capabilities.push_back(RouteRefreshCapability{});
  open.capabilities.push_back(EnhancedRouteRefreshCapability{});
  open.capabilities.push_back(FourOctetAsCapability{config.local_as});
  open.capabilities.push_back(ExtendedMessageCapability{});
  if (config.graceful_restart) open.capabilities.push_back(*config.graceful_restart);
  if (config.add_path != AddPathMode::kOff) {
    const AddPathDirection direction =
        config.add_path == AddPathMode::kReceive ? AddPathDirection::kReceive
        : config.add_path == AddPathMode::kSend  ? AddPathDirection::kSend
                                                 : AddPathDirection::kSendReceive;
    AddPathCapability add_path;
    for (const Family& family : config.families)
      if (family == kIpv4Unicast || family == kIpv6Unicast)
        add_path.entries.push_back({family, direction});
    if (!add_path.entries.empty()) open.capabilities.push_back(std::move(add_path));
  }
  return open;
}

OpenValues open_values(const OpenMessage& open) {
  return OpenValues{open.version, open.speaker_as(), open.hold_time,
                    open.bgp_identifier.is_v4() ? open.bgp_identifier.v4_value() : 0};
}

std::vector<Family> common_families(const OpenMessage& local, const OpenMessage& remote) {
  std::vector<Family> ours = local.families();
  const std::vector<Family> theirs = remote.families();
  std::erase_if(ours, [&](const Family& f) {
    return std::find(theirs.begin(), theirs.end(), f) == theirs.end();
  });
  return ours;
}

Notification to_fsm(const NotificationMessage& notification) {
  return Notification{notification.code, notification.subcode, notification.data};
}

NotificationMessage to_wire(const Notification& notification) {
  return NotificationMessage{notification.code, notification.subcode, notification.data};
}

}  // namespace tabby::bgp
