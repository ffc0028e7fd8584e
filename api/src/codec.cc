#include "tabby/api/codec.h"

#include <fmt/format.h>

#include "document.h"
#include "kinds.h"
#include "schema.h"
#include "tabby/api/values.h"
#include "yaml_writer.h"

namespace tabby::api {
namespace {

using detail::Errors;
using detail::Node;

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines)
    out += (out.empty() ? "" : "\n") + line;
  return out;
}

std::string scalar_text(const Node* node) {
  return node && node->type == Node::Type::kScalar ? node->text : "";
}

// Decodes one resource document. Problems go to `problems`, each already naming the
// resource; nothing is returned if there were any. With `ignored_fields`, unknown fields are
// tolerated and their paths listed there instead.
std::optional<Resource> decode_resource(const Node& in, std::vector<std::string>& problems,
                                        std::vector<std::string>* ignored_fields = nullptr) {
  if (in.type != Node::Type::kMap) {
    problems.push_back(fmt::format("expected a resource (a mapping), got {}", detail::show(in)));
    return std::nullopt;
  }
  const std::string kind_name = scalar_text(in.find("kind"));
  const std::string name =
      scalar_text(in.find("metadata") ? in.find("metadata")->find("name") : nullptr);
  const std::string label = kind_name.empty() ? "resource"
                            : name.empty()    ? kind_name
                                              : fmt::format("{} \"{}\"", kind_name, name);
  Errors errors(ignored_fields != nullptr);
  const auto kind = kind_from_name(kind_name);
  if (kind_name.empty()) {
    errors.add("kind", "is required");
  } else if (!kind) {
    errors.add("kind", fmt::format("{} is not a supported kind", detail::show(*in.find("kind"))));
  }
  const Node* api_version = in.find("apiVersion");
  if (!api_version || api_version->type == Node::Type::kNull) {
    errors.add("apiVersion", "is required");
  } else if (scalar_text(api_version) != kApiVersion) {
    errors.add("apiVersion", fmt::format("{} is not {}", detail::show(*api_version), kApiVersion));
  }
  const bool has_status = kind && detail::kind_schema(*kind).status;
  for (const auto& [key, value] : in.entries) {
    if (key != "apiVersion" && key != "kind" && key != "metadata" && key != "spec" &&
        !(key == "status" && (has_status || !kind))) {
      errors.unknown_field(key);
    }
  }

  Resource resource;
  const Node empty_map{Node::Type::kMap};
  const Node* metadata_node = in.find("metadata");
  Json metadata = detail::decode_object(
      metadata_node && metadata_node->type != Node::Type::kNull ? *metadata_node : empty_map,
      detail::metadata_schema(), "metadata", errors);
  auto& meta = resource.metadata;
  meta.name = metadata.value("name", "");
  meta.namespace_ = metadata.value("namespace", "");
  meta.resource_version = metadata.value("resourceVersion", "");
  meta.uid = metadata.value("uid", "");
  meta.creation_timestamp = metadata.value("creationTimestamp", "");
  if (metadata.contains("labels")) meta.labels = metadata["labels"];
  if (metadata.contains("annotations")) meta.annotations = metadata["annotations"];
  if (meta.name.empty()) {
    errors.add("metadata.name", "is required");
  } else if (auto problem = dns1123_subdomain_problem(meta.name); !problem.empty()) {
    errors.add("metadata.name", fmt::format("\"{}\" is not a valid name: {}", meta.name, problem));
  }

  if (kind) {
    resource.kind = *kind;
    const auto& info = kind_info(*kind);
    if (info.namespaced) {
      if (meta.namespace_.empty()) meta.namespace_ = "default";  // as calicoctl does
      if (auto problem = dns1123_label_problem(meta.namespace_); !problem.empty()) {
        errors.add("metadata.namespace",
                   fmt::format("\"{}\" is not a valid namespace: {}", meta.namespace_, problem));
      }
    } else if (!meta.namespace_.empty()) {
      errors.add("metadata.namespace", fmt::format("\"{}\" is not allowed: {} is cluster-scoped",
                                                   meta.namespace_, info.name));
    }
    const auto& schema = detail::kind_schema(*kind);
    const Node* spec_node = in.find("spec");
    const std::size_t before = errors.size();
    resource.spec = detail::decode_object(
        spec_node && spec_node->type != Node::Type::kNull ? *spec_node : empty_map, *schema.spec,
        "spec", errors);
    // Cross-field rules only make sense over fields that were each valid.
    if (errors.size() == before) {
      schema.apply_defaults(resource.spec);
      // Defaults are appended; put the spec back in Calico's field order.
      Json ordered = Json::object();
      for (const auto& field : schema.spec->fields) {
        const std::string field_name(field.name);
        if (resource.spec.contains(field_name)) ordered[field_name] = resource.spec[field_name];
      }
      resource.spec = std::move(ordered);
      schema.check(resource.spec, meta, errors);
    }
    if (schema.status) {
      const Node* status_node = in.find("status");
      resource.status = detail::decode_object(
          status_node && status_node->type != Node::Type::kNull ? *status_node : empty_map,
          *schema.status, "status", errors);
    }
  }
  for (const auto& line : errors.lines())
    problems.push_back(label + ": " + line);
  if (ignored_fields) *ignored_fields = errors.ignored();
  if (!errors.empty()) return std::nullopt;
  return resource;
}

