// Update groups: one Adj-RIB-Out and one log of encoded UPDATEs per set of peers that would
// be sent the same thing. A group re-exports its dirty prefixes when one of its peers asks
// for updates; each peer reads the log from its own cursor; the log is trimmed behind the
// slowest peer.

#include <algorithm>
#include <string>

#include "rib_state.h"

namespace tabby::bgp {

using detail::Candidate;
using detail::Destination;
using detail::Group;
using detail::GroupKey;
using detail::PeerState;
using detail::SentPath;

namespace {

std::vector<Family> sorted(std::vector<Family> families) {
  std::sort(families.begin(), families.end());
  families.erase(std::unique(families.begin(), families.end()), families.end());
  return families;
}

// Announcements grouped by attribute set, in first-seen order.
class BatchBuilder {
 public:
  void announce(const Nlri& nlri, const AttributeSet& attributes) {
    auto [it, inserted] = index_.try_emplace(attributes.get(), batch_.announced.size());
    if (inserted) batch_.announced.push_back({attributes, {}});
    batch_.announced[it->second].prefixes.push_back(nlri);
  }
  void announce(const IpPrefix& prefix, const AttributeSet& attributes) {
    announce(Nlri{prefix, 0}, attributes);
  }
  void withdraw(const Nlri& nlri) { batch_.withdrawn.push_back(nlri); }
  void withdraw(const IpPrefix& prefix) { withdraw(Nlri{prefix, 0}); }
  bool empty() const { return batch_.announced.empty() && batch_.withdrawn.empty(); }
  const detail::Batch& batch() const { return batch_; }

 private:
  detail::Batch batch_;
  std::unordered_map<const PathAttributes*, std::size_t> index_;
};

// Export results by (path's attributes, source, family) while they cannot depend on the
// prefix itself: a table learned from one peer then costs one export per attribute set rather
// than one per prefix.
class ExportCache {
 public:
  explicit ExportCache(const Group& group) {
    const auto& terms = group.key.policy.terms;
    usable_ = std::all_of(terms.begin(), terms.end(), [](const Term& t) {
      return t.match.prefixes.empty() && !t.match.family && !t.match.interface_glob;
    });
  }

  // `compute` exports the prefix's best path when the cache cannot answer.
  template <typename Compute>
  AttributeSet get(const IpPrefix& prefix, const Destination& d, Compute compute) {
    if (d.multipath == 0) return compute();
    return get(prefix, d.paths.front(), compute);
  }

  // `compute` exports the path (an accepted one) when the cache cannot answer.
  template <typename Compute>
  AttributeSet get(const IpPrefix& prefix, const Candidate& path, Compute compute) {
    if (!usable_) return compute();
    const Key key{path.accepted.get(), path.peer, prefix.family()};
    auto [it, inserted] = results_.try_emplace(key);
    if (inserted) it->second = compute();
    return it->second;
  }

