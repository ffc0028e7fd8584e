#pragma once
// The inside of Rib (rib.h), shared by its source files: rib.cc (peers, origination, the
// Loc-RIB and its decision), rib_inbound.cc (UPDATEs in) and rib_outbound.cc (update groups).
//
// Memory: the Adj-RIB-In is not a table of its own. Each Loc-RIB destination holds every
// path received for the prefix, accepted or not (a refused one keeps its received attributes
// for counters and for re-running import policy), so a learned route costs one Candidate (32
// octets, in place in its destination when it is the only one: prefix_map.h, rib_destination.h)
// plus its share of an interned attribute set.

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "prefix_map.h"
#include "rib_destination.h"
#include "tabby/bgp/rib.h"
#include "tabby/bgp/rib_export.h"
#include "update_packer.h"

namespace tabby::bgp::detail {

struct PrefixHash {
  std::size_t operator()(const IpPrefix& prefix) const;
};

inline Family family_of(const IpPrefix& prefix) {
  return prefix.family() == IpFamily::kV4 ? kIpv4Unicast : kIpv6Unicast;
}

struct PeerState;
struct Group;

using LocRib = PrefixMap<Destination>;

// Everything about a group's peers that changes what they are sent.
struct GroupKey {
  bool ebgp = false;
  std::uint32_t local_as = 0;
  bool route_reflector_client = false;
  NextHopMode next_hop = NextHopMode::kAuto;
  LocalAddresses local;
  Policy policy;
  bool four_octet_as = true;
  bool extended_messages = false;
  std::vector<Family> add_path;  // sorted
  std::vector<Family> families;  // sorted
  friend bool operator==(const GroupKey&, const GroupKey&) = default;
};

// A path sent with ADD-PATH: which Loc-RIB path it is (source peer and the identifier it
// came with) and the path identifier we gave it, kept while the path is advertised.
struct SentPath {
  PeerId source = kLocalPeer;
  std::uint32_t source_path_id = 0;
  std::uint32_t path_id = 0;
  AttributeSet attributes;
};

struct Group {
  std::size_t id = 0;
  GroupKey key;
  CodecContext send;
  // Families without ADD-PATH send: the best path of each prefix.
  PrefixMap<AttributeSet> adj_out;
  // ADD-PATH send families (key.add_path): every exported path, by (prefix, path identifier).
  PrefixMap<std::vector<SentPath>> adj_out_paths;
  std::vector<IpPrefix> dirty;  // to re-export (duplicates are harmless)
  std::deque<EncodedUpdate> log;
  std::uint64_t log_base = 0;  // sequence number of log.front()
  std::vector<PeerState*> members;
  std::optional<std::vector<EncodedUpdate>> table;  // adj_out encoded whole, until it changes
  std::map<Family, std::vector<EncodedUpdate>> family_tables;  // the same, one family's routes
  std::vector<EncodedUpdate> end_of_ribs;                      // one per family, encoded once

  bool exports(Family family) const;
  bool sends_paths(Family family) const;  // ADD-PATH send for the family
  std::size_t advertised() const;         // routes (paths) in the Adj-RIB-Out
};

struct PeerState {
  RibPeerConfig config;
  bool ebgp = false;
  bool up = false;
  PeerSession session;
  std::vector<Family> stale_families;  // families whose stale routes await End-of-RIB
  std::vector<Family> end_of_ribs;     // families whose End-of-RIB came in this session
  std::vector<Family> refreshing;      // families between the peer's BoRR and EoRR (RFC 7313)
  PeerCounters counters;
  Group* group = nullptr;
  std::uint64_t cursor = 0;           // next sequence number of the group's log to send
  std::vector<EncodedUpdate> queued;  // sent before the group's log: table dumps, moves

  RouteSource source() const { return ebgp ? RouteSource::kEbgp : RouteSource::kIbgp; }
};

}  // namespace tabby::bgp::detail

