#pragma once
// calico-node's start-up, in Calico's order (calico-node.md §1.3): wait for the datastore,
// work out the node's addresses (and refuse one another node already uses), write or merge
// the Node resource, create the default IP pools when no pool of a family exists, create the
// default cluster objects, allocate the tunnel addresses. Everything here talks only to the
// Datastore interface; what it needs from the host (autodetection, host addresses, sleeping)
// comes in through StartupHost, so tests run it on the in-memory datastore.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tabby/agent/autodetect.h"
#include "tabby/agent/config.h"
#include "tabby/agent/node_address.h"
#include "tabby/api/datastore.h"
#include "tabby/api/resource.h"
#include "tabby/common/ip.h"
#include "tabby/common/result.h"

namespace tabby::agent {

// What start-up reads of the agent's configuration (config.h), gathered so tests can set
// just these.
struct StartupSettings {
  std::string node_name;
  NetworkingBackend backend = NetworkingBackend::kBird;
  AddressSetting ipv4{.mode = AddressSetting::Mode::kAutodetect};
  AddressSetting ipv6;
  std::optional<std::uint32_t> as_number;  // AS
  bool wait_for_datastore = false;         // WAIT_FOR_DATASTORE=true
  bool disable_node_ip_check = false;      // DISABLE_NODE_IP_CHECK=true
  bool no_default_pools = false;           // NO_DEFAULT_POOLS=true
  bool ipv6_supported = true;              // FELIX_IPV6SUPPORT and the kernel
  bool etcd_datastore = false;             // etcd gets FelixConfiguration node.<name>
  PoolSettings ipv4_pool;
  PoolSettings ipv6_pool{.block_size = 122, .nat_outgoing = false};

  static StartupSettings from(const AgentConfig& config);
};

// What start-up needs from the machine it runs on.
struct StartupHost {
  // Runs IP_AUTODETECTION_METHOD / IP6_AUTODETECTION_METHOD for the family. `node_addresses`
  // is the stored Node's spec.addresses (node_resource_addresses): with no Kubernetes API,
  // kubernetes-internal-ip takes its InternalIP entries from there.
  std::function<Result<DetectedAddress>(IpFamily, const std::vector<NodeAddress>& node_addresses)>
      autodetect;
  // Every interface's addresses (no exclusions): the prefix of an explicit IP, the default
  // pool's fallback and the "address is not on this host" warning.
  std::vector<HostInterface> all_interfaces;
  // The interfaces outside Calico's default exclusions: Node.spec.interfaces.
  std::vector<HostInterface> node_interfaces;
  std::function<void(std::chrono::milliseconds)> sleep;
  // Random bytes for the IPv6 default pool's ULA /48.
  std::function<std::uint8_t()> random_byte;
};

struct StartupOutcome {
  api::Resource node;                      // as stored
  std::vector<std::string> created_pools;  // names of the pools this start created
  std::optional<IpAddress> ipip_tunnel_address;
  std::optional<IpAddress> vxlan_tunnel_address;
  std::optional<IpAddress> vxlan_v6_tunnel_address;
};

// WAIT_FOR_DATASTORE: reads this node's Node until the datastore answers (any answer but
// Unavailable), sleeping 1 s between tries; gives up after `attempts` tries (0: never).
Status wait_for_datastore(api::Datastore& datastore, const std::string& node_name,
                          const StartupHost& host, int attempts = 0);

// §1.3.2's finding: another node already has the address this node would store.
struct AddressConflict {
  IpFamily family = IpFamily::kV4;
  std::string address;     // the host part, "10.0.0.7"
  std::string other_node;  // the Node that has it
};

// Steps 6-11: the Node as it should be stored, written when it changed. Fails (the agent
// stops) on an autodetection failure with no previous address, on an address another node
// uses (then `conflict`, when given, says which), and when no address of either family is
// left (backend other than none).
Result<api::Resource> configure_node(api::Datastore& datastore, const StartupSettings& settings,
                                     const StartupHost& host,
                                     std::optional<AddressConflict>* conflict = nullptr);

// One round of calico-node's monitor-addresses while the agent runs: configure_node again.
// A failed detection or write is a warning (the agent keeps its stored address and tries at
// the next round); an address another node uses has been cleared from this node's Node, so,
// as calico-node exits then (and is restarted), the agent must stop: `stop` with the line to
// log, naming the address and the other node.
struct AddressRedetection {
  bool stop = false;
  std::string message;  // empty when the round went well
};
AddressRedetection redetect_node_address(api::Datastore& datastore, const StartupSettings& settings,
                                         const StartupHost& host);

// §1.6: the default pools for families that have no pool at all. Returns the names created.
Result<std::vector<std::string>> ensure_default_pools(api::Datastore& datastore,
                                                      const StartupSettings& settings,
                                                      const StartupHost& host);

// §1.7: BGPConfiguration and FelixConfiguration "default" (and FelixConfiguration
// node.<name> on etcd), created when missing; a racing node's copy is left alone.
Status ensure_default_objects(api::Datastore& datastore, const StartupSettings& settings);

// The whole sequence, in Calico's order, ending with the tunnel addresses (§3.11).
Result<StartupOutcome> run_startup(api::Datastore& datastore, const StartupSettings& settings,
                                   const StartupHost& host);

}  // namespace tabby::agent
