#pragma once
// Import and export policy as plain data and one pure function that applies it. A policy is
// an ordered list of terms; the first term whose match holds and whose verdict is accept or
// reject decides; a term with verdict kContinue applies its actions and evaluation goes on.
// When no term decides, the policy's default verdict does.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tabby/bgp/path_attributes.h"
#include "tabby/common/ip.h"

namespace tabby::bgp {

// Who a route came from, as policy sees it. Peer ids are the RIB's (rib_types.h); 0 is the
// owner's own origination.
using PeerId = std::uint32_t;
inline constexpr PeerId kLocalPeer = 0;

enum class RouteSource : std::uint8_t { kLocal, kIbgp, kEbgp };

// A prefix-list entry: routes inside `prefix` whose length is within [ge, le]. ge and le at
// their default (unset) mean "exactly prefix.length()"; ge alone means [ge, max]; le alone
// means [prefix.length(), le] (the Cisco/FRR semantics).
struct PrefixMatch {
  IpPrefix prefix;
  std::optional<int> ge;
  std::optional<int> le;

  bool matches(const IpPrefix& route) const;
  friend bool operator==(const PrefixMatch&, const PrefixMatch&) = default;
};

// Every condition that is set must hold (an empty list is "any").
struct Match {
  std::vector<PrefixMatch> prefixes;  // the route matches any entry...
  bool prefixes_negated = false;      // ...or, when true, none of them
  std::optional<IpFamily> family;
  std::vector<Community> any_community;             // the route has at least one of these
  std::vector<LargeCommunity> any_large_community;  // the route has at least one of these
  std::optional<std::uint32_t> as_path_contains;    // the AS appears anywhere in AS_PATH
  // AS_PATH begins with these ASNs, in order (in its leading AS_SEQUENCE segments).
  std::vector<std::uint32_t> as_path_prefix;
  std::vector<PeerId> from_peers;           // learned from one of these peers
  std::vector<RouteSource> sources;         // learned from one of these kinds of source
  std::optional<Origin> origin;             // the ORIGIN attribute
  std::optional<std::uint32_t> local_pref;  // LOCAL_PREF is present and equals this
  // The session the route is imported from or exported to is eBGP (true) or iBGP (false).
  std::optional<bool> ebgp_session;
  // The route's outgoing interface (RouteContext::interface) matches this glob: '*' is any
  // run of characters, '?' any one. A route without an interface has the name "".
  std::optional<std::string> interface_glob;

  friend bool operator==(const Match&, const Match&) = default;
};

// Applied in this order: communities (set, then remove, then add), large communities (same),
// prepend (prepend_path, then prepend_as prepend_count times in front of it), LOCAL_PREF, MED,
// next-hop self.
struct Actions {
  std::optional<std::vector<Community>> set_communities;
  std::vector<Community> remove_communities;
  std::vector<Community> add_communities;
  std::optional<std::vector<LargeCommunity>> set_large_communities;
  std::vector<LargeCommunity> remove_large_communities;
  std::vector<LargeCommunity> add_large_communities;
  std::vector<std::uint32_t> prepend_path;  // AS_PATH then starts with these, in this order
  std::uint8_t prepend_count = 0;
  std::uint32_t prepend_as = 0;  // 0: the local AS
  std::optional<std::uint32_t> set_local_pref;
  std::optional<std::uint32_t> set_med;
  bool next_hop_self = false;  // export only: the RIB sets its own address as next hop

  friend bool operator==(const Actions&, const Actions&) = default;
};

enum class Verdict : std::uint8_t { kAccept, kReject, kContinue };

struct Term {
  std::string name;  // for logs and status
  Match match;
  Actions actions;
  Verdict verdict = Verdict::kAccept;
  friend bool operator==(const Term&, const Term&) = default;
};

struct Policy {
  std::vector<Term> terms;
  Verdict default_verdict = Verdict::kAccept;  // kContinue is taken as kAccept

  static Policy accept_all() { return {}; }
  static Policy reject_all() { return Policy{{}, Verdict::kReject}; }
  friend bool operator==(const Policy&, const Policy&) = default;
};

// What policy knows about a route besides its attributes.
struct RouteContext {
  IpPrefix prefix;
  PeerId from_peer = kLocalPeer;
  RouteSource source = RouteSource::kLocal;
  std::uint32_t local_as = 0;       // for prepend_as == 0
  bool ebgp_session = false;        // import: the session it came on; export: the one it goes to
  std::string_view interface = {};  // the owner's tag on a local route (LocalRoute::interface)
};

struct PolicyOutcome {
  bool accepted = false;
  bool next_hop_self = false;
};

bool matches(const Match& match, const RouteContext& route, const PathAttributes& attributes);
// Shell-style glob: '*' matches any run of characters (also none), '?' any one character.
bool glob_matches(std::string_view glob, std::string_view text);
// Whether AS_PATH begins with `asns` in order, read through its leading AS_SEQUENCE segments.
bool as_path_starts_with(const std::optional<AsPath>& path, const std::vector<std::uint32_t>& asns);
// Puts `asns` in front of AS_PATH, so that it then starts with them in this order.
void prepend_path(PathAttributes& attributes, const std::vector<std::uint32_t>& asns);
// Puts `as` `count` times in front of AS_PATH (in its leading AS_SEQUENCE, or a new one).
void prepend_as(PathAttributes& attributes, std::uint32_t as, std::size_t count = 1);
// Runs the policy; `attributes` carries the changes of every term applied (also when the
// route ends up rejected, in which case the caller drops them).
PolicyOutcome apply_policy(const Policy& policy, const RouteContext& route,
                           PathAttributes& attributes);

}  // namespace tabby::bgp
