#pragma once
// What one BGP session (one configured peer) needs to know, and the pure translations the
// Boost.Asio shell (session.h) makes between it, the FSM and the codec: the FsmConfig, our
// OPEN with its capabilities, the FSM's view of a received OPEN, and NOTIFICATIONs both ways.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tabby/bgp/fsm_config.h"
#include "tabby/bgp/message.h"
#include "tabby/common/ip.h"
#include "tabby/common/result.h"

namespace tabby::bgp {

inline constexpr std::uint16_t kBgpPort = 179;

// RFC 7911 ADD-PATH for every unicast family of the session: whether we announce that we
// take several paths per prefix from the peer (receive), send several to it (send), or both.
// A direction is used only when the peer announces the opposite one for the family.
enum class AddPathMode : std::uint8_t { kOff, kReceive, kSend, kBoth };

struct SessionConfig {
  std::uint32_t local_as = 0;
  IpAddress router_id;  // IPv4: our BGP identifier
  IpAddress peer_address;
  std::uint32_t peer_as = 0;  // 0 accepts any AS

  // Outgoing connections go to peer_address:peer_port. Incoming ones count as this peer's
  // only when they arrive on our listening port `accept_port` (so several sessions to one
  // address can run on different ports) and, when set, on `source_address`.
  std::uint16_t peer_port = kBgpPort;
  std::uint16_t accept_port = kBgpPort;
  std::optional<IpAddress> source_address;  // bound before connect(); same family as the peer
  std::uint16_t source_port = 0;            // 0: any

  bool passive = false;  // never connect out; wait for the peer
  std::string password;  // RFC 2385 TCP MD5; empty for none
  int ttl_security = 0;  // RFC 5082 GTSM: the peer is at most this many hops away; 0 off
  int multihop_ttl = 0;  // TTL of what we send; 0 leaves the kernel's default (ignored with GTSM)

  std::uint16_t hold_time_seconds = 240;
  std::uint16_t keepalive_time_seconds = 0;  // 0: a third of the negotiated hold time
  Duration connect_retry_time = std::chrono::seconds(5);
  Duration delay_open_time{0};
  IdleHoldBackoff idle_hold;
  bool collision_detect_established_state = false;

  std::vector<Family> families = {kIpv4Unicast};
  // Announced as is when set (RFC 4724): restart time, our R bit, forwarding-state bits.
  std::optional<GracefulRestartCapability> graceful_restart;
  AddPathMode add_path = AddPathMode::kOff;  // announced for each unicast family of `families`
};

// Names the field and the problem: no AS, router ID not IPv4 or zero, a source address of
// the other family, hold time 1 or 2, TTL values out of range, no families, an MD5 key too long.
Status validate(const SessionConfig& config);

// True when two configurations describe the same session: changing only fields that are
// equal here never needs a reset. (All fields matter today; the function is the one place
// that decides.)
bool same_session(const SessionConfig& a, const SessionConfig& b);

FsmConfig fsm_config(const SessionConfig& config);

// Our OPEN: AS_TRANS in My AS when ours needs 4 octets, the FSM's hold time, and the
// capabilities: multiprotocol per family, route refresh, enhanced route refresh, 4-octet AS,
// extended messages, graceful restart and ADD-PATH when configured.
OpenMessage local_open(const SessionConfig& config, const OpenValues& values);

// What the FSM decides on from a decoded OPEN.
OpenValues open_values(const OpenMessage& open);

// The families both OPENs announce, in our order.
std::vector<Family> common_families(const OpenMessage& local, const OpenMessage& remote);

Notification to_fsm(const NotificationMessage& notification);
NotificationMessage to_wire(const Notification& notification);

}  // namespace tabby::bgp
