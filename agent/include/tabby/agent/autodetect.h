#pragma once
// IP autodetection, the pure part: every method applied to a snapshot of the host's
// interfaces exactly as calico-node does (../shared/reference/calico-node.md §2):
//   - interfaces are tried in reverse kernel order (highest ifindex first), up or down;
//   - first-found and skip-interface= leave out Calico's default exclusions (docker*, lo*,
//     cali*, tunl*, vxlan.calico*, ...); interface= and cidr= do not;
//   - of an interface, the first address of the family (kernel order: primary first) that is
//     global unicast (not loopback, link-local, multicast, unspecified or broadcast; private
//     and ULA ranges are fine) and, for cidr=, inside one of the CIDRs;
//   - the result keeps the interface's prefix length (10.0.0.5/24), which later decides
//     "same subnet" for CrossSubnet.
// can-reach= and kubernetes-internal-ip take an address found elsewhere (a UDP connect, the
// Node's addresses) and look it up on every interface for its prefix length.

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tabby/agent/autodetect_method.h"
#include "tabby/common/ip.h"
#include "tabby/common/result.h"
#include "tabby/dataplane/interface_addresses.h"

namespace tabby::agent {

using dataplane::HostAddress;
using dataplane::HostInterface;

struct DetectedAddress {
  std::string interface;  // where it was found
  IpAddress address;
  int prefix_length = 32;

  // The interface's subnet (10.0.0.0/24).
  IpPrefix subnet() const { return IpPrefix(address, prefix_length); }
  // As Calico stores it in spec.bgp.ipv4Address: "10.0.0.5/24".
  std::string to_string() const;

  friend bool operator==(const DetectedAddress&, const DetectedAddress&) = default;
};

// Calico's default interface exclusions (Linux), each anchored at the start of the name.
const std::vector<std::string>& default_interface_exclusions();
// Whether `name` is one of them (Node.spec.interfaces leaves these out too).
bool excluded_by_default(const std::string& name);

// Go's net.IP.IsGlobalUnicast: what autodetection accepts.
bool is_global_unicast(const IpAddress& address);

// An address of a Kubernetes Node's status.addresses ({type: InternalIP, address: ...}).
struct NodeAddress {
  std::string type;
  std::string address;
};

// What the methods that look outside the interface list need, found by the caller.
struct DetectionInputs {
  // can-reach=: the local address the kernel chose towards the destination, or the error.
  std::optional<Result<IpAddress>> can_reach_source;
  // kubernetes-internal-ip: the Node's addresses; nullopt when there is no Kubernetes Node.
  std::optional<std::vector<NodeAddress>> kubernetes_addresses;
};

// Applies `method` for `family` to `interfaces` (kernel order). Errors read like
// `no valid IPv4 addresses found on the host interfaces (method interface=eth9; tried: eth0)`.
Result<DetectedAddress> detect_address(const AutodetectionMethod& method, IpFamily family,
                                       std::span<const HostInterface> interfaces,
                                       const DetectionInputs& inputs = {});

// The interface holding `address` (every interface, no exclusions), with its prefix length;
// nullopt when no interface has it. For can-reach=, kubernetes-internal-ip and an explicit
// IP given without a prefix length.
std::optional<DetectedAddress> find_local_address(const IpAddress& address,
                                                  std::span<const HostInterface> interfaces);

}  // namespace tabby::agent
