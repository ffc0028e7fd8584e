// Capability values (RFC 5492 section 4): code, length, value, one after another inside an
// optional parameter of type 2. A known capability with a value of the wrong shape is an
// OPEN error with subcode Unspecific (RFC 4271 section 6.2: a recognised but malformed
// optional parameter), as BIRD and FRR also answer.

#include <string>

#include "byte_io.h"
#include "message_bodies.h"

namespace tabby::bgp {

bool AddPathCapability::Entry::can_send() const {
  return direction == AddPathDirection::kSend || direction == AddPathDirection::kSendReceive;
}
bool AddPathCapability::Entry::can_receive() const {
  return direction == AddPathDirection::kReceive || direction == AddPathDirection::kSendReceive;
}

std::uint8_t capability_code(const Capability& capability) {
  struct Code {
    std::uint8_t operator()(const MultiprotocolCapability&) const { return cap::kMultiprotocol; }
    std::uint8_t operator()(const RouteRefreshCapability&) const { return cap::kRouteRefresh; }
    std::uint8_t operator()(const EnhancedRouteRefreshCapability&) const {
      return cap::kEnhancedRouteRefresh;
    }
    std::uint8_t operator()(const ExtendedMessageCapability&) const {
      return cap::kExtendedMessage;
    }
    std::uint8_t operator()(const FourOctetAsCapability&) const { return cap::kFourOctetAs; }
    std::uint8_t operator()(const GracefulRestartCapability&) const {
      return cap::kGracefulRestart;
    }
    std::uint8_t operator()(const AddPathCapability&) const { return cap::kAddPath; }
    std::uint8_t operator()(const UnknownCapability& c) const { return c.code; }
  };
  return std::visit(Code{}, capability);
}

namespace detail {
namespace {

WireError malformed(std::uint8_t code, const std::string& what) {
  return WireError{NotificationMessage(OpenError::kUnspecific),
                   "OPEN: capability " + std::to_string(code) + ": " + what};
}

WireResult<Capability> decode_one(std::uint8_t code, std::span<const std::uint8_t> value) {
  ByteReader in(value);
  const auto length_is = [&](std::size_t n) { return value.size() == n; };
  const std::string length_text = "length " + std::to_string(value.size());
  switch (code) {
    case cap::kMultiprotocol: {
      if (!length_is(4)) return malformed(code, "multiprotocol " + length_text + ", expected 4");
      MultiprotocolCapability c;
      c.family.afi = in.u16();
      in.u8();  // reserved
      c.family.safi = in.u8();
      return Capability{c};
    }
    case cap::kRouteRefresh:
      if (!length_is(0)) return malformed(code, "route refresh " + length_text + ", expected 0");
      return Capability{RouteRefreshCapability{}};
    case cap::kEnhancedRouteRefresh:
      if (!length_is(0)) {
        return malformed(code, "enhanced route refresh " + length_text + ", expected 0");
      }
      return Capability{EnhancedRouteRefreshCapability{}};
    case cap::kExtendedMessage:
      if (!length_is(0)) {
        return malformed(code, "extended message " + length_text + ", expected 0");
      }
      return Capability{ExtendedMessageCapability{}};
    case cap::kFourOctetAs:
      if (!length_is(4)) return malformed(code, "4-octet AS " + length_text + ", expected 4");
      return Capability{FourOctetAsCapability{in.u32()}};
    case cap::kGracefulRestart: {
      if (value.size() < 2 || (value.size() - 2) % 4 != 0) {
        return malformed(code, "graceful restart " + length_text + ", expected 2 + 4n");
      }
      GracefulRestartCapability c;
      const std::uint16_t head = in.u16();
      c.flags = static_cast<std::uint8_t>(head >> 12);
      c.restart_time = head & GracefulRestartCapability::kMaxRestartTime;
      while (!in.empty()) {
        GracefulRestartCapability::FamilyFlags f;
        f.family.afi = in.u16();
        f.family.safi = in.u8();
        f.flags = in.u8();
        c.families.push_back(f);
      }
      return Capability{c};
    }
    case cap::kAddPath: {
      if (value.empty() || value.size() % 4 != 0) {
        return malformed(code, "ADD-PATH " + length_text + ", expected a multiple of 4");
      }
      AddPathCapability c;
      while (!in.empty()) {
        AddPathCapability::Entry e;
        e.family.afi = in.u16();
        e.family.safi = in.u8();
        e.direction = static_cast<AddPathDirection>(in.u8());
        c.entries.push_back(e);
      }
      return Capability{c};
    }
    default: {
      UnknownCapability c;
      c.code = code;
      c.value.assign(value.begin(), value.end());
      return Capability{c};
    }
  }
}

}  // namespace

WireResult<std::vector<Capability>> decode_capabilities(std::span<const std::uint8_t> value) {
  std::vector<Capability> out;
  ByteReader in(value);
  while (!in.empty()) {
    if (!in.has(2)) return malformed(in.u8(), "header cut short");
    const std::uint8_t code = in.u8();
    const std::uint8_t length = in.u8();
    if (!in.has(length)) {
      return malformed(code, "length " + std::to_string(length) + " overruns the parameter (" +
                                 std::to_string(in.remaining()) + " octets left)");
    }
    auto capability = decode_one(code, in.take(length));
    if (!capability) return capability.error();
    out.push_back(*capability);
  }
  return out;
}

Status encode_capability(const Capability& capability, std::vector<std::uint8_t>& out) {
  std::vector<std::uint8_t> value;
  ByteWriter w(value);
  if (const auto* mp = std::get_if<MultiprotocolCapability>(&capability)) {
    w.u16(mp->family.afi);
    w.u8(0);
    w.u8(mp->family.safi);
  } else if (const auto* as4 = std::get_if<FourOctetAsCapability>(&capability)) {
    w.u32(as4->as);
  } else if (const auto* gr = std::get_if<GracefulRestartCapability>(&capability)) {
    if (gr->flags > 0xF || gr->restart_time > GracefulRestartCapability::kMaxRestartTime) {
      return Error{"graceful restart capability: flags " + std::to_string(gr->flags) +
                   " or restart time " + std::to_string(gr->restart_time) + " out of range"};
    }
    w.u16(static_cast<std::uint16_t>((gr->flags << 12) | gr->restart_time));
    for (const auto& f : gr->families) {
      w.u16(f.family.afi);
      w.u8(f.family.safi);
      w.u8(f.flags);
    }
  } else if (const auto* ap = std::get_if<AddPathCapability>(&capability)) {
    for (const auto& e : ap->entries) {
      w.u16(e.family.afi);
      w.u8(e.family.safi);
      w.u8(static_cast<std::uint8_t>(e.direction));
    }
  } else if (const auto* unknown = std::get_if<UnknownCapability>(&capability)) {
    w.bytes(unknown->value);
  }
  if (value.size() > 255) {
    return Error{"capability " + std::to_string(capability_code(capability)) + ": " +
                 std::to_string(value.size()) + " octets, at most 255 fit"};
  }
  ByteWriter o(out);
  o.u8(capability_code(capability));
  o.u8(static_cast<std::uint8_t>(value.size()));
  o.bytes(value);
  return {};
}

}  // namespace detail
}  // namespace tabby::bgp
