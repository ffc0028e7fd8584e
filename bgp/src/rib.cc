// Rib: peers, origination, the Loc-RIB and the decision process applied to it, inspection.

#include "tabby/bgp/rib.h"

#include <algorithm>
#include <string>

#include "rib_state.h"
#include "tabby/bgp/rib_decision.h"

namespace tabby::bgp {
namespace detail {

std::size_t PrefixHash::operator()(const IpPrefix& prefix) const {
  // FNV-1a over the significant octets and the length.
  std::size_t h = 1469598103934665603ULL;
  const std::size_t octets = (static_cast<std::size_t>(prefix.length()) + 7) / 8;
  for (std::size_t i = 0; i < octets; ++i) {
    h = (h ^ prefix.address().bytes()[i]) * 1099511628211ULL;
  }
  h = (h ^ static_cast<std::size_t>(prefix.length())) * 1099511628211ULL;
  return h ^ (prefix.family() == IpFamily::kV6 ? 0x9e3779b97f4a7c15ULL : 0);
}

namespace {

std::uint32_t first_as(const PathAttributes& a) {
  if (!a.as_path) return 0;
  for (const auto& segment : a.as_path->segments) {
    if (segment.type == AsSegmentType::kConfedSequence || segment.type == AsSegmentType::kConfedSet)
      continue;
    if (segment.type == AsSegmentType::kSequence && !segment.asns.empty())
      return segment.asns.front();
    return 0;
  }
  return 0;
}

PathFacts facts_of(const Candidate& c, const RibConfig& config) {
  const PathAttributes& a = *c.accepted;
  PathFacts f;
  f.local = c.peer == nullptr;
  f.ebgp = c.peer != nullptr && c.peer->ebgp;
  f.local_pref = a.local_pref.value_or(config.default_local_pref);
  f.as_path_length = a.as_path ? a.as_path->length() : 0;
  f.origin = a.origin.value_or(Origin::kIncomplete);
  const std::uint32_t neighbor = first_as(a);
  f.neighbor_as = neighbor != 0 ? neighbor : config.local_as;
  f.med = a.med.value_or(0);
  if (a.originator_id) {
    f.router_id = a.originator_id->v4_value();
  } else if (c.peer != nullptr && c.peer->session.router_id.is_v4()) {
    f.router_id = c.peer->session.router_id.v4_value();
  }
  f.cluster_list_length = a.cluster_list.size();
  if (c.peer != nullptr) f.peer_address = c.peer->config.address;
  f.path_id = c.path_id;
  return f;
}

// The identity of a selected path, to tell whether the selection changed.
struct Selected {
  const PeerState* peer = nullptr;
  std::uint32_t path_id = 0;
  AttributeSet accepted;  // held, so that a freed set's address is not taken for it
  friend bool operator==(const Selected&, const Selected&) = default;
};

// The multipath set; the best kept apart so that the usual single-path case allocates nothing.
struct Selection {
  std::optional<Selected> best;
  std::vector<Selected> others;
  friend bool operator==(const Selection&, const Selection&) = default;
};

Selection selection(const Destination& d) {
  Selection out;
  for (std::size_t i = 0; i < d.multipath; ++i) {
    Selected s{d.paths[i].peer, d.paths[i].path_id, d.paths[i].accepted};
    if (i == 0) {
      out.best = std::move(s);
    } else {
      out.others.push_back(std::move(s));
    }
  }
  return out;
}

}  // namespace

bool Group::exports(Family family) const {
  return std::find(key.families.begin(), key.families.end(), family) != key.families.end();
}

bool Group::sends_paths(Family family) const {
  return std::find(key.add_path.begin(), key.add_path.end(), family) != key.add_path.end();
}

std::size_t Group::advertised() const {
  std::size_t n = adj_out.size();
  for (const auto& [prefix, paths] : adj_out_paths)
    n += paths.size();
  return n;
}

}  // namespace detail

using detail::Candidate;
using detail::Destination;
using detail::PeerState;

Rib::State::State(RibConfig c)
    : config(std::move(c)), cluster_id(config.cluster_id.value_or(config.router_id)) {
  // Destination::multipath counts in 8 bits; no kernel takes more next hops anyway.
  config.max_paths = std::clamp<std::size_t>(config.max_paths, 1, 255);
}

template <typename Change>
void Rib::State::modify(const IpPrefix& prefix, Change change) {
  auto [it, created] = loc_rib.try_emplace(prefix);
  Destination& d = it.value();
  const auto before = detail::selection(d);
  change(d);
  decide(prefix, d);
  const auto after = detail::selection(d);
  // ADD-PATH send groups advertise every path, so any change of any path may concern them.
  const Family family = detail::family_of(prefix);
  for (auto& g : groups)
    if (g->sends_paths(family)) g->dirty.push_back(prefix);
  if (!(before == after)) {
    if (!d.change_pending) {
      d.change_pending = true;
      best_dirty.push_back(prefix);
    }
    if (before.best != after.best) {
      for (auto& g : groups)
        if (!g->sends_paths(family)) g->dirty.push_back(prefix);
    }
    if (!before.best) ++reachable;
    if (!after.best) --reachable;
  }
  // An emptied destination whose change is not taken yet stays (empty) until it is: its flag
  // must outlive a re-creation in the same batch that changes nothing (a refused path), or
  // the withdrawal would never be reported.
  if (d.paths.empty() && !d.change_pending) loc_rib.erase(it);
}

void Rib::State::decide(const IpPrefix& prefix, Destination& d) {
  (void)prefix;
  if (d.paths.size() == 1) {  // the common case, without the machinery
    d.multipath = d.paths.front().accepted ? 1 : 0;
    return;
  }
  std::vector<std::size_t> eligible;
  std::vector<PathFacts> facts;
  for (std::size_t i = 0; i < d.paths.size(); ++i) {
    if (!d.paths[i].accepted) continue;
    eligible.push_back(i);
    facts.push_back(detail::facts_of(d.paths[i], config));
  }
  if (eligible.empty()) {
    d.multipath = 0;
    return;
  }
  const Decision decision = bgp::decide(facts, config.always_compare_med, config.max_paths);
  std::vector<Candidate> ordered;
  ordered.reserve(d.paths.size());
  std::vector<bool> taken(d.paths.size(), false);
  for (auto k : decision.multipath) {
    ordered.push_back(std::move(d.paths[eligible[k]]));
    taken[eligible[k]] = true;
  }
  for (std::size_t i = 0; i < d.paths.size(); ++i)
    if (!taken[i]) ordered.push_back(std::move(d.paths[i]));
  for (std::size_t i = 0; i < ordered.size(); ++i)
    d.paths[i] = std::move(ordered[i]);
  d.multipath = static_cast<std::uint8_t>(decision.multipath.size());
}

void Rib::State::set_path(const IpPrefix& prefix, PeerState* peer, std::uint32_t path_id,
                          AttributeSet received, AttributeSet accepted) {
  modify(prefix, [&](Destination& d) {
    auto it = std::find_if(d.paths.begin(), d.paths.end(), [&](const Candidate& c) {
      return c.peer == peer && c.path_id == path_id;
    });
    if (it == d.paths.end()) {
      d.paths.push_back(Candidate{peer, nullptr, nullptr, path_id, false});
      it = d.paths.end() - 1;
      if (peer) ++peer->counters.received;
    } else if (peer && it->accepted) {
      --peer->counters.accepted;
    }
    if (peer && accepted) ++peer->counters.accepted;
    it->received = std::move(received);
    it->accepted = std::move(accepted);
    it->stale = false;
  });
}

void Rib::State::remove_path(const IpPrefix& prefix, PeerState* peer, std::uint32_t path_id) {
  auto found = loc_rib.find(prefix);
  if (found == loc_rib.end()) return;
  const bool present =
      std::any_of(found.value().paths.begin(), found.value().paths.end(),
                  [&](const Candidate& c) { return c.peer == peer && c.path_id == path_id; });
  if (!present) return;
  modify(prefix, [&](Destination& d) {
    d.paths.erase_if([&](const Candidate& c) {
      if (c.peer != peer || c.path_id != path_id) return false;
      if (peer) {
        --peer->counters.received;
        if (c.accepted) --peer->counters.accepted;
      }
      return true;
    });
  });
}

template <typename Which>
void Rib::State::remove_paths_of(PeerState& peer, Which which) {
  std::vector<std::pair<IpPrefix, std::uint32_t>> doomed;
  for (const auto& [prefix, d] : loc_rib) {
    for (const auto& c : d.paths)
      if (c.peer == &peer && which(prefix, c)) doomed.emplace_back(prefix, c.path_id);
  }
  for (const auto& [prefix, path_id] : doomed)
    remove_path(prefix, &peer, path_id);
}

void Rib::State::sweep_stale(PeerState& peer, Family family) {
  // Every End-of-RIB comes here: only a family with stale routes costs a pass over the table.
  if (std::find(peer.stale_families.begin(), peer.stale_families.end(), family) ==
      peer.stale_families.end()) {
    return;
  }
  std::erase(peer.stale_families, family);
  // A refresh of the family under way (RFC 7313 BoRR) has marked the peer's other routes
  // stale too: they wait for its EoRR.
  if (std::find(peer.refreshing.begin(), peer.refreshing.end(), family) != peer.refreshing.end())
    return;
  remove_stale(peer, family);
}

void Rib::State::remove_stale(PeerState& peer, Family family) {
  remove_paths_of(peer, [&](const IpPrefix& prefix, const Candidate& c) {
    return c.stale && detail::family_of(prefix) == family;
  });
}

RoutePath Rib::State::route_path(const Candidate& c) const {
  RoutePath path;
  path.peer = c.peer ? c.peer->config.id : kLocalPeer;
  if (c.peer) path.peer_address = c.peer->config.address;
  path.path_id = c.path_id;
  path.attributes = c.accepted;
  if (c.peer && c.accepted) {
    path.next_hop = next_hop_of(*c.accepted);
    if (c.accepted->mp_reach) path.link_local_next_hop = c.accepted->mp_reach->link_local_next_hop;
  }
  path.stale = c.stale;
  return path;
}

PeerState* Rib::State::find_peer(PeerId id) const {
  auto it = peers.find(id);
  return it == peers.end() ? nullptr : it->second.get();
}

// --- Rib --------------------------------------------------------------------------------

Rib::Rib(RibConfig config) : state_(std::make_unique<State>(std::move(config))) {}
Rib::~Rib() {
  // Peers go last: candidates point at them.
  state_->groups.clear();
  state_->loc_rib.clear();
}

const RibConfig& Rib::config() const {
  return state_->config;
}

namespace {

Status check_peer_config(const RibPeerConfig& c) {
  const std::string name = "BGP peer " + std::to_string(c.id) + " (" + c.address.to_string() + ")";
  if (c.id == kLocalPeer) return Error{name + ": peer id 0 is reserved for local routes"};
  if (c.remote_as == 0) return Error{name + ": remote AS is 0"};
  if (c.local.ipv4 && !c.local.ipv4->is_v4())
    return Error{name + ": local IPv4 address " + c.local.ipv4->to_string() + " is not IPv4"};
  if (c.local.ipv6 && !c.local.ipv6->is_v6())
    return Error{name + ": local IPv6 address " + c.local.ipv6->to_string() + " is not IPv6"};
  if (c.local.ipv6_link_local && !c.local.ipv6_link_local->is_v6())
    return Error{name + ": local link-local address " + c.local.ipv6_link_local->to_string() +
                 " is not IPv6"};
  return {};
}

}  // namespace

Status Rib::add_peer(RibPeerConfig config) {
  if (auto s = check_peer_config(config); !s) return s;
  if (state_->peers.count(config.id)) {
    return Error{"BGP peer " + std::to_string(config.id) + " is already configured"};
  }
  auto peer = std::make_unique<PeerState>();
  if (config.local_as == 0) config.local_as = state_->config.local_as;
  peer->ebgp = config.local_as != config.remote_as;
  peer->config = std::move(config);
  state_->peers.emplace(peer->config.id, std::move(peer));
  return {};
}

Status Rib::update_peer(RibPeerConfig config) {
  if (auto s = check_peer_config(config); !s) return s;
  PeerState* peer = state_->find_peer(config.id);
  if (!peer) return Error{"BGP peer " + std::to_string(config.id) + " is not configured"};
  if (config.local_as == 0) config.local_as = state_->config.local_as;
  const RibPeerConfig old = peer->config;
  const bool old_ebgp = peer->ebgp;
  peer->config = std::move(config);
  peer->ebgp = peer->config.local_as != peer->config.remote_as;
  const RibPeerConfig& now = peer->config;

  const bool import_changed = !(old.import_policy == now.import_policy) ||
                              old.allow_own_as != now.allow_own_as ||
                              old.local_as != now.local_as || old_ebgp != peer->ebgp;
  if (import_changed) state_->reimport(*peer);
  // How its routes are exported to others depends on these.
  if (old_ebgp != peer->ebgp || old.route_reflector_client != now.route_reflector_client) {
    state_->mark_all_dirty();
  }
  if (peer->up && !(state_->group_key(*peer) == peer->group->key)) {
    // Move to the group it now belongs to: first what it was still owed by the old one,
    // then withdraw what the new group does not advertise, then the new group's table.
    State::Group& old_group = *peer->group;
    if (auto s = state_->flush(old_group); !s) return s;
    std::vector<EncodedUpdate> owed = std::move(peer->queued);
    for (auto i = peer->cursor - old_group.log_base; i < old_group.log.size(); ++i)
      owed.push_back(old_group.log[i]);
    peer->cursor = old_group.log_base + old_group.log.size();
    State::Group& new_group = state_->group_for(*peer);
    if (auto s = state_->flush(new_group); !s) return s;
    detail::Batch gone;
    for (const auto& [prefix, attributes] : old_group.adj_out)
      if (!new_group.adj_out.count(prefix)) gone.withdrawn.push_back(Nlri{prefix, 0});
    // ADD-PATH: the new group numbers paths on its own; identifiers it does not use go.
    for (const auto& [prefix, paths] : old_group.adj_out_paths) {
      const auto kept = new_group.adj_out_paths.find(prefix);
      for (const auto& path : paths) {
        const bool reused = kept != new_group.adj_out_paths.end() &&
                            std::any_of(kept.value().begin(), kept.value().end(),
                                        [&](const auto& p) { return p.path_id == path.path_id; });
        if (!reused) gone.withdrawn.push_back(Nlri{prefix, path.path_id});
      }
    }
    auto withdrawals = detail::pack_updates(gone, new_group.send);
    if (!withdrawals) return withdrawals.error();
    auto table = state_->encode_table(new_group);
    if (!table) return table.error();
    state_->leave(*peer);
    peer->queued = std::move(owed);
    peer->queued.insert(peer->queued.end(), withdrawals->begin(), withdrawals->end());
    peer->queued.insert(peer->queued.end(), table->begin(), table->end());
    peer->group = &new_group;
    new_group.members.push_back(peer);
    peer->cursor = new_group.log_base + new_group.log.size();
  }
  return {};
}

void Rib::remove_peer(PeerId id) {
  PeerState* peer = state_->find_peer(id);
  if (!peer) return;
  peer_down(id, PeerDown::kHard);
  state_->remove_paths_of(*peer, [](const IpPrefix&, const Candidate&) { return true; });
  state_->peers.erase(id);
}

Status Rib::peer_up(PeerId id, PeerSession session) {
  PeerState* peer = state_->find_peer(id);
  if (!peer) return Error{"BGP peer " + std::to_string(id) + " is not configured"};
  if (peer->up) return Error{"BGP peer " + std::to_string(id) + " is already up"};
  peer->session = std::move(session);
  peer->up = true;
  peer->end_of_ribs.clear();
  peer->refreshing.clear();
  // RFC 4724 section 4.2: stale routes of a family the peer no longer preserves go now.
  const auto& gr = peer->session.graceful_restart;
  for (Family family : std::vector<Family>(peer->stale_families)) {
    bool preserved = false;
    const bool negotiated = std::find(peer->session.families.begin(), peer->session.families.end(),
                                      family) != peer->session.families.end();
    if (gr && negotiated) {
      for (const auto& f : gr->families)
        if (f.family == family && f.forwarding_state_preserved()) preserved = true;
    }
    if (!preserved) state_->sweep_stale(*peer, family);
  }
  return state_->join(*peer);
}

void Rib::peer_down(PeerId id, PeerDown mode) {
  PeerState* peer = state_->find_peer(id);
  if (!peer || !peer->up) return;
  state_->leave(*peer);
  peer->up = false;
  peer->refreshing.clear();
  std::vector<Family> keep;
  if (mode == PeerDown::kGraceful && peer->session.graceful_restart) {
    for (const auto& f : peer->session.graceful_restart->families)
      if (f.family == kIpv4Unicast || f.family == kIpv6Unicast) keep.push_back(f.family);
  }
  const auto kept = [&](Family f) { return std::find(keep.begin(), keep.end(), f) != keep.end(); };
  state_->remove_paths_of(*peer, [&](const IpPrefix& prefix, const Candidate&) {
    return !kept(detail::family_of(prefix));
  });
  // Marking stale changes no decision: the paths stay in use.
  for (auto&& [prefix, d] : state_->loc_rib) {
    for (auto& c : d.paths)
      if (c.peer == peer) c.stale = true;
  }
  peer->stale_families = keep;
}

void Rib::end_graceful_restart(PeerId id) {
  PeerState* peer = state_->find_peer(id);
  if (!peer) return;
  for (Family family : std::vector<Family>(peer->stale_families))
    state_->sweep_stale(*peer, family);
}

bool Rib::is_up(PeerId id) const {
  const PeerState* peer = state_->find_peer(id);
  return peer && peer->up;
}

bool Rib::initial_table_received(PeerId id) const {
  const PeerState* peer = state_->find_peer(id);
  if (!peer || !peer->up) return false;
  return std::all_of(peer->session.families.begin(), peer->session.families.end(), [&](Family f) {
    return (f != kIpv4Unicast && f != kIpv6Unicast) ||
           std::find(peer->end_of_ribs.begin(), peer->end_of_ribs.end(), f) !=
               peer->end_of_ribs.end();
  });
}

void Rib::originate(const IpPrefix& prefix, const LocalRoute& route) {
  PathAttributes a;
  a.origin = route.origin;
  a.as_path.emplace();
  a.local_pref = route.local_pref.value_or(state_->config.default_local_pref);
  a.med = route.med;
  a.communities = route.communities;
  a.large_communities = route.large_communities;
  AttributeSet set = state_->interner.intern(std::move(a));
  auto& interfaces = state_->local_interfaces;
  auto known = interfaces.find(prefix);
  const bool interface_changed =
      known == interfaces.end() ? !route.interface.empty() : known->second != route.interface;
  if (route.interface.empty()) {
    if (known != interfaces.end()) interfaces.erase(known);
  } else {
    interfaces[prefix] = route.interface;
  }
  state_->set_path(prefix, nullptr, 0, set, set);
  // Same attributes, other interface: export policy may now decide otherwise.
  if (interface_changed) {
    for (auto& group : state_->groups)
      group->dirty.push_back(prefix);
  }
}

void Rib::withdraw_local(const IpPrefix& prefix) {
  state_->local_interfaces.erase(prefix);
  state_->remove_path(prefix, nullptr, 0);
}

std::vector<BestPathChange> Rib::take_best_path_changes() {
  auto dirty = std::move(state_->best_dirty);
  state_->best_dirty.clear();
  std::vector<BestPathChange> changes;
  changes.reserve(dirty.size());
  // A prefix is listed once: Destination::change_pending, and a destination with a change
  // pending is not erased before it is taken here.
  for (const auto& prefix : dirty) {
    auto it = state_->loc_rib.find(prefix);
    if (it == state_->loc_rib.end() || !it.value().change_pending) continue;  // (a guard only)
    Destination& d = it.value();
    d.change_pending = false;
    BestPathChange change{prefix, std::nullopt, {}};
    if (d.multipath > 0) {
      change.multipath.reserve(d.multipath);
      for (std::size_t i = 0; i < d.multipath; ++i)
        change.multipath.push_back(state_->route_path(d.paths[i]));
      change.best = change.multipath.front();
    }
    changes.push_back(std::move(change));
    if (d.paths.empty()) state_->loc_rib.erase(it);
  }
  return changes;
}

std::optional<PeerCounters> Rib::counters(PeerId id) const {
  const PeerState* peer = state_->find_peer(id);
  if (!peer) return std::nullopt;
  PeerCounters c = peer->counters;
  c.advertised = peer->group ? peer->group->advertised() : 0;
  return c;
}

std::optional<RoutePath> Rib::best_path(const IpPrefix& prefix) const {
  auto it = state_->loc_rib.find(prefix);
  if (it == state_->loc_rib.end() || it.value().multipath == 0) return std::nullopt;
  return state_->route_path(it.value().paths.front());
}

std::vector<RoutePath> Rib::paths(const IpPrefix& prefix) const {
  std::vector<RoutePath> out;
  auto it = state_->loc_rib.find(prefix);
  if (it == state_->loc_rib.end()) return out;
  const auto& d = it.value();
  for (std::size_t i = 0; i < d.multipath; ++i)
    out.push_back(state_->route_path(d.paths[i]));
  // The rest in decision order: the best of what is left, again and again.
  std::vector<const Candidate*> rest;
  for (std::size_t i = d.multipath; i < d.paths.size(); ++i)
    if (d.paths[i].accepted) rest.push_back(&d.paths[i]);
  while (!rest.empty()) {
    std::vector<PathFacts> facts;
    for (const auto* c : rest)
      facts.push_back(detail::facts_of(*c, state_->config));
    const std::size_t best = decide(facts, state_->config.always_compare_med, 1).best;
    out.push_back(state_->route_path(*rest[best]));
    rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(best));
  }
  return out;
}

std::size_t Rib::prefix_count() const {
  return state_->reachable;
}

void Rib::for_each_best(const std::function<void(const IpPrefix&, const RoutePath&)>& visit) const {
  for (const auto& [prefix, d] : state_->loc_rib)
    if (d.multipath > 0) visit(prefix, state_->route_path(d.paths.front()));
}

void Rib::for_each_selected(
    const std::function<void(const IpPrefix&, const std::vector<RoutePath>&)>& visit) const {
  std::vector<RoutePath> selected;
  for (const auto& [prefix, d] : state_->loc_rib) {
    if (d.multipath == 0) continue;
    selected.clear();
    for (std::size_t i = 0; i < d.multipath; ++i)
      selected.push_back(state_->route_path(d.paths[i]));
    visit(prefix, selected);
  }
}

std::optional<std::size_t> Rib::update_group_of(PeerId id) const {
  const PeerState* peer = state_->find_peer(id);
  if (!peer || !peer->group) return std::nullopt;
  return peer->group->id;
}

std::size_t Rib::update_group_count() const {
  return state_->groups.size();
}

const AttributeInterner& Rib::interner() const {
  return state_->interner;
}

}  // namespace tabby::bgp
