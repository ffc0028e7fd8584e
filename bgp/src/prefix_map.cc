// PrefixMap's IPv6 keys: packing prefixes into two numbers and back.

#include "prefix_map.h"

namespace tabby::bgp::detail {
namespace {

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

}  // namespace tabby::bgp::detail
