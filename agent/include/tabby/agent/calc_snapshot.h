#pragma once
// The calculation's inputs (calc_inputs.h) from what the syncer keeps (DatastoreSnapshot),
// with the BGP passwords' secrets read from a directory laid out as a mounted Kubernetes
// Secret volume: <secrets_dir>/<secret name>/<key>.

#include <filesystem>
#include <string>

#include "tabby/agent/calc_inputs.h"
#include "tabby/agent/datastore_snapshot.h"

namespace tabby::agent {

ClusterSnapshot calc_snapshot(const DatastoreSnapshot& store, const std::string& node_name,
                              const std::filesystem::path& secrets_dir = {});

// Every secret the BGPPeers and BGPConfigurations in `snapshot` refer to that exists under
// `dir` (a missing file is left out: the calculation reports it as unreadable).
SecretValues read_secrets(const ClusterSnapshot& snapshot, const std::filesystem::path& dir);

}  // namespace tabby::agent
