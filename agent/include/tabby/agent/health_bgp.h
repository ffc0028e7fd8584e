#pragma once
// The BGP part of readiness, as `calico-node -bird-ready` decides it: with no peers the node is
// ready; during the first `threshold` after start (30 s) every peer must be Established and no
// graceful restart may be in progress; afterwards one Established peer is enough (a dead peer
// must not take every node out of service). The report names the peers not Established.

#include <chrono>
#include <vector>

#include "tabby/agent/health_aggregator.h"
#include "tabby/api/node_status.h"

namespace tabby::agent {

inline constexpr std::chrono::seconds kBgpReadinessThreshold{30};

// `peers` of both families, as the status socket shows them (info starts with the BGP state).
HealthReport bgp_readiness(const std::vector<api::BgpPeerStatus>& peers,
                           bool graceful_restart_in_progress, HealthClock::duration since_start,
                           HealthClock::duration threshold = kBgpReadinessThreshold);

}  // namespace tabby::agent
