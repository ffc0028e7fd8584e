#pragma once
// Which configured session an incoming TCP connection belongs to. Pure, so the rule is tested
// without sockets: the remote address must be the peer's, the connection must have arrived on
// the session's accept port (several sessions to one address differ by port), and on its
// source address when one is configured.

#include <cstdint>
#include <optional>
#include <vector>

#include "tabby/bgp/session_config.h"
#include "tabby/common/ip.h"

namespace tabby::bgp {

struct IncomingConnection {
  IpAddress remote;  // IPv4-mapped IPv6 addresses already unmapped
  IpAddress local;
  std::uint16_t local_port = 0;
};

bool accepts(const SessionConfig& config, const IncomingConnection& connection);

// The index of the first configuration that accepts the connection.
std::optional<std::size_t> match_incoming(const std::vector<const SessionConfig*>& configs,
                                          const IncomingConnection& connection);

// ::ffff:a.b.c.d as a.b.c.d; any other address unchanged.
IpAddress unmap_v4(const IpAddress& address);

}  // namespace tabby::bgp
