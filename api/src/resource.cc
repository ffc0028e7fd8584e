#include "tabby/api/resource.h"

#include <fmt/format.h>

namespace tabby::api {

const std::vector<KindInfo>& all_kinds() {
  static const std::vector<KindInfo> kinds = {
      {Kind::kIPPool, "IPPool", "IPPoolList", "ippools", false},
      {Kind::kNode, "Node", "NodeList", "nodes", false},
      {Kind::kBGPPeer, "BGPPeer", "BGPPeerList", "bgppeers", false},
      {Kind::kBGPConfiguration, "BGPConfiguration", "BGPConfigurationList", "bgpconfigurations",
       false},
      {Kind::kBGPFilter, "BGPFilter", "BGPFilterList", "bgpfilters", false},
      {Kind::kFelixConfiguration, "FelixConfiguration", "FelixConfigurationList",
       "felixconfigurations", false},
      {Kind::kWorkloadEndpoint, "WorkloadEndpoint", "WorkloadEndpointList", "workloadendpoints",
       true},
      {Kind::kIPReservation, "IPReservation", "IPReservationList", "ipreservations", false},
  };
  return kinds;
}

const KindInfo& kind_info(Kind kind) {
  for (const auto& info : all_kinds()) {
    if (info.kind == kind) return info;
  }
  return all_kinds().front();
}

std::optional<Kind> kind_from_name(std::string_view name) {
  for (const auto& info : all_kinds()) {
    if (info.name == name) return info.kind;
  }
  return std::nullopt;
}

std::string describe(const Resource& resource) {
  const auto& info = kind_info(resource.kind);
  if (info.namespaced) {
    return fmt::format("{} \"{}/{}\"", info.name, resource.metadata.namespace_,
                       resource.metadata.name);
  }
  return fmt::format("{} \"{}\"", info.name, resource.metadata.name);
}

std::string resource_prefix(Kind kind, std::string_view namespace_) {
  std::string prefix =
      fmt::format("/calico/resources/v3/projectcalico.org/{}/", kind_info(kind).plural);
  if (kind_info(kind).namespaced && !namespace_.empty()) {
    prefix += std::string(namespace_) + "/";
  }
  return prefix;
}

std::string resource_key(Kind kind, std::string_view namespace_, std::string_view name) {
  return resource_prefix(kind, namespace_) + std::string(name);
}

std::string resource_key(const Resource& resource) {
  return resource_key(resource.kind, resource.metadata.namespace_, resource.metadata.name);
}

}  // namespace tabby::api
