#pragma once
// tabbyctl patch and label: read one stored resource, edit it (resource_edit.h), write it back
// at the revision that was read, with calicoctl's messages.

#include <iosfwd>
#include <string>
#include <string_view>

#include "resource_edit.h"
#include "tabby/api/datastore.h"
#include "tabby/api/resource.h"

namespace tabby::ctl {

// Which stored resource: the kind, its namespace ("" for cluster-scoped kinds) and name, and
// the words the user named it with ("nodes node1"), which label's messages repeat.
struct ResourceRef {
  api::Kind kind;
  std::string namespace_;
  std::string name;
  std::string as_written;
};

// Each returns the exit status and writes one line to out (success) or err (failure). A write
// that loses a race with another writer is redone on the new revision (5 times), unless the
// patch named the resourceVersion to change.
int patch_command(api::Datastore& datastore, const ResourceRef& target, std::string_view patch,
                  PatchType type, std::ostream& out, std::ostream& err);
int label_command(api::Datastore& datastore, const ResourceRef& target, const LabelEdit& edit,
                  std::ostream& out, std::ostream& err);

}  // namespace tabby::ctl
