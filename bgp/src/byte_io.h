#pragma once
// Bounded big-endian reading and writing. A read past the end returns zeros and marks the
// reader as overrun instead of touching memory it does not own; decoders check has() or
// overrun() and turn a short read into the right NOTIFICATION.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace tabby::bgp::detail {

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  std::size_t remaining() const { return bytes_.size() - offset_; }
  std::size_t offset() const { return offset_; }
  bool empty() const { return remaining() == 0; }
  bool has(std::size_t count) const { return remaining() >= count; }
  bool overrun() const { return overrun_; }

  std::uint8_t u8() { return has(1) ? bytes_[offset_++] : fail<std::uint8_t>(); }
  std::uint16_t u16() {
    if (!has(2)) return fail<std::uint16_t>();
    const auto value = static_cast<std::uint16_t>((bytes_[offset_] << 8) | bytes_[offset_ + 1]);
    offset_ += 2;
    return value;
  }
  std::uint32_t u32() {
    if (!has(4)) return fail<std::uint32_t>();
    std::uint32_t value = 0;
    for (int i = 0; i < 4; ++i)
      value = (value << 8) | bytes_[offset_++];
    return value;
  }
  // The next `count` bytes; an empty span (and overrun) if there are fewer.
  std::span<const std::uint8_t> take(std::size_t count) {
    if (!has(count)) return fail<std::span<const std::uint8_t>>();
    auto out = bytes_.subspan(offset_, count);
    offset_ += count;
    return out;
  }
  std::span<const std::uint8_t> rest() { return take(remaining()); }

 private:
  template <typename T>
  T fail() {
    overrun_ = true;
    offset_ = bytes_.size();
    return T{};
  }

  std::span<const std::uint8_t> bytes_;
  std::size_t offset_ = 0;
  bool overrun_ = false;
};

class ByteWriter {
 public:
  explicit ByteWriter(std::vector<std::uint8_t>& out) : out_(out) {}

  std::size_t size() const { return out_.size(); }
  void u8(std::uint8_t value) { out_.push_back(value); }
  void u16(std::uint16_t value) {
    out_.push_back(static_cast<std::uint8_t>(value >> 8));
    out_.push_back(static_cast<std::uint8_t>(value));
  }
  void u32(std::uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8)
      out_.push_back(static_cast<std::uint8_t>(value >> shift));
  }
  void bytes(std::span<const std::uint8_t> data) {
    out_.insert(out_.end(), data.begin(), data.end());
  }
  // Writes a 2-octet placeholder and returns where, for patch_u16 once the length is known.
  std::size_t reserve_u16() {
    u16(0);
    return out_.size() - 2;
  }
  void patch_u16(std::size_t at, std::uint16_t value) {
    out_[at] = static_cast<std::uint8_t>(value >> 8);
    out_[at + 1] = static_cast<std::uint8_t>(value);
  }
  void patch_u8(std::size_t at, std::uint8_t value) { out_[at] = value; }

 private:
  std::vector<std::uint8_t>& out_;
};

}  // namespace tabby::bgp::detail
