#pragma once
// The parsed form of an input document before it is checked against a kind's schema.
// YAML and JSON both become this tree. Scalars keep their text and whether they were
// quoted, because the meaning of `1.10` or `yes` depends on the field it is given to (an AS
// number, a string, a bool), exactly as with Calico's YAML-to-JSON conversion.

#include <string>
#include <string_view>
#include <vector>

#include "tabby/common/result.h"

namespace tabby::api::detail {

struct Node;

// A mapping entry. (Not a std::pair: Clang's libstdc++ wants Node complete for that.)
struct Entry;

struct Node {
  enum class Type { kNull, kScalar, kSequence, kMap };
  Type type = Type::kNull;
  std::string text;  // scalars
  bool quoted = false;
  std::vector<Node> items;     // sequences
  std::vector<Entry> entries;  // maps, in input order

  const Node* find(std::string_view key) const;
};

struct Entry {
  std::string key;
  Node value;
};

inline const Node* Node::find(std::string_view key) const {
  for (const auto& entry : entries) {
    if (entry.key == key) return &entry.value;
  }
  return nullptr;
}

// Every document of a YAML stream, or the single JSON value when the text starts with '{'
// or '['. Bounded in nesting and size so hostile input cannot exhaust the stack or memory.
Result<std::vector<Node>> parse_documents(std::string_view text);

// How a value is quoted in messages: `"10.0.0.0/33"`, `a list`, `a mapping`, `null`.
std::string show(const Node& node);

}  // namespace tabby::api::detail
