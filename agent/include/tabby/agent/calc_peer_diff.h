#pragma once
// What changed between two peer sets, by key, so the agent touches only those sessions:
// confd's SIGHUP to BIRD restarts exactly the protocols whose options changed, and tabby
// must not reset a session whose settings are the same.

#include <vector>

#include "tabby/agent/calc_bgp_state.h"

namespace tabby::agent {

struct PeerChanges {
  std::vector<DesiredPeer> added;    // keys only in the new set
  std::vector<DesiredPeer> removed;  // keys only in the old set (as they were)
  std::vector<DesiredPeer> changed;  // same key, other settings (as they are now)

  bool empty() const { return added.empty() && removed.empty() && changed.empty(); }
};

// Both inputs as desired_bgp() returns them (sorted by key, keys unique).
PeerChanges diff_peers(const std::vector<DesiredPeer>& before,
                       const std::vector<DesiredPeer>& after);

}  // namespace tabby::agent
