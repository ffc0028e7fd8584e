#include "nlri_codec.h"

#include <string>

#include "byte_io.h"

namespace tabby::bgp::detail {

Result<std::vector<Nlri>> decode_prefixes(std::span<const std::uint8_t> bytes, IpFamily family,
                                          bool with_path_id) {
  const int max_bits = family == IpFamily::kV4 ? 32 : 128;
  std::vector<Nlri> out;
  ByteReader in(bytes);
  while (!in.empty()) {
    const std::size_t at = in.offset();
    Nlri nlri;
    if (with_path_id) {
      if (!in.has(4))
        return Error{"prefix at offset " + std::to_string(at) + ": path identifier cut short"};
      nlri.path_id = in.u32();
    }
    if (!in.has(1)) return Error{"prefix at offset " + std::to_string(at) + ": length missing"};
    const int bits = in.u8();
    if (bits > max_bits) {
      return Error{"prefix at offset " + std::to_string(at) + ": length " + std::to_string(bits) +
                   " exceeds " + std::to_string(max_bits)};
    }
    const std::size_t octets = (static_cast<std::size_t>(bits) + 7) / 8;
    if (!in.has(octets)) {
      return Error{"prefix at offset " + std::to_string(at) + ": /" + std::to_string(bits) +
                   " needs " + std::to_string(octets) + " octets, " +
                   std::to_string(in.remaining()) + " left"};
    }
    std::uint8_t address[16] = {};
    const auto value = in.take(octets);
    for (std::size_t i = 0; i < octets; ++i)
      address[i] = value[i];
    nlri.prefix = IpPrefix(IpAddress::from_bytes(family, address), bits);
    out.push_back(nlri);
  }
  return out;
}

Status encode_prefixes(const std::vector<Nlri>& prefixes, IpFamily family, bool with_path_id,
                       std::vector<std::uint8_t>& out) {
  ByteWriter w(out);
  for (const auto& nlri : prefixes) {
    if (nlri.prefix.family() != family) {
      return Error{"prefix " + nlri.prefix.to_string() + " is not of the NLRI's address family"};
    }
    if (with_path_id) w.u32(nlri.path_id);
    const int bits = nlri.prefix.length();
    w.u8(static_cast<std::uint8_t>(bits));
    w.bytes({nlri.prefix.address().bytes(), static_cast<std::size_t>(bits + 7) / 8});
  }
  return {};
}

}  // namespace tabby::bgp::detail