// One document: a resource, a `<Kind>List` or a `List`.
void decode_document(const Node& in, std::vector<Resource>& out,
                     std::vector<std::string>& problems) {
  const std::string kind = in.type == Node::Type::kMap ? scalar_text(in.find("kind")) : "";
  const bool is_list = kind == "List" || (kind.size() > 4 && kind.ends_with("List") &&
                                          kind_from_name(kind.substr(0, kind.size() - 4)));
  if (!is_list) {
    if (auto resource = decode_resource(in, problems)) out.push_back(std::move(*resource));
    return;
  }
  for (const auto& [key, value] : in.entries) {
    if (key != "apiVersion" && key != "kind" && key != "metadata" && key != "items") {
      problems.push_back(fmt::format("{}: {}: unknown field", kind, key));
    }
  }
  if (scalar_text(in.find("apiVersion")) != kApiVersion &&
      !(kind == "List" && scalar_text(in.find("apiVersion")) == "v1")) {
    problems.push_back(fmt::format("{}: apiVersion: must be {}", kind, kApiVersion));
  }
  const Node* items = in.find("items");
  if (!items || items->type == Node::Type::kNull) return;
  if (items->type != Node::Type::kSequence) {
    problems.push_back(
        fmt::format("{}: items: expected a list, got {}", kind, detail::show(*items)));
    return;
  }
  const std::string item_kind = kind == "List" ? "" : kind.substr(0, kind.size() - 4);
  for (std::size_t i = 0; i < items->items.size(); ++i) {
    Node item = items->items[i];
    std::vector<std::string> item_problems;
    if (item.type == Node::Type::kMap && !item_kind.empty()) {
      // Items of a typed list may leave out their kind and apiVersion.
      const std::string given = scalar_text(item.find("kind"));
      if (!item.find("kind")) {
        item.entries.insert(item.entries.begin(),
                            {"kind", Node{Node::Type::kScalar, item_kind, true}});
      } else if (given != item_kind) {
        item_problems.push_back(
            fmt::format("kind: \"{}\" in a {} (expected {})", given, kind, item_kind));
      }
      if (!item.find("apiVersion")) {
        item.entries.insert(
            item.entries.begin(),
            {"apiVersion", Node{Node::Type::kScalar, std::string(kApiVersion), true}});
      }
    }
    if (item_problems.empty()) {
      if (auto resource = decode_resource(item, item_problems)) out.push_back(std::move(*resource));
    }
    for (auto& problem : item_problems)
      problems.push_back(fmt::format("items[{}]: {}", i, problem));
  }
}

Json metadata_json(const ObjectMeta& meta, bool with_resource_version) {
  Json out = Json::object();
  out["name"] = meta.name;
  if (!meta.namespace_.empty()) out["namespace"] = meta.namespace_;
  if (!meta.uid.empty()) out["uid"] = meta.uid;
  if (with_resource_version && !meta.resource_version.empty()) {
    out["resourceVersion"] = meta.resource_version;
  }
  if (!meta.creation_timestamp.empty()) out["creationTimestamp"] = meta.creation_timestamp;
  if (!meta.labels.empty()) out["labels"] = meta.labels;
  if (!meta.annotations.empty()) out["annotations"] = meta.annotations;
  return out;
}

