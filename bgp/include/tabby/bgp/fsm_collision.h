#pragma once
// Connection collision detection (RFC 4271 section 6.8, RFC 6286 section 2.3) as a pure
// decision. The shell runs one Fsm per TCP connection; when two connections to the same peer
// exist and an OPEN arrives on one of them, it asks this function which to keep and feeds
// OpenCollisionDump to the Fsm of the other (which then sends Cease 6/7 and drops it).

#include <cstdint>
#include <optional>

#include "tabby/bgp/fsm_types.h"

namespace tabby::bgp {

enum class ConnectionOrigin : uint8_t {
  kInitiatedLocally,  // we connected to the peer
  kAcceptedFromPeer,  // the peer connected to us
};

// Which of the two connections survives, from the BGP identifiers alone (both speakers reach
// the same answer): the connection initiated by the speaker with the higher identifier. With
// equal identifiers (possible between eBGP peers, RFC 6286) the one initiated by the speaker
// with the larger AS number.
ConnectionOrigin collision_survivor(uint32_t local_bgp_identifier, uint32_t remote_bgp_identifier,
                                    uint32_t local_as, uint32_t remote_as);

struct CollisionInput {
  uint32_t local_bgp_identifier = 0;
  uint32_t local_as = 0;
  // From the OPEN that just arrived on the receiving connection.
  uint32_t remote_bgp_identifier = 0;
  uint32_t remote_as = 0;
  ConnectionOrigin receiving_origin = ConnectionOrigin::kAcceptedFromPeer;
  // The other connection to the same peer.
  ConnectionOrigin other_origin = ConnectionOrigin::kInitiatedLocally;
  State other_state = State::kIdle;
  bool collision_detect_established_state = false;
};

enum class CollisionVerdict : uint8_t {
  kNoCollision,     // keep both going (the other is not past OpenSent)
  kCloseReceiving,  // dump the connection the OPEN arrived on
  kCloseOther,      // dump the other connection
};

struct CollisionDecision {
  CollisionVerdict verdict = CollisionVerdict::kNoCollision;
  // What the closed connection's Fsm sends: Cease / Connection Collision Resolution (6/7).
  std::optional<Notification> notification;

  bool operator==(const CollisionDecision&) const = default;
};

// RFC 4271 section 6.8. A collision exists only when the other connection is in OpenConfirm
// or Established (Idle, Connect, Active and OpenSent do not know the peer's identifier yet).
// Against an Established session the new connection is closed, unless
// `collision_detect_established_state` asks for the identifiers to decide.
CollisionDecision resolve_collision(const CollisionInput& input);

// The NOTIFICATION a connection dumped by collision resolution sends.
Notification collision_notification();

}  // namespace tabby::bgp
