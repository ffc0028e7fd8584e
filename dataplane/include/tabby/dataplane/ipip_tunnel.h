#pragma once
// tunl0, Felix's way (calico-node.md §4.9): the kernel's fallback ipip device, adopted when
// it exists (the ipip module makes it in every namespace) and created otherwise, with the
// node's IPIP tunnel address as its only address, its MTU, and up. With IPIP off, tunl0 is
// left in place (the kernel will not delete its fallback device) but loses its addresses.

#include <cstdint>
#include <optional>

#include "tabby/common/ip.h"
#include "tabby/dataplane/netlink_layer.h"

namespace tabby::dataplane {

struct IpipSettings {
  bool enabled = false;
  std::optional<IpAddress> tunnel_address;  // the node's IPIP tunnel address (/32)
  std::uint32_t mtu = 1480;
};

Status ensure_ipip_tunnel(NetlinkLayer& netlink, const IpipSettings& settings);

}  // namespace tabby::dataplane
