#include "tabby/agent/calc_bgp_convergence.h"

namespace tabby::agent {

Convergence bgp_convergence(const std::vector<PeerConvergence>& peers,
                            std::chrono::steady_clock::duration since_start,
                            const ConvergenceLimits& limits) {
  bool waiting = false;
  for (const PeerConvergence& peer : peers) {
    if (peer.established ? !peer.initial_table_received : since_start < limits.peer_up_wait)
      waiting = true;
  }
  if (!waiting) return Convergence::kTablesIn;
  return since_start >= limits.max_wait ? Convergence::kGaveUp : Convergence::kWaiting;
}

}  // namespace tabby::agent
