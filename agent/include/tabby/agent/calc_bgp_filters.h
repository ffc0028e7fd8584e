#pragma once
// BGPFilter resources as ordered rule lists per peer and family (calico-bgp.md §1.3). The
// speaker evaluates them: rules in order, the first match ends the filter with its action;
// when no rule of any filter matched, import accepts and export falls through to Calico's
// export policy (calc_bgp_export.h). Mesh sessions never run user filters.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tabby/api/resource.h"
#include "tabby/common/ip.h"

namespace tabby::agent {

enum class MatchOperator { kEqual, kNotEqual, kIn, kNotIn };

struct FilterOperation {
  enum class Kind { kAddCommunity, kPrependAsPath, kSetPriority };
  Kind kind = Kind::kAddCommunity;
  std::string community;               // kAddCommunity: "aa:nn" or "aa:nn:mm"
  std::vector<std::uint32_t> prepend;  // kPrependAsPath: the path starts with these, in order
  int priority = 0;                    // kSetPriority: LOCAL_PREF = 2147483647 - priority

  friend bool operator==(const FilterOperation&, const FilterOperation&) = default;
};

// One rule; every condition that is set must hold (they are ANDed).
struct FilterRule {
  bool accept = false;  // action Accept / Reject
  std::optional<IpPrefix> cidr;
  MatchOperator match = MatchOperator::kIn;   // meaningful only with cidr
  std::optional<int> min_length, max_length;  // prefixLength
  bool only_from_remote_peers = false;        // source: RemotePeers
  std::string interface;                      // glob on the route's outgoing interface
  std::optional<bool> ibgp;                   // peerType iBGP (true) / eBGP (false)
  std::optional<std::string> community;       // communities.values[0]
  std::vector<std::uint32_t> as_path_prefix;
  std::optional<int> priority;
  std::vector<FilterOperation> operations;  // Accept only

  // The prefix conditions (cidr, matchOperator, prefixLength) for `prefix`; the others
  // need route attributes only the speaker has.
  bool matches_prefix(const IpPrefix& prefix) const;

  friend bool operator==(const FilterRule&, const FilterRule&) = default;
};

struct PeerFilter {
  std::string name;
  std::vector<FilterRule> import_rules, export_rules;

  friend bool operator==(const PeerFilter&, const PeerFilter&) = default;
};

// The rules of one BGPFilter for one family (importV4/exportV4 or importV6/exportV6).
PeerFilter peer_filter(const api::Resource& filter, IpFamily family);

}  // namespace tabby::agent
