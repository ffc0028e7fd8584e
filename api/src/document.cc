#include "document.h"

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

namespace tabby::api::detail {
namespace {

// Resources are a handful of levels deep; anything deeper is not a resource and would only
// let an input drive recursion (ours, yaml-cpp's, nlohmann's) as deep as it likes.
constexpr int kMaxDepth = 64;
// Aliases let a small YAML text expand into a huge tree ("billion laughs").
constexpr std::size_t kMaxNodes = 100000;

// Strings must be UTF-8: JSON output could not carry anything else unchanged, and Calico's
// own JSON encoding would silently replace the bad bytes.
bool valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    int extra = 0;
    std::uint32_t code = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1, code = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2, code = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3, code = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= text.size()) return false;  // truncated sequence
    for (int k = 1; k <= extra; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    // Overlong forms, surrogates and values beyond Unicode are not UTF-8 either.
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (code < kMin[extra] || (code >= 0xD800 && code <= 0xDFFF) || code > 0x10FFFF) return false;
    i += extra + 1;
  }
  return true;
}

Error not_utf8() {
  return Error{"text is not valid UTF-8"};
}

struct Budget {
  std::size_t nodes = 0;
};

// Flow collections ('[' and '{') nest without costing indentation; refuse deep ones before
// yaml-cpp recurses into them. Quoted text is skipped roughly, which only makes the guard
// stricter than needed for odd strings full of brackets.
bool flow_nesting_too_deep(std::string_view text) {
  int depth = 0;
  char quote = 0;
  for (char c : text) {
    if (quote) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxDepth) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    } else if (c == '\n') {
      quote = 0;
    }
  }
  return false;
}

// Builds our tree straight from yaml-cpp's parser events. Going through YAML::LoadAll
// instead would hang: yaml-cpp 0.7 answers a stray ',' at document level (`- a\n,`) with
// endless empty documents at the same position, which only a caller watching positions can
// notice. Building from events also lets us bound depth and alias expansion as we go.
class TreeBuilder : public YAML::EventHandler {
 public:
  explicit TreeBuilder(Budget& budget) : budget_(budget) {}

  // The finished document, or why it was refused.
  Result<Node> take() {
    if (!error_.empty()) return Error{error_};
    return std::move(root_);
  }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t anchor) override { add(Node{}, anchor); }
  void OnAlias(const YAML::Mark&, YAML::anchor_t anchor) override {
    auto found = anchors_.find(anchor);
    if (found == anchors_.end()) return fail("alias to an unknown anchor");
    if (budget_.nodes + found->second.second > kMaxNodes) return fail(kTooLarge);
    budget_.nodes += found->second.second;
    add(found->second.first, 0, false);
  }
  void OnScalar(const YAML::Mark&, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    if (!valid_utf8(value)) return fail(kNotUtf8);
    Node node;
    node.text = value;
    // "!" marks a quoted scalar; an explicit !!str tag means the same.
    node.quoted = tag == "!" || tag == "tag:yaml.org,2002:str";
    const bool null_word = value == "~" || value == "null" || value == "Null" || value == "NULL";
    node.type = (!node.quoted && null_word) ? Node::Type::kNull : Node::Type::kScalar;
    add(std::move(node), anchor);
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(Node::Type::kSequence, anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(Node::Type::kMap, anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  static constexpr const char* kTooLarge = "document is too large (aliases expand too far?)";
  static constexpr const char* kNotUtf8 = "text is not valid UTF-8";

  struct Frame {
    Node node;
    YAML::anchor_t anchor = 0;
    std::size_t first_node = 0;      // budget count when it opened, to size it for aliases
    std::optional<std::string> key;  // maps: the key waiting for its value
  };

  void fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
  }

  void open(Node::Type type, YAML::anchor_t anchor) {
    if (!error_.empty()) return;
    if (stack_.size() >= static_cast<std::size_t>(kMaxDepth))
      return fail("document is nested too deeply");
    if (++budget_.nodes > kMaxNodes) return fail(kTooLarge);
    Frame frame;
    frame.node.type = type;
    frame.anchor = anchor;
    frame.first_node = budget_.nodes;
    stack_.push_back(std::move(frame));
  }

  void close() {
    if (!error_.empty() || stack_.empty()) return;
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    if (frame.key) return fail("mapping key without a value");
    if (frame.anchor) anchors_[frame.anchor] = {frame.node, budget_.nodes - frame.first_node + 1};
    add(std::move(frame.node), 0, false);
  }

  void add(Node node, YAML::anchor_t anchor, bool count = true) {
    if (!error_.empty()) return;
    if (count && ++budget_.nodes > kMaxNodes) return fail(kTooLarge);
    if (anchor) anchors_[anchor] = {node, 1};
    if (stack_.empty()) {
      root_ = std::move(node);
      return;
    }
    Frame& parent = stack_.back();
    if (parent.node.type == Node::Type::kSequence) {
      parent.node.items.push_back(std::move(node));
    } else if (!parent.key) {
      if (node.type != Node::Type::kScalar && node.type != Node::Type::kNull) {
        return fail("mapping keys must be strings");
      }
      parent.key = node.text;
    } else {
      parent.node.entries.push_back({std::move(*parent.key), std::move(node)});
      parent.key.reset();
    }
  }

  Budget& budget_;
  std::vector<Frame> stack_;
  std::map<YAML::anchor_t, std::pair<Node, std::size_t>> anchors_;  // node and its size
  Node root_;
  std::string error_;
};

Result<Node> from_json(const nlohmann::json& in, int depth) {
  if (depth > kMaxDepth) return Error{"document is nested too deeply"};
  Node out;
  switch (in.type()) {
    case nlohmann::json::value_t::null:
    case nlohmann::json::value_t::discarded:
      return out;
    case nlohmann::json::value_t::string:
      out.type = Node::Type::kScalar;
      out.text = in.get<std::string>();
      if (!valid_utf8(out.text)) return not_utf8();
      out.quoted = true;
      return out;
    case nlohmann::json::value_t::boolean:
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      out.type = Node::Type::kScalar;
      out.text = in.dump();
      return out;
    case nlohmann::json::value_t::array:
      out.type = Node::Type::kSequence;
      for (const auto& item : in) {
        auto child = from_json(item, depth + 1);
        if (!child) return child.error();
        out.items.push_back(std::move(*child));
      }
      return out;
    case nlohmann::json::value_t::object:
      out.type = Node::Type::kMap;
      for (const auto& [key, value] : in.items()) {
        if (!valid_utf8(key)) return not_utf8();
        auto child = from_json(value, depth + 1);
        if (!child) return child.error();
        out.entries.push_back({key, std::move(*child)});
      }
      return out;
    case nlohmann::json::value_t::binary:
      return Error{"binary values are not supported"};
  }
  return out;
}

// Forwards every event, remembering where the document started.
struct StartWatcher : YAML::EventHandler {
  explicit StartWatcher(YAML::EventHandler& inner) : next(inner) {}
  void OnDocumentStart(const YAML::Mark& mark) override {
    start = mark;
    next.OnDocumentStart(mark);
  }
  void OnDocumentEnd() override { next.OnDocumentEnd(); }
  void OnNull(const YAML::Mark& m, YAML::anchor_t a) override { next.OnNull(m, a); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t a) override { next.OnAlias(m, a); }
  void OnScalar(const YAML::Mark& m, const std::string& t, YAML::anchor_t a,
                const std::string& v) override {
    next.OnScalar(m, t, a, v);
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string& t, YAML::anchor_t a,
                       YAML::EmitterStyle::value s) override {
    next.OnSequenceStart(m, t, a, s);
  }
  void OnSequenceEnd() override { next.OnSequenceEnd(); }
  void OnMapStart(const YAML::Mark& m, const std::string& t, YAML::anchor_t a,
                  YAML::EmitterStyle::value s) override {
    next.OnMapStart(m, t, a, s);
  }
  void OnMapEnd() override { next.OnMapEnd(); }

  YAML::EventHandler& next;
  YAML::Mark start;
};

}  // namespace

