#pragma once
// Building BGP messages byte by byte in tests: hex text plus helpers that fill in the length
// fields, so each vector reads like the RFC's figures.

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace tabby::bgp::testing {

using Bytes = std::vector<std::uint8_t>;

// "ff 00 0a" -> {0xff, 0x00, 0x0a}; spaces are ignored.
inline Bytes hex(std::string_view text) {
  Bytes out;
  int high = -1;
  for (char c : text) {
    int v;
    if (c >= '0' && c <= '9')
      v = c - '0';
    else if (c >= 'a' && c <= 'f')
      v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      v = c - 'A' + 10;
    else
      continue;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(high * 16 + v));
      high = -1;
    }
  }
  return out;
}

inline std::string to_hex(const Bytes& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (auto b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0xF];
  }
  return out;
}

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}

inline Bytes u16(std::size_t v) {
  return {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

// Marker, length and type in front of a body.
inline Bytes message(std::uint8_t type, const Bytes& body) {
  Bytes out(16, 0xFF);
  const auto length = u16(19 + body.size());
  out.insert(out.end(), length.begin(), length.end());
  out.push_back(type);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// Type, 1-octet length, value: capabilities and classic optional parameters.
inline Bytes tlv(std::uint8_t type, const Bytes& value) {
  return cat({{type, static_cast<std::uint8_t>(value.size())}, value});
}

// A path attribute; a 2-octet length when `flags` has Extended Length (0x10).
inline Bytes attribute(std::uint8_t flags, std::uint8_t type, const Bytes& value) {
  if (flags & 0x10) return cat({{flags, type}, u16(value.size()), value});
  return cat({{flags, type, static_cast<std::uint8_t>(value.size())}, value});
}

inline Bytes update_body(const Bytes& withdrawn, const Bytes& attributes, const Bytes& nlri) {
  return cat({u16(withdrawn.size()), withdrawn, u16(attributes.size()), attributes, nlri});
}

inline Bytes update(const Bytes& withdrawn, const Bytes& attributes, const Bytes& nlri) {
  return message(2, update_body(withdrawn, attributes, nlri));
}

// OPEN: version 4, the given AS, hold time and identifier, then the parameters.
inline Bytes open_message(std::uint16_t as, std::uint16_t hold, const Bytes& identifier,
                          const Bytes& parameters) {
  return message(1, cat({{4},
                         u16(as),
                         u16(hold),
                         identifier,
                         {static_cast<std::uint8_t>(parameters.size())},
                         parameters}));
}

// Names parameterised cases after their `name` field.
struct CaseName {
  template <typename T>
  std::string operator()(const ::testing::TestParamInfo<T>& case_info) const {
    return case_info.param.name;
  }
};

}  // namespace tabby::bgp::testing