Json to_json_impl(const Resource& resource, bool with_resource_version) {
  Json out = Json::object();
  out["kind"] = kind_info(resource.kind).name;
  out["apiVersion"] = kApiVersion;
  out["metadata"] = metadata_json(resource.metadata, with_resource_version);
  out["spec"] = resource.spec.is_null() ? Json::object() : resource.spec;
  // Go's encoding/json never omits a struct, so calicoctl prints `status: {}` for nodes.
  if (resource.kind == Kind::kNode) {
    out["status"] = resource.status.is_null() ? Json::object() : resource.status;
  }
  return out;
}

Json list_json(const std::vector<Resource>& resources, std::string_view list_resource_version) {
  bool same_kind = !resources.empty();
  for (const auto& resource : resources)
    same_kind = same_kind && resource.kind == resources[0].kind;
  Json out = Json::object();
  out["kind"] = same_kind ? std::string(kind_info(resources[0].kind).list_name) : "List";
  out["apiVersion"] = kApiVersion;
  out["metadata"] = Json::object();
  if (!list_resource_version.empty()) out["metadata"]["resourceVersion"] = list_resource_version;
  out["items"] = Json::array();
  for (const auto& resource : resources)
    out["items"].push_back(to_json(resource));
  return out;
}

}  // namespace

Result<std::vector<Resource>> parse_resources(std::string_view text) {
  auto documents = detail::parse_documents(text);
  if (!documents) return documents.error();
  std::size_t count = 0;
  for (const auto& document : *documents)
    count += document.type != Node::Type::kNull;
  std::vector<Resource> resources;
  std::vector<std::string> problems;
  std::size_t number = 0;
  for (const auto& document : *documents) {
    ++number;
    if (document.type == Node::Type::kNull) continue;  // `---` with nothing after it
    std::vector<std::string> document_problems;
    decode_document(document, resources, document_problems);
    for (auto& problem : document_problems) {
      problems.push_back(count > 1 ? fmt::format("document {}: {}", number, problem) : problem);
    }
  }
  if (!problems.empty()) return Error{join_lines(problems)};
  return resources;
}

Result<Resource> parse_resource(std::string_view text) {
  auto resources = parse_resources(text);
  if (!resources) return resources.error();
  if (resources->size() != 1) {
    return Error{fmt::format("expected exactly one resource, got {}", resources->size())};
  }
  return std::move(resources->front());
}

Result<Resource> resource_from_json(const Json& object) {
  auto resources = parse_resources(object.dump(-1, ' ', false, Json::error_handler_t::replace));
  if (!resources) return resources.error();
  if (resources->size() != 1) {
    return Error{fmt::format("expected exactly one resource, got {}", resources->size())};
  }
  return std::move(resources->front());
}

Json to_json(const Resource& resource) {
  return to_json_impl(resource, true);
}

std::string to_json_text(const Resource& resource) {
  return to_json(resource).dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string to_yaml(const Resource& resource) {
  return detail::write_yaml(to_json(resource));
}

std::string to_yaml_list(const std::vector<Resource>& resources,
                         std::string_view list_resource_version) {
  return detail::write_yaml(list_json(resources, list_resource_version));
}

std::string to_json_list_text(const std::vector<Resource>& resources,
                              std::string_view list_resource_version) {
  return list_json(resources, list_resource_version)
             .dump(2, ' ', false, Json::error_handler_t::replace) +
         "\n";
}

std::string encode_stored_value(const Resource& resource) {
  return to_json_impl(resource, false).dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<Resource> decode_stored_value(std::string_view key, std::string_view value,
                                     std::string_view resource_version,
                                     std::vector<std::string>* ignored_fields) {
  const auto first = value.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || value[first] != '{') {
    return Error{fmt::format("key \"{}\": stored value is not a JSON object", key)};
  }
  auto documents = detail::parse_documents(value);
  if (!documents) return Error{fmt::format("key \"{}\": {}", key, documents.error().message)};
  if (documents->size() != 1) {
    return Error{fmt::format("key \"{}\": stored value is not one resource", key)};
  }
  std::vector<std::string> problems;
  std::vector<std::string> ignored;
  auto decoded = decode_resource(documents->front(), problems, &ignored);
  if (!decoded) return Error{fmt::format("key \"{}\": {}", key, join_lines(problems))};
  Resource resource = std::move(*decoded);
  if (resource_key(resource) != key) {
    return Error{fmt::format("key \"{}\": holds {}, whose key is \"{}\"", key, describe(resource),
                             resource_key(resource))};
  }
  resource.metadata.resource_version = std::string(resource_version);
  if (ignored_fields) *ignored_fields = std::move(ignored);
  return resource;
}

}  // namespace tabby::api
