// UPDATEs in: RFC 6793 merge for 2-octet peers, RFC 7606 treat-as-withdraw, loop detection
// (AS_PATH with allow-own-as; ORIGINATOR_ID and CLUSTER_LIST of RFC 4456 section 8), import
// policy, then the Loc-RIB.

#include <algorithm>
#include <string>

#include "rib_state.h"
#include "tabby/bgp/as4_path.h"

namespace tabby::bgp {

using detail::PeerState;

bool Rib::State::is_loop(const PeerState& peer, const PathAttributes& a) const {
  if (a.as_path) {
    std::size_t own = 0;
    for (const auto& segment : a.as_path->segments)
      own += static_cast<std::size_t>(
          std::count(segment.asns.begin(), segment.asns.end(), peer.config.local_as));
    if (own > peer.config.allow_own_as) return true;
  }
  if (a.originator_id && *a.originator_id == config.router_id) return true;
  return std::find(a.cluster_list.begin(), a.cluster_list.end(), cluster_id) !=
         a.cluster_list.end();
}

AttributeSet Rib::State::import(PeerState& peer, const IpPrefix& prefix,
                                const AttributeSet& received) {
  if (is_loop(peer, *received)) return nullptr;
  const Policy& policy = peer.config.import_policy;
  // LOCAL_PREF is the receiving AS's to set: ignored from eBGP (RFC 4271 5.1.5).
  const bool set_local_pref = peer.ebgp && received->local_pref != config.default_local_pref;
  if (policy.terms.empty()) {
    if (policy.default_verdict == Verdict::kReject) return nullptr;
    if (!set_local_pref) return received;
  }
  PathAttributes a = *received;
  if (peer.ebgp) a.local_pref = config.default_local_pref;
  const RouteContext context{prefix, peer.config.id, peer.source(), peer.config.local_as,
                             peer.ebgp};
  if (!apply_policy(policy, context, a).accepted) return nullptr;
  if (a == *received) return received;
  return interner.intern(std::move(a));
}

void Rib::State::reimport(PeerState& peer) {
  struct Received {
    IpPrefix prefix;
    std::uint32_t path_id;
    AttributeSet attributes;
    bool stale;
  };
  std::vector<Received> paths;
  for (const auto& [prefix, d] : loc_rib) {
    for (const auto& c : d.paths)
      if (c.peer == &peer) paths.push_back({prefix, c.path_id, c.received, c.stale});
  }
  for (auto& path : paths) {
    set_path(path.prefix, &peer, path.path_id, path.attributes,
             import(peer, path.prefix, path.attributes));
    // set_path counts it as fresh; a stale path stays stale until the peer announces it.
    if (!path.stale) continue;
    for (auto& c : loc_rib.at(path.prefix).paths)
      if (c.peer == &peer && c.path_id == path.path_id) c.stale = true;
  }
}

namespace {

bool is_unicast(Family family) {
  return family == kIpv4Unicast || family == kIpv6Unicast;
}

// RFC 7606 section 7.2 errors that depend on the session: why the AS_PATH makes the routes
// treat-as-withdraw, or nothing.
std::optional<std::string> as_path_problem(const PeerState& peer, const AsPath& path) {
  // RFC 5065 section 5: confederation segments only travel between members of one
  // confederation. tabby is never a member, so no peer, eBGP or iBGP, may send them (and
  // AsPath::length() would count them 0, making the path look shorter).
  for (const auto& segment : path.segments) {
    if (segment.type == AsSegmentType::kConfedSequence || segment.type == AsSegmentType::kConfedSet)
      return "AS_PATH has a confederation segment, and we are in no confederation";
  }
  // RFC 4271 section 6.3, optional: an eBGP peer's routes start with the peer's AS.
  if (peer.ebgp && peer.config.enforce_first_as) {
    const bool starts_with_peer = !path.segments.empty() &&
                                  path.segments.front().type == AsSegmentType::kSequence &&
                                  path.segments.front().asns.front() == peer.config.remote_as;
    if (!starts_with_peer)
      return "AS_PATH does not start with the peer's AS " + std::to_string(peer.config.remote_as);
  }
  return std::nullopt;
}

bool is_loopback(const IpAddress& address) {
  if (address.is_v4()) return (address.v4_value() >> 24) == 127;
  const std::uint8_t* b = address.bytes();
  return std::all_of(b, b + 15, [](std::uint8_t x) { return x == 0; }) && b[15] == 1;
}

bool negotiated(const PeerState& peer, Family family) {
  const auto& families = peer.session.families;
  return std::find(families.begin(), families.end(), family) != families.end();
}

bool family_fits(const IpPrefix& prefix, Family family) {
  return (prefix.family() == IpFamily::kV4) == (family.afi == kAfiIpv4);
}

}  // namespace

Result<UpdateReceipt> Rib::receive_update(PeerId id, const UpdateMessage& update,
                                          UpdateVerdict verdict) {
  PeerState* peer = state_->find_peer(id);
  if (!peer) return Error{"UPDATE from BGP peer " + std::to_string(id) + ", not configured"};
  if (!peer->up) {
    return Error{"UPDATE from BGP peer " + std::to_string(id) + " (" +
                 peer->config.address.to_string() + ") while its session is down"};
  }
  ++peer->counters.updates_received;
  UpdateReceipt receipt;
  if (auto family = end_of_rib_family(update)) {
    receipt.end_of_rib = family;
    if (std::find(peer->end_of_ribs.begin(), peer->end_of_ribs.end(), *family) ==
        peer->end_of_ribs.end()) {
      peer->end_of_ribs.push_back(*family);
    }
    state_->sweep_stale(*peer, *family);
    return receipt;
  }

  PathAttributes attributes = peer->session.receive.four_octet_as
                                  ? update.attributes
                                  : from_two_octet_peer(update.attributes);
  attributes.placement.clear();
  std::optional<MpReachNlri> reach = std::move(attributes.mp_reach);
  std::optional<MpUnreachNlri> unreach = std::move(attributes.mp_unreach);
  attributes.mp_reach.reset();
  attributes.mp_unreach.reset();
  bool treat_as_withdraw = verdict == UpdateVerdict::kTreatAsWithdraw;
  // RFC 4271 mandatory attributes; the decoder already turns their absence into
  // treat-as-withdraw, this guards the RIB against a hand-made UPDATE.
  const bool complete = attributes.origin && attributes.as_path;

  const auto withdraw = [&](const std::vector<Nlri>& nlri, Family family) {
    for (const auto& n : nlri) {
      if (!family_fits(n.prefix, family)) continue;
      state_->remove_path(n.prefix, peer, n.path_id);
      ++receipt.withdrawn;
    }
  };
  const auto announce = [&](const std::vector<Nlri>& nlri, Family family, PathAttributes a) {
    const AttributeSet received = state_->interner.intern(std::move(a));
    // Without per-prefix terms the import result is the same for every prefix of the UPDATE.
    const bool per_prefix = !peer->config.import_policy.terms.empty();
    std::optional<AttributeSet> shared;
    // A full table's prefixes land all over the Loc-RIB's index: ask for the slots a few
    // prefixes ahead so that their cache misses overlap.
    constexpr std::size_t kAhead = 8;
    for (std::size_t i = 0; i < std::min(kAhead, nlri.size()); ++i)
      state_->loc_rib.prefetch(nlri[i].prefix);
    for (std::size_t i = 0; i < nlri.size(); ++i) {
      const Nlri& n = nlri[i];
      if (i + kAhead < nlri.size()) state_->loc_rib.prefetch(nlri[i + kAhead].prefix);
      if (!family_fits(n.prefix, family)) continue;
      AttributeSet accepted;
      if (per_prefix) {
        accepted = state_->import(*peer, n.prefix, received);
      } else {
        if (!shared) shared = state_->import(*peer, n.prefix, received);
        accepted = *shared;
      }
      if (!accepted) ++receipt.rejected;
      state_->set_path(n.prefix, peer, n.path_id, received, std::move(accepted));
      ++receipt.announced;
    }
  };

  // RFC 4271 section 6.3: a route whose next hop is the receiving speaker's own address is
  // ignored (RFC 7606 section 7.3: logged, no reset), and so is one on loopback. The codec
  // refuses addresses that are nobody's; these depend on the session. A next hop that is the
  // peer's own address is always fine: it only looks like ours, or like loopback, when both
  // speakers share a host and peer over loopback.
  const auto unusable_next_hop = [&](const std::optional<IpAddress>& hop, const char* field) {
    if (!hop || *hop == peer->config.address) return false;
    const LocalAddresses& local = peer->config.local;
    const char* why = nullptr;
    if (hop == local.ipv4 || hop == local.ipv6 || hop == local.ipv6_link_local) {
      why = "our own address";
    } else if (is_loopback(*hop)) {
      why = "loopback";
    } else {
      return false;
    }
    receipt.problems.push_back(std::string(field) + " " + hop->to_string() + " is " + why +
                               " (routes treated as withdrawn)");
    return true;
  };

  // RFC 4760 section 6: MP attributes of a family the session did not negotiate are ignored
  // and logged, as BIRD and FRR do; the RFC's alternative, a reset, would drop every family
  // over one stray attribute.
  const auto usable = [&](Family family, const char* attribute) {
    if (negotiated(*peer, family)) return is_unicast(family);
    receipt.problems.push_back(std::string(attribute) + " for " + family.to_string() +
                               ", a family not negotiated: ignored");
    return false;
  };
  if (reach && !usable(reach->family, "MP_REACH_NLRI")) reach.reset();
  if (unreach && !usable(unreach->family, "MP_UNREACH_NLRI")) unreach.reset();

  const bool announces = !update.nlri.empty() || (reach && !reach->nlri.empty());
  if (announces && attributes.as_path) {
    if (auto problem = as_path_problem(*peer, *attributes.as_path)) {
      receipt.problems.push_back(*problem + " (routes treated as withdrawn)");
      treat_as_withdraw = true;
    }
  }

  withdraw(update.withdrawn, kIpv4Unicast);
  if (unreach) withdraw(unreach->withdrawn, unreach->family);
  if (!update.nlri.empty()) {
    if (treat_as_withdraw || !complete || !attributes.next_hop ||
        unusable_next_hop(attributes.next_hop, "NEXT_HOP")) {
      withdraw(update.nlri, kIpv4Unicast);
    } else {
      announce(update.nlri, kIpv4Unicast, attributes);
    }
  }
  if (reach && !reach->nlri.empty()) {
    if (treat_as_withdraw || !complete ||
        unusable_next_hop(reach->next_hop, "MP_REACH_NLRI next hop") ||
        unusable_next_hop(reach->link_local_next_hop, "MP_REACH_NLRI link-local next hop")) {
      withdraw(reach->nlri, reach->family);
    } else {
      PathAttributes a = std::move(attributes);
      if (reach->family == kIpv4Unicast && reach->next_hop.is_v4()) {
        a.next_hop = reach->next_hop;
      } else {
        a.next_hop.reset();
        a.mp_reach = MpReachNlri{reach->family, reach->next_hop, reach->link_local_next_hop, {}};
      }
      announce(reach->nlri, reach->family, std::move(a));
    }
  }
  return receipt;
}

}  // namespace tabby::bgp
