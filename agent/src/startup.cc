// The start-up sequence in Calico's order, then the tunnel addresses that calico-node's
// allocate-tunnel-addrs gives the node before Felix and BIRD start.

#include "tabby/agent/startup.h"

#include "tabby/api/resource_store.h"
#include "tabby/ipam/tunnel_addresses.h"

namespace tabby::agent {

StartupSettings StartupSettings::from(const AgentConfig& config) {
  return StartupSettings{
      .node_name = config.nodename,
      .backend = config.backend,
      .ipv4 = config.ipv4,
      .ipv6 = config.ipv6,
      .as_number = config.as_number,
      .wait_for_datastore = config.wait_for_datastore,
      .disable_node_ip_check = config.disable_node_ip_check,
      .no_default_pools = config.no_default_pools,
      .ipv6_supported = config.ipv6_support,
      .etcd_datastore = config.datastore.type == api::DatastoreConfig::Type::Etcdv3,
      .ipv4_pool = config.ipv4_pool,
      .ipv6_pool = config.ipv6_pool,
  };
}

Result<StartupOutcome> run_startup(api::Datastore& datastore, const StartupSettings& settings,
                                   const StartupHost& host) {
  if (settings.node_name.empty()) return Error{"the node has no name: set NODENAME"};
  if (settings.wait_for_datastore) {
    if (Status waited = wait_for_datastore(datastore, settings.node_name, host); !waited)
      return waited.error();
  }
  Result<api::Resource> node = configure_node(datastore, settings, host);
  if (!node) return node.error();
  auto pools = ensure_default_pools(datastore, settings, host);
  if (!pools) return pools.error();
  if (Status objects = ensure_default_objects(datastore, settings); !objects)
    return objects.error();

  StartupOutcome outcome;
  outcome.created_pools = *pools;
  struct Tunnel {
    ipam::TunnelType type;
    std::optional<IpAddress>& address;
  };
  const Tunnel tunnels[] = {
      {ipam::TunnelType::kIpip, outcome.ipip_tunnel_address},
      {ipam::TunnelType::kVxlan, outcome.vxlan_tunnel_address},
      {ipam::TunnelType::kVxlanV6, outcome.vxlan_v6_tunnel_address},
  };
  for (const Tunnel& tunnel : tunnels) {
    // IPIP travels with BGP; the VXLAN backend has no use for a tunl0 address.
    if (tunnel.type == ipam::TunnelType::kIpip && settings.backend != NetworkingBackend::kBird)
      continue;
    auto address = ipam::ensure_tunnel_address(datastore, settings.node_name, tunnel.type);
    if (!address) return Error{"allocating the tunnel address: " + address.error().message};
    tunnel.address = *address;
  }
  api::ResourceStore store(datastore);
  auto stored = store.get(api::Kind::kNode, "", settings.node_name);
  if (!stored)
    return Error{"reading back Node \"" + settings.node_name + "\": " + stored.error().message};
  outcome.node = *stored;
  return outcome;
}

}  // namespace tabby::agent
