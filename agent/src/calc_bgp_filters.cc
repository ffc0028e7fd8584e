#include "tabby/agent/calc_bgp_filters.h"

#include <algorithm>
#include <stdexcept>

#include "tabby/api/values.h"

namespace tabby::agent {
namespace {

using api::Json;

MatchOperator match_operator(const std::string& text) {
  if (text == "Equal") return MatchOperator::kEqual;
  if (text == "NotEqual") return MatchOperator::kNotEqual;
  if (text == "NotIn") return MatchOperator::kNotIn;
  return MatchOperator::kIn;
}

// AS numbers are stored as numbers; accept asdot text too, as written by hand.
std::vector<std::uint32_t> as_numbers(const Json& list) {
  std::vector<std::uint32_t> out;
  for (const auto& entry : list) {
    if (entry.is_number()) {
      out.push_back(entry.get<std::uint32_t>());
    } else {
      out.push_back(api::parse_as_number(entry.get<std::string>()).value());
    }
  }
  return out;
}

FilterRule rule_of(const Json& rule) {
  FilterRule out;
  out.accept = rule.value("action", "") == "Accept";
  if (rule.contains("cidr")) {
    out.cidr = IpPrefix::parse_interface(rule["cidr"].get<std::string>()).value();
    out.match = match_operator(rule.value("matchOperator", "In"));
  }
  if (rule.contains("prefixLength")) {
    const Json& length = rule["prefixLength"];
    if (length.contains("min")) out.min_length = length["min"].get<int>();
    if (length.contains("max")) out.max_length = length["max"].get<int>();
  }
  out.only_from_remote_peers = rule.value("source", "") == "RemotePeers";
  out.interface = rule.value("interface", "");
  if (rule.contains("peerType")) out.ibgp = rule["peerType"] == "iBGP";
  if (rule.contains("communities")) {
    const Json values = rule["communities"].value("values", Json::array());
    if (!values.empty()) out.community = values[0].get<std::string>();
  }
  if (rule.contains("asPathPrefix")) out.as_path_prefix = as_numbers(rule["asPathPrefix"]);
  if (rule.contains("priority")) out.priority = rule["priority"].get<int>();
  for (const auto& operation : rule.value("operations", Json::array())) {
    FilterOperation op;
    if (operation.contains("addCommunity")) {
      op.kind = FilterOperation::Kind::kAddCommunity;
      op.community = operation["addCommunity"].value("value", "");
    } else if (operation.contains("prependASPath")) {
      op.kind = FilterOperation::Kind::kPrependAsPath;
      op.prepend = as_numbers(operation["prependASPath"].value("prefix", Json::array()));
    } else if (operation.contains("setPriority")) {
      op.kind = FilterOperation::Kind::kSetPriority;
      op.priority = operation["setPriority"].value("value", 0);
    } else {
      continue;  // validation allows exactly one key per operation
    }
    out.operations.push_back(std::move(op));
  }
  return out;
}

std::vector<FilterRule> rules_of(const Json& spec, const char* field) {
  std::vector<FilterRule> out;
  for (const auto& rule : spec.value(field, Json::array()))
    out.push_back(rule_of(rule));
  return out;
}

}  // namespace

bool FilterRule::matches_prefix(const IpPrefix& prefix) const {
  if (!cidr) return true;
  if (cidr->family() != prefix.family()) return false;
  // prefixLength narrows the match to [max(cidr length, min), min(family bits, max)].
  const int low = std::max(cidr->length(), min_length.value_or(0));
  const int high =
      std::min(prefix.address().bit_length(), max_length.value_or(prefix.address().bit_length()));
  const bool length_ok = prefix.length() >= low && prefix.length() <= high;
  const bool has_length = min_length || max_length;
  switch (match) {
    case MatchOperator::kEqual:
      return prefix == *cidr && (!has_length || length_ok);
    case MatchOperator::kNotEqual:
      return prefix != *cidr;
    case MatchOperator::kIn:
      return cidr->contains(prefix) && length_ok;
    case MatchOperator::kNotIn:
      return !(cidr->contains(prefix) && length_ok);
  }
  return false;
}

PeerFilter peer_filter(const api::Resource& filter, IpFamily family) {
  if (filter.kind != api::Kind::kBGPFilter) {
    throw std::logic_error("peer_filter() of " + api::describe(filter));
  }
  const bool v4 = family == IpFamily::kV4;
  PeerFilter out;
  out.name = filter.metadata.name;
  out.import_rules = rules_of(filter.spec, v4 ? "importV4" : "importV6");
  out.export_rules = rules_of(filter.spec, v4 ? "exportV4" : "exportV6");
  return out;
}

}  // namespace tabby::agent
