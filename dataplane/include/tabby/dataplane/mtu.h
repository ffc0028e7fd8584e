#pragma once
// MTU auto-detection, Felix's way (calico-node.md §4.11): the host MTU is the smallest MTU of
// the up interfaces whose names match MTUIfacePattern; each encapsulation subtracts its
// overhead; the pod MTU is the smallest of the enabled encapsulations'. Configured values
// (FELIX_IPINIPMTU, FELIX_VXLANMTU, ...) win over detected ones.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tabby/common/result.h"
#include "tabby/dataplane/netlink_layer.h"

namespace tabby::dataplane {

inline constexpr const char* kDefaultMtuInterfacePattern =
    "^((en|wl|ww|sl|ib)[Pcopsvx].*|(eth|wlan|wwan).*)";
inline constexpr std::uint32_t kFallbackHostMtu = 1460;  // none matched
inline constexpr std::uint32_t kIpipOverhead = 20;
inline constexpr std::uint32_t kVxlanOverhead = 50;
inline constexpr std::uint32_t kVxlanV6Overhead = 70;
inline constexpr std::uint32_t kWireguardOverhead = 60;
inline constexpr std::uint32_t kWireguardV6Overhead = 80;

// nullopt when no up interface matches (the caller falls back to kFallbackHostMtu, warning).
Result<std::optional<std::uint32_t>> detect_host_mtu(
    const std::vector<LinkInfo>& links,
    const std::string& interface_pattern = kDefaultMtuInterfacePattern);

struct MtuConfig {  // 0 = detect
  std::uint32_t ipip = 0;
  std::uint32_t vxlan = 0;
  std::uint32_t vxlan_v6 = 0;
  bool ipip_enabled = false;
  bool vxlan_enabled = false;
  bool vxlan_v6_enabled = false;
};

struct Mtus {
  std::uint32_t host = 0;
  std::uint32_t ipip = 0;
  std::uint32_t vxlan = 0;
  std::uint32_t vxlan_v6 = 0;
  std::uint32_t pod = 0;  // what the CNI plugin gives pods when its config says 0
};

Mtus compute_mtus(std::uint32_t host_mtu, const MtuConfig& config);

}  // namespace tabby::dataplane
