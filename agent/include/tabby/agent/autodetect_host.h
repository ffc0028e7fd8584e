#pragma once
// IP autodetection on the real host, the thin shell around detect_address(): the interface
// snapshot comes from netlink, can-reach= opens a UDP socket to the destination (port 80, as
// Calico dials it; connect() sends nothing) and reads back the source address the kernel
// chose. Everything happens in the calling thread's network namespace.

#include <optional>
#include <vector>

#include "tabby/agent/autodetect.h"

namespace tabby::agent {

// The local address the kernel would use towards `destination` (an address or a host name
// resolved for `family`).
Result<IpAddress> source_address_towards(const std::string& destination, IpFamily family);

// Lists the interfaces, gathers what the method needs and detects. `kubernetes_addresses` is
// the Node's status.addresses when running with a Kubernetes Node (kubernetes-internal-ip).
Result<DetectedAddress> detect_host_address(
    const AutodetectionMethod& method, IpFamily family,
    const std::optional<std::vector<NodeAddress>>& kubernetes_addresses = std::nullopt);

}  // namespace tabby::agent
