#include "tabby/agent/health_bgp.h"

#include <fmt/format.h>

#include <string>

namespace tabby::agent {

HealthReport bgp_readiness(const std::vector<api::BgpPeerStatus>& peers,
                           bool graceful_restart_in_progress, HealthClock::duration since_start,
                           HealthClock::duration threshold) {
  if (peers.empty()) return {true, true, ""};
  std::vector<std::string> not_established;
  for (const auto& peer : peers) {
    if (!peer.info.starts_with("Established")) not_established.push_back(peer.address);
  }
  const bool starting = since_start < threshold;
  if (starting && graceful_restart_in_progress) {
    return {true, false, "BGP graceful restart recovery in progress"};
  }
  const bool ready = starting ? not_established.empty() : not_established.size() < peers.size();
  std::string detail;
  if (!not_established.empty()) {
    detail = fmt::format("BGP not established with {}", fmt::join(not_established, ","));
  }
  return {true, ready, detail};
}

}  // namespace tabby::agent
