// UPDATE decoding with RFC 7606 error handling. Each attribute type has a rule: the
// Optional/Transitive flags it must carry and what a malformed one costs (treat-as-withdraw,
// attribute-discard or session reset). The decoder reports the verdict; the session acts.

#include <algorithm>
#include <bitset>
#include <string>

#include "byte_io.h"
#include "message_bodies.h"
#include "nlri_codec.h"

namespace tabby::bgp::detail {
namespace {

enum class OnMalformed : std::uint8_t { kTreatAsWithdraw, kAttributeDiscard, kSessionReset };

constexpr std::uint8_t kWellKnown = attr_flag::kTransitive;
constexpr std::uint8_t kOptionalNonTransitive = attr_flag::kOptional;
constexpr std::uint8_t kOptionalTransitive = attr_flag::kOptional | attr_flag::kTransitive;

struct AttributeRule {
  std::uint8_t type;
  const char* name;
  std::uint8_t flags;        // the Optional and Transitive bits it must have
  OnMalformed on_malformed;  // RFC 7606 section 7 (and RFC 6793 section 7, RFC 8092 section 6)
};

constexpr AttributeRule kRules[] = {
    {attr::kOrigin, "ORIGIN", kWellKnown, OnMalformed::kTreatAsWithdraw},
    {attr::kAsPath, "AS_PATH", kWellKnown, OnMalformed::kTreatAsWithdraw},
    {attr::kNextHop, "NEXT_HOP", kWellKnown, OnMalformed::kTreatAsWithdraw},
    {attr::kMultiExitDisc, "MULTI_EXIT_DISC", kOptionalNonTransitive,
     OnMalformed::kTreatAsWithdraw},
    {attr::kLocalPref, "LOCAL_PREF", kWellKnown, OnMalformed::kTreatAsWithdraw},
    {attr::kAtomicAggregate, "ATOMIC_AGGREGATE", kWellKnown, OnMalformed::kAttributeDiscard},
    {attr::kAggregator, "AGGREGATOR", kOptionalTransitive, OnMalformed::kAttributeDiscard},
    {attr::kCommunities, "COMMUNITIES", kOptionalTransitive, OnMalformed::kTreatAsWithdraw},
    {attr::kOriginatorId, "ORIGINATOR_ID", kOptionalNonTransitive, OnMalformed::kTreatAsWithdraw},
    {attr::kClusterList, "CLUSTER_LIST", kOptionalNonTransitive, OnMalformed::kTreatAsWithdraw},
    // Their NLRI cannot be located once they are broken: only a reset is left (RFC 7606
    // section 7.11; tabby does not implement AFI/SAFI disable).
    {attr::kMpReachNlri, "MP_REACH_NLRI", kOptionalNonTransitive, OnMalformed::kSessionReset},
    {attr::kMpUnreachNlri, "MP_UNREACH_NLRI", kOptionalNonTransitive, OnMalformed::kSessionReset},
    {attr::kAs4Path, "AS4_PATH", kOptionalTransitive, OnMalformed::kAttributeDiscard},
    {attr::kAs4Aggregator, "AS4_AGGREGATOR", kOptionalTransitive, OnMalformed::kAttributeDiscard},
    {attr::kLargeCommunities, "LARGE_COMMUNITIES", kOptionalTransitive,
     OnMalformed::kTreatAsWithdraw},
};

const AttributeRule* rule_for(std::uint8_t type) {
  for (const auto& rule : kRules)
    if (rule.type == type) return &rule;
  return nullptr;
}

// RFC 4271 section 6.3 and RFC 7606 section 7.3: addresses no packet can be forwarded to.
// Returns why `address` cannot be a next hop, or nullptr if it can. (Our own address and
// loopback are the RIB's to check: both are fine when the peer itself is there, two speakers
// on one host.)
const char* unusable_next_hop(const IpAddress& address) {
  if (address.is_v4()) {
    const std::uint32_t v = address.v4_value();
    if ((v >> 24) == 0) return "in 0.0.0.0/8 (this network)";
    if ((v >> 28) == 0xe) return "multicast";
    if ((v >> 28) == 0xf) return "reserved (class E or broadcast)";
    return nullptr;
  }
  const std::uint8_t* b = address.bytes();
  if (b[0] == 0xff) return "multicast";
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return "link-local in the global next hop field";
  if (std::all_of(b, b + 16, [](std::uint8_t x) { return x == 0; })) return "unspecified (::)";
  return nullptr;
}

// Why a value is malformed: the subcode RFC 4271 would have sent, and the words for the log.
struct Malformed {
  UpdateError subcode;
  std::string what;
};

class UpdateDecoder {
 public:
  explicit UpdateDecoder(const CodecContext& context) : context_(context) {}

