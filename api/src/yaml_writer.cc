#include "yaml_writer.h"

#include <algorithm>
#include <cctype>
#include <regex>
#include <set>
#include <string_view>
#include <vector>

namespace tabby::api::detail {
namespace {

bool starts_like_date(std::string_view s) {
  if (s.size() < 10) return false;
  for (std::size_t i = 0; i < 10; ++i) {
    const bool digit = std::isdigit(static_cast<unsigned char>(s[i])) != 0;
    if ((i == 4 || i == 7) ? s[i] != '-' : !digit) return false;
  }
  return true;
}

// Would a YAML 1.1 (Go's yaml.v2) or 1.2 reader take this plain text for a number, bool,
// null or date?
bool resolves_to_non_string(std::string_view s) {
  static const std::set<std::string_view> kWords = {
      "null",  "Null",  "NULL",  "~",    "true", "True", "TRUE", "false", "False", "FALSE",
      "yes",   "Yes",   "YES",   "no",   "No",   "NO",   "on",   "On",    "ON",    "off",
      "Off",   "OFF",   "y",     "Y",    "n",    "N",    ".inf", ".Inf",  ".INF",  "-.inf",
      "-.Inf", "-.INF", "+.inf", ".nan", ".NaN", ".NAN", "<<",   "="};
  if (kWords.count(s)) return true;
  if (starts_like_date(s)) return true;
  static const std::regex kNumber(
      "[-+]?(0b[01_]+|0o?[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*(:[0-5]?[0-9])*"
      "|([0-9][0-9_]*)?\\.[0-9_]*([eE][-+]?[0-9]+)?|[0-9][0-9_]*[eE][-+]?[0-9]+"
      "|[0-9][0-9_]*(:[0-5]?[0-9])+\\.[0-9_]*)");
  // libstdc++'s regex recurses per character; long texts get a cruder (stricter) test.
  if (s.size() > 64) {
    return std::all_of(s.begin(), s.end(), [](char c) {
      return std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == ':' ||
             c == '-' || c == '+' || c == 'e' || c == 'E';
    });
  }
  return std::regex_match(s.begin(), s.end(), kNumber);
}

bool needs_quotes(std::string_view s) {
  if (s.empty() || resolves_to_non_string(s)) return true;
  if (std::string_view("-?:,[]{}#&*!|>'\"%@` ").find(s.front()) != std::string_view::npos) {
    return true;
  }
  if (s.back() == ' ' || s.back() == ':') return true;
  if (s.find(": ") != std::string_view::npos || s.find(" #") != std::string_view::npos) {
    return true;
  }
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f || u >= 0x80;
  });
}

std::string scalar(const Json& value) {
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    if (!needs_quotes(s)) return s;
    // A JSON string is a valid double-quoted YAML scalar.
    return Json(s).dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  return value.dump();
}

void write_map(const Json& map, int indent, bool first_inline, std::string& out);
void write_seq(const Json& seq, int indent, std::string& out);

void write_after_key(const Json& value, int indent, std::string& out) {
  if (value.is_object()) {
    if (value.empty()) {
      out += " {}\n";
    } else {
      out += "\n";
      write_map(value, indent + 2, false, out);
    }
  } else if (value.is_array()) {
    if (value.empty()) {
      out += " []\n";
    } else {
      out += "\n";
      write_seq(value, indent, out);
    }
  } else {
    out += " " + scalar(value) + "\n";
  }
}

void write_map(const Json& map, int indent, bool first_inline, std::string& out) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : map.items())
    keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (!(first_inline && i == 0)) out += std::string(indent, ' ');
    out += scalar(Json(keys[i])) + ":";
    write_after_key(map[keys[i]], indent, out);
  }
}

void write_seq(const Json& seq, int indent, std::string& out) {
  for (const auto& item : seq) {
    out += std::string(indent, ' ') + "-";
    if (item.is_object() && !item.empty()) {
      out += " ";
      write_map(item, indent + 2, true, out);
    } else if (item.is_array() && !item.empty()) {
      out += "\n";
      write_seq(item, indent + 2, out);
    } else if (item.is_object()) {
      out += " {}\n";
    } else if (item.is_array()) {
      out += " []\n";
    } else {
      out += " " + scalar(item) + "\n";
    }
  }
}

}  // namespace

std::string write_yaml(const Json& value) {
  std::string out;
  if (value.is_object() && !value.empty()) {
    write_map(value, 0, false, out);
  } else if (value.is_array() && !value.empty()) {
    write_seq(value, 0, out);
  } else {
    out = (value.is_object() ? "{}" : value.is_array() ? "[]" : scalar(value)) + "\n";
  }
  return out;
}

}  // namespace tabby::api::detail
