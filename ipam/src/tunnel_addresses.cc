#include "tabby/ipam/tunnel_addresses.h"

#include <fmt/format.h>

#include "tabby/api/codec.h"
#include "tabby/api/resource_store.h"
#include "tabby/api/views.h"
#include "tabby/ipam/ipam.h"
#include "tabby/ipam/ipam_inspect.h"

namespace tabby::ipam {
namespace {

struct TunnelKind {
  const char* handle_prefix;
  const char* attribute_type;
  IpFamily family;
};

TunnelKind kind_of(TunnelType type) {
  switch (type) {
    case TunnelType::kIpip:
      return {"ipip-tunnel-addr-", "ipipTunnelAddress", IpFamily::kV4};
    case TunnelType::kVxlan:
      return {"vxlan-tunnel-addr-", "vxlanTunnelAddress", IpFamily::kV4};
    case TunnelType::kVxlanV6:
      return {"vxlan-v6-tunnel-addr-", "vxlanV6TunnelAddress", IpFamily::kV6};
  }
  return {"", "", IpFamily::kV4};
}

// The Node's field for the type: spec.bgp.ipv4IPIPTunnelAddr, spec.ipv4VXLANTunnelAddr or
// spec.ipv6VXLANTunnelAddr.
api::Json* field_parent(api::Resource& node, TunnelType type) {
  if (type != TunnelType::kIpip) return &node.spec;
  if (!node.spec.contains("bgp")) return nullptr;
  return &node.spec["bgp"];
}

const char* field_name(TunnelType type) {
  switch (type) {
    case TunnelType::kIpip:
      return "ipv4IPIPTunnelAddr";
    case TunnelType::kVxlan:
      return "ipv4VXLANTunnelAddr";
    case TunnelType::kVxlanV6:
      return "ipv6VXLANTunnelAddr";
  }
  return "";
}

bool encapsulates(const api::IpPoolView& pool, TunnelType type) {
  if (type == TunnelType::kIpip) return pool.ipip_mode != api::EncapMode::kNever;
  return pool.vxlan_mode != api::EncapMode::kNever;
}

}  // namespace

std::string tunnel_handle(TunnelType type, const std::string& node) {
  return kind_of(type).handle_prefix + node;
}

Result<std::optional<IpAddress>> ensure_tunnel_address(api::Datastore& datastore,
                                                       const std::string& node_name,
                                                       TunnelType type) {
  const TunnelKind kind = kind_of(type);
  const std::string handle = tunnel_handle(type, node_name);
  api::ResourceStore store(datastore);
  auto node = store.get(api::Kind::kNode, "", node_name);
  if (!node) return Error{node.error().message};
  auto pools = store.list(api::Kind::kIPPool);
  if (!pools) return Error{pools.error().message};

  std::vector<std::string> eligible;
  std::vector<IpPrefix> eligible_cidrs;
  for (const auto& resource : pools->items) {
    const auto view = api::ip_pool_view(resource);
    if (view.cidr.family() != kind.family || view.disabled || !view.tunnel ||
        !encapsulates(view, type))
      continue;
    if (!view.node_selector.matches(node->metadata.labels)) continue;
    eligible.push_back(resource.metadata.name);
    eligible_cidrs.push_back(view.cidr);
  }

  std::optional<IpAddress> current;
  if (api::Json* parent = field_parent(*node, type); parent && parent->contains(field_name(type))) {
    current = IpAddress::parse((*parent)[field_name(type)].get<std::string>()).value();
  }
  Ipam ipam(datastore);
  const auto write_field = [&](const std::optional<IpAddress>& value) -> Status {
    api::Resource updated = *node;
    if (type == TunnelType::kIpip && !updated.spec.contains("bgp")) {
      if (!value) return {};
      updated.spec["bgp"] = api::Json::object();
    }
    api::Json& parent = type == TunnelType::kIpip ? updated.spec["bgp"] : updated.spec;
    if (value) {
      parent[field_name(type)] = value->to_string();
    } else {
      parent.erase(field_name(type));
    }
    auto valid = api::resource_from_json(api::to_json(updated));
    if (!valid) return valid.error();
    auto written = store.update(*valid);
    if (!written) return Error{written.error().message};
    return {};
  };

  if (eligible.empty()) {
    if (auto status = ipam.release_by_handle(handle); !status) return status.error();
    if (current) {
      if (auto status = write_field(std::nullopt); !status) return status.error();
    }
    return std::optional<IpAddress>();
  }

  if (current) {
    auto owner = address_owner(datastore, *current);
    if (!owner) return owner.error();
    const bool ours = *owner && (*owner)->handle_id == handle;
    const bool in_eligible_pool =
        std::any_of(eligible_cidrs.begin(), eligible_cidrs.end(),
                    [&](const IpPrefix& p) { return p.contains(*current); });
    if (ours && in_eligible_pool) return current;
    // Ours in a pool that no longer qualifies, or gone: give it back. Someone else's: leave it.
    if (ours || !*owner) (void)ipam.release_ips({*current});
  }
  if (auto status = ipam.release_by_handle(handle); !status) return status.error();
  AutoAssignRequest request;
  request.node = node_name;
  request.node_labels = node->metadata.labels;
  request.use = Use::kTunnel;
  request.handle_id = handle;
  request.attributes = {{"node", node_name}, {"type", kind.attribute_type}};
  (kind.family == IpFamily::kV4 ? request.pools_v4 : request.pools_v6) = eligible;
  (kind.family == IpFamily::kV4 ? request.num_v4 : request.num_v6) = 1;
  auto assigned = ipam.auto_assign(request);
  if (!assigned)
    return Error{fmt::format("tunnel address for {}: {}", node_name, assigned.error().message)};
  const IpAddress address =
      (kind.family == IpFamily::kV4 ? assigned->v4 : assigned->v6).at(0).address;
  if (auto status = write_field(address); !status) {
    (void)ipam.release_by_handle(handle);
    return status.error();
  }
  return std::optional<IpAddress>(address);
}

}  // namespace tabby::ipam
