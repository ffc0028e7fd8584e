#pragma once
// When, after a (re)start, the agent lets go of the routes it kept in the kernel from before:
// once every established BGP peer's initial table is in (its End-of-RIB for each family).
// Two bounds keep a peer from holding stale routes for ever: one not established is waited
// for only during `peer_up_wait` from the start (a peer that is there comes back within
// seconds, its graceful-restart helper keeping our session's place; one that is gone, a
// deleted node or a dead route reflector, would otherwise keep stale routes, to it among
// others, for the whole wait), and nothing is waited for past `max_wait` (a peer that never
// sends End-of-RIB). Pure: SpeakerBgpPort::converged() feeds it what its Speaker reports.

#include <chrono>
#include <vector>

namespace tabby::agent {

struct PeerConvergence {
  bool established = false;
  bool initial_table_received = false;  // End-of-RIB for each family of the session
};

struct ConvergenceLimits {
  std::chrono::steady_clock::duration peer_up_wait = std::chrono::seconds(30);
  // The graceful restart time the agent announces (120 s, BIRD's default that Calico keeps):
  // past it the peers' helpers have dropped our routes too, so nothing is gained by waiting.
  std::chrono::steady_clock::duration max_wait = std::chrono::seconds(120);
};

enum class Convergence {
  kWaiting,   // keep the old routes
  kTablesIn,  // every established peer's End-of-RIBs are in (and the others are not waited for)
  kGaveUp,    // max_wait passed first
};

Convergence bgp_convergence(const std::vector<PeerConvergence>& peers,
                            std::chrono::steady_clock::duration since_start,
                            const ConvergenceLimits& limits = {});

}  // namespace tabby::agent
