#pragma once
// The node status socket `tabbyctl node status` reads (api/node_status.h has the protocol):
// a Unix stream socket at TABBY_STATUS_SOCKET (/var/run/tabby/status.sock) served on a thread
// of its own. Each connection sends one request line; the reply is the status as JSON from
// the agent's callback, or {"error": "..."}; then the server closes the connection.

#include <functional>
#include <string>
#include <string_view>
#include <thread>

#include "tabby/api/node_status.h"
#include "tabby/common/result.h"

namespace tabby::agent {

// Called on the server's thread for every request: must be thread-safe on the agent's side.
using NodeStatusProvider = std::function<api::NodeStatus()>;

// The pure part: the reply to one request line (without its newline).
std::string status_reply(std::string_view request, const NodeStatusProvider& provider);

class StatusServer {
 public:
  explicit StatusServer(NodeStatusProvider provider);
  ~StatusServer();
  StatusServer(const StatusServer&) = delete;
  StatusServer& operator=(const StatusServer&) = delete;

  // Creates the socket's directory if needed and replaces a stale socket file left by a
  // previous run; refuses a path another live server answers on, or that is not a socket.
  Status start(const std::string& path);
  // Stops serving and removes the socket file.
  void stop();

 private:
  void serve();
  void answer(int connection);

  NodeStatusProvider provider_;
  std::string path_;
  int listen_fd_ = -1;
  int stop_fd_ = -1;  // an eventfd that wakes the serving thread to stop
  std::thread thread_;
};

}  // namespace tabby::agent
