#include "tabby/bgp/rib_types.h"

#include <algorithm>

namespace tabby::bgp {

PeerSession PeerSession::from_opens(const OpenMessage& local, const OpenMessage& remote) {
  PeerSession session;
  session.router_id = remote.bgp_identifier;
  const auto ours = local.families();
  for (const auto& family : remote.families())
    if (std::find(ours.begin(), ours.end(), family) != ours.end())
      session.families.push_back(family);
  const NegotiatedContexts contexts = negotiate(local, remote);
  session.receive = contexts.receive;
  session.send = contexts.send;
  if (const auto* gr = remote.find<GracefulRestartCapability>()) session.graceful_restart = *gr;
  session.enhanced_route_refresh = local.find<EnhancedRouteRefreshCapability>() != nullptr &&
                                   remote.find<EnhancedRouteRefreshCapability>() != nullptr;
  return session;
}

}  // namespace tabby::bgp
