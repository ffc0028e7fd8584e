#include "tabby/agent/calc_peer_diff.h"

#include <map>
#include <string>

namespace tabby::agent {

PeerChanges diff_peers(const std::vector<DesiredPeer>& before,
                       const std::vector<DesiredPeer>& after) {
  std::map<std::string, const DesiredPeer*> old_by_key;
  for (const auto& peer : before)
    old_by_key.emplace(peer.key, &peer);
  PeerChanges changes;
  for (const auto& peer : after) {
    auto it = old_by_key.find(peer.key);
    if (it == old_by_key.end()) {
      changes.added.push_back(peer);
      continue;
    }
    if (!(*it->second == peer)) changes.changed.push_back(peer);
    old_by_key.erase(it);
  }
  for (const auto& [key, peer] : old_by_key)
    changes.removed.push_back(*peer);
  return changes;
}

}  // namespace tabby::agent
