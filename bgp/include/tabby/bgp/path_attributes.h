#pragma once
// The path attributes of an UPDATE, decoded into values. Everything the wire said that
// matters for re-encoding (attribute order, flags, unknown attributes) is kept, so a decoded
// UPDATE re-encodes to the same bytes.

#include <cstdint>
#include <optional>
#include <vector>

#include "tabby/bgp/wire_types.h"
#include "tabby/common/ip.h"

namespace tabby::bgp {

enum class Origin : std::uint8_t { kIgp = 0, kEgp = 1, kIncomplete = 2 };

enum class AsSegmentType : std::uint8_t {
  kSet = 1,
  kSequence = 2,
  kConfedSequence = 3,  // RFC 5065
  kConfedSet = 4,
};

struct AsSegment {
  AsSegmentType type = AsSegmentType::kSequence;
  std::vector<std::uint32_t> asns;
  friend bool operator==(const AsSegment&, const AsSegment&) = default;
};

struct AsPath {
  std::vector<AsSegment> segments;
  // The path length of RFC 4271 section 9.1.2.2: a SET counts 1, confederation segments 0.
  std::size_t length() const;
  friend bool operator==(const AsPath&, const AsPath&) = default;
};

struct Aggregator {
  std::uint32_t as = 0;
  IpAddress address;  // IPv4
  friend bool operator==(const Aggregator&, const Aggregator&) = default;
};

// RFC 1997 communities, and its well-known values.
using Community = std::uint32_t;
inline constexpr Community kNoExport = 0xFFFFFF01;
inline constexpr Community kNoAdvertise = 0xFFFFFF02;
inline constexpr Community kNoExportSubconfed = 0xFFFFFF03;
inline constexpr Community make_community(std::uint16_t as, std::uint16_t value) {
  return (static_cast<std::uint32_t>(as) << 16) | value;
}

// RFC 8092.
struct LargeCommunity {
  std::uint32_t global_administrator = 0;
  std::uint32_t local_data_1 = 0;
  std::uint32_t local_data_2 = 0;
  friend auto operator<=>(const LargeCommunity&, const LargeCommunity&) = default;
  friend bool operator==(const LargeCommunity&, const LargeCommunity&) = default;
};

// A prefix as it appears in NLRI or withdrawn routes; path_id is on the wire only where
// ADD-PATH was negotiated for the family (RFC 7911), and 0 otherwise.
struct Nlri {
  IpPrefix prefix;
  std::uint32_t path_id = 0;
  friend auto operator<=>(const Nlri&, const Nlri&) = default;
  friend bool operator==(const Nlri&, const Nlri&) = default;
};

// RFC 4760, for the families with prefix NLRI (IPv4/IPv6 unicast/multicast). The next hop is
// IPv4 (4 octets) or IPv6 global (16) with an optional link-local (32); IPv4 NLRI may have an
// IPv6 next hop (RFC 8950).
struct MpReachNlri {
  Family family;
  IpAddress next_hop;
  std::optional<IpAddress> link_local_next_hop;
  std::vector<Nlri> nlri;
  friend bool operator==(const MpReachNlri&, const MpReachNlri&) = default;
};

struct MpUnreachNlri {
  Family family;
  std::vector<Nlri> withdrawn;
  friend bool operator==(const MpUnreachNlri&, const MpUnreachNlri&) = default;
};

// An attribute tabby does not interpret (including MP_REACH/MP_UNREACH of families without
// prefix NLRI), with the flags it came with.
struct UnknownAttribute {
  std::uint8_t flags = 0;
  std::uint8_t type = 0;
  std::vector<std::uint8_t> value;
  bool optional() const { return (flags & attr_flag::kOptional) != 0; }
  bool transitive() const { return (flags & attr_flag::kTransitive) != 0; }
  friend bool operator==(const UnknownAttribute&, const UnknownAttribute&) = default;
};

// Where an attribute was in the message and which flags it had: the encoder follows this
// order and these flags (Partial, Extended Length) for the attributes still present, and
// puts the others after them in canonical order (MP_UNREACH, MP_REACH, then by type code).
struct AttributePlacement {
  std::uint8_t type = 0;
  std::uint8_t flags = 0;
  friend bool operator==(const AttributePlacement&, const AttributePlacement&) = default;
};

struct PathAttributes {
  std::optional<Origin> origin;
  std::optional<AsPath> as_path;
  std::optional<IpAddress> next_hop;  // IPv4
  std::optional<std::uint32_t> med;
  std::optional<std::uint32_t> local_pref;
  bool atomic_aggregate = false;
  std::optional<Aggregator> aggregator;
  std::vector<Community> communities;             // empty = absent
  std::optional<IpAddress> originator_id;         // IPv4 (RFC 4456)
  std::vector<IpAddress> cluster_list;            // empty = absent (RFC 4456)
  std::optional<MpReachNlri> mp_reach;            // RFC 4760
  std::optional<MpUnreachNlri> mp_unreach;        // RFC 4760
  std::optional<AsPath> as4_path;                 // RFC 6793, only from 2-octet speakers
  std::optional<Aggregator> as4_aggregator;       // RFC 6793, only from 2-octet speakers
  std::vector<LargeCommunity> large_communities;  // empty = absent (RFC 8092)
  std::vector<UnknownAttribute> unknown;

  std::vector<AttributePlacement> placement;  // filled by the decoder; may stay empty

  bool has_community(Community community) const;
  // Equal values, wherever they were on the wire: placement is left out, so that routes
  // with the same attributes compare (and can be shared) as equal.
  friend bool operator==(const PathAttributes& a, const PathAttributes& b);
};

// The attributes as they are to be passed on to another peer (RFC 4271 sections 5 and 9.1.4):
// unknown optional transitive attributes kept with the Partial bit set, unknown optional
// non-transitive attributes dropped, and the wire placement forgotten.
PathAttributes attributes_to_pass_on(const PathAttributes& received);

}  // namespace tabby::bgp
