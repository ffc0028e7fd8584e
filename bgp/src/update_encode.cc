// UPDATE encoding. Attributes go out in the order and with the flags the decoder recorded
// (so a received UPDATE re-encodes byte for byte), the rest in canonical order: MP_UNREACH,
// MP_REACH (RFC 7606 section 5.1 wants them first), then by type code.

#include <algorithm>
#include <string>

#include "byte_io.h"
#include "message_bodies.h"
#include "nlri_codec.h"

namespace tabby::bgp::detail {
namespace {

struct EncodedAttribute {
  std::uint8_t flags;
  std::uint8_t type;
  std::vector<std::uint8_t> value;
  bool placed = false;
};

constexpr std::uint8_t kWellKnown = attr_flag::kTransitive;
constexpr std::uint8_t kOptionalNonTransitive = attr_flag::kOptional;
constexpr std::uint8_t kOptionalTransitive = attr_flag::kOptional | attr_flag::kTransitive;

Status encode_as_path(const AsPath& path, bool four_octet, const char* name,
                      std::vector<std::uint8_t>& out) {
  ByteWriter w(out);
  for (const auto& segment : path.segments) {
    if (segment.asns.empty()) return Error{std::string(name) + ": empty segment"};
    const bool set =
        segment.type == AsSegmentType::kSet || segment.type == AsSegmentType::kConfedSet;
    if (set && segment.asns.size() > 255) {
      return Error{std::string(name) + ": a set of " + std::to_string(segment.asns.size()) +
                   " ASes does not fit one segment"};
    }
    // Sequences longer than a segment holds continue in the next segment.
    for (std::size_t i = 0; i < segment.asns.size(); i += 255) {
      const std::size_t count = std::min<std::size_t>(255, segment.asns.size() - i);
      w.u8(static_cast<std::uint8_t>(segment.type));
      w.u8(static_cast<std::uint8_t>(count));
      for (std::size_t k = i; k < i + count; ++k) {
        const std::uint32_t as = segment.asns[k];
        if (four_octet) {
          w.u32(as);
        } else if (as > 0xFFFF) {
          return Error{std::string(name) + ": AS " + std::to_string(as) +
                       " needs 4 octets in a 2-octet session (see to_two_octet_peer)"};
        } else {
          w.u16(static_cast<std::uint16_t>(as));
        }
      }
    }
  }
  return {};
}

Status require_v4(const IpAddress& address, const char* name) {
  if (!address.is_v4())
    return Error{std::string(name) + " " + address.to_string() + " is not IPv4"};
  return {};
}

Status encode_aggregator(const Aggregator& aggregator, bool four_octet, const char* name,
                         std::vector<std::uint8_t>& out) {
  if (auto s = require_v4(aggregator.address, name); !s) return s;
  ByteWriter w(out);
  if (four_octet) {
    w.u32(aggregator.as);
  } else if (aggregator.as > 0xFFFF) {
    return Error{std::string(name) + ": AS " + std::to_string(aggregator.as) +
                 " needs 4 octets in a 2-octet session (see to_two_octet_peer)"};
  } else {
    w.u16(static_cast<std::uint16_t>(aggregator.as));
  }
  w.u32(aggregator.address.v4_value());
  return {};
}

Status encode_mp_reach(const MpReachNlri& mp, const CodecContext& context,
                       std::vector<std::uint8_t>& out) {
  if (!mp.family.has_prefix_nlri()) {
    return Error{"MP_REACH_NLRI: family " + mp.family.to_string() + " has no prefix NLRI"};
  }
  const bool ipv4 = mp.family.afi == kAfiIpv4;
  if (!ipv4 && !mp.next_hop.is_v6()) {
    return Error{"MP_REACH_NLRI: next hop " + mp.next_hop.to_string() + " for " +
                 mp.family.to_string()};
  }
  if (mp.link_local_next_hop && (!mp.next_hop.is_v6() || !mp.link_local_next_hop->is_v6())) {
    return Error{"MP_REACH_NLRI: a link-local next hop goes with an IPv6 global one"};
  }
  ByteWriter w(out);
  w.u16(mp.family.afi);
  w.u8(mp.family.safi);
  w.u8(static_cast<std::uint8_t>(mp.next_hop.byte_length() + (mp.link_local_next_hop ? 16 : 0)));
  w.bytes({mp.next_hop.bytes(), mp.next_hop.byte_length()});
  if (mp.link_local_next_hop) w.bytes({mp.link_local_next_hop->bytes(), 16});
  w.u8(0);
  if (auto s = encode_prefixes(mp.nlri, ipv4 ? IpFamily::kV4 : IpFamily::kV6,
                               context.has_add_path(mp.family), out);
      !s) {
    return Error{"MP_REACH_NLRI: " + s.error().message};
  }
  return {};
}

Status encode_mp_unreach(const MpUnreachNlri& mp, const CodecContext& context,
                         std::vector<std::uint8_t>& out) {
  if (!mp.family.has_prefix_nlri()) {
    return Error{"MP_UNREACH_NLRI: family " + mp.family.to_string() + " has no prefix NLRI"};
  }
  ByteWriter w(out);
  w.u16(mp.family.afi);
  w.u8(mp.family.safi);
  if (auto s =
          encode_prefixes(mp.withdrawn, mp.family.afi == kAfiIpv4 ? IpFamily::kV4 : IpFamily::kV6,
                          context.has_add_path(mp.family), out);
      !s) {
    return Error{"MP_UNREACH_NLRI: " + s.error().message};
  }
  return {};
}

Result<std::vector<EncodedAttribute>> encode_values(const PathAttributes& a,
                                                    const CodecContext& context) {
  std::vector<EncodedAttribute> out;
  const auto add = [&](std::uint8_t flags, std::uint8_t type) -> std::vector<std::uint8_t>& {
    out.push_back({flags, type, {}});
    return out.back().value;
  };
  const bool four = context.four_octet_as;
  Status s;
  if (a.origin) add(kWellKnown, attr::kOrigin).push_back(static_cast<std::uint8_t>(*a.origin));
  if (a.as_path &&
      !(s = encode_as_path(*a.as_path, four, "AS_PATH", add(kWellKnown, attr::kAsPath))))
    return s.error();
  if (a.next_hop) {
    if (!(s = require_v4(*a.next_hop, "NEXT_HOP"))) return s.error();
    ByteWriter(add(kWellKnown, attr::kNextHop)).u32(a.next_hop->v4_value());
  }
  if (a.med) ByteWriter(add(kOptionalNonTransitive, attr::kMultiExitDisc)).u32(*a.med);
  if (a.local_pref) ByteWriter(add(kWellKnown, attr::kLocalPref)).u32(*a.local_pref);
  if (a.atomic_aggregate) add(kWellKnown, attr::kAtomicAggregate);
  if (a.aggregator && !(s = encode_aggregator(*a.aggregator, four, "AGGREGATOR",
                                              add(kOptionalTransitive, attr::kAggregator))))
    return s.error();
  if (!a.communities.empty()) {
    ByteWriter w(add(kOptionalTransitive, attr::kCommunities));
    for (auto c : a.communities)
      w.u32(c);
  }
  if (a.originator_id) {
    if (!(s = require_v4(*a.originator_id, "ORIGINATOR_ID"))) return s.error();
    ByteWriter(add(kOptionalNonTransitive, attr::kOriginatorId)).u32(a.originator_id->v4_value());
  }
  if (!a.cluster_list.empty()) {
    ByteWriter w(add(kOptionalNonTransitive, attr::kClusterList));
    for (const auto& id : a.cluster_list) {
      if (!(s = require_v4(id, "CLUSTER_LIST entry"))) return s.error();
      w.u32(id.v4_value());
    }
  }
  if (a.mp_reach &&
      !(s = encode_mp_reach(*a.mp_reach, context, add(kOptionalNonTransitive, attr::kMpReachNlri))))
    return s.error();
  if (a.mp_unreach && !(s = encode_mp_unreach(*a.mp_unreach, context,
                                              add(kOptionalNonTransitive, attr::kMpUnreachNlri))))
    return s.error();
  if ((a.as4_path || a.as4_aggregator) && four) {
    return Error{"AS4_PATH/AS4_AGGREGATOR are only sent to 2-octet AS speakers (RFC 6793)"};
  }
  if (a.as4_path && !(s = encode_as_path(*a.as4_path, true, "AS4_PATH",
                                         add(kOptionalTransitive, attr::kAs4Path))))
    return s.error();
  if (a.as4_aggregator && !(s = encode_aggregator(*a.as4_aggregator, true, "AS4_AGGREGATOR",
                                                  add(kOptionalTransitive, attr::kAs4Aggregator))))
    return s.error();
  if (!a.large_communities.empty()) {
    ByteWriter w(add(kOptionalTransitive, attr::kLargeCommunities));
    for (const auto& c : a.large_communities) {
      w.u32(c.global_administrator);
      w.u32(c.local_data_1);
      w.u32(c.local_data_2);
    }
  }
  for (const auto& u : a.unknown) {
    out.push_back({u.flags, u.type, u.value});
  }
  return out;
}

int canonical_rank(std::uint8_t type) {
  if (type == attr::kMpUnreachNlri) return -2;
  if (type == attr::kMpReachNlri) return -1;
  return type;
}

Status write_attribute(const EncodedAttribute& a, std::uint8_t flags,
                       std::vector<std::uint8_t>& out) {
  if (a.value.size() > 0xFFFF) {
    return Error{"attribute " + std::to_string(a.type) + ": " + std::to_string(a.value.size()) +
                 " octets do not fit"};
  }
  const bool extended = (flags & attr_flag::kExtendedLength) != 0 || a.value.size() > 255;
  ByteWriter w(out);
  w.u8(extended ? (flags | attr_flag::kExtendedLength) : flags);
  w.u8(a.type);
  if (extended) {
    w.u16(static_cast<std::uint16_t>(a.value.size()));
  } else {
    w.u8(static_cast<std::uint8_t>(a.value.size()));
  }
  w.bytes(a.value);
  return {};
}

Status encode_attributes(const PathAttributes& attributes, const CodecContext& context,
                         std::vector<std::uint8_t>& out) {
  auto encoded = encode_values(attributes, context);
  if (!encoded) return encoded.error();
  auto& list = *encoded;
  // Known attributes keep the Optional/Transitive bits their type demands; Partial and
  // Extended Length come from the placement. Unknown ones keep all their flags.
  constexpr std::uint8_t kKindBits = attr_flag::kOptional | attr_flag::kTransitive;
  for (const auto& place : attributes.placement) {
    for (auto& a : list) {
      if (a.placed || a.type != place.type) continue;
      a.placed = true;
      const bool known = !std::any_of(attributes.unknown.begin(), attributes.unknown.end(),
                                      [&](const UnknownAttribute& u) { return u.type == a.type; });
      const std::uint8_t flags =
          known ? (a.flags & kKindBits) | (place.flags & ~kKindBits) : a.flags;
      if (auto s = write_attribute(a, flags, out); !s) return s;
      break;
    }
  }
  std::stable_sort(list.begin(), list.end(), [](const auto& x, const auto& y) {
    return canonical_rank(x.type) < canonical_rank(y.type);
  });
  for (const auto& a : list) {
    if (a.placed) continue;
    if (auto s = write_attribute(a, a.flags, out); !s) return s;
  }
  return {};
}

}  // namespace

Status encode_update(const UpdateMessage& update, const CodecContext& context,
                     std::vector<std::uint8_t>& out) {
  ByteWriter w(out);
  const bool add_path = context.has_add_path(kIpv4Unicast);
  const std::size_t withdrawn_at = w.reserve_u16();
  if (auto s = encode_prefixes(update.withdrawn, IpFamily::kV4, add_path, out); !s) {
    return Error{"UPDATE withdrawn routes: " + s.error().message};
  }
  const std::size_t withdrawn_length = w.size() - withdrawn_at - 2;
  const std::size_t attributes_at = w.reserve_u16();
  if (auto s = encode_attributes(update.attributes, context, out); !s) {
    return Error{"UPDATE " + s.error().message};
  }
  const std::size_t attributes_length = w.size() - attributes_at - 2;
  if (withdrawn_length > 0xFFFF || attributes_length > 0xFFFF) {
    return Error{"UPDATE: withdrawn routes or attributes exceed 65535 octets"};
  }
  w.patch_u16(withdrawn_at, static_cast<std::uint16_t>(withdrawn_length));
  w.patch_u16(attributes_at, static_cast<std::uint16_t>(attributes_length));
  if (auto s = encode_prefixes(update.nlri, IpFamily::kV4, add_path, out); !s) {
    return Error{"UPDATE NLRI: " + s.error().message};
  }
  return {};
}

}  // namespace tabby::bgp::detail
