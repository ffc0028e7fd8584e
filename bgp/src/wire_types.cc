#include "tabby/bgp/wire_types.h"

#include <algorithm>

namespace tabby::bgp {

std::string Family::to_string() const {
  if (has_prefix_nlri()) {
    return std::string(afi == kAfiIpv4 ? "ipv4" : "ipv6") +
           (safi == kSafiUnicast ? "-unicast" : "-multicast");
  }
  return "afi " + std::to_string(afi) + " safi " + std::to_string(safi);
}

bool CodecContext::has_add_path(Family family) const {
  return std::find(add_path.begin(), add_path.end(), family) != add_path.end();
}

std::size_t CodecContext::max_length(MessageType type) const {
  // RFC 8654 section 4: OPEN and KEEPALIVE keep the classic limit.
  if (!extended_messages || type == MessageType::kOpen || type == MessageType::kKeepalive) {
    return kMaxMessageLength;
  }
  return kMaxExtendedMessageLength;
}

}  // namespace tabby::bgp
