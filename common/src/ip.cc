#include "tabby/common/ip.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <charconv>
#include <cstring>
#include <stdexcept>

namespace tabby {

Result<IpAddress> IpAddress::parse(std::string_view text) {
  // inet_pton wants a NUL-terminated string; the longest valid IPv6 text form is 45 chars.
  char buffer[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof(buffer)) {
    return Error{fmt::format("\"{}\" is not a valid IP address", text)};
  }
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';

  IpAddress address;
  if (text.find(':') == std::string_view::npos) {
    if (inet_pton(AF_INET, buffer, address.bytes_.data()) == 1) {
      address.family_ = IpFamily::kV4;
      return address;
    }
  } else if (inet_pton(AF_INET6, buffer, address.bytes_.data()) == 1) {
    address.family_ = IpFamily::kV6;
    return address;
  }
  return Error{fmt::format("\"{}\" is not a valid IP address", text)};
}

IpAddress IpAddress::v4(std::uint32_t host_order) {
  IpAddress address;
  address.family_ = IpFamily::kV4;
  for (int i = 0; i < 4; ++i) {
    address.bytes_[i] = static_cast<std::uint8_t>(host_order >> (24 - 8 * i));
  }
  return address;
}

IpAddress IpAddress::from_bytes(IpFamily family, const std::uint8_t* bytes) {
  IpAddress address;
  address.family_ = family;
  std::memcpy(address.bytes_.data(), bytes, address.byte_length());
  return address;
}

std::uint32_t IpAddress::v4_value() const {
  if (!is_v4()) throw std::logic_error("IpAddress::v4_value() on an IPv6 address");
  return (std::uint32_t{bytes_[0]} << 24) | (std::uint32_t{bytes_[1]} << 16) |
         (std::uint32_t{bytes_[2]} << 8) | std::uint32_t{bytes_[3]};
}

bool IpAddress::bit(int i) const {
  if (i < 0 || i >= bit_length()) throw std::out_of_range("IpAddress::bit index");
  return (bytes_[i / 8] >> (7 - i % 8)) & 1;
}

IpAddress IpAddress::masked(int length) const {
  if (length < 0 || length > bit_length()) throw std::invalid_argument("prefix length");
  IpAddress result = *this;
  for (int byte = 0; byte < static_cast<int>(byte_length()); ++byte) {
    const int keep = length - byte * 8;
    if (keep >= 8) continue;
    result.bytes_[byte] =
        keep <= 0 ? 0 : static_cast<std::uint8_t>(result.bytes_[byte] & (0xFF << (8 - keep)));
  }
  return result;
}

IpAddress IpAddress::plus(std::uint64_t offset) const {
  IpAddress result = *this;
  unsigned carry = 0;
  for (int byte = static_cast<int>(byte_length()) - 1; byte >= 0; --byte) {
    const unsigned sum = result.bytes_[byte] + static_cast<unsigned>(offset & 0xFF) + carry;
    result.bytes_[byte] = static_cast<std::uint8_t>(sum);
    carry = sum >> 8;
    offset >>= 8;
  }
  return result;
}

std::string IpAddress::to_string() const {
  char buffer[INET6_ADDRSTRLEN];
  inet_ntop(is_v4() ? AF_INET : AF_INET6, bytes_.data(), buffer, sizeof(buffer));
  return buffer;
}

IpPrefix::IpPrefix(IpAddress address, int length) : length_(length) {
  if (length < 0 || length > address.bit_length()) {
    throw std::invalid_argument(
        fmt::format("prefix length {} for {}", length, address.to_string()));
  }
  address_ = address.masked(length);
}

namespace {

// Splits "ADDR/LEN" and validates both parts; the caller decides what host bits mean.
Result<std::pair<IpAddress, int>> parse_address_and_length(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    return Error{fmt::format("\"{}\" is not a valid CIDR: no prefix length", text)};
  }
  auto address = IpAddress::parse(text.substr(0, slash));
  if (!address) return Error{fmt::format("\"{}\" is not a valid CIDR: bad address", text)};

  const std::string_view length_text = text.substr(slash + 1);
  int length = -1;
  const auto [end, error] =
      std::from_chars(length_text.data(), length_text.data() + length_text.size(), length);
  if (length_text.empty() || error != std::errc() ||
      end != length_text.data() + length_text.size() || length < 0 ||
      length > address->bit_length()) {
    return Error{fmt::format("\"{}\" is not a valid CIDR: prefix length must be 0-{}", text,
                             address->bit_length())};
  }
  return std::pair{*address, length};
}

}  // namespace

Result<IpPrefix> IpPrefix::parse(std::string_view text) {
  auto parts = parse_address_and_length(text);
  if (!parts) return parts.error();
  const auto& [address, length] = *parts;
  if (address.masked(length) != address) {
    return Error{fmt::format("\"{}\" is not a valid CIDR: host bits are set (did you mean {}/{}?)",
                             text, address.masked(length).to_string(), length)};
  }
  return IpPrefix(address, length);
}

Result<IpPrefix> IpPrefix::parse_interface(std::string_view text) {
  auto parts = parse_address_and_length(text);
  if (!parts) return parts.error();
  return IpPrefix(parts->first, parts->second);
}

IpPrefix IpPrefix::host(const IpAddress& address) {
  return IpPrefix(address, address.bit_length());
}

bool IpPrefix::contains(const IpAddress& address) const {
  return address.family() == family() && address.masked(length_) == address_;
}

bool IpPrefix::contains(const IpPrefix& other) const {
  return other.family() == family() && other.length_ >= length_ && contains(other.address_);
}

bool IpPrefix::overlaps(const IpPrefix& other) const {
  return contains(other) || other.contains(*this);
}

std::string IpPrefix::to_string() const {
  return fmt::format("{}/{}", address_.to_string(), length_);
}

}  // namespace tabby
