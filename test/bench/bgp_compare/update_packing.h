#pragma once
// The feeder's UPDATEs: prefixes packed as many to a message as fit the classic 4096-octet
// limit (what a peer without extended messages must do), all with one attribute set.

#include <cstdint>
#include <vector>

#include "tabby/bgp/message.h"

namespace tabby::bench {

// Distinct IPv4 /24s: `count` of them from `first` up (first, first + 256, ...).
std::vector<IpPrefix> ipv4_slash24s(IpAddress first, std::size_t count);

// The prefixes in UPDATEs of at most `max_length` octets (header included), in order, each
// with `attributes`, encoded for `context`. Fails if not even one prefix fits.
Result<std::vector<std::vector<std::uint8_t>>> encode_packed(const bgp::PathAttributes& attributes,
                                                             const std::vector<IpPrefix>& prefixes,
                                                             const bgp::CodecContext& context,
                                                             std::size_t max_length = 4096);

}  // namespace tabby::bench
