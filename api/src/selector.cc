#include "tabby/api/selector.h"

#include <fmt/format.h>

#include <optional>

namespace tabby::api {
namespace {

// Nesting of '(' and '!' is bounded so that hostile input cannot exhaust the stack.
constexpr int kMaxDepth = 64;
constexpr std::size_t kMaxLabelLength = 512;

enum class Tok {
  kLabel,
  kString,
  kLBrace,
  kRBrace,
  kComma,
  kEq,
  kNe,
  kIn,
  kNotIn,
  kContains,
  kStartsWith,
  kEndsWith,
  kNot,
  kAll,
  kGlobal,
  kHas,
  kLParen,
  kRParen,
  kAnd,
  kOr,
  kEnd,
};

struct Token {
  Tok kind;
  std::string text;  // label, literal, or has()'s label
  std::size_t position;
};

std::string describe(const Token& token) {
  switch (token.kind) {
    case Tok::kLabel:
      return fmt::format("label '{}'", token.text);
    case Tok::kString:
      return fmt::format("string '{}'", token.text);
    case Tok::kLBrace:
      return "'{'";
    case Tok::kRBrace:
      return "'}'";
    case Tok::kComma:
      return "','";
    case Tok::kEq:
      return "'=='";
    case Tok::kNe:
      return "'!='";
    case Tok::kIn:
      return "'in'";
    case Tok::kNotIn:
      return "'not in'";
    case Tok::kContains:
      return "'contains'";
    case Tok::kStartsWith:
      return "'starts with'";
    case Tok::kEndsWith:
      return "'ends with'";
    case Tok::kNot:
      return "'!'";
    case Tok::kAll:
      return "'all()'";
    case Tok::kGlobal:
      return "'global()'";
    case Tok::kHas:
      return fmt::format("'has({})'", token.text);
    case Tok::kLParen:
      return "'('";
    case Tok::kRParen:
      return "')'";
    case Tok::kAnd:
      return "'&&'";
    case Tok::kOr:
      return "'||'";
    case Tok::kEnd:
      return "end";
  }
  return "token";
}

bool is_label_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '/' || c == '-';
}

struct SyntaxError {
  std::string what;
  std::size_t position;
};

class Tokenizer {
 public:
  explicit Tokenizer(std::string_view text) : text_(text) {}

  // Calico's tokenizer is context-sensitive: right after a label, words such as `in` or
  // `contains` are operators, not labels.
  std::optional<SyntaxError> run(std::vector<Token>& out) {
    while (true) {
      skip_space();
      const std::size_t start = pos_;
      if (pos_ >= text_.size()) {
        out.push_back({Tok::kEnd, "", pos_});
        return std::nullopt;
      }
      const bool after_label = !out.empty() && out.back().kind == Tok::kLabel;
      const char c = text_[pos_];
      switch (c) {
        case '(':
          out.push_back({Tok::kLParen, "", start}), ++pos_;
          continue;
        case ')':
          out.push_back({Tok::kRParen, "", start}), ++pos_;
          continue;
        case '{':
          out.push_back({Tok::kLBrace, "", start}), ++pos_;
          continue;
        case '}':
          out.push_back({Tok::kRBrace, "", start}), ++pos_;
          continue;
        case ',':
          out.push_back({Tok::kComma, "", start}), ++pos_;
          continue;
        case '"':
        case '\'': {
          const auto end = text_.find(c, pos_ + 1);
          if (end == std::string_view::npos) return SyntaxError{"unterminated string", start};
          out.push_back({Tok::kString, std::string(text_.substr(pos_ + 1, end - pos_ - 1)), start});
          pos_ = end + 1;
          continue;
        }
        case '=':
          if (!two('=', '=')) return SyntaxError{"expected '=='", start};
          out.push_back({Tok::kEq, "", start});
          continue;
        case '!':
          if (two('!', '=')) {
            out.push_back({Tok::kNe, "", start});
          } else {
            out.push_back({Tok::kNot, "", start}), ++pos_;
          }
          continue;
        case '&':
          if (!two('&', '&')) return SyntaxError{"expected '&&'", start};
          out.push_back({Tok::kAnd, "", start});
          continue;
        case '|':
          if (!two('|', '|')) return SyntaxError{"expected '||'", start};
          out.push_back({Tok::kOr, "", start});
          continue;
        default:
          break;
      }
      if (after_label) {
        if (word("contains")) {
          out.push_back({Tok::kContains, "", start});
        } else if (word("starts")) {
          skip_space();
          if (!word("with")) return SyntaxError{"expected 'with' after 'starts'", pos_};
          out.push_back({Tok::kStartsWith, "", start});
        } else if (word("ends")) {
          skip_space();
          if (!word("with")) return SyntaxError{"expected 'with' after 'ends'", pos_};
          out.push_back({Tok::kEndsWith, "", start});
        } else if (word("not")) {
          skip_space();
          if (!word("in")) return SyntaxError{"expected 'in' after 'not'", pos_};
          out.push_back({Tok::kNotIn, "", start});
        } else if (word("in")) {
          out.push_back({Tok::kIn, "", start});
        } else {
          return SyntaxError{fmt::format("expected an operator after label '{}'", out.back().text),
                             start};
        }
        continue;
      }
      if (word("has(")) {
        skip_space();
        const std::size_t label_start = pos_;
        std::string label = take_label();
        if (label.empty()) return SyntaxError{"expected a label in has()", label_start};
        if (label.size() > kMaxLabelLength) return SyntaxError{"label too long", label_start};
        skip_space();
        if (!word(")")) return SyntaxError{"expected ')' after has(" + label, pos_};
        out.push_back({Tok::kHas, std::move(label), start});
        continue;
      }
      if (word("all(") || word("global(")) {
        const bool all = text_[start] == 'a';
        skip_space();
        if (!word(")"))
          return SyntaxError{all ? "expected ')' after all(" : "expected ')' after global(", pos_};
        out.push_back({all ? Tok::kAll : Tok::kGlobal, "", start});
        continue;
      }
      std::string label = take_label();
      if (label.empty()) return SyntaxError{fmt::format("unexpected character '{}'", c), start};
      if (label.size() > kMaxLabelLength) return SyntaxError{"label too long", start};
      out.push_back({Tok::kLabel, std::move(label), start});
    }
  }

