#pragma once
// The node-name file calico-node keeps (calico-node.md §1.3 steps 2 and 15): read at start as
// a fallback for NODENAME, written once start-up has settled the name, because the CNI plugin
// reads it when its conflist has no "nodename". One path for both sides: CALICO_NODENAME_FILE,
// else /var/lib/calico/nodename.

#include <optional>
#include <string>

#include "tabby/agent/config.h"
#include "tabby/common/result.h"

namespace tabby::agent {

inline constexpr const char* kDefaultNodenameFile = "/var/lib/calico/nodename";

// CALICO_NODENAME_FILE (blanks trimmed, empty is unset), else kDefaultNodenameFile.
std::string nodename_file_path(const Environment& environment);

// The file's contents; nullopt when it cannot be read (not written yet).
std::optional<std::string> read_nodename_file(const std::string& path);

// Writes `name` (mode 0644, no newline, as Calico does), creating the directory when missing.
// The name goes to a temporary file renamed into place, so a CNI plugin never reads half.
// Errors name the path.
Status write_nodename_file(const std::string& path, const std::string& name);

}  // namespace tabby::agent
