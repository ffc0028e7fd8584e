#pragma once
// The edits behind tabbyctl patch and label, as pure functions over a stored resource: what
// calicoctl patch and calicoctl label compute before they write the result back.

#include <optional>
#include <string>
#include <string_view>

#include "tabby/api/resource.h"
#include "tabby/common/result.h"

namespace tabby::ctl {

// calicoctl patch --type. calicoctl's default, a strategic merge patch, is on Calico's types
// (which declare no list merge keys) a JSON merge patch (RFC 7386) that also honours the
// `$patch: replace` and `$patch: delete` directives on an object; json is a JSON Patch
// (RFC 6902: add, remove, replace, move, copy, test).
enum class PatchType { kStrategic, kMerge, kJson };

// "strategic", "merge" or "json"; anything else is an error naming it.
Result<PatchType> patch_type_from_name(std::string_view name);

// The stored resource with the patch applied and validated as `tabbyctl apply` validates its
// input (defaults filled). The patch may not change apiVersion, kind, metadata.name or
// metadata.namespace. The result carries the stored resourceVersion, so writing it back
// fails on a concurrent change, unless the patch set metadata.resourceVersion itself.
Result<api::Resource> patched_resource(const api::Resource& stored, std::string_view patch_text,
                                       PatchType type);

// One label change: set `key` to `value` (refused when the key holds another value, unless
// overwrite), or remove `key` when value is empty.
struct LabelEdit {
  std::string key;
  std::optional<std::string> value;
  bool overwrite = false;
};

// calicoctl label's command-line form: "key=value" sets, "key" with remove removes.
Result<LabelEdit> label_edit_from_arguments(std::string_view argument, bool overwrite, bool remove);

enum class LabelOutcome { kSet, kUpdated, kRemoved };

// Applies the edit to the resource's labels and validates the result. `what` names the
// resource in errors as the user wrote it ("nodes node1").
Result<LabelOutcome> apply_label_edit(api::Resource& resource, const LabelEdit& edit,
                                      std::string_view what);

}  // namespace tabby::ctl
