#pragma once
// Packing prefixes into UPDATEs: as many prefixes per message as fit the peer's maximum
// message size, one message per attribute set (or more when they do not fit one).

#include <cstddef>
#include <vector>

#include "tabby/bgp/rib_types.h"

namespace tabby::bgp::detail {

// The announcements of one attribute set. The set carries the next hop: NEXT_HOP for IPv4
// prefixes, an MP_REACH_NLRI without NLRI for IPv6 ones.
struct Announcement {
  AttributeSet attributes;
  std::vector<Nlri> prefixes;  // the path identifiers count for ADD-PATH families only
};

struct Batch {
  std::vector<Nlri> withdrawn;  // either family
  std::vector<Announcement> announced;
};

// Withdrawals first (IPv4 in the withdrawn routes field, IPv6 in MP_UNREACH_NLRI), then the
// announcements, encoded for `context`. Families with ADD-PATH in `context` carry each
// prefix's path identifier; the others none.
Result<std::vector<EncodedUpdate>> pack_updates(const Batch& batch, const CodecContext& context);

// The End-of-RIB of each family, encoded.
Result<std::vector<EncodedUpdate>> encode_end_of_ribs(const std::vector<Family>& families,
                                                      const CodecContext& context);

}  // namespace tabby::bgp::detail
