#pragma once
// The node's tunnel addresses, as calico-node's allocate-tunnel-addrs keeps them
// (calico-node.md §3.11): for IPIP, VXLAN and VXLAN over IPv6, an address from a pool that
// selects the node, allows Tunnel use and has that encapsulation on, under the handle
// "<type>-tunnel-addr-<node>" with the attribute type=<type>TunnelAddress, recorded in the
// Node resource. An address that is still ours and still in an eligible pool is kept; one
// that is not is replaced; with no eligible pool the field is cleared and the address given
// back.

#include <optional>
#include <string>

#include "tabby/api/datastore.h"
#include "tabby/common/ip.h"
#include "tabby/common/result.h"

namespace tabby::ipam {

enum class TunnelType { kIpip, kVxlan, kVxlanV6 };

std::string tunnel_handle(TunnelType type, const std::string& node);

// Brings the Node's field for `type` in line with the pools; returns the node's address for
// it (nullopt when no pool asks for one). The Node resource must exist.
Result<std::optional<IpAddress>> ensure_tunnel_address(api::Datastore& datastore,
                                                       const std::string& node, TunnelType type);

}  // namespace tabby::ipam
