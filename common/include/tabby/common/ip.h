#pragma once
// IP addresses and prefixes, IPv4 and IPv6, as plain comparable values. Every part of tabby
// (resources, IPAM, BGP, dataplane) speaks in these, so they stay free of any I/O library.

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "tabby/common/result.h"

namespace tabby {

enum class IpFamily : std::uint8_t { kV4 = 4, kV6 = 6 };

class IpAddress {
 public:
  static constexpr std::size_t kMaxBytes = 16;

  // 0.0.0.0
  IpAddress() = default;

  // Parses dotted-quad IPv4 or any RFC 4291 text form of IPv6 (no zone index, no brackets).
  static Result<IpAddress> parse(std::string_view text);
  static IpAddress v4(std::uint32_t host_order);
  static IpAddress from_bytes(IpFamily family, const std::uint8_t* bytes);

  IpFamily family() const { return family_; }
  bool is_v4() const { return family_ == IpFamily::kV4; }
  bool is_v6() const { return family_ == IpFamily::kV6; }
  // 32 or 128.
  int bit_length() const { return is_v4() ? 32 : 128; }
  std::size_t byte_length() const { return is_v4() ? 4 : 16; }
  const std::uint8_t* bytes() const { return bytes_.data(); }
  // Only for IPv4: the address as a number in host byte order.
  std::uint32_t v4_value() const;
  // Bit i counted from the most significant bit (0) of the first byte.
  bool bit(int i) const;

  // The address with every bit from `length` on cleared.
  IpAddress masked(int length) const;
  // The address plus `offset` (wrapping within the family); for walking blocks.
  IpAddress plus(std::uint64_t offset) const;

  std::string to_string() const;

  friend auto operator<=>(const IpAddress&, const IpAddress&) = default;
  friend bool operator==(const IpAddress&, const IpAddress&) = default;

 private:
  IpFamily family_ = IpFamily::kV4;
  std::array<std::uint8_t, kMaxBytes> bytes_{};  // unused tail bytes stay zero
};

class IpPrefix {
 public:
  IpPrefix() = default;
  // Throws std::invalid_argument for a length outside the family (a programming error);
  // host bits are cleared.
  IpPrefix(IpAddress address, int length);

  // "10.0.0.0/24", "fd00::/64". Host bits set ("10.0.0.1/24") are an error, since in a
  // resource they usually mean a typo; use parse_interface for address-with-length forms.
  static Result<IpPrefix> parse(std::string_view text);
  // "10.0.0.1/24" as written on an interface: the prefix with host bits cleared.
  static Result<IpPrefix> parse_interface(std::string_view text);
  // The host prefix of an address (/32 or /128).
  static IpPrefix host(const IpAddress& address);

  const IpAddress& address() const { return address_; }
  int length() const { return length_; }
  IpFamily family() const { return address_.family(); }

  bool contains(const IpAddress& address) const;
  bool contains(const IpPrefix& other) const;
  bool overlaps(const IpPrefix& other) const;

  std::string to_string() const;

  friend auto operator<=>(const IpPrefix&, const IpPrefix&) = default;
  friend bool operator==(const IpPrefix&, const IpPrefix&) = default;

 private:
  IpAddress address_;
  int length_ = 0;
};

}  // namespace tabby
