// Calico BGPFilter rules as policy terms. BIRD's rendering of the same rules (calico's
// confd templates) is the reference: Equal is `net = cidr`, In is `net ~ [cidr{min,max}]`,
// NotEqual and NotIn their negations, and source RemotePeers is `proto != static`.

#include "tabby/bgp/policy_filter.h"

#include <string>

namespace tabby::bgp {

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
    term.match.family = rule.family;
    if (rule.only_from_remote_peers) term.match.sources = {RouteSource::kIbgp, RouteSource::kEbgp};
    if (rule.cidr) {
      const IpPrefix& cidr = *rule.cidr;
      if (cidr.family() != rule.family) {
        return Error{name + ": cidr " + cidr.to_string() + " is not of the rule's family"};
      }
      const int max = cidr.address().bit_length();
      PrefixMatch entry{cidr, std::nullopt, std::nullopt};
      const bool range = rule.match_operator == FilterMatchOperator::kIn ||
                         rule.match_operator == FilterMatchOperator::kNotIn;
      if (range) {
        const int low = rule.min_length.value_or(cidr.length());
        const int high = rule.max_length.value_or(max);
        if (low < cidr.length() || high > max || low > high) {
          return Error{name + ": prefix length range " + std::to_string(low) + ".." +
                       std::to_string(high) + " does not fit " + cidr.to_string()};
        }
        entry.ge = low;
        entry.le = high;
      }
      term.match.prefixes = {entry};
      term.match.prefixes_negated = rule.match_operator == FilterMatchOperator::kNotEqual ||
                                    rule.match_operator == FilterMatchOperator::kNotIn;
    }
    policy.terms.push_back(std::move(term));
  }
  return policy;
}

}  // namespace tabby::bgp
