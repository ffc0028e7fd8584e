// OPEN (RFC 4271 section 4.2) and its optional parameters in the classic layout or RFC 9072's
// extended one (a first parameter of type 255 announces 2-octet lengths).

#include "tabby/bgp/open.h"

#include <algorithm>

#include "byte_io.h"
#include "message_bodies.h"

namespace tabby::bgp {
namespace {

constexpr std::uint8_t kCapabilitiesParameter = 2;
constexpr std::uint8_t kExtendedParametersMarker = 255;  // RFC 9072
constexpr std::size_t kOpenFixedLength = 10;

WireError open_error(OpenError subcode, const std::string& what,
                     std::vector<std::uint8_t> data = {}) {
  return WireError{NotificationMessage(subcode, std::move(data)), "OPEN: " + what};
}

}  // namespace

std::uint32_t OpenMessage::speaker_as() const {
  if (const auto* as4 = find<FourOctetAsCapability>()) return as4->as;
  return my_as;
}

std::vector<Family> OpenMessage::families() const {
  std::vector<Family> out;
  for (const auto& c : capabilities) {
    if (const auto* mp = std::get_if<MultiprotocolCapability>(&c)) {
      if (std::find(out.begin(), out.end(), mp->family) == out.end()) out.push_back(mp->family);
    }
  }
  if (out.empty()) out.push_back(kIpv4Unicast);
  return out;
}

NegotiatedContexts negotiate(const OpenMessage& local, const OpenMessage& remote) {
  NegotiatedContexts n;
  const bool four_octet =
      local.find<FourOctetAsCapability>() && remote.find<FourOctetAsCapability>();
  const bool extended =
      local.find<ExtendedMessageCapability>() && remote.find<ExtendedMessageCapability>();
  n.receive.four_octet_as = n.send.four_octet_as = four_octet;
  n.receive.extended_messages = n.send.extended_messages = extended;
  const bool multiprotocol =
      local.find<MultiprotocolCapability>() && remote.find<MultiprotocolCapability>();
  n.receive.multiprotocol = n.send.multiprotocol = multiprotocol;
  const auto* ours = local.find<AddPathCapability>();
  const auto* theirs = remote.find<AddPathCapability>();
  if (ours && theirs) {
    for (const auto& mine : ours->entries) {
      for (const auto& peer : theirs->entries) {
        if (mine.family != peer.family) continue;
        if (mine.can_receive() && peer.can_send() && !n.receive.has_add_path(mine.family)) {
          n.receive.add_path.push_back(mine.family);
        }
        if (mine.can_send() && peer.can_receive() && !n.send.has_add_path(mine.family)) {
          n.send.add_path.push_back(mine.family);
        }
      }
    }
  }
  return n;
}

std::optional<WireError> check_open_against_session(const OpenMessage& open,
                                                    const OpenExpectations& expectations) {
  const std::uint32_t as = open.speaker_as();
  if (expectations.peer_as && *expectations.peer_as != as) {
    return open_error(OpenError::kBadPeerAs, "peer AS " + std::to_string(as) + ", configured " +
                                                 std::to_string(*expectations.peer_as));
  }
  // RFC 6286 section 2.1: within an AS the identifiers must differ.
  if (as == expectations.local_as && open.bgp_identifier == expectations.local_bgp_identifier) {
    return open_error(OpenError::kBadBgpIdentifier,
                      "iBGP peer has our own BGP identifier " + open.bgp_identifier.to_string());
  }
  return std::nullopt;
}

namespace detail {

WireResult<OpenMessage> decode_open(std::span<const std::uint8_t> body) {
  ByteReader in(body);
  OpenMessage open;
  if (!in.has(kOpenFixedLength)) {
    return WireError{
        NotificationMessage(HeaderError::kBadMessageLength),
        "OPEN: body of " + std::to_string(body.size()) + " octets, at least 10 needed"};
  }
  open.version = in.u8();
  open.my_as = in.u16();
  open.hold_time = in.u16();
  const std::uint32_t identifier = in.u32();
  open.bgp_identifier = IpAddress::v4(identifier);
  std::size_t parameters_length = in.u8();

  if (open.version != kBgpVersion) {
    // The data is the largest version we support (section 6.2).
    return open_error(OpenError::kUnsupportedVersionNumber,
                      "version " + std::to_string(open.version) + ", only 4 is supported",
                      {0, kBgpVersion});
  }
  if (open.my_as == 0) return open_error(OpenError::kBadPeerAs, "My Autonomous System is 0");
  if (open.hold_time == 1 || open.hold_time == 2) {
    return open_error(OpenError::kUnacceptableHoldTime,
                      "hold time " + std::to_string(open.hold_time) + " s (must be 0 or >= 3)");
  }
  if (identifier == 0) {
    return open_error(OpenError::kBadBgpIdentifier, "BGP identifier 0.0.0.0");
  }

  bool extended = false;
  if (parameters_length == kExtendedParametersMarker && in.has(1) &&
      body[in.offset()] == kExtendedParametersMarker) {
    in.u8();
    if (!in.has(2))
      return open_error(OpenError::kUnspecific, "RFC 9072 parameters length cut short");
    parameters_length = in.u16();
    extended = true;
  }
  open.extended_parameters_length = extended;
  if (parameters_length != in.remaining()) {
    return open_error(OpenError::kUnspecific,
                      "optional parameters length " + std::to_string(parameters_length) + " but " +
                          std::to_string(in.remaining()) + " octets follow");
  }

  std::size_t parameters = 0;
  bool one_capability_each = true;
  while (!in.empty()) {
    const std::size_t header = extended ? 3 : 2;
    if (!in.has(header)) return open_error(OpenError::kUnspecific, "optional parameter cut short");
    const std::uint8_t type = in.u8();
    const std::size_t length = extended ? in.u16() : in.u8();
    if (!in.has(length)) {
      return open_error(OpenError::kUnspecific, "optional parameter " + std::to_string(type) +
                                                    " length " + std::to_string(length) +
                                                    " overruns the message");
    }
    const auto value = in.take(length);
    if (type != kCapabilitiesParameter) {
      return open_error(OpenError::kUnsupportedOptionalParameter,
                        "optional parameter type " + std::to_string(type));
    }
    auto capabilities = decode_capabilities(value);
    if (!capabilities) return capabilities.error();
    ++parameters;
    if (capabilities->size() > 1) one_capability_each = false;
    open.capabilities.insert(open.capabilities.end(), capabilities->begin(), capabilities->end());
  }
  open.layout = (parameters == 1 && open.capabilities.size() > 1) || !one_capability_each
                    ? CapabilityLayout::kAllInOneParameter
                    : CapabilityLayout::kOneParameterEach;

  // RFC 7607: AS 0 is never a peer's AS, in the capability either.
  if (const auto* as4 = open.find<FourOctetAsCapability>(); as4 && as4->as == 0) {
    return open_error(OpenError::kBadPeerAs, "4-octet AS capability carries AS 0");
  }
  return open;
}

Status encode_open(const OpenMessage& open, std::vector<std::uint8_t>& out) {
  if (!open.bgp_identifier.is_v4()) {
    return Error{"OPEN: BGP identifier " + open.bgp_identifier.to_string() + " is not IPv4"};
  }
  std::vector<std::vector<std::uint8_t>> parameters;
  for (const auto& capability : open.capabilities) {
    if (parameters.empty() || open.layout == CapabilityLayout::kOneParameterEach) {
      parameters.emplace_back();
    }
    if (auto s = encode_capability(capability, parameters.back()); !s) {
      return Error{"OPEN: " + s.error().message};
    }
  }
  bool extended = open.extended_parameters_length;
  std::size_t classic_total = 0;
  for (const auto& p : parameters) {
    classic_total += 2 + p.size();
    if (p.size() > 255) extended = true;
  }
  if (classic_total > 255) extended = true;

  ByteWriter w(out);
  w.u8(open.version);
  w.u16(open.my_as);
  w.u16(open.hold_time);
  w.u32(open.bgp_identifier.v4_value());
  if (extended) {
    w.u8(kExtendedParametersMarker);
    w.u8(kExtendedParametersMarker);
    const std::size_t length_at = w.reserve_u16();
    const std::size_t start = w.size();
    for (const auto& p : parameters) {
      w.u8(kCapabilitiesParameter);
      w.u16(static_cast<std::uint16_t>(p.size()));
      w.bytes(p);
    }
    w.patch_u16(length_at, static_cast<std::uint16_t>(w.size() - start));
  } else {
    w.u8(static_cast<std::uint8_t>(classic_total));
    for (const auto& p : parameters) {
      w.u8(kCapabilitiesParameter);
      w.u8(static_cast<std::uint8_t>(p.size()));
      w.bytes(p);
    }
  }
  return {};
}

}  // namespace detail
}  // namespace tabby::bgp
