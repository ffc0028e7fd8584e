#include "edit_commands.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <functional>
#include <ostream>

#include "tabby/api/codec.h"
#include "tabby/api/resource_store.h"

namespace tabby::ctl {
namespace {

constexpr int kAttempts = 5;

// Reads the resource, edits it and writes it back at the revision read; a Conflict (someone
// wrote in between) starts again from the new revision when `may_retry` says so.
using Edit = std::function<Result<api::Resource>(const api::Resource& stored)>;

api::DatastoreResult<api::Resource> read_modify_write(
    api::Datastore& datastore, const ResourceRef& target, const Edit& edit,
    const std::function<bool(const api::Resource& stored, const api::Resource& edited)>&
        may_retry) {
  api::ResourceStore store(datastore);
  const std::string key = api::resource_key(target.kind, target.namespace_, target.name);
  for (int attempt = 1;; ++attempt) {
    auto entry = datastore.get(key);
    if (!entry) {
      if (entry.is(api::DatastoreErrorKind::NotFound)) {
        return api::DatastoreError{
            api::DatastoreErrorKind::NotFound,
            "resource does not exist: " +
                api::resource_id(target.kind, target.namespace_, target.name)};
      }
      return entry.error();
    }
    std::vector<std::string> unknown_fields;
    auto stored = api::decode_stored_value(key, entry->value, std::to_string(entry->revision),
                                           &unknown_fields);
    if (!stored) {
      return api::DatastoreError{api::DatastoreErrorKind::Internal,
                                 fmt::format("{}: stored value of {} is invalid: {}",
                                             datastore.describe(), key, stored.error().message)};
    }
    // Writing back what this build decoded would drop what it does not know.
    if (!unknown_fields.empty()) {
      return api::DatastoreError{
          api::DatastoreErrorKind::InvalidArgument,
          fmt::format("{} holds fields tabby does not know ({}), written by a newer Calico; "
                      "editing it here would drop them, so it was left as it is",
                      api::resource_id(*stored), fmt::join(unknown_fields, ", "))};
    }
    auto edited = edit(*stored);
    if (!edited) {
      return api::DatastoreError{api::DatastoreErrorKind::InvalidArgument, edited.error().message};
    }
    auto written = store.update(*edited);
    if (written || !written.is(api::DatastoreErrorKind::Conflict) || attempt == kAttempts ||
        !may_retry(*stored, *edited)) {
      return written;
    }
  }
}

}  // namespace

int patch_command(api::Datastore& datastore, const ResourceRef& target, std::string_view patch,
                  PatchType type, std::ostream& out, std::ostream& err) {
  const std::string kind(api::kind_info(target.kind).name);
  auto written = read_modify_write(
      datastore, target,
      [&](const api::Resource& stored) { return patched_resource(stored, patch, type); },
      [](const api::Resource& stored, const api::Resource& edited) {
        // A patch that names a version asks for exactly that one.
        return edited.metadata.resource_version == stored.metadata.resource_version;
      });
  if (!written) {
    err << fmt::format("Failed to patch '{}' resource: {}\n", kind, written.error().message);
    return 1;
  }
  out << fmt::format("Successfully patched 1 '{}' resource\n", kind);
  return 0;
}

int label_command(api::Datastore& datastore, const ResourceRef& target, const LabelEdit& edit,
                  std::ostream& out, std::ostream& err) {
  LabelOutcome outcome = LabelOutcome::kSet;
  std::string edit_error;
  auto written = read_modify_write(
      datastore, target,
      [&](const api::Resource& stored) -> Result<api::Resource> {
        api::Resource edited = stored;
        auto applied = apply_label_edit(edited, edit, target.as_written);
        if (!applied) {
          edit_error = applied.error().message;
          return applied.error();
        }
        outcome = *applied;
        return edited;
      },
      [](const api::Resource&, const api::Resource&) { return true; });
  if (!written) {
    if (!edit_error.empty()) {
      err << edit_error << "\n";
    } else if (written.is(api::DatastoreErrorKind::NotFound)) {
      err << fmt::format("{} not found\n", target.as_written);
    } else {
      err << fmt::format("failed to update {}, label not changed: {}\n", target.as_written,
                         written.error().message);
    }
    return 1;
  }
  switch (outcome) {
    case LabelOutcome::kRemoved:
      out << fmt::format("Successfully removed label {} from {}\n", edit.key, target.as_written);
      break;
    case LabelOutcome::kUpdated:
      out << fmt::format("Successfully updated label {} on {}\n", edit.key, target.as_written);
      break;
    case LabelOutcome::kSet:
      out << fmt::format("Successfully set label {} on {}\n", edit.key, target.as_written);
      break;
  }
  return 0;
}

}  // namespace tabby::ctl