 private:
  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t'))
      ++pos_;
  }
  bool two(char a, char b) {
    if (pos_ + 1 < text_.size() && text_[pos_] == a && text_[pos_ + 1] == b) {
      pos_ += 2;
      return true;
    }
    return false;
  }
  bool word(std::string_view w) {
    if (text_.substr(pos_, w.size()) != w) return false;
    pos_ += w.size();
    return true;
  }
  std::string take_label() {
    const std::size_t start = pos_;
    while (pos_ < text_.size() && is_label_char(text_[pos_]))
      ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

using NodePtr = std::unique_ptr<SelectorNode>;

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  std::optional<SyntaxError> parse(NodePtr& root) {
    if (peek().kind == Tok::kEnd) {  // "" selects everything, as in Calico
      root = std::make_unique<SelectorNode>();
      return std::nullopt;
    }
    if (auto error = expression(root, 0)) return error;
    if (peek().kind != Tok::kEnd) return unexpected("'&&', '||' or end");
    return std::nullopt;
  }

 private:
  const Token& peek() const { return tokens_[index_]; }
  const Token& next() { return tokens_[index_ < tokens_.size() - 1 ? index_++ : index_]; }

  SyntaxError unexpected(std::string_view expected) const {
    const Token& token = peek();
    if (token.kind == Tok::kEnd) return {"unexpected end", token.position};
    return {fmt::format("unexpected {}, expected {}", describe(token), expected), token.position};
  }

  std::optional<SyntaxError> expression(NodePtr& out, int depth) {
    return binary(out, depth, Tok::kOr, SelectorNode::Op::kOr, true);
  }

  // One level of '||' (over '&&' terms) or of '&&' (over factors).
  std::optional<SyntaxError> binary(NodePtr& out, int depth, Tok token, SelectorNode::Op op,
                                    bool is_or) {
    NodePtr first;
    if (auto error = is_or ? binary(first, depth, Tok::kAnd, SelectorNode::Op::kAnd, false)
                           : factor(first, depth)) {
      return error;
    }
    if (peek().kind != token) {
      out = std::move(first);
      return std::nullopt;
    }
    auto node = std::make_unique<SelectorNode>();
    node->op = op;
    node->operands.push_back(std::move(first));
    while (peek().kind == token) {
      next();
      NodePtr operand;
      if (auto error = is_or ? binary(operand, depth, Tok::kAnd, SelectorNode::Op::kAnd, false)
                             : factor(operand, depth)) {
        return error;
      }
      node->operands.push_back(std::move(operand));
    }
    out = std::move(node);
    return std::nullopt;
  }

  std::optional<SyntaxError> factor(NodePtr& out, int depth) {
    if (depth > kMaxDepth) return SyntaxError{"nested too deeply", peek().position};
    const Token& token = peek();
    auto node = std::make_unique<SelectorNode>();
    switch (token.kind) {
      case Tok::kNot: {
        next();
        node->op = SelectorNode::Op::kNot;
        NodePtr operand;
        if (auto error = factor(operand, depth + 1)) return error;
        node->operands.push_back(std::move(operand));
        out = std::move(node);
        return std::nullopt;
      }
      case Tok::kLParen: {
        next();
        if (auto error = expression(out, depth + 1)) return error;
        if (peek().kind != Tok::kRParen) return unexpected("')'");
        next();
        return std::nullopt;
      }
      case Tok::kAll:
      case Tok::kGlobal:
        node->op = token.kind == Tok::kAll ? SelectorNode::Op::kAll : SelectorNode::Op::kGlobal;
        next();
        out = std::move(node);
        return std::nullopt;
      case Tok::kHas:
        node->op = SelectorNode::Op::kHas;
        node->label = token.text;
        next();
        out = std::move(node);
        return std::nullopt;
      case Tok::kLabel:
        break;
      default:
        return unexpected("a label, 'has(', 'all()', '!' or '('");
    }
    node->label = next().text;
    const Tok op = peek().kind;
    switch (op) {
      case Tok::kEq:
        node->op = SelectorNode::Op::kEqual;
        break;
      case Tok::kNe:
        node->op = SelectorNode::Op::kNotEqual;
        break;
      case Tok::kContains:
        node->op = SelectorNode::Op::kContains;
        break;
      case Tok::kStartsWith:
        node->op = SelectorNode::Op::kStartsWith;
        break;
      case Tok::kEndsWith:
        node->op = SelectorNode::Op::kEndsWith;
        break;
      case Tok::kIn:
        node->op = SelectorNode::Op::kIn;
        break;
      case Tok::kNotIn:
        node->op = SelectorNode::Op::kNotIn;
        break;
      default:
        return unexpected("an operator");
    }
    next();
    if (op == Tok::kIn || op == Tok::kNotIn) {
      if (peek().kind != Tok::kLBrace) return unexpected("'{'");
      next();
      if (peek().kind == Tok::kRBrace) {
        next();
        out = std::move(node);
        return std::nullopt;
      }
      while (true) {
        if (peek().kind != Tok::kString) return unexpected("a quoted string");
        node->values.push_back(next().text);
        if (peek().kind == Tok::kRBrace) break;
        if (peek().kind != Tok::kComma) return unexpected("',' or '}'");
        next();
      }
      next();
    } else {
      if (peek().kind != Tok::kString) return unexpected("a quoted string");
      node->value = next().text;
    }
    out = std::move(node);
    return std::nullopt;
  }

  std::vector<Token> tokens_;
  std::size_t index_ = 0;
};

std::string quote(const std::string& value) {
  return value.find('"') == std::string::npos ? "\"" + value + "\"" : "'" + value + "'";
}

}  // namespace

