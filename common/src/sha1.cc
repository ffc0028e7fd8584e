#include "tabby/common/sha1.h"

#include <fmt/format.h>

#include <boost/uuid/detail/sha1.hpp>

namespace tabby {

std::array<std::uint8_t, 20> sha1(std::string_view data) {
  boost::uuids::detail::sha1 hash;
  hash.process_bytes(data.data(), data.size());
  boost::uuids::detail::sha1::digest_type words;
  hash.get_digest(words);
  std::array<std::uint8_t, 20> digest{};
  for (int i = 0; i < 20; ++i) {
    digest[i] = static_cast<std::uint8_t>(words[i / 4] >> (24 - 8 * (i % 4)));
  }
  return digest;
}

std::string sha1_hex(std::string_view data) {
  std::string hex;
  for (std::uint8_t byte : sha1(data))
    hex += fmt::format("{:02x}", byte);
  return hex;
}

}  // namespace tabby
