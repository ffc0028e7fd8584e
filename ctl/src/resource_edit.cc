#include "resource_edit.h"

#include <fmt/format.h>

#include "tabby/api/codec.h"

namespace tabby::ctl {
namespace {

using api::Json;

// A strategic merge patch over `target`: objects merge key by key, null removes a key, any
// other value (lists included: Calico's types declare no merge keys) replaces. An object
// with `$patch: replace` replaces instead of merging; `$patch: delete` removes its key.
Result<void> strategic_merge(Json& target, const Json& patch, const std::string& path) {
  if (!patch.is_object()) {
    target = patch;
    return {};
  }
  std::string directive = "merge";
  if (auto it = patch.find("$patch"); it != patch.end()) {
    if (!it->is_string()) return Error{fmt::format("{}$patch: must be a string", path)};
    directive = it->get<std::string>();
  }
  if (directive == "delete") {
    return Error{fmt::format("{}$patch: delete is only allowed inside an object", path)};
  }
  if (directive != "merge" && directive != "replace") {
    return Error{
        fmt::format("{}$patch: \"{}\" is not one of merge, replace, delete", path, directive)};
  }
  if (directive == "replace" || !target.is_object()) target = Json::object();
  for (const auto& [key, value] : patch.items()) {
    if (key == "$patch") continue;
    if (key.starts_with("$")) {
      return Error{
          fmt::format("{}{}: this strategic merge patch directive is not supported "
                      "(only $patch is)",
                      path, key)};
    }
    const bool deletes = value.is_object() && value.value("$patch", Json()) == "delete";
    if (value.is_null() || deletes) {
      target.erase(key);
      continue;
    }
    if (directive == "replace") {
      target[key] = value;
      continue;
    }
    if (auto merged = strategic_merge(target[key], value, path + key + "."); !merged) {
      return merged.error();
    }
  }
  return {};
}

std::string field_text(const Json& object, const Json::json_pointer& pointer) {
  return object.contains(pointer) ? object.at(pointer).dump() : "nothing";
}

}  // namespace

Result<PatchType> patch_type_from_name(std::string_view name) {
  if (name == "strategic") return PatchType::kStrategic;
  if (name == "merge") return PatchType::kMerge;
  if (name == "json") return PatchType::kJson;
  return Error{
      fmt::format("patch type \"{}\" is not one of strategic (the default), merge, json", name)};
}

Result<api::Resource> patched_resource(const api::Resource& stored, std::string_view patch_text,
                                       PatchType type) {
  Json patch;
  try {
    patch = Json::parse(patch_text);
  } catch (const Json::parse_error& error) {
    return Error{fmt::format("the patch is not valid JSON: {}", error.what())};
  }
  const Json original = api::to_json(stored);
  Json result = original;
  switch (type) {
    case PatchType::kStrategic:
      if (!patch.is_object()) return Error{"a strategic merge patch must be a JSON object"};
      if (auto merged = strategic_merge(result, patch, ""); !merged) {
        return Error{"the patch: " + merged.error().message};
      }
      break;
    case PatchType::kMerge:
      result.merge_patch(patch);
      break;
    case PatchType::kJson:
      if (!patch.is_array()) {
        return Error{
            "a JSON Patch (RFC 6902) must be an array of operations, e.g. "
            "[{\"op\": \"replace\", \"path\": \"/spec/asNumber\", \"value\": 65001}]"};
      }
      try {
        result = result.patch(patch);
      } catch (const Json::exception& error) {
        return Error{fmt::format("the JSON Patch failed: {}", error.what())};
      }
      break;
  }
  if (!result.is_object()) return Error{"the patch replaced the whole resource with a non-object"};
  for (const char* field : {"/apiVersion", "/kind", "/metadata/name", "/metadata/namespace"}) {
    const Json::json_pointer pointer(field);
    if (field_text(result, pointer) != field_text(original, pointer)) {
      return Error{fmt::format("the patch may not change {} (from {} to {})",
                               std::string_view(field + 1), field_text(original, pointer),
                               field_text(result, pointer))};
    }
  }
  // Without a version of its own, the patch is written back over what was read.
  const Json::json_pointer version("/metadata/resourceVersion");
  if (!result.contains(version) || result.at(version).is_null()) {
    result[version] = stored.metadata.resource_version;
  }
  return api::resource_from_json(result);
}

Result<LabelEdit> label_edit_from_arguments(std::string_view argument, bool overwrite,
                                            bool remove) {
  if (overwrite && remove) return Error{"--overwrite and --remove cannot be used together"};
  const auto equals = argument.find('=');
  if (remove) {
    if (equals != std::string_view::npos) {
      return Error{fmt::format("invalid label {}: with --remove give the key alone", argument)};
    }
    if (argument.empty()) return Error{"invalid label: the key is empty"};
    return LabelEdit{std::string(argument), std::nullopt, false};
  }
  if (equals == std::string_view::npos ||
      argument.find('=', equals + 1) != std::string_view::npos || equals == 0) {
    return Error{fmt::format("invalid label {}: expected key=value (or key --remove)", argument)};
  }
  return LabelEdit{std::string(argument.substr(0, equals)),
                   std::string(argument.substr(equals + 1)), overwrite};
}

Result<LabelOutcome> apply_label_edit(api::Resource& resource, const LabelEdit& edit,
                                      std::string_view what) {
  auto& labels = resource.metadata.labels;
  LabelOutcome outcome = LabelOutcome::kSet;
  if (!edit.value) {
    if (labels.erase(edit.key) == 0) {
      return Error{fmt::format("cannot remove label of {}, key {} does not exist", what, edit.key)};
    }
    outcome = LabelOutcome::kRemoved;
  } else if (auto it = labels.find(edit.key); it != labels.end()) {
    if (!edit.overwrite && it->second != *edit.value) {
      return Error{
          fmt::format("failed to update label of {}, key {} is already present. please "
                      "use '--overwrite' to set a new value.",
                      what, edit.key)};
    }
    it->second = *edit.value;
    outcome = LabelOutcome::kUpdated;
  } else {
    labels.emplace(edit.key, *edit.value);
  }
  // The labels' syntax is checked as `tabbyctl apply` checks it.
  const std::string version = resource.metadata.resource_version;
  auto checked = api::resource_from_json(api::to_json(resource));
  if (!checked) return checked.error();
  resource = std::move(*checked);
  resource.metadata.resource_version = version;
  return outcome;
}

}  // namespace tabby::ctl
