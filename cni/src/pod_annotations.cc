#include "tabby/cni/pod_annotations.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "tabby/api/values.h"

namespace tabby::cni {
namespace {

constexpr std::string_view kPrefix = "cni.projectcalico.org/";

// The annotation's value as a JSON list of strings, as Calico's plugin unmarshals it.
Result<std::optional<std::vector<std::string>>> string_list(
    const std::map<std::string, std::string>& annotations, const std::string& name) {
  auto it = annotations.find(std::string(kPrefix) + name);
  if (it == annotations.end() || it->second.empty())
    return std::optional<std::vector<std::string>>{};
  const std::string label = std::string(kPrefix) + name;
  nlohmann::json value;
  try {
    value = nlohmann::json::parse(it->second);
  } catch (const nlohmann::json::parse_error&) {
    return Error{fmt::format("annotation {}: {} is not a JSON list of strings", label, it->second)};
  }
  if (!value.is_array()) {
    return Error{fmt::format("annotation {}: {} is not a JSON list of strings", label, it->second)};
  }
  std::vector<std::string> out;
  for (const auto& item : value) {
    if (!item.is_string()) {
      return Error{
          fmt::format("annotation {}: {} is not a JSON list of strings", label, it->second)};
    }
    out.push_back(item.get<std::string>());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

// A list of addresses; with `one_per_family`, at most one IPv4 and one IPv6 (a pod has one
// interface, and CNI results one address of each family, as Calico checks).
Result<std::vector<IpAddress>> addresses(const std::map<std::string, std::string>& annotations,
                                         const std::string& name, bool one_per_family) {
  auto list = string_list(annotations, name);
  if (!list) return list.error();
  std::vector<IpAddress> out;
  if (!*list) return out;
  const std::string label = std::string(kPrefix) + name;
  int v4 = 0, v6 = 0;
  for (const auto& text : **list) {
    auto address = IpAddress::parse(text);
    if (!address) {
      return Error{fmt::format("annotation {}: \"{}\" is not an IP address", label, text)};
    }
    (address->is_v4() ? v4 : v6)++;
    if (one_per_family && (v4 > 1 || v6 > 1)) {
      return Error{fmt::format("annotation {}: more than one IPv{} address", label,
                               address->is_v4() ? 4 : 6)};
    }
    out.push_back(*address);
  }
  if (out.empty()) return Error{fmt::format("annotation {}: the list is empty", label)};
  return out;
}

}  // namespace

Result<PodAnnotations> parse_pod_annotations(
    const std::map<std::string, std::string>& annotations) {
  PodAnnotations out;
  auto v4 = string_list(annotations, "ipv4pools");
  if (!v4) return v4.error();
  out.ipv4_pools = std::move(*v4);
  auto v6 = string_list(annotations, "ipv6pools");
  if (!v6) return v6.error();
  out.ipv6_pools = std::move(*v6);

  auto families = string_list(annotations, "ipFamilies");
  if (!families) return families.error();
  if (*families) {
    out.assign_ipv4 = false;
    out.assign_ipv6 = false;
    for (const auto& family : **families) {
      if (family == "IPv4") {
        out.assign_ipv4 = true;
      } else if (family == "IPv6") {
        out.assign_ipv6 = true;
      } else {
        return Error{
            fmt::format("annotation {}ipFamilies: \"{}\" is not IPv4 or IPv6", kPrefix, family)};
      }
    }
  }

  auto ip_addrs = addresses(annotations, "ipAddrs", true);
  if (!ip_addrs) return ip_addrs.error();
  out.ip_addrs = std::move(*ip_addrs);
  auto no_ipam = addresses(annotations, "ipAddrsNoIpam", true);
  if (!no_ipam) return no_ipam.error();
  out.ip_addrs_no_ipam = std::move(*no_ipam);
  if (!out.ip_addrs.empty() && !out.ip_addrs_no_ipam.empty()) {
    return Error{
        "can't have both annotations: 'ipAddrs' and 'ipAddrsNoIpam' in use at the same "
        "time"};
  }
  auto floating = addresses(annotations, "floatingIPs", false);
  if (!floating) return floating.error();
  out.floating_ips = std::move(*floating);

  if (auto it = annotations.find(std::string(kPrefix) + "hwAddr"); it != annotations.end()) {
    if (!api::is_mac_address(it->second)) {
      return Error{
          fmt::format("annotation {}hwAddr: \"{}\" is not a MAC address", kPrefix, it->second)};
    }
    out.hw_addr = it->second;
    std::replace(out.hw_addr.begin(), out.hw_addr.end(), '-', ':');
    std::transform(out.hw_addr.begin(), out.hw_addr.end(), out.hw_addr.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  }
  return out;
}

}  // namespace tabby::cni
