#pragma once
// What start-up needs about node addresses besides autodetection, pure: the Node resource's
// own addresses (for kubernetes-internal-ip) and the default pools' CIDRs. The IP / IP6 rules
// themselves (calico-node.md §1.3.1) are applied by configure_node (startup_node.cc).

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tabby/agent/autodetect.h"
#include "tabby/api/resource.h"

namespace tabby::agent {

// A Node resource's spec.addresses ({address, type}), for kubernetes-internal-ip when there
// is no Kubernetes API: the Node's InternalIP entries play the Kubernetes Node's part.
std::vector<NodeAddress> node_resource_addresses(const api::Resource& node);

// The default IPv4 pool when CALICO_IPV4POOL_CIDR is not given: 192.168.0.0/16, unless a host
// IPv4 address falls inside it; then the first of 172.16.0.0/16 ... 172.31.0.0/16 holding no
// host address (192.168.0.0/16 again if every one does).
IpPrefix default_ipv4_pool_cidr(std::span<const HostInterface> interfaces);

// The default IPv6 pool: fdXX:XXXX:XXXX::/48 from five random bytes after fd.
IpPrefix default_ipv6_pool_cidr(const std::array<std::uint8_t, 5>& random_bytes);

}  // namespace tabby::agent
