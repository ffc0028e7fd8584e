#include "tabby/bgp/session_match.h"

#include <algorithm>

namespace tabby::bgp {

bool accepts(const SessionConfig& config, const IncomingConnection& connection) {
  return config.peer_address == connection.remote && config.accept_port == connection.local_port &&
         (!config.source_address || *config.source_address == connection.local);
}

std::optional<std::size_t> match_incoming(const std::vector<const SessionConfig*>& configs,
                                          const IncomingConnection& connection) {
  for (std::size_t i = 0; i < configs.size(); ++i)
    if (configs[i] != nullptr && accepts(*configs[i], connection)) return i;
  return std::nullopt;
}

IpAddress unmap_v4(const IpAddress& address) {
  if (!address.is_v6()) return address;
  const std::uint8_t* b = address.bytes();
  const bool mapped = std::all_of(b, b + 10, [](std::uint8_t x) { return x == 0; }) &&
                      b[10] == 0xff && b[11] == 0xff;
  return mapped ? IpAddress::from_bytes(IpFamily::kV4, b + 12) : address;
}

}  // namespace tabby::bgp
