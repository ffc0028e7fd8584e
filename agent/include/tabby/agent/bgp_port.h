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

class BgpPort {
 public:
  virtual ~BgpPort() = default;
  // Brings the speaker to `desired` (node-wide settings and the peer set) and to `exports`
  // (Calico's export filter, and the prefixes this node originates, replacing the previous
  // set). A peer whose session settings are unchanged keeps its session (a policy change is
  // applied in place); a changed one is reset; a gone one is closed.
  virtual Status apply(const DesiredBgp& desired, const BgpExport& exports) = 0;
  // Current best paths (several per prefix for ECMP), learned from peers.
  virtual std::vector<LearnedPath> best_paths() const = 0;
  virtual std::vector<BgpPeerReport> peers() const = 0;
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

  // Called on the agent's loop when best_paths() or peer states changed.
  std::function<void()> on_change = [] {};
};

}  // namespace tabby::agent
