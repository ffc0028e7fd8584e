#pragma once
// The YAML file bgp-peer runs from (docs/bgp-speaker.md has an example): the speaker's
// global settings, its peers and the prefixes it originates.

#include <string_view>
#include <vector>

#include "tabby/bgp/speaker.h"

namespace tabby::bgp_peer {

struct PeerFile {
  bgp::SpeakerConfig speaker;
  std::vector<bgp::PeerConfig> peers;
  std::vector<IpPrefix> originate;
};

// Fails naming the key and what is wrong with it ("peers[1].address: 'x' is not an IP
// address", "unknown key 'hold'").
Result<PeerFile> parse_peer_file(std::string_view yaml);

}  // namespace tabby::bgp_peer
