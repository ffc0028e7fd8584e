#pragma once
// Which address a node ends up with for one family, from IP / IP6, what the Node resource
// already holds and what autodetection finds: calico-node's rules
// (../shared/reference/calico-node.md §1.3.1), pure.
//   IPv4: "autodetect", or unset while the Node has no IPv4 -> detect; failure keeps the
//         Node's old value with a warning, or is an error when there is none.
//         "none" or unset -> keep the Node's value (none: no address when there is none).
//         explicit a.b.c.d[/len] -> that address; without /len the prefix of the interface
//         holding it, else /32 with a warning. Explicit or kept values not on any interface
//         only warn.
//   IPv6: detected only for "autodetect"; unset and "none" keep the Node's value; an explicit
//         value is taken as given (a bare address is a /128).

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tabby/agent/autodetect.h"
#include "tabby/agent/config.h"
#include "tabby/api/resource.h"

namespace tabby::agent {

// An address as the Node holds it (spec.bgp.ipv4Address "10.0.0.5/24").
struct NodeAddressValue {
  IpAddress address;
  int prefix_length = 32;

  static Result<NodeAddressValue> parse(std::string_view text);
  std::string to_string() const;
  friend bool operator==(const NodeAddressValue&, const NodeAddressValue&) = default;
};

struct AddressDecision {
  std::optional<NodeAddressValue> address;  // nullopt: the node has no address of the family
  bool autodetected = false;                // came from a fresh detection
  std::vector<std::string> warnings;        // to log; not fatal
};

using Detector = std::function<Result<DetectedAddress>()>;

// `current` is the Node's value (nullopt when it has none or there is no Node yet);
// `interfaces` the host's (to find an explicit address's prefix and to warn about addresses
// not on the host); `detect` runs the configured method and is only called when needed.
Result<AddressDecision> decide_node_address(const AddressSetting& setting, IpFamily family,
                                            const std::optional<NodeAddressValue>& current,
                                            std::span<const HostInterface> interfaces,
                                            const Detector& detect);

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