namespace tabby::bgp {

struct Rib::State {
  using Candidate = detail::Candidate;
  using Destination = detail::Destination;
  using Group = detail::Group;
  using PeerState = detail::PeerState;

  explicit State(RibConfig c);

  RibConfig config;
  IpAddress cluster_id;
  AttributeInterner interner;
  std::map<PeerId, std::unique_ptr<PeerState>> peers;
  detail::LocRib loc_rib;
  std::size_t reachable = 0;  // destinations with an accepted path
  std::vector<std::unique_ptr<Group>> groups;
  std::size_t next_group_id = 1;
  std::vector<IpPrefix> best_dirty;
  std::vector<std::string> problems;
  // LocalRoute::interface of the owner's routes that have one (for export policy).
  std::unordered_map<IpPrefix, std::string, detail::PrefixHash> local_interfaces;
  bool deferred = false;  // advertisement deferred (the restarting speaker, RFC 4724 4.1)

  // --- Loc-RIB (rib.cc) ---
  // Runs `change` on the prefix's destination (created if missing), then the decision
  // process, and records what changed for the owner and the update groups.
  template <typename Change>
  void modify(const IpPrefix& prefix, Change change);
  void decide(const IpPrefix& prefix, Destination& destination);
  // Adds or replaces the peer's path (null peer: ours).
  void set_path(const IpPrefix& prefix, PeerState* peer, std::uint32_t path_id,
                AttributeSet received, AttributeSet accepted);
  void remove_path(const IpPrefix& prefix, PeerState* peer, std::uint32_t path_id);
  // Removes the peer's paths that `which` selects, across the Loc-RIB.
  template <typename Which>
  void remove_paths_of(PeerState& peer, Which which);
  // End-of-RIB: the stale routes a graceful restart left of the family go.
  void sweep_stale(PeerState& peer, Family family);
  // The peer's stale routes of the family go.
  void remove_stale(PeerState& peer, Family family);
  RoutePath route_path(const Candidate& candidate) const;
  PeerState* find_peer(PeerId id) const;

  // --- inbound (rib_inbound.cc) ---
  bool is_loop(const PeerState& peer, const PathAttributes& attributes) const;
  AttributeSet import(PeerState& peer, const IpPrefix& prefix, const AttributeSet& received);
  void reimport(PeerState& peer);

  // --- outbound (rib_outbound.cc) ---
  detail::GroupKey group_key(const PeerState& peer) const;
  AttributeSet export_best(const Group& group, const IpPrefix& prefix,
                           const Destination& destination);
  AttributeSet export_path(const Group& group, const IpPrefix& prefix, const Candidate& path);
  // ADD-PATH send: every accepted path of the destination (null: none) that passes export,
  // with the identifiers already given to those still sent, new ones for the others.
  std::vector<detail::SentPath> export_paths(const Group& group, const IpPrefix& prefix,
                                             const Destination* destination,
                                             const std::vector<detail::SentPath>& sent);
  Group& group_for(const PeerState& peer);
  Status flush(Group& group);
  // Packs the batch for the group; routes whose attributes fit no UPDATE are dropped from the
  // group's Adj-RIB-Out (and withdrawn) with a line in `problems`.
  Result<std::vector<EncodedUpdate>> pack_or_drop(Group& group, const detail::Batch& batch);
  Result<std::vector<EncodedUpdate>> encode_table(Group& group);
  Result<std::vector<EncodedUpdate>> encode_family_table(Group& group, Family family);
  Status join(PeerState& peer);
  // Replaces what the (joined) peer is owed with its group's whole table and End-of-RIBs.
  Status queue_initial_table(PeerState& peer);
  // Moves what the peer is still owed from its group's log to its own queue.
  void catch_up(PeerState& peer);
  void leave(PeerState& peer);
  void trim(Group& group);
  void mark_all_dirty();
};

}  // namespace tabby::bgp
