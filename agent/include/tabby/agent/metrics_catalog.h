#pragma once
// The metrics tabby-node exports (docs/operations.md lists them). Felix's names where Felix
// has the same measurement, Calico kube-controllers' IPAM names, and tabby_bgp_* for the BGP
// sessions (BIRD exports none itself; the labels follow `calicoctl node status`).

#include <string_view>

#include "tabby/agent/metrics_registry.h"

namespace tabby::agent {

// The numeric session state of tabby_bgp_peer_state, as the BGP4-MIB's bgpPeerState.
enum class BgpPeerStateValue {
  kIdle = 1,
  kConnect,
  kActive,
  kOpenSent,
  kOpenConfirm,
  kEstablished
};
// "Idle", ..., "Established" (RFC 4271 names) to the value; 0 for anything else.
int bgp_peer_state_value(std::string_view state);

// Families registered on a registry, for the agent's parts to set.
struct AgentMetrics {
  explicit AgentMetrics(MetricsRegistry& registry);

  // Labels of the per-peer families: peer (address), peer_type (as calicoctl prints it),
  // ip_version ("4" or "6").
  GaugeFamily& bgp_peer_up;              // tabby_bgp_peer_up: 1 when Established
  GaugeFamily& bgp_peer_state;           // tabby_bgp_peer_state: BgpPeerStateValue
  GaugeFamily& bgp_prefixes_received;    // tabby_bgp_peer_prefixes_received
  GaugeFamily& bgp_prefixes_advertised;  // tabby_bgp_peer_prefixes_advertised
  CounterFamily& bgp_session_flaps;      // tabby_bgp_peer_established_transitions_total
  CounterFamily& bgp_incoming_refused;   // tabby_bgp_incoming_refused_total
  // Labels ip_version.
  GaugeFamily& routes_programmed;  // felix_route_table_num_routes
  // Labels ippool (pool name), node.
  GaugeFamily& ipam_blocks;              // ipam_blocks
  GaugeFamily& ipam_allocations_in_use;  // ipam_allocations_in_use
  // Label reconciler: "dataplane", "bgp", "ipam".
  HistogramFamily& reconcile_duration;  // tabby_reconcile_duration_seconds
  // Label operation: "get", "list", "create", "update", "delete", "watch".
  CounterFamily& datastore_errors;    // tabby_datastore_errors_total
  CounterFamily& dataplane_failures;  // felix_int_dataplane_failures
  CounterFamily& resyncs_started;     // felix_resyncs_started
  GaugeFamily& cluster_num_hosts;     // felix_cluster_num_hosts
};

}  // namespace tabby::agent
