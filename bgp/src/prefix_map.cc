// PrefixMap's keys: packing prefixes and hashing them.

#include "prefix_map.h"

namespace tabby::bgp::detail {
namespace {

// MurmurHash3's 64-bit finaliser: every input bit reaches every output bit, so neighbouring
// prefixes (a table is full of them) spread over the whole index.
std::uint64_t mix(std::uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

std::uint64_t load_big_endian(const std::uint8_t* bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i)
    value = (value << 8) | bytes[i];
  return value;
}

void store_big_endian(std::uint64_t value, std::uint8_t* bytes) {
  for (int i = 7; i >= 0; --i) {
    bytes[i] = static_cast<std::uint8_t>(value);
    value >>= 8;
  }
}

}  // namespace

std::uint32_t V4Keys::hash(Key key) {
  return static_cast<std::uint32_t>(mix(key));
}

V6Key V6Keys::pack(const IpPrefix& prefix) {
  const std::uint8_t* bytes = prefix.address().bytes();
  return {load_big_endian(bytes), load_big_endian(bytes + 8),
          static_cast<std::uint32_t>(prefix.length())};
}

IpPrefix V6Keys::unpack(const Key& key) {
  std::uint8_t bytes[16];
  store_big_endian(key.high, bytes);
  store_big_endian(key.low, bytes + 8);
  return IpPrefix(IpAddress::from_bytes(IpFamily::kV6, bytes), static_cast<int>(key.length));
}

std::uint32_t V6Keys::hash(const Key& key) {
  return static_cast<std::uint32_t>(
      mix(key.high ^ mix(key.low ^ (std::uint64_t{key.length} << 56))));
}

}  // namespace tabby::bgp::detail
