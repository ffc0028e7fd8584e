#include "tabby/agent/metrics_catalog.h"

#include <array>

namespace tabby::agent {
namespace {

const std::vector<std::string> kPeerLabels = {"peer", "peer_type", "ip_version"};
const std::vector<std::string> kPoolLabels = {"ippool", "node"};

}  // namespace

int bgp_peer_state_value(std::string_view state) {
  static constexpr std::array<std::string_view, 6> kNames = {
      "Idle", "Connect", "Active", "OpenSent", "OpenConfirm", "Established"};
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == state) return static_cast<int>(i) + 1;
  }
  return 0;
}

AgentMetrics::AgentMetrics(MetricsRegistry& registry)
    : bgp_peer_up(registry.gauge("tabby_bgp_peer_up",
                                 "1 when the BGP session to the peer is Established, else 0.",
                                 kPeerLabels)),
      bgp_peer_state(registry.gauge(
          "tabby_bgp_peer_state",
          "BGP session state: 1 Idle, 2 Connect, 3 Active, 4 OpenSent, 5 OpenConfirm, "
          "6 Established.",
          kPeerLabels)),
      bgp_prefixes_received(registry.gauge("tabby_bgp_peer_prefixes_received",
                                           "Prefixes accepted from the peer.", kPeerLabels)),
      bgp_prefixes_advertised(registry.gauge("tabby_bgp_peer_prefixes_advertised",
                                             "Prefixes advertised to the peer.", kPeerLabels)),
      bgp_session_flaps(registry.counter("tabby_bgp_peer_established_transitions_total",
                                         "Times the session to the peer reached Established.",
                                         kPeerLabels)),
      bgp_incoming_refused(registry.counter(
          "tabby_bgp_incoming_refused_total",
          "Incoming BGP connections not taken, by reason; the kernel_* reasons count segments "
          "the kernel dropped before accepting (TCP MD5 signature, GTSM minimum TTL).",
          {"reason"})),
      routes_programmed(registry.gauge("felix_route_table_num_routes",
                                       "Routes tabby-node has programmed into the kernel.",
                                       {"ip_version"})),
      ipam_blocks(
          registry.gauge("ipam_blocks", "IPAM blocks affine to the node, per pool.", kPoolLabels)),
      ipam_allocations_in_use(
          registry.gauge("ipam_allocations_in_use",
                         "Addresses allocated from the node's blocks, per pool.", kPoolLabels)),
      reconcile_duration(registry.histogram(
          "tabby_reconcile_duration_seconds",
          "Time from a datastore or kernel change to its reconciliation being applied.",
          {"reconciler"})),
      datastore_errors(registry.counter("tabby_datastore_errors_total",
                                        "Datastore operations that failed.", {"operation"})),
      dataplane_failures(registry.counter("felix_int_dataplane_failures",
                                          "Dataplane updates that failed and will be retried.")),
      resyncs_started(registry.counter(
          "felix_resyncs_started", "Times tabby-node started a full resync with the datastore.")),
      cluster_num_hosts(
          registry.gauge("felix_cluster_num_hosts", "Nodes in the cluster (Node resources).")) {}

}  // namespace tabby::agent
