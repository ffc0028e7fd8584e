#pragma once
// The `tabby` CNI plugin (Calico's `calico` plugin, calico-node.md §5.3-5.7): ADD gets the
// pod's addresses (from tabby-ipam, or from prevResult when chained), creates the veth pair
// — host side cali + the first 11 hex characters of SHA-1("<namespace>.<pod>"), the same name
// on every retry, MAC ee:ee:ee:ee:ee:ee; container side CNI_IFNAME — gives the pod /32 and
// /128 addresses and a default route via 169.254.1.1 (proxy ARP on the host side answers),
// sets the host side's sysctls and its /32 route, and writes the WorkloadEndpoint. DEL
// undoes all of it and is idempotent, even when the netns is gone; a DEL for a sandbox that is
// not the one the WorkloadEndpoint names (a late DEL after a sandbox restart) leaves the
// endpoint alone and tears down only that sandbox's netns and addresses, as Calico's does.

#include <cstdint>
#include <string>

#include "tabby/cni/cni_protocol.h"
#include "tabby/cni/ipam_plugin.h"

namespace tabby::cni {

// Calico's host-side interface name for a pod (or for a container outside Kubernetes).
std::string host_interface_name(const std::string& namespace_, const std::string& pod,
                                const std::string& container_id);
// Calico's WorkloadEndpoint name: segments joined by '-', each with its '-' doubled.
std::string workload_endpoint_name(const std::string& node, const std::string& orchestrator,
                                   const std::string& workload, const std::string& ifname);

// The pod's MTU: the configuration's mtu, or when that is 0 the one the agent wrote to
// mtu_file (Calico's /var/lib/calico/mtu); 0 (the kernel's default) when neither says.
Result<std::uint32_t> pod_mtu(const NetworkConfig& config);

PluginOutput run_pod_plugin(const std::string& stdin_text, const EnvLookup& env);

}  // namespace tabby::cni
