#pragma once
// OPEN capabilities (RFC 5492) that tabby understands, and the unknown ones kept as bytes so
// that they can be logged and re-encoded (RFC 5492: an unknown capability is ignored).

#include <cstdint>
#include <variant>
#include <vector>

#include "tabby/bgp/wire_types.h"

namespace tabby::bgp {

// RFC 4760.
struct MultiprotocolCapability {
  Family family;
  friend bool operator==(const MultiprotocolCapability&, const MultiprotocolCapability&) = default;
};

// RFC 2918.
struct RouteRefreshCapability {
  friend bool operator==(const RouteRefreshCapability&, const RouteRefreshCapability&) = default;
};

// RFC 7313.
struct EnhancedRouteRefreshCapability {
  friend bool operator==(const EnhancedRouteRefreshCapability&,
                         const EnhancedRouteRefreshCapability&) = default;
};

// RFC 8654.
struct ExtendedMessageCapability {
  friend bool operator==(const ExtendedMessageCapability&,
                         const ExtendedMessageCapability&) = default;
};

// RFC 6793.
struct FourOctetAsCapability {
  std::uint32_t as = 0;
  friend bool operator==(const FourOctetAsCapability&, const FourOctetAsCapability&) = default;
};

// RFC 4724 (and the N bit of RFC 8538). Flags are kept raw so that bits defined later
// survive a round trip.
struct GracefulRestartCapability {
  static constexpr std::uint8_t kRestartStateFlag = 0x8;           // of `flags` (the top 4 bits)
  static constexpr std::uint8_t kNotificationFlag = 0x4;           // RFC 8538
  static constexpr std::uint8_t kForwardingStatePreserved = 0x80;  // of a family's flags
  static constexpr std::uint16_t kMaxRestartTime = 0x0fff;         // 12 bits, seconds

  struct FamilyFlags {
    Family family;
    std::uint8_t flags = 0;
    bool forwarding_state_preserved() const { return (flags & kForwardingStatePreserved) != 0; }
    friend bool operator==(const FamilyFlags&, const FamilyFlags&) = default;
  };

  std::uint8_t flags = 0;          // 4 bits: R (restarting), N (graceful notification), 2 reserved
  std::uint16_t restart_time = 0;  // seconds
  std::vector<FamilyFlags> families;

  bool restart_state() const { return (flags & kRestartStateFlag) != 0; }
  bool graceful_notification() const { return (flags & kNotificationFlag) != 0; }
  friend bool operator==(const GracefulRestartCapability&,
                         const GracefulRestartCapability&) = default;
};

// RFC 7911. Other values than these three are kept but negotiate nothing.
enum class AddPathDirection : std::uint8_t { kReceive = 1, kSend = 2, kSendReceive = 3 };

struct AddPathCapability {
  struct Entry {
    Family family;
    AddPathDirection direction = AddPathDirection::kReceive;
    bool can_send() const;     // 2 or 3
    bool can_receive() const;  // 1 or 3
    friend bool operator==(const Entry&, const Entry&) = default;
  };
  std::vector<Entry> entries;
  friend bool operator==(const AddPathCapability&, const AddPathCapability&) = default;
};

struct UnknownCapability {
  std::uint8_t code = 0;
  std::vector<std::uint8_t> value;
  friend bool operator==(const UnknownCapability&, const UnknownCapability&) = default;
};

using Capability =
    std::variant<MultiprotocolCapability, RouteRefreshCapability, EnhancedRouteRefreshCapability,
                 ExtendedMessageCapability, FourOctetAsCapability, GracefulRestartCapability,
                 AddPathCapability, UnknownCapability>;

// The capability code a Capability is sent with.
std::uint8_t capability_code(const Capability& capability);

}  // namespace tabby::bgp