  WireResult<DecodedMessage> decode(std::span<const std::uint8_t> body);

 private:
  // The rest of the attributes cannot be read: treat-as-withdraw, or a WireError when an
  // MP_REACH_NLRI/MP_UNREACH_NLRI may be among the unread.
  std::optional<WireError> overrun(std::string what, const std::bitset<256>& seen);
  // Returns a WireError if the problem resets the session.
  std::optional<WireError> attribute(std::uint8_t flags, std::uint8_t type,
                                     std::span<const std::uint8_t> value,
                                     std::span<const std::uint8_t> whole);
  std::optional<Malformed> decode_value(std::uint8_t type, std::span<const std::uint8_t> value,
                                        std::span<const std::uint8_t> whole, bool& kept_as_unknown);
  std::optional<Malformed> decode_as_path(std::span<const std::uint8_t> value, std::size_t as_size,
                                          AsPath& out);
  std::optional<Malformed> decode_mp_reach(std::span<const std::uint8_t> value,
                                           bool& kept_as_unknown);
  std::optional<Malformed> decode_mp_unreach(std::span<const std::uint8_t> value,
                                             bool& kept_as_unknown);
  void note(UpdateVerdict verdict, std::string what) {
    result_.verdict = std::max(result_.verdict, verdict);
    result_.problems.push_back(std::move(what));
  }

