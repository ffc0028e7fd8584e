#pragma once
// vxlan.calico, Felix's way (calico-node.md §4.6): VNI 4096, port 4789, the node's
// underlay address as local, the MAC derived from the node name, learning off, the node's
// VXLAN tunnel address, MTU; for every remote node a permanent neighbour entry (its tunnel
// address -> its VTEP MAC) and a permanent FDB entry (its VTEP MAC -> its underlay address).
// An existing device with other settings is recreated; with VXLAN off the device goes.
// Routes to remote blocks through it are the RouteReconciler's (vxlan_route()).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tabby/common/ip.h"
#include "tabby/dataplane/netlink_layer.h"

namespace tabby::dataplane {

// Calico's deterministic VTEP MAC: 0x66 then the first five bytes of SHA-1(node name), or of
// SHA-1(node name + "-v6") for vxlan-v6.calico. "node1" -> "66:f9:37:c3:7e:94".
std::string vtep_mac(std::string_view node_name, IpFamily family = IpFamily::kV4);

struct RemoteVtep {
  IpAddress node_address;    // underlay
  IpAddress tunnel_address;  // its vxlan.calico address
  std::string mac;           // its VTEP MAC
};

struct VxlanTunnelSettings {
  bool enabled = false;
  IpFamily family = IpFamily::kV4;  // vxlan.calico or vxlan-v6.calico
  std::uint32_t vni = 4096;
  std::uint16_t port = 4789;
  IpAddress node_address;  // this node's underlay address (local)
  std::string parent;      // the NIC holding node_address; found if empty
  std::string mac;         // this node's VTEP MAC
  std::optional<IpAddress> tunnel_address;
  std::uint32_t mtu = 1450;
  std::vector<RemoteVtep> remotes;
};

Status ensure_vxlan_tunnel(NetlinkLayer& netlink, const VxlanTunnelSettings& settings);

}  // namespace tabby::dataplane
