#pragma once
// tabbyctl ipam show|check|release, with calicoctl's tables and messages.

#include <iosfwd>
#include <optional>
#include <string>

#include "tabby/api/datastore.h"

namespace tabby::ctl {

// Each returns the exit status and writes to out (results) and err (one line on failure).
int ipam_show(api::Datastore& datastore, bool show_blocks, const std::string& ip, std::ostream& out,
              std::ostream& err);
int ipam_check(api::Datastore& datastore, std::ostream& out, std::ostream& err);
// Releases one address (--ip), or everything under a handle (--handle), e.g. a handle that
// `ipam check` reports as holding nothing after a crash.
int ipam_release(api::Datastore& datastore, const std::string& ip, const std::string& handle,
                 std::ostream& out, std::ostream& err);

}  // namespace tabby::ctl
