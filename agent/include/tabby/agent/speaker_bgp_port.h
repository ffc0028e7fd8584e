#pragma once
// The BgpPort over tabby's embedded speaker (bgp/speaker.h): DesiredPeer -> PeerConfig with
// Calico's session defaults (multihop unless ttlSecurity, graceful restart 120 s), Calico's
// export filter and the peer's BGPFilters as policy, best-path changes kept for the route
// calculation, and the sessions reported as calicoctl shows BIRD's protocols.

#include <boost/asio/io_context.hpp>
#include <memory>

#include "tabby/agent/bgp_port.h"

namespace tabby::agent {

std::unique_ptr<BgpPort> make_speaker_bgp_port(boost::asio::io_context& io);

}  // namespace tabby::agent
