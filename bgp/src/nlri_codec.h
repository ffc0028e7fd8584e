#pragma once
// Prefixes as RFC 4271 and 4760 lay them out: a length in bits, then just enough octets; with
// a 4-octet path identifier in front where ADD-PATH applies (RFC 7911). Private to the codec.

#include <cstdint>
#include <span>
#include <vector>

#include "tabby/bgp/path_attributes.h"
#include "tabby/common/result.h"

namespace tabby::bgp::detail {

// Fails, saying which prefix and why, if a length exceeds the family or the bytes run out.
Result<std::vector<Nlri>> decode_prefixes(std::span<const std::uint8_t> bytes, IpFamily family,
                                          bool with_path_id);
// Fails if a prefix is not of `family`.
Status encode_prefixes(const std::vector<Nlri>& prefixes, IpFamily family, bool with_path_id,
                       std::vector<std::uint8_t>& out);

}  // namespace tabby::bgp::detail
