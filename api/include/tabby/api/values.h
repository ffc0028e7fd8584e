#pragma once
// The small value syntaxes inside Calico resources, each with Calico's rules. Resource
// validation uses them, and so can the agent when it reads a validated spec. Errors quote
// the bad text: `"65536.1" is not a valid AS number`.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tabby/common/ip.h"
#include "tabby/common/result.h"

namespace tabby::api {

// "64512" or asdot "1.10" (= 1 * 65536 + 10); 1-4294967295.
Result<std::uint32_t> parse_as_number(std::string_view text);

// BGPPeer.peerIP: "10.0.0.1", "10.0.0.1:1790", "fd00::1", "[fd00::1]:1790".
struct PeerAddress {
  IpAddress address;
  std::optional<std::uint16_t> port;
};
Result<PeerAddress> parse_peer_ip(std::string_view text);

// Go's time.ParseDuration syntax ("90s", "1m30s", "1.5h", "300ms"), as metav1.Duration.
Result<std::chrono::nanoseconds> parse_duration(std::string_view text);
// Go's Duration.String(): 90s -> "1m30s", 0 -> "0s", 1.5ms -> "1.5ms".
std::string format_duration(std::chrono::nanoseconds duration);

// Kubernetes' DNS-1123 subdomain: what Calico requires of resource names. Empty when fine,
// else the reason.
std::string dns1123_subdomain_problem(std::string_view name);
// DNS-1123 label (for namespaces).
std::string dns1123_label_problem(std::string_view name);

// "aa:nn" with 16-bit parts (standard) or "aa:nn:mm" with 32-bit parts (large community).
bool is_community_value(std::string_view text);

// "ee:ee:ee:ee:ee:ee" (also '-' separated), as Go's net.ParseMAC for 48-bit addresses.
bool is_mac_address(std::string_view text);

}  // namespace tabby::api
