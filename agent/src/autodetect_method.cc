#include "tabby/agent/autodetect_method.h"

#include <fmt/format.h>

#include <regex>

#include "tabby/agent/text_lists.h"

namespace tabby::agent {

namespace {

constexpr std::string_view kInterface = "interface=";
constexpr std::string_view kSkipInterface = "skip-interface=";
constexpr std::string_view kCanReach = "can-reach=";
constexpr std::string_view kCidr = "cidr=";
constexpr std::string_view kKubernetesInternalIp = "kubernetes-internal-ip";

std::string_view family_name(IpFamily family) {
  return family == IpFamily::kV4 ? "IPv4" : "IPv6";
}

Result<std::vector<std::string>> regex_list(std::string_view method, std::string_view list) {
  auto regexes = split_comma_list(list);
  if (regexes.empty()) {
    return Error{fmt::format("{} needs at least one interface name regex", method)};
  }
  for (const auto& text : regexes) {
    try {
      std::regex compiled(text);
    } catch (const std::regex_error& error) {
      return Error{fmt::format("{}: \"{}\" is not a valid regular expression ({})", method, text,
                               error.what())};
    }
  }
  return regexes;
}

Result<std::vector<IpPrefix>> cidr_list(std::string_view list, IpFamily family) {
  std::vector<IpPrefix> cidrs;
  for (const auto& text : split_comma_list(list)) {
    // Go's ParseCIDR, as Calico uses it, accepts host bits and keeps the network.
    auto cidr = IpPrefix::parse_interface(text);
    if (!cidr) return Error{fmt::format("cidr=: \"{}\" is not a CIDR", text)};
    if (cidr->family() != family) {
      return Error{fmt::format("cidr=: \"{}\" is not an {} CIDR", text, family_name(family))};
    }
    cidrs.push_back(*cidr);
  }
  if (cidrs.empty()) return Error{"cidr= needs at least one CIDR"};
  return cidrs;
}

}  // namespace

std::string AutodetectionMethod::to_string() const {
  switch (kind) {
    case Kind::kFirstFound:
      return "first-found";
    case Kind::kInterface:
      return std::string(kInterface) + join_comma_list(interface_regexes);
    case Kind::kSkipInterface:
      return std::string(kSkipInterface) + join_comma_list(interface_regexes);
    case Kind::kCanReach:
      return std::string(kCanReach) + destination;
    case Kind::kCidr: {
      std::vector<std::string> texts;
      for (const auto& cidr : cidrs)
        texts.push_back(cidr.to_string());
      return std::string(kCidr) + join_comma_list(texts);
    }
    case Kind::kKubernetesInternalIp:
      return std::string(kKubernetesInternalIp);
  }
  return "first-found";
}

Result<AutodetectionMethod> parse_autodetection_method(std::string_view text, IpFamily family) {
  AutodetectionMethod method;
  const std::string trimmed = trim_blanks(text);
  const std::string_view value = trimmed;
  // Calico compares the prefixes case-sensitively, and kubernetes-internal-ip by prefix.
  if (value.empty() || value == "first-found") {
    method.kind = AutodetectionMethod::Kind::kFirstFound;
  } else if (value.starts_with(kInterface)) {
    method.kind = AutodetectionMethod::Kind::kInterface;
    auto regexes = regex_list("interface=", value.substr(kInterface.size()));
    if (!regexes) return regexes.error();
    method.interface_regexes = *regexes;
  } else if (value.starts_with(kSkipInterface)) {
    method.kind = AutodetectionMethod::Kind::kSkipInterface;
    auto regexes = regex_list("skip-interface=", value.substr(kSkipInterface.size()));
    if (!regexes) return regexes.error();
    method.interface_regexes = *regexes;
  } else if (value.starts_with(kCanReach)) {
    method.kind = AutodetectionMethod::Kind::kCanReach;
    method.destination = trim_blanks(value.substr(kCanReach.size()));
    if (method.destination.empty()) return Error{"can-reach= needs a destination address or name"};
    if (auto address = IpAddress::parse(method.destination);
        address && address->family() != family) {
      return Error{fmt::format("can-reach=: {} is not an {} address", method.destination,
                               family_name(family))};
    }
  } else if (value.starts_with(kCidr)) {
    method.kind = AutodetectionMethod::Kind::kCidr;
    auto cidrs = cidr_list(value.substr(kCidr.size()), family);
    if (!cidrs) return cidrs.error();
    method.cidrs = *cidrs;
  } else if (value.starts_with(kKubernetesInternalIp)) {
    method.kind = AutodetectionMethod::Kind::kKubernetesInternalIp;
  } else {
    return Error{
        "use first-found, interface=REGEX[,REGEX], skip-interface=REGEX[,REGEX], "
        "can-reach=DESTINATION, cidr=CIDR[,CIDR] or kubernetes-internal-ip"};
  }
  return method;
}

}  // namespace tabby::agent
