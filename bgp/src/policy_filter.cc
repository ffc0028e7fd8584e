// Calico BGPFilter rules as policy terms. BIRD's rendering of the same rules (calico's
// confd templates) is the reference: Equal is `net = cidr`, In is `net ~ [cidr{min,max}]`,
// NotEqual and NotIn their negations, source RemotePeers is `source ~ [RTS_BGP]`, interface
// is `ifname ~ "glob"`, a community is `(aa, nn) ~ bgp_community` (or the large community
// list), asPathPrefix is `bgp_path ~ [= a b * =]`, peerType wraps the rule in a test of the
// session's "same AS" flag, and the operations are statements run before `accept`.

#include "tabby/bgp/policy_filter.h"

#include <algorithm>
#include <string>

namespace tabby::bgp {
namespace {

bool valid_priority(std::uint32_t priority) {
  return priority >= 1 && priority < kMaxPriority;
}

// The rule's operations folded into one Actions, with the effect of running them in order:
// added communities accumulate, a later prepend goes in front of an earlier one, the last
// priority set wins.
Status add_operations(const std::vector<FilterOperation>& operations, const std::string& name,
                      Actions& actions) {
  for (const FilterOperation& operation : operations) {
    if (const auto* add = std::get_if<AddCommunity>(&operation)) {
      auto& list = actions.add_communities;
      if (std::find(list.begin(), list.end(), add->value) == list.end()) list.push_back(add->value);
    } else if (const auto* large = std::get_if<AddLargeCommunity>(&operation)) {
      auto& list = actions.add_large_communities;
      if (std::find(list.begin(), list.end(), large->value) == list.end())
        list.push_back(large->value);
    } else if (const auto* prepend = std::get_if<PrependAsPath>(&operation)) {
      if (prepend->asns.empty()) return Error{name + ": prependASPath without AS numbers"};
      actions.prepend_path.insert(actions.prepend_path.begin(), prepend->asns.begin(),
                                  prepend->asns.end());
    } else if (const auto* priority = std::get_if<SetPriority>(&operation)) {
      if (!valid_priority(priority->value)) {
        return Error{name + ": setPriority " + std::to_string(priority->value) +
                     " is not between 1 and 2147483646"};
      }
      actions.set_local_pref = kMaxPriority - priority->value;
    }
  }
  return {};
}

Status add_prefix_match(const FilterRule& rule, const std::string& name, Match& match) {
  const IpPrefix& cidr = *rule.cidr;
  if (cidr.family() != rule.family) {
    return Error{name + ": cidr " + cidr.to_string() + " is not of the rule's family"};
  }
  const int max = cidr.address().bit_length();
  PrefixMatch entry{cidr, std::nullopt, std::nullopt};
  const bool range = rule.match_operator == FilterMatchOperator::kIn ||
                     rule.match_operator == FilterMatchOperator::kNotIn;
  if (range) {
    const int low = std::max(cidr.length(), rule.min_length.value_or(0));
    const int high = std::min(max, rule.max_length.value_or(max));
    if (low > high) {
      return Error{name + ": prefix length range " + std::to_string(low) + ".." +
                   std::to_string(high) + " is empty inside " + cidr.to_string()};
    }
    entry.ge = low;
    entry.le = high;
  }
  match.prefixes = {entry};
  match.prefixes_negated = rule.match_operator == FilterMatchOperator::kNotEqual ||
                           rule.match_operator == FilterMatchOperator::kNotIn;
  return {};
}

}  // namespace

Result<Policy> policy_from_filter_rules(const std::vector<FilterRule>& rules,
                                        Verdict default_verdict) {
  Policy policy;
  policy.default_verdict = default_verdict;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const FilterRule& rule = rules[i];
    const std::string name = "filter rule " + std::to_string(i + 1);
    Term term;
    term.name = name;
    term.verdict = rule.accept ? Verdict::kAccept : Verdict::kReject;
    Match& match = term.match;
    match.family = rule.family;
    if (rule.only_from_remote_peers) match.sources = {RouteSource::kIbgp, RouteSource::kEbgp};
    if (rule.cidr) {
      if (Status added = add_prefix_match(rule, name, match); !added) return added.error();
    }
    match.interface_glob = rule.interface_glob;
    match.ebgp_session = rule.ebgp_session;
    if (rule.community) match.any_community = {*rule.community};
    if (rule.large_community) match.any_large_community = {*rule.large_community};
    match.as_path_prefix = rule.as_path_prefix;
    if (rule.priority) {
      if (!valid_priority(*rule.priority)) {
        return Error{name + ": priority " + std::to_string(*rule.priority) +
                     " is not between 1 and 2147483646"};
      }
      match.local_pref = kMaxPriority - *rule.priority;
    }
    if (!rule.operations.empty() && !rule.accept) {
      return Error{name + ": operations may only be used with action Accept"};
    }
    if (Status added = add_operations(rule.operations, name, term.actions); !added)
      return added.error();
    policy.terms.push_back(std::move(term));
  }
  return policy;
}

}  // namespace tabby::bgp
