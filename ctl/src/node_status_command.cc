#include "node_status_command.h"

#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ostream>

namespace tabby::ctl {
namespace {

constexpr int kTimeoutMilliseconds = 5000;
constexpr std::size_t kMaxReply = 16 * 1024 * 1024;

// Closes the socket on every path out.
struct SocketGuard {
  int fd;
  ~SocketGuard() {
    if (fd >= 0) ::close(fd);
  }
};

StatusFetchError failed(const std::string& path, std::string_view what) {
  return {false,
          fmt::format("tabby-node status socket {}: {}: {}", path, what, std::strerror(errno))};
}

}  // namespace

std::variant<api::NodeStatus, StatusFetchError> fetch_node_status(const std::string& socket_path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_path.empty() || socket_path.size() >= sizeof address.sun_path) {
    return StatusFetchError{false, fmt::format("status socket path \"{}\" is not a usable Unix "
                                               "socket path (1 to {} bytes)",
                                               socket_path, sizeof address.sun_path - 1)};
  }
  std::memcpy(address.sun_path, socket_path.data(), socket_path.size());

  SocketGuard socket{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (socket.fd < 0) return failed(socket_path, "socket()");
  if (::connect(socket.fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    // No file, or a file nobody listens on: the agent is not running.
    const bool absent = errno == ENOENT || errno == ECONNREFUSED;
    StatusFetchError error = failed(socket_path, "cannot connect");
    error.agent_absent = absent;
    return error;
  }
  const std::string request(api::kStatusRequest);
  if (::send(socket.fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    return failed(socket_path, "cannot send the request");
  }
  std::string reply;
  char buffer[4096];
  for (;;) {
    pollfd readable{socket.fd, POLLIN, 0};
    const int ready = ::poll(&readable, 1, kTimeoutMilliseconds);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      return StatusFetchError{false, fmt::format("tabby-node status socket {}: no reply within "
                                                 "{} s",
                                                 socket_path, kTimeoutMilliseconds / 1000)};
    }
    const ssize_t got = ready < 0 ? -1 : ::recv(socket.fd, buffer, sizeof buffer, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return failed(socket_path, "cannot read the reply");
    if (got == 0) break;
    reply.append(buffer, static_cast<std::size_t>(got));
    if (reply.size() > kMaxReply) {
      return StatusFetchError{
          false, fmt::format("tabby-node status socket {}: reply larger than {} bytes", socket_path,
                             kMaxReply)};
    }
  }
  auto status = api::node_status_from_json(reply);
  if (!status) return StatusFetchError{false, status.error().message};
  return std::move(*status);
}

int node_status(const std::string& socket_path, std::ostream& out, std::ostream& err) {
  auto result = fetch_node_status(socket_path);
  if (auto* error = std::get_if<StatusFetchError>(&result)) {
    if (error->agent_absent) out << api::kNotRunningMessage;
    err << error->message << "\n";
    return 1;
  }
  out << api::render_node_status(std::get<api::NodeStatus>(result));
  return 0;
}

}  // namespace tabby::ctl
