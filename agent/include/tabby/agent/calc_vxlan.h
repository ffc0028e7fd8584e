#pragma once
// The VXLAN backend's routes and VTEPs, computed from IPAM blocks and Node resources as
// Felix's route resolver and VXLAN manager do (calico-node.md §4.4, §4.6), with no BGP:
//   - a blackhole for each of this node's blocks in a VXLAN pool;
//   - each remote node's blocks `via <its VTEP address> dev vxlan.calico onlink`, or, in a
//     CrossSubnet pool with the node on this node's subnet, `via <its address> dev <NIC>
//     onlink`;
//   - addresses borrowed from a block by another node as /32 (/128) to that node;
//   - remote tunnel addresses outside the remote node's own blocks as `/32 dev vxlan.calico`;
//   - per remote node a VTEP (its address, VXLAN tunnel address, MAC) for the neighbour and
//     FDB entries (dataplane::VxlanTunnelSettings::remotes).
// One family at a time, as Felix runs one VXLAN manager per IP version: IPv4 for
// vxlan.calico, IPv6 (addresses, ipv6VXLANTunnelAddr, vxlanTunnelMACAddrV6) for
// vxlan-v6.calico.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tabby/agent/calc_inputs.h"
#include "tabby/common/result.h"
#include "tabby/dataplane/route.h"
#include "tabby/dataplane/vxlan_tunnel.h"

namespace tabby::agent {

struct VxlanCalcSettings {
  IpFamily family = IpFamily::kV4;  // vxlan.calico or vxlan-v6.calico
  std::uint32_t mtu = 0;            // route MTU (FELIX_VXLANMTU); 0: none
  std::string parent_interface;     // the NIC holding the node address, for same-subnet routes
};

struct VxlanDesired {
  // This node's end (for dataplane::VxlanTunnelSettings).
  std::optional<IpAddress> node_address;
  std::optional<IpAddress> tunnel_address;
  std::string mac;
  std::vector<dataplane::RemoteVtep> remotes;  // by node name
  std::vector<dataplane::Route> routes;        // by destination
};

// Felix's encapsulation calculator (VXLANEnabled, VXLANEnabledV6): the family's VXLAN device
// is wanted while an enabled pool of that family has vxlanMode Always or CrossSubnet.
bool pools_want_vxlan(const ClusterSnapshot& snapshot, IpFamily family);

// Fails only when the snapshot has no Node resource for snapshot.node_name.
Result<VxlanDesired> vxlan_desired(const ClusterSnapshot& snapshot,
                                   const VxlanCalcSettings& settings = {});

}  // namespace tabby::agent
