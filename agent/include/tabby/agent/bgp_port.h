#pragma once
// What the agent needs of a BGP speaker, in the calculation's terms. The agent's loop talks
// to this; SpeakerBgpPort (speaker_bgp_port.h) joins it to tabby's embedded speaker, and
// unit tests use a fake. Peers are identified by DesiredPeer::key.

#include <functional>
#include <vector>

#include "tabby/agent/calc_bgp_export.h"
#include "tabby/agent/calc_bgp_routes.h"
#include "tabby/agent/calc_bgp_state.h"
#include "tabby/api/node_status.h"
#include "tabby/common/result.h"

namespace tabby::agent {

struct BgpPeerReport {
  std::string key;
  api::BgpPeerStatus status;
  IpFamily family = IpFamily::kV4;
  bool established = false;
  // Times the peer's session reached Established since the agent started, across resets.
  std::uint64_t established_transitions = 0;
};

// One prefix's change in the Loc-RIB, as the port reports it.
struct LearnedPrefix {
  IpPrefix prefix;
  std::vector<LearnedPath> paths;
};

// Incoming connections that were not taken, for one reason, counted since the port (or, for
// the kernel's reasons, the network namespace) started.
struct RefusedConnections {
  std::string reason;  // the metric's label: "unknown_peer_address", "kernel_md5_missing", ...
  std::uint64_t count = 0;
};

class BgpPort {
 public:
  virtual ~BgpPort() = default;
  // Brings the speaker to `desired` (node-wide settings and the peer set) and to `exports`
  // (Calico's export filter, and the prefixes this node originates, replacing the previous
  // set). A peer whose session settings are unchanged keeps its session (a policy change is
  // applied in place); a changed one is reset; a gone one is closed.
  virtual Status apply(const DesiredBgp& desired, const BgpExport& exports) = 0;
  // Every learned prefix with its selected paths (several for ECMP), read from the speaker's
  // Loc-RIB: the port keeps no copy of the table.
  using BestPathVisitor =
      std::function<void(const IpPrefix& prefix, const std::vector<LearnedPath>& paths)>;
  virtual void visit_best_paths(const BestPathVisitor& visit) const = 0;
  virtual std::vector<BgpPeerReport> peers() const = 0;
  // Every reason an incoming connection was refused, with its count (also logged once each).
  virtual std::vector<RefusedConnections> refused_connections() const { return {}; }
  // True once every established peer has sent its End-of-RIBs (or the wait for them ran out,
  // or there is no peer): until then the agent keeps routes from before a restart.
  virtual bool converged() const = 0;
  // Before the first apply(): the agent found routes of its own in the kernel, so it restarted
  // with the dataplane still forwarding. The speaker then restarts gracefully (RFC 4724: the
  // Restart State and forwarding-state bits, its advertisement deferred until the peers'
  // End-of-RIBs). Ports without graceful restart ignore it.
  virtual void set_restarting(bool restarting) { (void)restarting; }
  // Stops every session: gracefully (a Cease the peers' graceful-restart helpers answer by
  // keeping our routes) or not.
  virtual void shutdown(bool graceful) = 0;

  // Called on the agent's loop after the Loc-RIB changed, with the prefixes whose selected
  // paths changed, each with its paths now (none: withdrawn, or no longer from a peer).
  std::function<void(const std::vector<LearnedPrefix>&)> on_best_paths =
      [](const std::vector<LearnedPrefix>&) {};
};

}  // namespace tabby::agent