bool SelectorNode::matches(const Labels& labels) const {
  const auto found = labels.find(label);
  const bool present = found != labels.end();
  switch (op) {
    case Op::kAll:
    case Op::kGlobal:
      return true;
    case Op::kHas:
      return present;
    case Op::kEqual:
      return present && found->second == value;
    case Op::kNotEqual:
      return !present || found->second != value;
    case Op::kContains:
      return present && found->second.find(value) != std::string::npos;
    case Op::kStartsWith:
      return present && found->second.starts_with(value);
    case Op::kEndsWith:
      return present && found->second.ends_with(value);
    case Op::kIn:
    case Op::kNotIn: {
      bool member = false;
      if (present) {
        for (const auto& v : values)
          member = member || v == found->second;
      }
      return op == Op::kIn ? member : !member;
    }
    case Op::kNot:
      return !operands.front()->matches(labels);
    case Op::kAnd:
      for (const auto& operand : operands) {
        if (!operand->matches(labels)) return false;
      }
      return true;
    case Op::kOr:
      for (const auto& operand : operands) {
        if (operand->matches(labels)) return true;
      }
      return false;
  }
  return false;
}

std::string SelectorNode::to_string() const {
  switch (op) {
    case Op::kAll:
      return "all()";
    case Op::kGlobal:
      return "global()";
    case Op::kHas:
      return "has(" + label + ")";
    case Op::kEqual:
      return label + " == " + quote(value);
    case Op::kNotEqual:
      return label + " != " + quote(value);
    case Op::kContains:
      return label + " contains " + quote(value);
    case Op::kStartsWith:
      return label + " starts with " + quote(value);
    case Op::kEndsWith:
      return label + " ends with " + quote(value);
    case Op::kIn:
    case Op::kNotIn: {
      std::string out = label + (op == Op::kIn ? " in {" : " not in {");
      for (std::size_t i = 0; i < values.size(); ++i)
        out += (i ? ", " : "") + quote(values[i]);
      return out + "}";
    }
    case Op::kNot: {
      const auto& operand = *operands.front();
      const bool group = operand.op == Op::kAnd || operand.op == Op::kOr;
      return group ? "!(" + operand.to_string() + ")" : "!" + operand.to_string();
    }
    case Op::kAnd:
    case Op::kOr: {
      std::string out;
      for (const auto& operand : operands) {
        if (!out.empty()) out += op == Op::kAnd ? " && " : " || ";
        // '&&' binds tighter than '||', so only an '||' inside '&&' needs parentheses; an
        // operand of the same operator is grouped too so the tree shape survives a round trip.
        const bool group = operand->op == Op::kOr || operand->op == op;
        out += group ? "(" + operand->to_string() + ")" : operand->to_string();
      }
      return out;
    }
  }
  return "";
}

Result<Selector> Selector::parse(std::string_view text) {
  std::vector<Token> tokens;
  auto fail = [&](const SyntaxError& error) {
    return Error{
        fmt::format("selector \"{}\": {} at position {}", text, error.what, error.position)};
  };
  if (auto error = Tokenizer(text).run(tokens)) return fail(*error);
  NodePtr root;
  if (auto error = Parser(std::move(tokens)).parse(root)) return fail(*error);
  return Selector(std::string(text), std::shared_ptr<const SelectorNode>(std::move(root)));
}

}  // namespace tabby::api
