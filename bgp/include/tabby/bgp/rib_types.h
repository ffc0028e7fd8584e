#pragma once
// The values the RIB (rib.h) takes and gives: its configuration, a peer's configuration and
// negotiated session, routes as the owner sees them, and counters.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tabby/bgp/attribute_set.h"
#include "tabby/bgp/capabilities.h"
#include "tabby/bgp/open.h"
#include "tabby/bgp/policy.h"
#include "tabby/bgp/wire_types.h"
#include "tabby/common/ip.h"

namespace tabby::bgp {

struct RibConfig {
  std::uint32_t local_as = 0;
  IpAddress router_id;  // IPv4; our ORIGINATOR_ID when we reflect a local route
  // RFC 4456 cluster ID used when reflecting; the router ID when unset.
  std::optional<IpAddress> cluster_id;
  bool always_compare_med = false;         // compare MED between paths from different ASes too
  std::size_t max_paths = 1;               // ECMP: how many equal paths the multipath set may hold
  std::uint32_t default_local_pref = 100;  // given to eBGP-learned routes, and assumed if absent
};

// What next hop a peer gets. kAuto: self toward eBGP, kept toward iBGP (our own routes always
// get self); kSelf: always self; kKeep: always the next hop the route came with (our own routes
// still get self).
enum class NextHopMode : std::uint8_t { kAuto, kSelf, kKeep };

// Our addresses on the session, used as next hop "self".
struct LocalAddresses {
  std::optional<IpAddress> ipv4;
  std::optional<IpAddress> ipv6;             // global
  std::optional<IpAddress> ipv6_link_local;  // sent after the global one when present
  friend bool operator==(const LocalAddresses&, const LocalAddresses&) = default;
};

struct RibPeerConfig {
  PeerId id = 0;  // chosen by the owner, unique, not kLocalPeer
  IpAddress address;
  LocalAddresses local;
  std::uint32_t local_as = 0;  // 0: RibConfig::local_as
  std::uint32_t remote_as = 0;
  bool route_reflector_client = false;  // we reflect to it (it is our client)
  NextHopMode next_hop = NextHopMode::kAuto;
  std::uint8_t allow_own_as = 0;  // routes with more occurrences of our AS are loops
  // RFC 4271 section 6.3's optional check that an eBGP route's AS_PATH starts with the
  // peer's AS (FRR's enforce-first-as); routes failing it are treated as withdrawn. Off by
  // default like BIRD: route servers (RFC 7947) leave their AS out.
  bool enforce_first_as = false;
  Policy import_policy;
  Policy export_policy;
};

// What the OPENs negotiated, as the RIB needs it.
struct PeerSession {
  IpAddress router_id;           // the peer's BGP identifier
  std::vector<Family> families;  // negotiated: announced by both (unicast v4/v6 are used)
  CodecContext receive;          // for what the peer sends (ADD-PATH receive)
  CodecContext send;             // for what we send (4-octet AS, extended messages, ADD-PATH)
  std::optional<GracefulRestartCapability> graceful_restart;  // the peer's
  // RFC 7313, announced by both: a refresh we send goes between BoRR and EoRR messages.
  bool enhanced_route_refresh = false;

  // From our OPEN and the peer's.
  static PeerSession from_opens(const OpenMessage& local, const OpenMessage& remote);
};

enum class PeerDown : std::uint8_t {
  kHard,      // the peer's routes are withdrawn now
  kGraceful,  // RFC 4724 helper: routes of the families in its GR capability kept as stale
};

// A route the owner originates. The next hop is ours (set on export per peer).
struct LocalRoute {
  Origin origin = Origin::kIgp;
  std::vector<Community> communities;
  std::vector<LargeCommunity> large_communities;
  std::optional<std::uint32_t> local_pref;  // RibConfig::default_local_pref when unset
  std::optional<std::uint32_t> med;
  // The route's outgoing interface as the owner knows it, for export policy's interface
  // match (Match::interface_glob); never sent. Empty: none (e.g. a blackhole).
  std::string interface;
  friend bool operator==(const LocalRoute&, const LocalRoute&) = default;
};

// One path to a prefix as the owner sees it.
struct RoutePath {
  PeerId peer = kLocalPeer;
  IpAddress peer_address;  // unspecified for local routes
  std::uint32_t path_id = 0;
  AttributeSet attributes;            // as accepted by import policy
  std::optional<IpAddress> next_hop;  // unset for local routes
  std::optional<IpAddress> link_local_next_hop;
  bool stale = false;  // kept for a gracefully restarting peer
  bool local() const { return peer == kLocalPeer; }
  friend bool operator==(const RoutePath&, const RoutePath&) = default;
};

// A Loc-RIB change to program: the prefix's best path now (none: unreachable) and its
// multipath set (best first, best included; just the best when ECMP is off).
struct BestPathChange {
  IpPrefix prefix;
  std::optional<RoutePath> best;
  std::vector<RoutePath> multipath;
};

struct PeerCounters {
  std::size_t received = 0;    // prefixes (paths) in Adj-RIB-In before import policy
  std::size_t accepted = 0;    // of them, accepted by loop checks and import policy
  std::size_t advertised = 0;  // in Adj-RIB-Out
  std::size_t updates_received = 0;
  std::size_t updates_sent = 0;  // encoded messages handed out (EoR, BoRR and EoRR included)
};

// What receive_update did with one UPDATE.
struct UpdateReceipt {
  std::optional<Family> end_of_rib;  // the UPDATE was this family's End-of-RIB
  std::size_t announced = 0;         // prefixes announced (accepted or not)
  std::size_t withdrawn = 0;         // prefixes withdrawn (treat-as-withdraw included)
  std::size_t rejected = 0;          // announced but refused by loop checks or import policy
  // Routes ignored as RFC 4271 section 6.3 / RFC 7606 allow without a reset (e.g. a next hop
  // that is our own address), one line each for the log; their prefixes count as withdrawn.
  std::vector<std::string> problems;
};

// An encoded message, header included, shared by every peer of an update group: an UPDATE, or
// (around a table re-sent for a ROUTE-REFRESH) an RFC 7313 BoRR or EoRR ROUTE-REFRESH message.
using EncodedUpdate = std::shared_ptr<const std::vector<std::uint8_t>>;

}  // namespace tabby::bgp