  const CodecContext& context_;
  // A NEXT_HOP that parsed but cannot be used: only the NLRI field's routes need it, which
  // are known once the attributes are read.
  std::optional<std::string> unusable_next_hop_;
  UpdateMessage update_;
  DecodedMessage result_{UpdateMessage{}};
};

WireError reset(UpdateError subcode, std::string what, std::vector<std::uint8_t> data = {}) {
  return WireError{NotificationMessage(subcode, std::move(data)), "UPDATE: " + std::move(what)};
}

WireResult<DecodedMessage> UpdateDecoder::decode(std::span<const std::uint8_t> body) {
  ByteReader in(body);
  if (!in.has(2))
    return reset(UpdateError::kMalformedAttributeList, "withdrawn routes length missing");
  const std::size_t withdrawn_length = in.u16();
  if (!in.has(withdrawn_length + 2)) {
    return reset(UpdateError::kMalformedAttributeList,
                 "withdrawn routes length " + std::to_string(withdrawn_length) +
                     " leaves no room for the attributes length in a body of " +
                     std::to_string(body.size()) + " octets");
  }
  auto withdrawn = decode_prefixes(in.take(withdrawn_length), IpFamily::kV4,
                                   context_.has_add_path(kIpv4Unicast));
  if (!withdrawn) {
    return reset(UpdateError::kInvalidNetworkField,
                 "withdrawn routes: " + withdrawn.error().message);
  }
  update_.withdrawn = std::move(*withdrawn);

  const std::size_t attributes_length = in.u16();
  if (!in.has(attributes_length)) {
    return reset(UpdateError::kMalformedAttributeList,
                 "total path attribute length " + std::to_string(attributes_length) +
                     " overruns the message (" + std::to_string(in.remaining()) + " octets left)");
  }
  const auto attributes = in.take(attributes_length);
  const auto nlri_bytes = in.rest();

  ByteReader a(attributes);
  std::bitset<256> seen;
  while (!a.empty()) {
    const std::size_t start = a.offset();
    // RFC 7606 section 4: an attribute running past the attribute field is treat-as-withdraw;
    // the total length still tells where the NLRI start.
    if (!a.has(3)) {
      if (auto error =
              overrun("attribute at offset " + std::to_string(start) + ": header cut short", seen))
        return *error;
      break;
    }
    const std::uint8_t flags = a.u8();
    const std::uint8_t type = a.u8();
    const bool extended = (flags & attr_flag::kExtendedLength) != 0;
    if (extended && !a.has(2)) {
      if (auto error =
              overrun("attribute " + std::to_string(type) + ": extended length cut short", seen))
        return *error;
      break;
    }
    const std::size_t length = extended ? a.u16() : a.u8();
    if (!a.has(length)) {
      if (auto error = overrun("attribute " + std::to_string(type) + ": length " +
                                   std::to_string(length) + " overruns the path attributes (" +
                                   std::to_string(a.remaining()) + " octets left)",
                               seen))
        return *error;
      break;
    }
    const auto value = a.take(length);
    const auto whole = attributes.subspan(start, a.offset() - start);
    // RFC 7606 section 3g: a repeated MP attribute is fatal, any other repeat is dropped.
    if (seen[type]) {
      if (type == attr::kMpReachNlri || type == attr::kMpUnreachNlri) {
        return reset(UpdateError::kMalformedAttributeList,
                     "attribute " + std::to_string(type) + " appears twice");
      }
      note(UpdateVerdict::kAttributeDiscard,
           "attribute " + std::to_string(type) + " repeated: later copy discarded");
      continue;
    }
    seen[type] = true;
    if (auto error = attribute(flags, type, value, whole)) return *error;
  }

  auto nlri = decode_prefixes(nlri_bytes, IpFamily::kV4, context_.has_add_path(kIpv4Unicast));
  if (!nlri) return reset(UpdateError::kInvalidNetworkField, "NLRI: " + nlri.error().message);
  update_.nlri = std::move(*nlri);

  // RFC 7606 section 7.3: the routes that would use it are ignored, the session stays up.
  // An UPDATE with only MP_REACH_NLRI routes ignores NEXT_HOP anyway (RFC 4760 section 3).
  if (unusable_next_hop_) {
    if (update_.nlri.empty()) {
      note(UpdateVerdict::kAttributeDiscard,
           "NEXT_HOP " + *unusable_next_hop_ + " (unused without NLRI field; discarded)");
    } else {
      note(UpdateVerdict::kTreatAsWithdraw,
           "NEXT_HOP " + *unusable_next_hop_ + " (routes treated as withdrawn)");
    }
  }

  // RFC 7606 section 3d: a missing well-known attribute makes the routes withdrawn. Only
  // an UPDATE that announces something needs them; NEXT_HOP only for the IPv4 NLRI field.
  const auto& attrs = update_.attributes;
  const bool announces = !update_.nlri.empty() || (attrs.mp_reach && !attrs.mp_reach->nlri.empty());
  if (announces) {
    const auto missing = [&](const char* name) {
      note(UpdateVerdict::kTreatAsWithdraw, std::string("missing well-known attribute ") + name);
    };
    if (!attrs.origin && !seen[attr::kOrigin]) missing("ORIGIN");
    if (!attrs.as_path && !seen[attr::kAsPath]) missing("AS_PATH");
    if (!update_.nlri.empty() && !attrs.next_hop && !seen[attr::kNextHop]) missing("NEXT_HOP");
  }
  result_.message = std::move(update_);
  return std::move(result_);
}

std::optional<WireError> UpdateDecoder::overrun(std::string what, const std::bitset<256>& seen) {
  // RFC 7606 sections 4 and 5.3: treat-as-withdraw is only allowed when every NLRI can be
  // located. On a multiprotocol session routes may travel in MP_REACH_NLRI/MP_UNREACH_NLRI;
  // one not yet seen may be in the unread rest (each may appear once, so both seen is the
  // only safe case), and its routes would keep their old attributes. Only a reset is left.
  if (context_.multiprotocol && !(seen[attr::kMpReachNlri] && seen[attr::kMpUnreachNlri])) {
    return reset(UpdateError::kMalformedAttributeList,
                 what + "; an MP_REACH_NLRI/MP_UNREACH_NLRI may be among the unread attributes");
  }
  note(UpdateVerdict::kTreatAsWithdraw, std::move(what));
  return std::nullopt;
}

std::optional<WireError> UpdateDecoder::attribute(std::uint8_t flags, std::uint8_t type,
                                                  std::span<const std::uint8_t> value,
                                                  std::span<const std::uint8_t> whole) {
  const std::vector<std::uint8_t> data(whole.begin(), whole.end());
  const AttributeRule* rule = rule_for(type);
  if (rule == nullptr) {
    if ((flags & attr_flag::kOptional) == 0) {
      return reset(UpdateError::kUnrecognizedWellKnownAttribute,
                   "unrecognized well-known attribute " + std::to_string(type), data);
    }
    update_.attributes.unknown.push_back(
        UnknownAttribute{flags, type, std::vector<std::uint8_t>(value.begin(), value.end())});
    update_.attributes.placement.push_back({type, flags});
    return std::nullopt;
  }

  std::optional<Malformed> malformed;
  bool kept_as_unknown = false;
  const std::uint8_t kind = flags & (attr_flag::kOptional | attr_flag::kTransitive);
  if (kind != rule->flags) {
    malformed = Malformed{UpdateError::kAttributeFlagsError,
                          "flags 0x" + hex(std::span(&flags, 1)) + " do not fit the attribute"};
  } else if ((type == attr::kAs4Path || type == attr::kAs4Aggregator) && context_.four_octet_as) {
    // RFC 6793 section 4.1: only 2-octet speakers' paths carry these; ignore them otherwise.
    note(UpdateVerdict::kAttributeDiscard,
         std::string(rule->name) + " from a 4-octet AS speaker: discarded");
    return std::nullopt;
  } else {
    malformed = decode_value(type, value, whole, kept_as_unknown);
  }

  if (!malformed) {
    if (kept_as_unknown) {
      update_.attributes.unknown.push_back(
          UnknownAttribute{flags, type, std::vector<std::uint8_t>(value.begin(), value.end())});
    }
    update_.attributes.placement.push_back({type, flags});
    return std::nullopt;
  }
  const std::string what = std::string(rule->name) + ": " + malformed->what;
  switch (rule->on_malformed) {
    case OnMalformed::kSessionReset:
      return reset(malformed->subcode, what, data);
    case OnMalformed::kAttributeDiscard:
      note(UpdateVerdict::kAttributeDiscard, what + " (attribute discarded)");
      break;
    case OnMalformed::kTreatAsWithdraw:
      note(UpdateVerdict::kTreatAsWithdraw, what + " (routes treated as withdrawn)");
      break;
  }
  return std::nullopt;
}

std::optional<Malformed> length_error(std::span<const std::uint8_t> value, const char* expected) {
  return Malformed{UpdateError::kAttributeLengthError,
                   "length " + std::to_string(value.size()) + ", expected " + expected};
}

std::optional<Malformed> UpdateDecoder::decode_value(std::uint8_t type,
                                                     std::span<const std::uint8_t> value,
                                                     std::span<const std::uint8_t> /*whole*/,
                                                     bool& kept_as_unknown) {
  auto& attrs = update_.attributes;
  ByteReader in(value);
  const std::size_t as_size = context_.four_octet_as ? 4 : 2;
  switch (type) {
    case attr::kOrigin: {
      if (value.size() != 1) return length_error(value, "1");
      const std::uint8_t origin = in.u8();
      if (origin > 2) {
        return Malformed{UpdateError::kInvalidOriginAttribute,
                         "undefined value " + std::to_string(origin)};
      }
      attrs.origin = static_cast<Origin>(origin);
      return std::nullopt;
    }
    case attr::kAsPath: {
      AsPath path;
      if (auto bad = decode_as_path(value, as_size, path)) return bad;
      attrs.as_path = std::move(path);
      return std::nullopt;
    }
    case attr::kNextHop:
      if (value.size() != 4) return length_error(value, "4");
      attrs.next_hop = IpAddress::v4(in.u32());
      if (const char* why = unusable_next_hop(*attrs.next_hop)) {
        unusable_next_hop_ = attrs.next_hop->to_string() + " is " + why;
        attrs.next_hop.reset();
      }
      return std::nullopt;
    case attr::kMultiExitDisc:
      if (value.size() != 4) return length_error(value, "4");
      attrs.med = in.u32();
      return std::nullopt;
    case attr::kLocalPref:
      if (value.size() != 4) return length_error(value, "4");
      attrs.local_pref = in.u32();
      return std::nullopt;
    case attr::kAtomicAggregate:
      if (!value.empty()) return length_error(value, "0");
      attrs.atomic_aggregate = true;
      return std::nullopt;
    case attr::kAggregator:
      if (value.size() != as_size + 4) return length_error(value, as_size == 4 ? "8" : "6");
      attrs.aggregator = Aggregator{as_size == 4 ? in.u32() : in.u16(), IpAddress::v4(in.u32())};
      return std::nullopt;
    case attr::kCommunities:
      if (value.empty() || value.size() % 4 != 0) return length_error(value, "a multiple of 4");
      while (!in.empty())
        attrs.communities.push_back(in.u32());
      return std::nullopt;
    case attr::kOriginatorId:
      if (value.size() != 4) return length_error(value, "4");
      attrs.originator_id = IpAddress::v4(in.u32());
      return std::nullopt;
    case attr::kClusterList:
      if (value.empty() || value.size() % 4 != 0) return length_error(value, "a multiple of 4");
      while (!in.empty())
        attrs.cluster_list.push_back(IpAddress::v4(in.u32()));
      return std::nullopt;
    case attr::kMpReachNlri:
      return decode_mp_reach(value, kept_as_unknown);
    case attr::kMpUnreachNlri:
      return decode_mp_unreach(value, kept_as_unknown);
    case attr::kAs4Path: {
      AsPath path;
      if (auto bad = decode_as_path(value, 4, path)) return bad;
      attrs.as4_path = std::move(path);
      return std::nullopt;
    }
    case attr::kAs4Aggregator:
      if (value.size() != 8) return length_error(value, "8");
      attrs.as4_aggregator = Aggregator{in.u32(), IpAddress::v4(in.u32())};
      return std::nullopt;
    case attr::kLargeCommunities:
      if (value.empty() || value.size() % 12 != 0) return length_error(value, "a multiple of 12");
      while (!in.empty()) {
        LargeCommunity c;
        c.global_administrator = in.u32();
        c.local_data_1 = in.u32();
        c.local_data_2 = in.u32();
        attrs.large_communities.push_back(c);
      }
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<Malformed> UpdateDecoder::decode_as_path(std::span<const std::uint8_t> value,
                                                       std::size_t as_size, AsPath& out) {
  ByteReader in(value);
  while (!in.empty()) {
    const std::size_t at = in.offset();
    if (!in.has(2)) {
      return Malformed{UpdateError::kMalformedAsPath,
                       "segment header at offset " + std::to_string(at) + " cut short"};
    }
    const std::uint8_t type = in.u8();
    const std::uint8_t count = in.u8();
    if (type < 1 || type > 4) {
      return Malformed{UpdateError::kMalformedAsPath, "segment type " + std::to_string(type)};
    }
    if (count == 0) {
      return Malformed{UpdateError::kMalformedAsPath,
                       "empty segment at offset " + std::to_string(at)};
    }
    if (!in.has(count * as_size)) {
      return Malformed{UpdateError::kMalformedAsPath,
                       "segment of " + std::to_string(count) + " ASes overruns the attribute"};
    }
    AsSegment segment;
    segment.type = static_cast<AsSegmentType>(type);
    for (int i = 0; i < count; ++i)
      segment.asns.push_back(as_size == 4 ? in.u32() : in.u16());
    out.segments.push_back(std::move(segment));
  }
  return std::nullopt;
}

std::optional<Malformed> UpdateDecoder::decode_mp_reach(std::span<const std::uint8_t> value,
                                                        bool& kept_as_unknown) {
  ByteReader in(value);
  if (!in.has(5)) return length_error(value, "at least 5");
  MpReachNlri mp;
  mp.family.afi = in.u16();
  mp.family.safi = in.u8();
  if (!mp.family.has_prefix_nlri()) {
    kept_as_unknown = true;
    return std::nullopt;
  }
  const std::size_t next_hop_length = in.u8();
  const bool ipv4 = mp.family.afi == kAfiIpv4;
  // RFC 4760 section 3 / RFC 2545: the lengths each family's next hop may have. An IPv6 next
  // hop for IPv4 routes needs the Extended Next Hop capability (RFC 8950), which tabby never
  // negotiates; without it the attribute is malformed for the family (RFC 7606 section 7.11).
  const bool length_ok =
      ipv4 ? next_hop_length == 4 : (next_hop_length == 16 || next_hop_length == 32);
  if (!length_ok || !in.has(next_hop_length + 1)) {
    return Malformed{UpdateError::kOptionalAttributeError,
                     "next hop length " + std::to_string(next_hop_length) + " for " +
                         mp.family.to_string() + " in " + std::to_string(value.size()) + " octets"};
  }
  const auto next_hop = in.take(next_hop_length);
  if (next_hop_length == 4) {
    mp.next_hop = IpAddress::from_bytes(IpFamily::kV4, next_hop.data());
  } else {
    mp.next_hop = IpAddress::from_bytes(IpFamily::kV6, next_hop.data());
    if (next_hop_length == 32) {
      mp.link_local_next_hop = IpAddress::from_bytes(IpFamily::kV6, next_hop.data() + 16);
    }
  }
  in.u8();  // reserved (once the SNPA count); ignored on receipt
  auto nlri = decode_prefixes(in.rest(), ipv4 ? IpFamily::kV4 : IpFamily::kV6,
                              context_.has_add_path(mp.family));
  if (!nlri)
    return Malformed{UpdateError::kOptionalAttributeError, "NLRI: " + nlri.error().message};
  mp.nlri = std::move(*nlri);
  // RFC 7606 section 7.3: a next hop no packet can go to makes its routes ignored.
  if (const char* why = unusable_next_hop(mp.next_hop)) {
    note(UpdateVerdict::kTreatAsWithdraw, "MP_REACH_NLRI next hop " + mp.next_hop.to_string() +
                                              " is " + why + " (routes treated as withdrawn)");
  }
  update_.attributes.mp_reach = std::move(mp);
  return std::nullopt;
}

std::optional<Malformed> UpdateDecoder::decode_mp_unreach(std::span<const std::uint8_t> value,
                                                          bool& kept_as_unknown) {
  ByteReader in(value);
  if (!in.has(3)) return length_error(value, "at least 3");
  MpUnreachNlri mp;
  mp.family.afi = in.u16();
  mp.family.safi = in.u8();
  if (!mp.family.has_prefix_nlri()) {
    kept_as_unknown = true;
    return std::nullopt;
  }
  auto withdrawn =
      decode_prefixes(in.rest(), mp.family.afi == kAfiIpv4 ? IpFamily::kV4 : IpFamily::kV6,
                      context_.has_add_path(mp.family));
  if (!withdrawn) {
    return Malformed{UpdateError::kOptionalAttributeError,
                     "withdrawn routes: " + withdrawn.error().message};
  }
  mp.withdrawn = std::move(*withdrawn);
  update_.attributes.mp_unreach = std::move(mp);
  return std::nullopt;
}

}  // namespace

WireResult<DecodedMessage> decode_update(std::span<const std::uint8_t> body,
                                         const CodecContext& context) {
  return UpdateDecoder(context).decode(body);
}

}  // namespace tabby::bgp::detail
