#include "schema.h"

#include <fmt/format.h>

#include <charconv>
#include <set>

#include "tabby/api/selector.h"
#include "tabby/api/values.h"
#include "tabby/common/ip.h"

namespace tabby::api::detail {
namespace {

std::string quote_text(std::string_view text) {
  return show(Node{Node::Type::kScalar, std::string(text)});
}

std::string join(const std::string& path, std::string_view name) {
  return path.empty() ? std::string(name) : path + "." + std::string(name);
}

const char* type_name(Type type) {
  switch (type) {
    case Type::kString:
    case Type::kDuration:
      return "a string";
    case Type::kBool:
      return "a boolean";
    case Type::kInt:
      return "an integer";
    case Type::kAsNumber:
      return "an AS number";
    case Type::kStringList:
    case Type::kObjectList:
    case Type::kAsNumberList:
      return "a list";
    case Type::kStringMap:
    case Type::kObject:
      return "a mapping";
  }
  return "a value";
}

bool is_scalar_type(Type type) {
  return type == Type::kString || type == Type::kBool || type == Type::kInt ||
         type == Type::kAsNumber || type == Type::kDuration;
}

// Returns null (and records why) when the value cannot be taken.
Json decode_scalar(const Node& in, const Field& field, const std::string& path, Errors& errors) {
  if (in.type != Node::Type::kScalar) {
    errors.add(path, fmt::format("expected {}, got {}", type_name(field.type), show(in)));
    return nullptr;
  }
  switch (field.type) {
    case Type::kString: {
      if (field.check && (field.element || !in.text.empty())) {
        if (auto problem = field.check(in.text); !problem.empty()) {
          errors.add(path, problem);
          return nullptr;
        }
      }
      return in.text;
    }
    case Type::kBool: {
      static const std::set<std::string_view> kTrue = {"true", "True", "TRUE", "yes", "Yes",
                                                       "YES",  "on",   "On",   "ON"};
      static const std::set<std::string_view> kFalse = {"false", "False", "FALSE", "no", "No",
                                                        "NO",    "off",   "Off",   "OFF"};
      if (!in.quoted && kTrue.count(in.text)) return true;
      if (!in.quoted && kFalse.count(in.text)) return false;
      errors.add(path, fmt::format("{} is not a boolean (true or false)", show(in)));
      return nullptr;
    }
    case Type::kInt: {
      std::int64_t value = 0;
      const char* begin = in.text.data();
      const char* end = begin + in.text.size();
      auto [stop, ec] = std::from_chars(begin, end, value);
      if (in.quoted || in.text.empty() || ec != std::errc() || stop != end) {
        errors.add(path, fmt::format("{} is not an integer", show(in)));
        return nullptr;
      }
      if (value < field.min || value > field.max) {
        errors.add(path,
                   fmt::format("{} must be between {} and {}", in.text, field.min, field.max));
        return nullptr;
      }
      return value;
    }
    case Type::kAsNumber: {
      auto asn = parse_as_number(in.text);
      if (!asn) {
        errors.add(path, asn.error().message);
        return nullptr;
      }
      return *asn;
    }
    case Type::kDuration: {
      auto duration = parse_duration(in.text);
      if (!duration) {
        errors.add(path, duration.error().message);
        return nullptr;
      }
      if (duration->count() < 0) {
        errors.add(path, fmt::format("{} must not be negative", show(in)));
        return nullptr;
      }
      return format_duration(*duration);
    }
    default:
      return nullptr;
  }
}

Json decode_value(const Node& in, const Field& field, const std::string& path, Errors& errors) {
  if (is_scalar_type(field.type)) return decode_scalar(in, field, path, errors);
  switch (field.type) {
    case Type::kObject:
      if (in.type != Node::Type::kMap) break;
      return decode_object(in, *field.schema, path, errors);
    case Type::kStringMap: {
      if (in.type != Node::Type::kMap) break;
      Json out = Json::object();
      for (const auto& [key, value] : in.entries) {
        const std::string item_path = join(path, key);
        if (value.type != Node::Type::kScalar) {
          errors.add(item_path, fmt::format("expected a string, got {}", show(value)));
        } else if (out.contains(key)) {
          errors.add(item_path, "duplicate key");
        } else if (auto problem = field.check ? field.check(key + "=" + value.text) : "";
                   !problem.empty()) {
          errors.add(item_path, problem);
        } else {
          out[key] = value.text;
        }
      }
      return out;
    }
    case Type::kStringList:
    case Type::kObjectList:
    case Type::kAsNumberList: {
      if (in.type != Node::Type::kSequence) break;
      Field element = field;
      element.element = true;
      element.type = field.type == Type::kStringList   ? Type::kString
                     : field.type == Type::kObjectList ? Type::kObject
                                                       : Type::kAsNumber;
      Json out = Json::array();
      for (std::size_t i = 0; i < in.items.size(); ++i) {
        const std::string item_path = fmt::format("{}[{}]", path, i);
        if (in.items[i].type == Node::Type::kNull) {
          errors.add(item_path, fmt::format("expected {}, got null", type_name(element.type)));
          continue;
        }
        Json value = decode_value(in.items[i], element, item_path, errors);
        if (!value.is_null()) out.push_back(std::move(value));
      }
      return out;
    }
    default:
      break;
  }
  errors.add(path, fmt::format("expected {}, got {}", type_name(field.type), show(in)));
  return nullptr;
}

Json zero_of(Type type) {
  switch (type) {
    case Type::kString:
    case Type::kDuration:
      return "";
    case Type::kBool:
      return false;
    case Type::kInt:
    case Type::kAsNumber:
      return 0;
    case Type::kStringList:
    case Type::kObjectList:
    case Type::kAsNumberList:
      return Json::array();
    case Type::kStringMap:
    case Type::kObject:
      return Json::object();
  }
  return nullptr;
}

}  // namespace

void Errors::add(std::string_view path, std::string_view message) {
  lines_.push_back(fmt::format("{}: {}", path, message));
}

void Errors::unknown_field(std::string_view path) {
  if (tolerate_unknown_fields_) {
    ignored_.emplace_back(path);
  } else {
    add(path, "unknown field");
  }
}

bool is_zero(const Json& value) {
  if (value.is_null()) return true;
  if (value.is_string()) return value.get_ref<const std::string&>().empty();
  if (value.is_boolean()) return !value.get<bool>();
  if (value.is_number()) return value == 0;
  return value.empty();
}

Json decode_object(const Node& in, const Schema& schema, const std::string& path, Errors& errors) {
  Json out = Json::object();
  if (in.type != Node::Type::kMap) {
    errors.add(path, fmt::format("expected a mapping, got {}", show(in)));
    return out;
  }
  std::set<std::string_view> seen;
  for (const auto& entry : in.entries) {
    const std::string& key = entry.key;
    const bool known = std::any_of(schema.fields.begin(), schema.fields.end(),
                                   [&](const Field& f) { return f.name == key; });
    if (!known) {
      errors.unknown_field(join(path, key));
    } else if (!seen.insert(key).second) {
      errors.add(join(path, key), "duplicate field");
    }
  }
  for (const Field& field : schema.fields) {
    const std::string field_path = join(path, field.name);
    const Node* value = in.find(field.name);
    Json decoded;
    if (value && value->type != Node::Type::kNull) {
      decoded = decode_value(*value, field, field_path, errors);
      if (decoded.is_null()) continue;  // already reported
    }
    if (field.required && is_zero(decoded)) {
      errors.add(field_path, "is required");
      continue;
    }
    switch (field.emit) {
      case Emit::kOmitEmpty:
        if (!is_zero(decoded)) out[std::string(field.name)] = std::move(decoded);
        break;
      case Emit::kIfSet:
        if (!decoded.is_null()) out[std::string(field.name)] = std::move(decoded);
        break;
      case Emit::kAlways:
        out[std::string(field.name)] = decoded.is_null() ? zero_of(field.type) : std::move(decoded);
        break;
    }
  }
  return out;
}

Check one_of(std::vector<std::string_view> values, bool case_insensitive) {
  return [values = std::move(values), case_insensitive](std::string_view text) -> std::string {
    for (auto value : values) {
      if (value == text) return "";
      if (case_insensitive && value.size() == text.size() &&
          std::equal(value.begin(), value.end(), text.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) ==
                   std::tolower(static_cast<unsigned char>(b));
          })) {
        return "";
      }
    }
    std::string list;
    for (auto value : values)
      list += (list.empty() ? "" : ", ") + std::string(value);
    return fmt::format("{} is not one of {}", quote_text(text), list);
  };
}

