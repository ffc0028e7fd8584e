#pragma once
// OPEN (RFC 4271 section 4.2) with capabilities in optional parameters, in the classic
// layout or the extended one of RFC 9072, and what two OPENs negotiate for the codec.

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "tabby/bgp/capabilities.h"
#include "tabby/bgp/wire_error.h"
#include "tabby/common/ip.h"

namespace tabby::bgp {

// How capabilities are packed into optional parameters. Both are common (BIRD puts all in
// one parameter, others one each); keeping it lets a decoded OPEN re-encode byte for byte.
enum class CapabilityLayout : std::uint8_t { kOneParameterEach, kAllInOneParameter };

struct OpenMessage {
  std::uint8_t version = kBgpVersion;
  std::uint16_t my_as = 0;  // the 2-octet field: AS_TRANS when the AS needs 4 octets
  std::uint16_t hold_time = 0;
  IpAddress bgp_identifier;  // IPv4
  std::vector<Capability> capabilities;
  CapabilityLayout layout = CapabilityLayout::kOneParameterEach;
  // RFC 9072 layout even when the parameters would fit the classic one (the encoder uses it
  // anyway when they do not).
  bool extended_parameters_length = false;

  // The AS of the speaker: from the 4-octet AS capability if present, else my_as.
  std::uint32_t speaker_as() const;
  // The first capability of type C, if any.
  template <typename C>
  const C* find() const {
    for (const auto& c : capabilities)
      if (const auto* found = std::get_if<C>(&c)) return found;
    return nullptr;
  }
  // Families announced with the multiprotocol capability; IPv4 unicast if there is none
  // (RFC 4760 section 8: a speaker without it does IPv4 unicast only).
  std::vector<Family> families() const;

  friend bool operator==(const OpenMessage&, const OpenMessage&) = default;
};

// The two codec contexts of a session: `receive` for decoding what the peer sends, `send`
// for encoding what we send. A capability counts when both OPENs carry it (for ADD-PATH:
// when one side may send and the other receive for the family).
struct NegotiatedContexts {
  CodecContext receive;
  CodecContext send;
};
NegotiatedContexts negotiate(const OpenMessage& local, const OpenMessage& remote);

// What the session expects of the peer's OPEN beyond its syntax (RFC 4271 section 6.2).
struct OpenExpectations {
  std::optional<std::uint32_t> peer_as;  // configured remote AS; unset = any
  IpAddress local_bgp_identifier;        // ours: an iBGP peer must differ (RFC 6286)
  std::uint32_t local_as = 0;
};
// The NOTIFICATION to send if the peer's OPEN does not fit the session (Bad Peer AS, a BGP
// identifier equal to ours on iBGP), else success.
std::optional<WireError> check_open_against_session(const OpenMessage& open,
                                                    const OpenExpectations& expectations);

}  // namespace tabby::bgp
