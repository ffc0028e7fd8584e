#include "tabby/api/etcd_codec.h"

#include <array>
#include <charconv>

#include "tabby/api/datastore_keys.h"

namespace tabby::api::etcd {

namespace {
constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}
}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const auto b0 = static_cast<unsigned char>(bytes[i]);
    const auto b1 = static_cast<unsigned char>(bytes[i + 1]);
    const auto b2 = static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[b0 >> 2];
    out += kAlphabet[((b0 & 0x3) << 4) | (b1 >> 4)];
    out += kAlphabet[((b1 & 0xf) << 2) | (b2 >> 6)];
    out += kAlphabet[b2 & 0x3f];
  }
  if (i + 1 == bytes.size()) {
    const auto b0 = static_cast<unsigned char>(bytes[i]);
    out += kAlphabet[b0 >> 2];
    out += kAlphabet[(b0 & 0x3) << 4];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    const auto b0 = static_cast<unsigned char>(bytes[i]);
    const auto b1 = static_cast<unsigned char>(bytes[i + 1]);
    out += kAlphabet[b0 >> 2];
    out += kAlphabet[((b0 & 0x3) << 4) | (b1 >> 4)];
    out += kAlphabet[(b1 & 0xf) << 2];
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    std::array<int, 4> s{};
    int padding = 0;
    for (int j = 0; j < 4; ++j) {
      const char c = text[i + static_cast<size_t>(j)];
      if (c == '=' && last && j >= 2) {
        s[static_cast<size_t>(j)] = 0;
        ++padding;
        continue;
      }
      if (padding > 0) return std::nullopt;  // data after padding
      s[static_cast<size_t>(j)] = sextet(c);
      if (s[static_cast<size_t>(j)] < 0) return std::nullopt;
    }
    const unsigned bits = static_cast<unsigned>(s[0] << 18 | s[1] << 12 | s[2] << 6 | s[3]);
    out += static_cast<char>((bits >> 16) & 0xff);
    if (padding < 2) out += static_cast<char>((bits >> 8) & 0xff);
    if (padding < 1) out += static_cast<char>(bits & 0xff);
  }
  return out;
}

std::optional<std::int64_t> int64_field(const nlohmann::json& object, std::string_view name) {
  if (!object.is_object()) return std::nullopt;
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) return 0;
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (!it->is_string()) return std::nullopt;
  const auto& text = it->get_ref<const std::string&>();
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

namespace {
std::optional<std::string> bytes_field(const nlohmann::json& object, std::string_view name) {
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) return std::string();
  if (!it->is_string()) return std::nullopt;
  return base64_decode(it->get_ref<const std::string&>());
}
}  // namespace

std::optional<KeyValue> decode_key_value(const nlohmann::json& kv) {
  if (!kv.is_object()) return std::nullopt;
  auto key = bytes_field(kv, "key");
  auto value = bytes_field(kv, "value");
  auto mod = int64_field(kv, "mod_revision");
  auto create = int64_field(kv, "create_revision");
  if (!key || !value || !mod || !create || key->empty()) return std::nullopt;
  return KeyValue{std::move(*key), std::move(*value), *mod, *create};
}

nlohmann::json range_request(std::string_view key, bool prefix) {
  nlohmann::json body = {
      {"key", base64_encode(prefix && key.empty() ? std::string_view("\0", 1) : key)}};
  if (prefix) {
    // etcd: range_end "\0" means "every key >= key".
    const auto end = prefix_range_end(key);
    body["range_end"] = base64_encode(end ? *end : std::string(1, '\0'));
  }
  return body;
}

DatastoreErrorKind kind_of_grpc_error(int grpc_code, std::string_view message) {
  if (message.find("compacted") != std::string_view::npos) return DatastoreErrorKind::Compacted;
  switch (grpc_code) {
    case 3:   // INVALID_ARGUMENT
    case 11:  // OUT_OF_RANGE (future revision)
      return DatastoreErrorKind::InvalidArgument;
    case 5:  // NOT_FOUND
      return DatastoreErrorKind::NotFound;
    case 1:   // CANCELLED
    case 4:   // DEADLINE_EXCEEDED
    case 8:   // RESOURCE_EXHAUSTED
    case 10:  // ABORTED
    case 14:  // UNAVAILABLE (no leader, leader changed, stopping)
    case 16:  // UNAUTHENTICATED
      return DatastoreErrorKind::Unavailable;
    default:
      return DatastoreErrorKind::Internal;
  }
}

}  // namespace tabby::api::etcd
