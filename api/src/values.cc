#include "tabby/api/values.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <vector>

namespace tabby::api {
namespace {

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::optional<std::uint64_t> to_number(std::string_view text, std::uint64_t max) {
  if (!all_digits(text) || text.size() > 20) return std::nullopt;
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > max) return std::nullopt;
  return value;
}

bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// Appends `value / divisor` with up to `digits` fraction digits, trailing zeros dropped.
void append_fraction(std::string& out, std::uint64_t value, std::uint64_t divisor, int digits) {
  out += std::to_string(value / divisor);
  std::uint64_t rest = value % divisor;
  if (rest == 0) return;
  std::string fraction = fmt::format("{:0{}}", rest, digits);
  while (!fraction.empty() && fraction.back() == '0')
    fraction.pop_back();
  out += "." + fraction;
}

}  // namespace

Result<std::uint32_t> parse_as_number(std::string_view text) {
  const auto dot = text.find('.');
  std::optional<std::uint64_t> value;
  if (dot == std::string_view::npos) {
    value = to_number(text, std::numeric_limits<std::uint32_t>::max());
  } else {
    auto high = to_number(text.substr(0, dot), 0xFFFF);
    auto low = to_number(text.substr(dot + 1), 0xFFFF);
    if (high && low) value = (*high << 16) | *low;
  }
  if (!value || *value == 0) return Error{fmt::format("\"{}\" is not a valid AS number", text)};
  return static_cast<std::uint32_t>(*value);
}

Result<PeerAddress> parse_peer_ip(std::string_view text) {
  auto bad = [&] {
    return Error{fmt::format("\"{}\" is not a valid IP address or IP:port", text)};
  };
  PeerAddress peer;
  std::string_view host = text;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return bad();
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    if (host.find(':') == std::string_view::npos) return bad();  // brackets are for IPv6
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    const auto colon = text.find(':');
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  auto address = IpAddress::parse(host);
  if (!address) return bad();
  peer.address = *address;
  if (!port.empty() || host.size() != text.size()) {
    auto number = to_number(port, 65535);
    if (!number || *number == 0) return bad();
    peer.port = static_cast<std::uint16_t>(*number);
  }
  return peer;
}

Result<std::chrono::nanoseconds> parse_duration(std::string_view text) {
  auto bad = [&] { return Error{fmt::format("\"{}\" is not a valid duration", text)}; };
  std::string_view rest = text;
  bool negative = false;
  if (!rest.empty() && (rest.front() == '-' || rest.front() == '+')) {
    negative = rest.front() == '-';
    rest.remove_prefix(1);
  }
  if (rest == "0") return std::chrono::nanoseconds(0);
  if (rest.empty()) return bad();
  // Go caps durations at int64 nanoseconds (about 290 years).
  constexpr long double kMax = static_cast<long double>(std::numeric_limits<std::int64_t>::max());
  long double total = 0;
  while (!rest.empty()) {
    std::size_t i = 0;
    long double number = 0;
    bool digits = false;
    while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') {
      number = number * 10 + (rest[i] - '0'), digits = true, ++i;
      if (number > kMax) return bad();
    }
    if (i < rest.size() && rest[i] == '.') {
      ++i;
      long double scale = 1;
      while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') {
        scale /= 10, number += (rest[i] - '0') * scale, digits = true, ++i;
      }
    }
    if (!digits) return bad();
    std::size_t unit_end = i;
    while (unit_end < rest.size() && !(rest[unit_end] >= '0' && rest[unit_end] <= '9') &&
           rest[unit_end] != '.') {
      ++unit_end;
    }
    const std::string_view unit = rest.substr(i, unit_end - i);
    long double scale = 0;
    if (unit == "ns")
      scale = 1;
    else if (unit == "us" || unit == "\u00b5s" || unit == "\u03bcs")
      scale = 1e3;
    else if (unit == "ms")
      scale = 1e6;
    else if (unit == "s")
      scale = 1e9;
    else if (unit == "m")
      scale = 60e9;
    else if (unit == "h")
      scale = 3600e9;
    else
      return bad();
    total += number * scale;
    if (total > kMax) return bad();
    rest.remove_prefix(unit_end);
  }
  const auto ns = static_cast<std::int64_t>(total + 0.5L > kMax ? kMax : total + 0.5L);
  return std::chrono::nanoseconds(negative ? -ns : ns);
}

std::string format_duration(std::chrono::nanoseconds duration) {
  std::int64_t signed_ns = duration.count();
  if (signed_ns == 0) return "0s";
  std::string out = signed_ns < 0 ? "-" : "";
  const std::uint64_t ns = signed_ns < 0 ? 0 - static_cast<std::uint64_t>(signed_ns)
                                         : static_cast<std::uint64_t>(signed_ns);
  if (ns < 1000) return out + std::to_string(ns) + "ns";
  if (ns < 1000000) {
    append_fraction(out, ns, 1000, 3);
    return out + "\u00b5s";
  }
  if (ns < 1000000000) {
    append_fraction(out, ns, 1000000, 6);
    return out + "ms";
  }
  const std::uint64_t hours = ns / 3600000000000ULL;
  const std::uint64_t minutes = ns / 60000000000ULL % 60;
  const std::uint64_t seconds_ns = ns % 60000000000ULL;
  if (hours > 0) out += std::to_string(hours) + "h";
  if (hours > 0 || minutes > 0) out += std::to_string(minutes) + "m";
  append_fraction(out, seconds_ns, 1000000000, 9);
  return out + "s";
}

std::string dns1123_subdomain_problem(std::string_view name) {
  if (name.empty()) return "must not be empty";
  if (name.size() > 253) return "must be no more than 253 characters";
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (c == '.' || c == '-') {
      const bool edge = i == 0 || i + 1 == name.size();
      if (edge || (c == '.' && (!is_lower_alnum(name[i - 1]) || !is_lower_alnum(name[i + 1])))) {
        return "must consist of lower case alphanumeric characters, '-' or '.', and must start "
               "and end with an alphanumeric character";
      }
    } else if (!is_lower_alnum(c)) {
      return "must consist of lower case alphanumeric characters, '-' or '.', and must start "
             "and end with an alphanumeric character";
    }
  }
  return "";
}

std::string dns1123_label_problem(std::string_view name) {
  if (name.size() > 63) return "must be no more than 63 characters";
  if (name.find('.') != std::string_view::npos) {
    return "must consist of lower case alphanumeric characters or '-'";
  }
  return dns1123_subdomain_problem(name);
}

bool is_community_value(std::string_view text) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const auto colon = text.find(':', start);
    parts.push_back(text.substr(start, colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  if (parts.size() != 2 && parts.size() != 3) return false;
  const std::uint64_t max = parts.size() == 2 ? 0xFFFF : 0xFFFFFFFF;
  for (auto part : parts) {
    if (!to_number(part, max)) return false;
  }
  return true;
}

bool is_mac_address(std::string_view text) {
  if (text.size() != 17) return false;
  const char separator = text[2];
  if (separator != ':' && separator != '-') return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i % 3 == 2) {
      if (c != separator) return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

}  // namespace tabby::api
