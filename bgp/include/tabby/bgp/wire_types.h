#pragma once
// The numbers of the BGP wire format (RFC 4271 and the extensions tabby speaks), and the
// per-session facts that change how messages are laid out (CodecContext).

#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tabby::bgp {

inline constexpr std::size_t kHeaderLength = 19;
inline constexpr std::size_t kMarkerLength = 16;
inline constexpr std::size_t kMaxMessageLength = 4096;
// RFC 8654: the limit for every message but OPEN and KEEPALIVE once both sides advertised
// the extended message capability.
inline constexpr std::size_t kMaxExtendedMessageLength = 65535;
inline constexpr std::uint8_t kBgpVersion = 4;
// RFC 6793: what a 4-octet AS speaker puts in 2-octet fields that cannot hold its AS.
inline constexpr std::uint32_t kAsTrans = 23456;

enum class MessageType : std::uint8_t {
  kOpen = 1,
  kUpdate = 2,
  kNotification = 3,
  kKeepalive = 4,
  kRouteRefresh = 5,
};

// Path attribute type codes (IANA "BGP Path Attributes").
namespace attr {
inline constexpr std::uint8_t kOrigin = 1;
inline constexpr std::uint8_t kAsPath = 2;
inline constexpr std::uint8_t kNextHop = 3;
inline constexpr std::uint8_t kMultiExitDisc = 4;
inline constexpr std::uint8_t kLocalPref = 5;
inline constexpr std::uint8_t kAtomicAggregate = 6;
inline constexpr std::uint8_t kAggregator = 7;
inline constexpr std::uint8_t kCommunities = 8;
inline constexpr std::uint8_t kOriginatorId = 9;
inline constexpr std::uint8_t kClusterList = 10;
inline constexpr std::uint8_t kMpReachNlri = 14;
inline constexpr std::uint8_t kMpUnreachNlri = 15;
inline constexpr std::uint8_t kAs4Path = 17;
inline constexpr std::uint8_t kAs4Aggregator = 18;
inline constexpr std::uint8_t kLargeCommunities = 32;
}  // namespace attr

// Attribute flag bits (RFC 4271 section 4.3).
namespace attr_flag {
inline constexpr std::uint8_t kOptional = 0x80;
inline constexpr std::uint8_t kTransitive = 0x40;
inline constexpr std::uint8_t kPartial = 0x20;
inline constexpr std::uint8_t kExtendedLength = 0x10;
}  // namespace attr_flag

// Capability codes (IANA "Capability Codes").
namespace cap {
inline constexpr std::uint8_t kMultiprotocol = 1;
inline constexpr std::uint8_t kRouteRefresh = 2;
inline constexpr std::uint8_t kExtendedMessage = 6;
inline constexpr std::uint8_t kGracefulRestart = 64;
inline constexpr std::uint8_t kFourOctetAs = 65;
inline constexpr std::uint8_t kAddPath = 69;
inline constexpr std::uint8_t kEnhancedRouteRefresh = 70;
}  // namespace cap

inline constexpr std::uint16_t kAfiIpv4 = 1;
inline constexpr std::uint16_t kAfiIpv6 = 2;
inline constexpr std::uint8_t kSafiUnicast = 1;
inline constexpr std::uint8_t kSafiMulticast = 2;

// An address family as the wire names it: AFI and SAFI. Raw numbers, so that families
// tabby does not route (announced in a peer's capabilities) still survive a round trip.
struct Family {
  std::uint16_t afi = kAfiIpv4;
  std::uint8_t safi = kSafiUnicast;

  // True for the AFI/SAFI pairs whose NLRI are plain prefixes: IPv4/IPv6 unicast/multicast.
  bool has_prefix_nlri() const {
    return (afi == kAfiIpv4 || afi == kAfiIpv6) && (safi == kSafiUnicast || safi == kSafiMulticast);
  }
  std::string to_string() const;  // "ipv4-unicast", "afi 25 safi 70"

  friend auto operator<=>(const Family&, const Family&) = default;
  friend bool operator==(const Family&, const Family&) = default;
};

inline constexpr Family kIpv4Unicast{kAfiIpv4, kSafiUnicast};
inline constexpr Family kIpv6Unicast{kAfiIpv6, kSafiUnicast};

// What both ends negotiated in their OPENs that changes the wire format. A session has two:
// one for what it receives and one for what it sends (ADD-PATH is negotiated per direction).
struct CodecContext {
  bool four_octet_as = false;      // RFC 6793: AS numbers in AS_PATH/AGGREGATOR take 4 octets
  bool extended_messages = false;  // RFC 8654: UPDATE/NOTIFICATION/ROUTE-REFRESH up to 65535
  std::vector<Family> add_path;    // RFC 7911: families whose NLRI carry a path identifier
  // RFC 4760: both sides announced the Multiprotocol capability, so routes may travel in
  // MP_REACH_NLRI/MP_UNREACH_NLRI; an UPDATE whose attributes cannot all be read may then
  // hide some (RFC 7606 section 5.3 turns that into a session reset).
  bool multiprotocol = false;

  bool has_add_path(Family family) const;
  // The largest message of `type` allowed in this context.
  std::size_t max_length(MessageType type) const;
};

}  // namespace tabby::bgp
