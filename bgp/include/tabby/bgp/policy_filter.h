#pragma once
// Route filters in the shape of Calico's BGPFilter resource (v4/v6 rule lists), as plain
// structs, turned into a Policy. bgp/ knows nothing of Calico resources: the agent maps its
// resource onto these.

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "tabby/bgp/policy.h"

namespace tabby::bgp {

enum class FilterMatchOperator : std::uint8_t { kEqual, kNotEqual, kIn, kNotIn };

// Calico's route priority (Felix's metric) is carried as LOCAL_PREF = kMaxPriority - priority,
// so a lower metric is a higher LOCAL_PREF. Priorities are 1 .. kMaxPriority - 1.
inline constexpr std::uint32_t kMaxPriority = 2147483647;

// The operations of an Accept rule, applied in the order given before the route is accepted.
struct AddCommunity {
  Community value;
  friend bool operator==(const AddCommunity&, const AddCommunity&) = default;
};
struct AddLargeCommunity {
  LargeCommunity value;
  friend bool operator==(const AddLargeCommunity&, const AddLargeCommunity&) = default;
};
struct PrependAsPath {
  std::vector<std::uint32_t> asns;  // the path then starts with these, in this order
  friend bool operator==(const PrependAsPath&, const PrependAsPath&) = default;
};
struct SetPriority {
  std::uint32_t value = 0;  // LOCAL_PREF becomes kMaxPriority - value
  friend bool operator==(const SetPriority&, const SetPriority&) = default;
};
using FilterOperation = std::variant<AddCommunity, AddLargeCommunity, PrependAsPath, SetPriority>;

// One rule; every condition that is set must hold.
struct FilterRule {
  IpFamily family = IpFamily::kV4;
  // Unset: every prefix of the family (the operator and lengths are then ignored).
  std::optional<IpPrefix> cidr;
  FilterMatchOperator match_operator = FilterMatchOperator::kIn;
  // For kIn / kNotIn: the prefix lengths inside cidr, [max(cidr length, min), min(family
  // bits, max)] (Calico's prefixLength); Equal and NotEqual compare the prefix exactly.
  std::optional<int> min_length;
  std::optional<int> max_length;
  // Calico's source: RemotePeers: only routes learned from BGP peers (not our own).
  bool only_from_remote_peers = false;
  // Calico's interface: a glob on the route's outgoing interface (RouteContext::interface).
  std::optional<std::string> interface_glob;
  // Calico's peerType: the rule applies only on eBGP (true) or only on iBGP (false) sessions.
  std::optional<bool> ebgp_session;
  // Calico's communities.values[0]: the route carries this (standard or large) community.
  std::optional<Community> community;
  std::optional<LargeCommunity> large_community;
  std::vector<std::uint32_t> as_path_prefix;  // AS_PATH begins with these, in order
  std::optional<std::uint32_t> priority;      // LOCAL_PREF == kMaxPriority - priority
  bool accept = true;
  std::vector<FilterOperation> operations;  // Accept rules only
};

// One term per rule, in order; a route no rule matches falls through with `default_verdict`
// (Calico: kAccept, so that several filters can be chained). Fails, naming the rule, when a
// cidr's family or lengths do not fit the rule, a priority is out of range, or a Reject rule
// has operations.
Result<Policy> policy_from_filter_rules(const std::vector<FilterRule>& rules,
                                        Verdict default_verdict = Verdict::kAccept);

}  // namespace tabby::bgp
