#pragma once
// The pod MTU handed from the agent to the CNI plugin, as Calico does it: Felix writes the MTU
// pods should get (the smallest over the encapsulations in use, compute_mtus' `pod`) to
// /var/lib/calico/mtu, and the plugin uses it when its network configuration's mtu is 0 (the
// manifest's default). The file holds the number in decimal, nothing else.

#include <cstdint>
#include <filesystem>
#include <optional>

#include "tabby/common/result.h"

namespace tabby::dataplane {

inline constexpr const char* kDefaultMtuFile = "/var/lib/calico/mtu";

// Replaces the file atomically (a reader sees the old MTU or the new, never part of one),
// creating its directory when missing.
Status write_mtu_file(const std::filesystem::path& path, std::uint32_t mtu);

// nullopt when the file does not exist (no agent has run: the kernel's default applies);
// an error naming the file when it cannot be read or holds no MTU (68-65535).
Result<std::optional<std::uint32_t>> read_mtu_file(const std::filesystem::path& path);

}  // namespace tabby::dataplane
