#include "tabby/bgp/session_status.h"

#include <numeric>

namespace tabby::bgp {

std::uint64_t MessageCounters::total() const {
  return std::accumulate(by_type.begin(), by_type.end(), std::uint64_t{0});
}

std::string_view to_string(RefusedReason reason) {
  switch (reason) {
    case RefusedReason::kPeerDisabled:
      return "peer disabled or administratively down";
    case RefusedReason::kAlreadyEstablished:
      return "session already Established";
    case RefusedReason::kTwoConnectionsAlready:
      return "two connections already";
    case RefusedReason::kCollisionLoser:
      return "connection collision lost";
  }
  return "unknown reason";
}

}  // namespace tabby::bgp