std::string check_cidr(std::string_view text) {
  auto prefix = IpPrefix::parse(text);
  return prefix ? "" : prefix.error().message;
}

std::string check_ip(std::string_view text) {
  auto address = IpAddress::parse(text);
  return address ? "" : address.error().message;
}

std::string check_ipv4(std::string_view text) {
  auto address = IpAddress::parse(text);
  if (!address) return address.error().message;
  return address->is_v4() ? "" : fmt::format("{} is not an IPv4 address", quote_text(text));
}

std::string check_ipv6(std::string_view text) {
  auto address = IpAddress::parse(text);
  if (!address) return address.error().message;
  return address->is_v6() ? "" : fmt::format("{} is not an IPv6 address", quote_text(text));
}

std::string check_cidr_or_ip(std::string_view text) {
  if (IpAddress::parse(text) || IpPrefix::parse_interface(text)) return "";
  return fmt::format("{} is not a valid IP address or CIDR", quote_text(text));
}

std::string check_selector(std::string_view text) {
  auto selector = Selector::parse(text);
  return selector ? "" : selector.error().message;
}

std::string check_name(std::string_view text) {
  auto problem = dns1123_subdomain_problem(text);
  return problem.empty() ? ""
                         : fmt::format("{} is not a valid name: {}", quote_text(text), problem);
}

std::string check_mac(std::string_view text) {
  return is_mac_address(text) ? "" : fmt::format("{} is not a valid MAC address", quote_text(text));
}

std::string check_interface_name(std::string_view text) {
  bool ok = !text.empty() && text.size() <= 15;
  for (char c : text) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-');
  }
  return ok ? ""
            : fmt::format("{} is not a valid interface name (1-15 of a-z, A-Z, 0-9, '_', '.', '-')",
                          quote_text(text));
}

}  // namespace tabby::api::detail
