#pragma once
// The host's interfaces and their addresses, as IP autodetection needs them: in the kernel's
// order (links by ascending ifindex, each link's addresses primary first), with the flags and
// scopes the kernel reports. A snapshot of plain values, so the detection over it is pure.

#include <cstdint>
#include <string>
#include <vector>

#include "tabby/common/ip.h"
#include "tabby/common/result.h"

namespace tabby::dataplane {

struct HostAddress {
  IpAddress address;
  int prefix_length = 32;
  // RT_SCOPE_*: 0 universe (global), 200 site, 253 link, 254 host.
  int scope = 0;

  friend bool operator==(const HostAddress&, const HostAddress&) = default;
};

struct HostInterface {
  int index = 0;
  std::string name;
  bool up = false;                     // IFF_UP
  bool loopback = false;               // IFF_LOOPBACK
  std::vector<HostAddress> addresses;  // kernel order

  friend bool operator==(const HostInterface&, const HostInterface&) = default;
};

// Every interface of the calling thread's network namespace with its IPv4 and IPv6
// addresses, through one link dump and one address dump over netlink (libnl-3).
Result<std::vector<HostInterface>> list_interface_addresses();

}  // namespace tabby::dataplane
