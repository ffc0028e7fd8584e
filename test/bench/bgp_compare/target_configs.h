#pragma once
// The four targets configured alike from one description: passive towards every neighbor,
// no kernel (BIRD without a kernel protocol, bgpd without zebra, gobgpd without zebra, tabby's
// bgp-peer has none), IPv4 unicast only, and either nothing exported (scenario 1 measures the
// Loc-RIB alone) or everything reflected to route reflector clients (scenario 2).

#include <cstdint>
#include <string>
#include <vector>

#include "tabby/common/ip.h"

namespace tabby::bench {

struct Neighbor {
  IpAddress address;
  std::uint32_t as = 0;
};

struct TargetSpec {
  IpAddress address;  // the target's own address: router ID, listen address, cluster ID
  std::uint32_t as = 0;
  std::vector<Neighbor> neighbors;
  // true: every neighbor is a route reflector client (iBGP) and gets every route;
  // false: nothing is exported to anyone.
  bool route_reflector = false;
};

std::string bird_config(const TargetSpec& spec);
std::string frr_config(const TargetSpec& spec);
std::string gobgp_config(const TargetSpec& spec);
std::string tabby_config(const TargetSpec& spec);

}  // namespace tabby::bench