Result<std::vector<Node>> parse_documents(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return std::vector<Node>{};
  if (flow_nesting_too_deep(text)) {
    return Error{fmt::format("input is nested more than {} levels deep", kMaxDepth)};
  }

  if (text[first] == '{' || text[first] == '[') {
    // JSON. nlohmann's parser is iterative, so nesting is only bounded afterwards.
    try {
      auto json = nlohmann::json::parse(text.begin(), text.end());
      auto node = from_json(json, 0);
      if (!node) return node.error();
      return std::vector<Node>{std::move(*node)};
    } catch (const nlohmann::json::parse_error& e) {
      return Error{fmt::format("invalid JSON at byte {}: {}", e.byte, e.what())};
    }
  }

  std::istringstream stream{std::string(text)};
  std::vector<Node> out;
  Budget budget;
  try {
    YAML::Parser parser(stream);
    int last_start = -1;
    while (true) {
      TreeBuilder builder(budget);
      StartWatcher watcher(builder);
      if (!parser.HandleNextDocument(watcher)) break;
      if (watcher.start.pos == last_start) {
        return Error{
            fmt::format("invalid YAML at line {}, column {}: unexpected text where a "
                        "document should start",
                        watcher.start.line + 1, watcher.start.column + 1)};
      }
      last_start = watcher.start.pos;
      auto node = builder.take();
      if (!node) return Error{fmt::format("document {}: {}", out.size() + 1, node.error().message)};
      out.push_back(std::move(*node));
    }
  } catch (const YAML::Exception& e) {
    return Error{fmt::format("invalid YAML at line {}, column {}: {}", e.mark.line + 1,
                             e.mark.column + 1, e.msg)};
  } catch (const std::exception& e) {
    return Error{fmt::format("invalid YAML: {}", e.what())};
  }
  return out;
}

std::string show(const Node& node) {
  switch (node.type) {
    case Node::Type::kNull:
      return "null";
    case Node::Type::kScalar:
      return nlohmann::json(node.text).dump(-1, ' ', false,
                                            nlohmann::json::error_handler_t::replace);
    case Node::Type::kSequence:
      return "a list";
    case Node::Type::kMap:
      return "a mapping";
  }
  return "";
}

}  // namespace tabby::api::detail
