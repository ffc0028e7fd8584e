// BGPFilter rules in the speaker's policy terms; see speaker_bgp_filters.h.

#include "tabby/agent/speaker_bgp_filters.h"

#include <algorithm>
#include <string>
#include <variant>

namespace tabby::agent {
namespace {

bgp::FilterMatchOperator to_bgp(MatchOperator match) {
  switch (match) {
    case MatchOperator::kEqual:
      return bgp::FilterMatchOperator::kEqual;
    case MatchOperator::kNotEqual:
      return bgp::FilterMatchOperator::kNotEqual;
    case MatchOperator::kIn:
      return bgp::FilterMatchOperator::kIn;
    case MatchOperator::kNotIn:
      return bgp::FilterMatchOperator::kNotIn;
  }
  return bgp::FilterMatchOperator::kIn;
}

std::uint32_t priority_value(int priority) {
  return priority < 0 ? 0 : static_cast<std::uint32_t>(priority);  // 0: refused as out of range
}

}  // namespace

// The API validated the text when the resource was written; this only refuses to guess at
// anything else.
Result<AnyCommunity> parse_community(const std::string& text) {
  std::vector<std::uint64_t> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t colon = std::min(text.find(':', start), text.size());
    const std::string part = text.substr(start, colon - start);
    if (part.empty() || part.size() > 10 ||
        part.find_first_not_of("0123456789") != std::string::npos) {
      return Error{"\"" + text + "\" is not a community (aa:nn or aa:nn:mm)"};
    }
    parts.push_back(std::stoull(part));
    if (colon == text.size()) break;
    start = colon + 1;
  }
  const auto fits = [&](std::uint64_t max) {
    return std::all_of(parts.begin(), parts.end(), [&](std::uint64_t p) { return p <= max; });
  };
  if (parts.size() == 2 && fits(0xffff)) {
    return AnyCommunity{bgp::make_community(static_cast<std::uint16_t>(parts[0]),
                                            static_cast<std::uint16_t>(parts[1]))};
  }
  if (parts.size() == 3 && fits(0xffffffff)) {
    return AnyCommunity{bgp::LargeCommunity{static_cast<std::uint32_t>(parts[0]),
                                            static_cast<std::uint32_t>(parts[1]),
                                            static_cast<std::uint32_t>(parts[2])}};
  }
  return Error{"\"" + text + "\" is not a community (aa:nn with 16-bit parts or aa:nn:mm)"};
}

Result<bgp::FilterRule> speaker_filter_rule(const FilterRule& rule, IpFamily family) {
  bgp::FilterRule out{.family = family,
                      .cidr = rule.cidr,
                      .match_operator = to_bgp(rule.match),
                      .min_length = rule.min_length,
                      .max_length = rule.max_length,
                      .only_from_remote_peers = rule.only_from_remote_peers,
                      .as_path_prefix = rule.as_path_prefix,
                      .accept = rule.accept};
  if (!rule.interface.empty()) out.interface_glob = rule.interface;
  if (rule.ibgp) out.ebgp_session = !*rule.ibgp;
  if (rule.community) {
    auto community = parse_community(*rule.community);
    if (!community) return Error{"communities: " + community.error().message};
    if (const auto* standard = std::get_if<bgp::Community>(&*community)) {
      out.community = *standard;
    } else {
      out.large_community = std::get<bgp::LargeCommunity>(*community);
    }
  }
  if (rule.priority) out.priority = priority_value(*rule.priority);
  for (const FilterOperation& operation : rule.operations) {
    switch (operation.kind) {
      case FilterOperation::Kind::kAddCommunity: {
        auto community = parse_community(operation.community);
        if (!community) return Error{"addCommunity: " + community.error().message};
        if (const auto* standard = std::get_if<bgp::Community>(&*community)) {
          out.operations.push_back(bgp::AddCommunity{*standard});
        } else {
          out.operations.push_back(
              bgp::AddLargeCommunity{std::get<bgp::LargeCommunity>(*community)});
        }
        break;
      }
      case FilterOperation::Kind::kPrependAsPath:
        out.operations.push_back(bgp::PrependAsPath{operation.prepend});
        break;
      case FilterOperation::Kind::kSetPriority:
        out.operations.push_back(bgp::SetPriority{priority_value(operation.priority)});
        break;
    }
  }
  return out;
}

std::vector<bgp::Term> filter_terms(const std::vector<FilterRule>& rules, IpFamily family,
                                    const std::string& filter, std::vector<std::string>& warnings) {
  std::vector<bgp::FilterRule> converted;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    auto rule = speaker_filter_rule(rules[i], family);
    if (!rule) {
      warnings.push_back("BGPFilter \"" + filter + "\": filter rule " + std::to_string(i + 1) +
                         ": " + rule.error().message + "; the filter is not applied");
      return {};
    }
    converted.push_back(std::move(*rule));
  }
  auto policy = bgp::policy_from_filter_rules(converted, bgp::Verdict::kContinue);
  if (!policy) {
    warnings.push_back("BGPFilter \"" + filter + "\": " + policy.error().message +
                       "; the filter is not applied");
    return {};
  }
  return policy->terms;
}

}  // namespace tabby::agent
