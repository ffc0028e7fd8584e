// Tables sent again: route refresh both ways (RFC 2918, enhanced by RFC 7313) and the
// restarting speaker's deferred advertisement (RFC 4724 section 4.1).

#include <algorithm>
#include <memory>
#include <string>

#include "rib_state.h"
#include "tabby/bgp/message.h"

namespace tabby::bgp {

using detail::Candidate;
using detail::PeerState;

namespace {

std::string peer_name(const PeerState& peer) {
  return "BGP peer " + std::to_string(peer.config.id) + " (" + peer.config.address.to_string() +
         ")";
}

bool contains(const std::vector<Family>& families, Family family) {
  return std::find(families.begin(), families.end(), family) != families.end();
}

Result<EncodedUpdate> demarcation(Family family, RouteRefreshSubtype subtype,
                                  const CodecContext& context) {
  auto bytes = encode_message(RouteRefreshMessage{family, subtype}, context);
  if (!bytes) return bytes.error();
  return EncodedUpdate(std::make_shared<const std::vector<std::uint8_t>>(std::move(*bytes)));
}

}  // namespace

Status Rib::refresh_peer(PeerId id, Family family) {
  PeerState* peer = state_->find_peer(id);
  if (!peer) return Error{"ROUTE-REFRESH from BGP peer " + std::to_string(id) + ", not configured"};
  if (!peer->up || !peer->group)
    return Error{"ROUTE-REFRESH from " + peer_name(*peer) + " while its session is down"};
  if (!contains(peer->session.families, family))
    return Error{"ROUTE-REFRESH from " + peer_name(*peer) + " for " + family.to_string() +
                 ", a family not negotiated with it"};
  State::Group& group = *peer->group;
  if (auto s = state_->flush(group); !s)
    return Error{"ROUTE-REFRESH from " + peer_name(*peer) + ": " + s.error().message};
  // What the peer is still owed goes first, so that the table is the last word on every route.
  state_->catch_up(*peer);
  auto table = state_->encode_family_table(group, family);
  if (!table) return Error{"ROUTE-REFRESH from " + peer_name(*peer) + ": " + table.error().message};
  const bool enhanced = peer->session.enhanced_route_refresh;
  if (enhanced) {
    auto begin = demarcation(family, RouteRefreshSubtype::kBeginningOfRouteRefresh, group.send);
    if (!begin) return begin.error();
    peer->queued.push_back(*begin);
  }
  peer->queued.insert(peer->queued.end(), table->begin(), table->end());
  if (enhanced) {
    auto end = demarcation(family, RouteRefreshSubtype::kEndOfRouteRefresh, group.send);
    if (!end) return end.error();
    peer->queued.push_back(*end);
  }
  return {};
}

Status Rib::begin_route_refresh(PeerId id, Family family) {
  PeerState* peer = state_->find_peer(id);
  if (!peer) return Error{"BoRR from BGP peer " + std::to_string(id) + ", not configured"};
  if (!peer->up) return Error{"BoRR from " + peer_name(*peer) + " while its session is down"};
  if (family != kIpv4Unicast && family != kIpv6Unicast) return {};  // nothing of it is kept
  // Marking stale changes no decision: the paths stay in use until the EoRR.
  for (auto&& [prefix, d] : state_->loc_rib) {
    if (detail::family_of(prefix) != family) continue;
    for (Candidate& c : d.paths)
      if (c.peer == peer) c.stale = true;
  }
  if (!contains(peer->refreshing, family)) peer->refreshing.push_back(family);
  return {};
}

Status Rib::end_route_refresh(PeerId id, Family family) {
  PeerState* peer = state_->find_peer(id);
  if (!peer) return Error{"EoRR from BGP peer " + std::to_string(id) + ", not configured"};
  if (!peer->up) return Error{"EoRR from " + peer_name(*peer) + " while its session is down"};
  if (!contains(peer->refreshing, family)) return {};
  std::erase(peer->refreshing, family);
  state_->remove_stale(*peer, family);
  // Whatever a graceful restart left stale of the family went with them.
  std::erase(peer->stale_families, family);
  return {};
}

void Rib::defer_advertisement() {
  state_->deferred = true;
}

bool Rib::advertisement_deferred() const {
  return state_->deferred;
}

Status Rib::end_advertisement_deferral() {
  if (!state_->deferred) return {};
  state_->deferred = false;
  Status result;
  for (auto& [id, peer] : state_->peers) {
    if (!peer->up || !peer->group) continue;
    if (auto queued = state_->queue_initial_table(*peer); !queued && result)
      result = Error{peer_name(*peer) + ": " + queued.error().message};
  }
  return result;
}

}  // namespace tabby::bgp
