#pragma once
// A kind's fields described as data, and the one checker that walks an input document
// against such a description. Declaring the ~200 fields of the supported kinds as tables
// keeps Calico's names, Go's omitempty behaviour and each field's rule in one place, and
// gives every kind the same strictness: unknown fields, wrong types and bad values are all
// reported with their path.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "document.h"
#include "tabby/api/resource.h"

namespace tabby::api::detail {

enum class Type {
  kString,
  kBool,
  kInt,
  kAsNumber,  // number, "64512" or "1.10"; stored as a number
  kDuration,  // Go duration text; stored in Go's canonical form ("1m30s")
  kStringList,
  kStringMap,
  kObject,
  kObjectList,
  kAsNumberList,
};

// How Go's encoding/json writes the field, which is what calicoctl prints and stores.
enum class Emit {
  kOmitEmpty,  // `json:",omitempty"` on a value: absent when zero
  kIfSet,      // `json:",omitempty"` on a pointer: present whenever it was given
  kAlways,     // no omitempty: always present, zero when not given
};

// Returns the problem with a value (quoting it), or "" when it is fine.
using Check = std::function<std::string(std::string_view)>;

struct Schema;

struct Field {
  std::string_view name;
  Type type = Type::kString;
  Emit emit = Emit::kOmitEmpty;
  bool required = false;
  Check check;                     // kString, and each element of kStringList
  std::int64_t min = 0, max = 0;   // kInt
  const Schema* schema = nullptr;  // kObject, kObjectList
  // Set on the elements of a list: unlike an empty field (Go's `omitempty,...` skips its
  // checks), an empty list element is checked.
  bool element = false;
};

struct Schema {
  std::vector<Field> fields;
};

class Errors {
 public:
  // Tolerant of unknown fields: a stored value another writer (a newer Calico) wrote may carry
  // fields this build does not know; they are noted, not errors.
  explicit Errors(bool tolerate_unknown_fields = false)
      : tolerate_unknown_fields_(tolerate_unknown_fields) {}
  void add(std::string_view path, std::string_view message);
  // A field the schema does not have: an error, or noted in ignored() when tolerated.
  void unknown_field(std::string_view path);
  bool empty() const { return lines_.empty(); }
  std::size_t size() const { return lines_.size(); }
  const std::vector<std::string>& ignored() const { return ignored_; }
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  bool tolerate_unknown_fields_;
  std::vector<std::string> lines_;
  std::vector<std::string> ignored_;
};

// The checked, normalized object: fields in the schema's order, Go's omitempty applied.
Json decode_object(const Node& in, const Schema& schema, const std::string& path, Errors& errors);

// "is required" on absent or zero values, the way Go's `validate:"required"` sees them.
bool is_zero(const Json& value);

// Checks shared by the kind tables.
Check one_of(std::vector<std::string_view> values, bool case_insensitive = false);
std::string check_cidr(std::string_view text);
std::string check_ip(std::string_view text);
std::string check_ipv4(std::string_view text);
std::string check_ipv6(std::string_view text);
std::string check_cidr_or_ip(std::string_view text);  // "10.0.0.1", "10.0.0.0/24", "10.0.0.1/24"
std::string check_selector(std::string_view text);
std::string check_name(std::string_view text);
std::string check_mac(std::string_view text);
std::string check_interface_name(std::string_view text);

}  // namespace tabby::api::detail
