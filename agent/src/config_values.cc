#include "tabby/agent/config_values.h"

#include <array>
#include <charconv>
#include <cmath>
#include <string>

#include "tabby/agent/text_lists.h"

namespace tabby::agent {

namespace {

bool is_one_of(std::string_view lower, std::initializer_list<std::string_view> names) {
  for (auto name : names) {
    if (lower == name) return true;
  }
  return false;
}

// Digits only (no sign, no blanks), as Go's strconv.ParseUint.
bool parse_digits(std::string_view text, std::uint64_t& value) {
  if (text.empty()) return false;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

}  // namespace

Result<EncapsulationMode> parse_encapsulation_mode(std::string_view text) {
  const std::string lower = to_lower(text);
  if (is_one_of(lower, {"", "never", "off"})) return EncapsulationMode::kNever;
  if (lower == "always") return EncapsulationMode::kAlways;
  if (is_one_of(lower, {"crosssubnet", "cross-subnet"})) return EncapsulationMode::kCrossSubnet;
  return Error{"use Always, CrossSubnet or Never"};
}

bool parse_lenient_bool(std::string_view text) {
  return !is_one_of(to_lower(text), {"false", "0", "no", "n", "f"});
}

Result<bool> parse_felix_bool(std::string_view text) {
  const std::string lower = to_lower(text);
  if (is_one_of(lower, {"true", "1", "yes", "y", "t"})) return true;
  if (is_one_of(lower, {"false", "0", "no", "n", "f"})) return false;
  return Error{"use true or false"};
}

Result<std::uint64_t> parse_unsigned(std::string_view text, std::uint64_t min, std::uint64_t max) {
  std::uint64_t value = 0;
  if (!parse_digits(text, value) || value < min || value > max) {
    return Error{"use a whole number from " + std::to_string(min) + " to " + std::to_string(max)};
  }
  return value;
}

Result<std::chrono::milliseconds> parse_seconds(std::string_view text) {
  const std::string copy(text);
  std::size_t used = 0;
  double seconds = -1;
  try {
    seconds = std::stod(copy, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != copy.size() || !std::isfinite(seconds) || seconds < 0 || seconds > 1e9) {
    return Error{"use a number of seconds (0 or more, e.g. 90 or 2.5)"};
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(seconds * 1000)));
}

Result<std::chrono::milliseconds> parse_go_duration(std::string_view text) {
  const Error error{"use a duration such as 60s, 1m30s, 500ms or 2h (more than zero)"};
  // Longest unit names first, so "ms" is not read as "m".
  static constexpr std::array<std::pair<std::string_view, double>, 6> kUnits{{
      {"ms", 1.0},
      {"us", 1e-3},
      {"ns", 1e-6},
      {"h", 3'600'000.0},
      {"m", 60'000.0},
      {"s", 1000.0},
  }};
  double total_ms = 0;
  std::string_view rest = text;
  if (rest.empty()) return error;
  while (!rest.empty()) {
    std::size_t digits = 0;
    while (digits < rest.size() &&
           (std::isdigit(static_cast<unsigned char>(rest[digits])) || rest[digits] == '.')) {
      ++digits;
    }
    if (digits == 0) return error;
    double number = 0;
    try {
      number = std::stod(std::string(rest.substr(0, digits)));
    } catch (const std::exception&) {
      return error;
    }
    rest.remove_prefix(digits);
    bool matched = false;
    for (const auto& [unit, ms] : kUnits) {
      if (rest.starts_with(unit)) {
        total_ms += number * ms;
        rest.remove_prefix(unit.size());
        matched = true;
        break;
      }
    }
    if (!matched) return error;
  }
  if (total_ms < 1 || total_ms > 1e12) return error;
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(total_ms)));
}

Result<std::uint32_t> parse_as_number(std::string_view text) {
  const Error error{"use an AS number such as 64512 (up to 4294967295) or asdot such as 1.10"};
  const auto dot = text.find('.');
  std::uint64_t value = 0;
  if (dot == std::string_view::npos) {
    if (!parse_digits(text, value) || value > 0xffffffffULL) return error;
    return static_cast<std::uint32_t>(value);
  }
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  if (!parse_digits(text.substr(0, dot), high) || !parse_digits(text.substr(dot + 1), low) ||
      high > 0xffff || low > 0xffff) {
    return error;
  }
  return static_cast<std::uint32_t>((high << 16) | low);
}

}  // namespace tabby::agent
