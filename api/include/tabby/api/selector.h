#pragma once
// Calico's label-selector language (nodeSelector, peerSelector, IPPool.nodeSelector, ...):
//
//   expr   := term ('||' term)*
//   term   := factor ('&&' factor)*
//   factor := '!' factor | '(' expr ')' | 'all()' | 'global()' | 'has(' label ')'
//           | label ('==' | '!=' | 'contains' | 'starts with' | 'ends with') literal
//           | label ('in' | 'not in') '{' [literal (',' literal)*] '}'
//
// Labels are [a-zA-Z0-9_./-]{1,512}; literals are in single or double quotes (no escapes).
// The empty selector means all(). As in Calico, `k != 'v'` and `k not in {...}` also match
// when the label is absent.

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tabby/common/result.h"

namespace tabby::api {

using Labels = std::map<std::string, std::string>;

struct SelectorNode {
  enum class Op {
    kAll,
    kGlobal,
    kHas,
    kEqual,
    kNotEqual,
    kIn,
    kNotIn,
    kContains,
    kStartsWith,
    kEndsWith,
    kNot,
    kAnd,
    kOr,
  };
  Op op = Op::kAll;
  std::string label;                                    // every comparison and has()
  std::string value;                                    // ==, !=, contains, starts/ends with
  std::vector<std::string> values;                      // in, not in
  std::vector<std::unique_ptr<SelectorNode>> operands;  // !, &&, ||

  bool matches(const Labels& labels) const;
  // Canonical text; parses back to an equal tree.
  std::string to_string() const;
};

class Selector {
 public:
  // all()
  Selector() : root_(std::make_shared<const SelectorNode>()) {}
  // Errors read `selector "a == 'x' &&": unexpected end at position 11` (0-based byte offset).
  static Result<Selector> parse(std::string_view text);

  bool matches(const Labels& labels) const { return root_->matches(labels); }
  const SelectorNode& root() const { return *root_; }
  // The text as given, and the canonical form.
  const std::string& text() const { return text_; }
  std::string to_string() const { return root_->to_string(); }

 private:
  Selector(std::string text, std::shared_ptr<const SelectorNode> root)
      : text_(std::move(text)), root_(std::move(root)) {}

  std::string text_;
  std::shared_ptr<const SelectorNode> root_;  // immutable, so copies share it
};

}  // namespace tabby::api
