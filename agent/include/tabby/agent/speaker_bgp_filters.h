#pragma once
// BGPFilter rules (calc_bgp_filters.h) in the speaker's terms (bgp/policy_filter.h): every
// rule field maps onto a policy condition or action. peerType becomes a condition on the
// session the route is imported from or exported to (Calico's "is_same_as" argument of the
// filter function); interface matches the tag the agent puts on the routes it originates
// (speaker_bgp_port.cc); priority and setPriority are LOCAL_PREF = 2147483647 - priority.

#include <string>
#include <variant>
#include <vector>

#include "tabby/agent/calc_bgp_filters.h"
#include "tabby/bgp/policy_filter.h"

namespace tabby::agent {

// A community as Calico writes it (BGPFilter rules, BGPConfiguration communities): "aa:nn"
// (standard, 16-bit parts) or "aa:nn:mm" (large, 32-bit parts).
using AnyCommunity = std::variant<bgp::Community, bgp::LargeCommunity>;
Result<AnyCommunity> parse_community(const std::string& text);

// One rule, or what of it the speaker cannot take (a malformed community: the API refuses
// those when the BGPFilter is written).
Result<bgp::FilterRule> speaker_filter_rule(const FilterRule& rule, IpFamily family);

// A filter's rules for one direction, in order, as terms that let unmatched routes go on to
// the next filter (and then to Calico's own policy). A filter the speaker cannot take adds no
// terms and a line to `warnings` naming the filter and the rule.
std::vector<bgp::Term> filter_terms(const std::vector<FilterRule>& rules, IpFamily family,
                                    const std::string& filter, std::vector<std::string>& warnings);

}  // namespace tabby::agent