 private:
  struct Key {
    const PathAttributes* attributes;
    const PeerState* source;
    IpFamily family;
    friend bool operator==(const Key&, const Key&) = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const {
      return std::hash<const void*>()(k.attributes) * 31 + std::hash<const void*>()(k.source) +
             static_cast<std::size_t>(k.family);
    }
  };
  bool usable_ = false;
  // The paths' attribute sets stay alive in the Loc-RIB while the cache is used.
  std::unordered_map<Key, AttributeSet, KeyHash> results_;
};

}  // namespace

GroupKey Rib::State::group_key(const PeerState& peer) const {
  GroupKey key;
  key.ebgp = peer.ebgp;
  key.local_as = peer.config.local_as;
  key.route_reflector_client = peer.config.route_reflector_client;
  key.next_hop = peer.config.next_hop;
  key.local = peer.config.local;
  key.policy = peer.config.export_policy;
  key.four_octet_as = peer.session.send.four_octet_as;
  key.extended_messages = peer.session.send.extended_messages;
  key.add_path = sorted(peer.session.send.add_path);
  key.families = sorted(peer.session.families);
  return key;
}

AttributeSet Rib::State::export_best(const Group& group, const IpPrefix& prefix,
                                     const Destination& d) {
  if (d.multipath == 0 || !group.exports(detail::family_of(prefix))) return nullptr;
  return export_path(group, prefix, d.paths.front());
}

AttributeSet Rib::State::export_path(const Group& group, const IpPrefix& prefix,
                                     const Candidate& best) {
  ExportSource source;
  if (best.peer) {
    // An iBGP route never goes back to the peer it came from; with one group per such
    // peer set that is the rule "not to iBGP peers unless reflecting" plus the reflector's
    // client-to-client case, where RFC 4456 allows it (the client drops it by ORIGINATOR_ID).
    source.peer = best.peer->config.id;
    source.source = best.peer->source();
    source.route_reflector_client = best.peer->config.route_reflector_client;
    source.router_id = best.peer->session.router_id;
  } else if (auto it = local_interfaces.find(prefix); it != local_interfaces.end()) {
    source.interface = it->second;
  }
  ExportTarget target;
  target.ebgp = group.key.ebgp;
  target.local_as = group.key.local_as;
  target.route_reflector_client = group.key.route_reflector_client;
  target.next_hop = group.key.next_hop;
  target.local = group.key.local;
  target.policy = &group.key.policy;
  target.four_octet_as = group.key.four_octet_as;
  const ExportRules rules{cluster_id, config.default_local_pref};
  auto attributes = export_route(prefix, *best.accepted, source, target, rules);
  if (!attributes) return nullptr;
  return interner.intern(std::move(*attributes));
}

namespace {

// Fills `cache`-backed exports of every accepted path, in Loc-RIB order (best first).
template <typename Export>
std::vector<SentPath> exported_paths(const Destination& d, Export export_one) {
  std::vector<SentPath> out;
  for (const auto& c : d.paths) {
    if (!c.accepted) continue;
    AttributeSet attributes = export_one(c);
    if (!attributes) continue;
    out.push_back(
        SentPath{c.peer ? c.peer->config.id : kLocalPeer, c.path_id, 0, std::move(attributes)});
  }
  return out;
}

// Gives each path the identifier it was sent with before, and the others the smallest ones
// that neither a kept path nor a path being withdrawn now uses (so no identifier changes
// meaning within one batch of UPDATEs).
void number_paths(std::vector<SentPath>& now, const std::vector<SentPath>& sent) {
  std::vector<std::uint32_t> taken;
  for (const auto& old : sent)
    taken.push_back(old.path_id);
  for (auto& path : now) {
    for (const auto& old : sent)
      if (old.source == path.source && old.source_path_id == path.source_path_id)
        path.path_id = old.path_id;
  }
  std::sort(taken.begin(), taken.end());
  std::uint32_t next = 1;
  for (auto& path : now) {
    if (path.path_id != 0) continue;
    while (std::binary_search(taken.begin(), taken.end(), next))
      ++next;
    path.path_id = next++;
  }
}

}  // namespace

std::vector<SentPath> Rib::State::export_paths(const Group& group, const IpPrefix& prefix,
                                               const Destination* d,
                                               const std::vector<SentPath>& sent) {
  std::vector<SentPath> now;
  if (d && group.exports(detail::family_of(prefix)))
    now = exported_paths(*d, [&](const Candidate& c) { return export_path(group, prefix, c); });
  number_paths(now, sent);
  return now;
}

Group& Rib::State::group_for(const PeerState& peer) {
  GroupKey key = group_key(peer);
  for (auto& g : groups)
    if (g->key == key) return *g;
  auto group = std::make_unique<Group>();
  group->id = next_group_id++;
  group->key = std::move(key);
  group->send = peer.session.send;
  ExportCache cache(*group);
  for (const auto& entry : loc_rib) {
    const IpPrefix& prefix = entry.first;
    const Destination& d = entry.second;
    if (group->sends_paths(detail::family_of(prefix))) {
      auto paths = export_paths(*group, prefix, &d, {});
      if (!paths.empty()) group->adj_out_paths.emplace(prefix, std::move(paths));
      continue;
    }
    auto attributes = cache.get(prefix, d, [&] { return export_best(*group, prefix, d); });
    if (attributes) group->adj_out.emplace(prefix, std::move(attributes));
  }
  groups.push_back(std::move(group));
  return *groups.back();
}

Status Rib::State::flush(Group& group) {
  if (group.dirty.empty()) return {};
  BatchBuilder builder;
  ExportCache cache(group);
  for (const auto& prefix : group.dirty) {
    auto d = loc_rib.find(prefix);
    if (group.sends_paths(detail::family_of(prefix))) {
      // ADD-PATH: withdraw the identifiers of paths gone, announce new or changed paths.
      static const std::vector<SentPath> kNoneSent;
      auto out = group.adj_out_paths.find(prefix);
      const std::vector<SentPath>& sent =
          out == group.adj_out_paths.end() ? kNoneSent : out.value();
      std::vector<SentPath> now =
          export_paths(group, prefix, d == loc_rib.end() ? nullptr : &d.value(), sent);
      for (const auto& old : sent) {
        if (std::none_of(now.begin(), now.end(),
                         [&](const SentPath& p) { return p.path_id == old.path_id; }))
          builder.withdraw(Nlri{prefix, old.path_id});
      }
      for (const auto& path : now) {
        const auto old = std::find_if(sent.begin(), sent.end(),
                                      [&](const SentPath& p) { return p.path_id == path.path_id; });
        if (old == sent.end() || old->attributes != path.attributes)
          builder.announce(Nlri{prefix, path.path_id}, path.attributes);
      }
      if (now.empty()) {
        if (out != group.adj_out_paths.end()) group.adj_out_paths.erase(out);
      } else if (out == group.adj_out_paths.end()) {
        group.adj_out_paths.emplace(prefix, std::move(now));
      } else {
        out.value() = std::move(now);
      }
      continue;
    }
    AttributeSet now = d == loc_rib.end() ? nullptr : cache.get(prefix, d.value(), [&] {
      return export_best(group, prefix, d.value());
    });
    auto out = group.adj_out.find(prefix);
    if (out == group.adj_out.end()) {
      if (!now) continue;  // neither advertised nor to be: most of a table from an eBGP peer
      out = group.adj_out.try_emplace(prefix).first;
    } else if (now == out.value()) {
      continue;
    }
    if (now) {
      out.value() = now;
      builder.announce(prefix, now);
    } else {
      group.adj_out.erase(out);
      builder.withdraw(prefix);
    }
  }
  // Released, not just cleared: after a full table it would hold 24 octets per route.
  std::vector<IpPrefix>().swap(group.dirty);
  if (builder.empty()) return {};
  group.table.reset();
  group.family_tables.clear();
  auto updates = pack_or_drop(group, builder.batch());
  if (!updates) return updates.error();
  group.log.insert(group.log.end(), updates->begin(), updates->end());
  return {};
}

Result<std::vector<EncodedUpdate>> Rib::State::pack_or_drop(Group& group,
                                                            const detail::Batch& batch) {
  auto updates = detail::pack_updates(batch, group.send);
  if (updates) return updates;
  // Some attribute set does not fit an UPDATE of this group (say, learned through extended
  // messages, to be sent without): its routes are not advertised here (withdrawn, in case an
  // earlier version was), and the others go as usual.
  detail::Batch kept;
  kept.withdrawn = batch.withdrawn;
  for (const auto& announcement : batch.announced) {
    detail::Batch alone;
    alone.announced = {announcement};
    auto check = detail::pack_updates(alone, group.send);
    if (check) {
      kept.announced.push_back(announcement);
      continue;
    }
    problems.push_back("update group " + std::to_string(group.id) + ": " +
                       std::to_string(announcement.prefixes.size()) +
                       " routes not advertised: " + check.error().message);
    for (const auto& nlri : announcement.prefixes) {
      if (group.sends_paths(detail::family_of(nlri.prefix))) {
        auto sent = group.adj_out_paths.find(nlri.prefix);
        if (sent != group.adj_out_paths.end()) {
          std::erase_if(sent.value(), [&](const SentPath& p) { return p.path_id == nlri.path_id; });
          if (sent.value().empty()) group.adj_out_paths.erase(sent);
        }
      } else {
        group.adj_out.erase(nlri.prefix);
      }
      kept.withdrawn.push_back(nlri);
    }
  }
  return detail::pack_updates(kept, group.send);
}

Result<std::vector<EncodedUpdate>> Rib::State::encode_table(Group& group) {
  if (!group.table) {
    BatchBuilder builder;
    for (const auto& [prefix, attributes] : group.adj_out)
      builder.announce(prefix, attributes);
    for (const auto& [prefix, paths] : group.adj_out_paths)
      for (const auto& path : paths)
        builder.announce(Nlri{prefix, path.path_id}, path.attributes);
    auto updates = pack_or_drop(group, builder.batch());
    if (!updates) return updates.error();
    group.table = std::move(*updates);
  }
  return *group.table;
}

Result<std::vector<EncodedUpdate>> Rib::State::encode_family_table(Group& group, Family family) {
  if (auto cached = group.family_tables.find(family); cached != group.family_tables.end())
    return cached->second;
  BatchBuilder builder;
  for (const auto& [prefix, attributes] : group.adj_out)
    if (detail::family_of(prefix) == family) builder.announce(prefix, attributes);
  for (const auto& [prefix, paths] : group.adj_out_paths)
    if (detail::family_of(prefix) == family)
      for (const auto& path : paths)
        builder.announce(Nlri{prefix, path.path_id}, path.attributes);
  auto updates = pack_or_drop(group, builder.batch());
  if (!updates) return updates.error();
  group.family_tables[family] = *updates;
  return updates;
}

Status Rib::State::join(PeerState& peer) {
  Group& group = group_for(peer);
  peer.group = &group;
  group.members.push_back(&peer);
  return queue_initial_table(peer);
}

Status Rib::State::queue_initial_table(PeerState& peer) {
  Group& group = *peer.group;
  if (auto s = flush(group); !s) return s;
  auto table = encode_table(group);
  if (!table) return table.error();
  if (group.end_of_ribs.empty() && !group.key.families.empty()) {
    auto end_of_ribs = detail::encode_end_of_ribs(group.key.families, group.send);
    if (!end_of_ribs) return end_of_ribs.error();
    group.end_of_ribs = std::move(*end_of_ribs);
  }
  peer.queued = std::move(*table);
  peer.queued.insert(peer.queued.end(), group.end_of_ribs.begin(), group.end_of_ribs.end());
  peer.cursor = group.log_base + group.log.size();
  trim(group);
  return {};
}

void Rib::State::catch_up(PeerState& peer) {
  Group& group = *peer.group;
  for (auto i = peer.cursor - group.log_base; i < group.log.size(); ++i)
    peer.queued.push_back(group.log[i]);
  peer.cursor = group.log_base + group.log.size();
  trim(group);
}

void Rib::State::leave(PeerState& peer) {
  Group* group = peer.group;
  if (!group) return;
  peer.group = nullptr;
  peer.queued.clear();
  std::erase(group->members, &peer);
  if (group->members.empty()) {
    std::erase_if(groups, [&](const auto& g) { return g.get() == group; });
  } else {
    trim(*group);
  }
}

void Rib::State::trim(Group& group) {
  std::uint64_t oldest = group.log_base + group.log.size();
  for (const auto* member : group.members)
    oldest = std::min(oldest, member->cursor);
  while (group.log_base < oldest) {
    group.log.pop_front();
    ++group.log_base;
  }
}

void Rib::State::mark_all_dirty() {
  for (auto& g : groups) {
    g->dirty.clear();
    for (const auto& [prefix, d] : loc_rib)
      g->dirty.push_back(prefix);
    for (const auto& [prefix, attributes] : g->adj_out)
      g->dirty.push_back(prefix);
    for (const auto& [prefix, paths] : g->adj_out_paths)
      g->dirty.push_back(prefix);
  }
}

std::vector<std::string> Rib::take_problems() {
  auto out = std::move(state_->problems);
  state_->problems.clear();
  return out;
}

Result<std::vector<EncodedUpdate>> Rib::take_updates(PeerId id) {
  PeerState* peer = state_->find_peer(id);
  if (!peer) return Error{"BGP peer " + std::to_string(id) + " is not configured"};
  std::vector<EncodedUpdate> out;
  if (!peer->up || !peer->group || state_->deferred) return out;
  Group& group = *peer->group;
  if (auto s = state_->flush(group); !s) {
    return Error{"UPDATE for BGP peer " + std::to_string(id) + " (" +
                 peer->config.address.to_string() + "): " + s.error().message};
  }
  state_->catch_up(*peer);
  out = std::move(peer->queued);
  peer->queued.clear();
  peer->counters.updates_sent += out.size();
  return out;
}

}  // namespace tabby::bgp
