#pragma once
// The pod annotations Calico's CNI plugin acts on (cni.projectcalico.org/...), read from what the
// container runtime hands the plugin. There is no Kubernetes API here to read the Pod from, so
// they come in the network config's runtimeConfig under "io.kubernetes.cri.pod-annotations":
// containerd (1.5 and later) and CRI-O fill it in with the pod's annotations for a plugin whose
// conflist entry declares that capability. Parsing is pure; each error names the annotation.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tabby/common/ip.h"
#include "tabby/common/result.h"

namespace tabby::cni {

struct PodAnnotations {
  // ipv4pools / ipv6pools: the pools to allocate from, by name or by CIDR (as Calico accepts
  // both), replacing the conflist's ipam.ipv4_pools / ipv6_pools.
  std::optional<std::vector<std::string>> ipv4_pools;
  std::optional<std::vector<std::string>> ipv6_pools;
  // ipFamilies: ["IPv4"], ["IPv6"] or both, replacing assign_ipv4 / assign_ipv6.
  std::optional<bool> assign_ipv4;
  std::optional<bool> assign_ipv6;
  // ipAddrs: these addresses, allocated through IPAM (at most one per family).
  std::vector<IpAddress> ip_addrs;
  // ipAddrsNoIpam: these addresses, bypassing IPAM (feature_control.ip_addrs_no_ipam).
  std::vector<IpAddress> ip_addrs_no_ipam;
  // floatingIPs: addresses NATed to the pod (feature_control.floating_ips).
  std::vector<IpAddress> floating_ips;
  // hwAddr: the MAC of the pod's interface.
  std::string hw_addr;
};

// The annotations of interest among the pod's; an annotation that is present but malformed is
// an error naming it and the value, as Calico fails the ADD.
Result<PodAnnotations> parse_pod_annotations(const std::map<std::string, std::string>& annotations);

}  // namespace tabby::cni
