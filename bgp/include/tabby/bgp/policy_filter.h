#pragma once
// Route filters in the shape of Calico's BGPFilter resource (v4/v6 rule lists), as plain
// structs, turned into a Policy. bgp/ knows nothing of Calico resources: the agent maps its
// resource onto these.

#include <optional>
#include <vector>

#include "tabby/bgp/policy.h"

namespace tabby::bgp {

enum class FilterMatchOperator : std::uint8_t { kEqual, kNotEqual, kIn, kNotIn };

struct FilterRule {
  IpFamily family = IpFamily::kV4;
  // Unset: every prefix of the family (the operator and lengths are then ignored).
  std::optional<IpPrefix> cidr;
  FilterMatchOperator match_operator = FilterMatchOperator::kIn;
  // For kIn / kNotIn: the prefix length range inside cidr (defaults: cidr's length, family max).
  std::optional<int> min_length;
  std::optional<int> max_length;
  // Calico's source: RemotePeers: only routes learned from BGP peers (not our own).
  bool only_from_remote_peers = false;
  bool accept = true;
};

// One term per rule, in order; a route no rule matches falls through with `default_verdict`
// (Calico: kAccept, so that several filters can be chained). Fails, naming the rule, when a
// cidr's family or lengths do not fit the rule.
Result<Policy> policy_from_filter_rules(const std::vector<FilterRule>& rules,
                                        Verdict default_verdict = Verdict::kAccept);

}  // namespace tabby::bgp
