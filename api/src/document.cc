#include "document.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <nlohmann/json.hpp>

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

Result<Node> from_yaml(const YAML::Node& in, int depth, Budget& budget) {
  if (depth > kMaxDepth) return Error{"document is nested too deeply"};
  if (++budget.nodes > kMaxNodes) return Error{"document is too large (aliases expand too far?)"};
  Node out;
  switch (in.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      out.type = Node::Type::kNull;
      return out;
    case YAML::NodeType::Scalar: {
      out.text = in.Scalar();
      if (!valid_utf8(out.text)) return not_utf8();
      // "!" is a quoted scalar; an explicit !!str tag means the same.
      out.quoted = in.Tag() == "!" || in.Tag() == "tag:yaml.org,2002:str";
      const bool null_word =
          out.text == "~" || out.text == "null" || out.text == "Null" || out.text == "NULL";
      out.type = (!out.quoted && null_word) ? Node::Type::kNull : Node::Type::kScalar;
      return out;
    }
    case YAML::NodeType::Sequence:
      out.type = Node::Type::kSequence;
      for (const auto& item : in) {
        auto child = from_yaml(item, depth + 1, budget);
        if (!child) return child.error();
        out.items.push_back(std::move(*child));
      }
      return out;
    case YAML::NodeType::Map:
      out.type = Node::Type::kMap;
      for (const auto& entry : in) {
        if (!entry.first.IsScalar()) return Error{"mapping keys must be strings"};
        if (!valid_utf8(entry.first.Scalar())) return not_utf8();
        auto child = from_yaml(entry.second, depth + 1, budget);
        if (!child) return child.error();
        out.entries.push_back({entry.first.Scalar(), std::move(*child)});
      }
      return out;
  }
  return out;
}

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

  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    return Error{fmt::format("invalid YAML at line {}, column {}: {}", e.mark.line + 1,
                             e.mark.column + 1, e.msg)};
  } catch (const std::exception& e) {
    return Error{fmt::format("invalid YAML: {}", e.what())};
  }
  std::vector<Node> out;
  Budget budget;
  for (std::size_t i = 0; i < documents.size(); ++i) {
    auto node = from_yaml(documents[i], 0, budget);
    if (!node) return Error{fmt::format("document {}: {}", i + 1, node.error().message)};
    out.push_back(std::move(*node));
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
