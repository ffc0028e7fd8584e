#include "tabby/bgp/fsm_collision.h"

namespace tabby::bgp {

ConnectionOrigin collision_survivor(uint32_t local_bgp_identifier, uint32_t remote_bgp_identifier,
                                    uint32_t local_as, uint32_t remote_as) {
  bool local_wins = local_bgp_identifier > remote_bgp_identifier;
  if (local_bgp_identifier == remote_bgp_identifier) local_wins = local_as > remote_as;
  return local_wins ? ConnectionOrigin::kInitiatedLocally : ConnectionOrigin::kAcceptedFromPeer;
}

Notification collision_notification() {
  return Notification{notification_code::kCease, cease_subcode::kConnectionCollisionResolution, {}};
}

CollisionDecision resolve_collision(const CollisionInput& input) {
  const bool other_knows_peer =
      input.other_state == State::kOpenConfirm || input.other_state == State::kEstablished;
  if (!other_knows_peer) return {};
  if (input.other_state == State::kEstablished && !input.collision_detect_established_state) {
    return {CollisionVerdict::kCloseReceiving, collision_notification()};
  }
  // Two connections of the same origin cannot be told apart by the identifiers; the newer
  // one, where the OPEN just arrived, gives way.
  if (input.receiving_origin == input.other_origin) {
    return {CollisionVerdict::kCloseReceiving, collision_notification()};
  }
  const ConnectionOrigin survivor = collision_survivor(
      input.local_bgp_identifier, input.remote_bgp_identifier, input.local_as, input.remote_as);
  if (survivor == input.receiving_origin) {
    return {CollisionVerdict::kCloseOther, collision_notification()};
  }
  return {CollisionVerdict::kCloseReceiving, collision_notification()};
}

}  // namespace tabby::bgp
