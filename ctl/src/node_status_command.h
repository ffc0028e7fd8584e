#pragma once
// `tabbyctl node status`: asks the local tabby-node over its status socket and prints what
// `calicoctl node status` prints. When no agent answers: "Calico process is not running." on
// standard output (as calicoctl), the reason on standard error, exit status 1.

#include <iosfwd>
#include <string>
#include <variant>

#include "tabby/api/node_status.h"
#include "tabby/common/result.h"

namespace tabby::ctl {

// Why a status could not be read: nobody serves the socket, or someone does and the exchange
// failed (a protocol error, the agent's own error).
struct StatusFetchError {
  bool agent_absent = false;
  std::string message;
};

// One request/reply exchange with the agent on the Unix socket at `socket_path`.
std::variant<api::NodeStatus, StatusFetchError> fetch_node_status(const std::string& socket_path);

int node_status(const std::string& socket_path, std::ostream& out, std::ostream& err);

}  // namespace tabby::ctl
