#include "tabby/agent/status_server.h"

#include <fmt/format.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

namespace tabby::agent {
namespace {

constexpr std::size_t kMaxRequest = 256;
constexpr int kIoTimeoutSeconds = 2;

std::string errno_text() {
  return std::strerror(errno);
}

Result<sockaddr_un> unix_address(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof address.sun_path) {
    return Error{fmt::format("status socket \"{}\": a Unix socket path must be 1 to {} bytes", path,
                             sizeof address.sun_path - 1)};
  }
  std::memcpy(address.sun_path, path.data(), path.size());
  return address;
}

// True when a server answers on the socket file.
bool someone_listens(const sockaddr_un& address) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const bool answered =
      ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return answered;
}

void set_timeouts(int fd) {
  const timeval timeout{kIoTimeoutSeconds, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
}

}  // namespace

std::string status_reply(std::string_view request, const NodeStatusProvider& provider) {
  const auto request_line = api::kStatusRequest.substr(0, api::kStatusRequest.size() - 1);
  if (request != request_line) {
    return nlohmann::json{
               {"error", fmt::format("unknown request \"{}\": send \"{}\"", request, request_line)}}
               .dump() +
           "\n";
  }
  try {
    return api::node_status_to_json(provider());
  } catch (const std::exception& error) {
    return nlohmann::json{
               {"error", fmt::format("cannot collect the node status: {}", error.what())}}
               .dump() +
           "\n";
  }
}

StatusServer::StatusServer(NodeStatusProvider provider) : provider_(std::move(provider)) {}

StatusServer::~StatusServer() {
  stop();
}

Status StatusServer::start(const std::string& path) {
  if (thread_.joinable()) return Error{fmt::format("status socket \"{}\": already serving", path)};
  auto address = unix_address(path);
  if (!address) return address.error();

  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) fs::create_directories(parent, ec);
  if (ec) {
    return Error{fmt::format("status socket \"{}\": cannot create {}: {}", path, parent.string(),
                             ec.message())};
  }
  const auto existing = fs::symlink_status(path, ec);
  if (fs::exists(existing)) {
    if (!fs::is_socket(existing)) {
      return Error{fmt::format("status socket \"{}\": the path exists and is not a socket", path)};
    }
    if (someone_listens(*address)) {
      return Error{fmt::format("status socket \"{}\": another tabby-node is serving it", path)};
    }
    fs::remove(path, ec);  // stale, from a run that did not stop cleanly
  }

  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return Error{fmt::format("status socket: socket(): {}", errno_text())};
  if (::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&*address), sizeof *address) != 0 ||
      ::chmod(path.c_str(), 0660) != 0 || ::listen(listen_fd_, 16) != 0) {
    const std::string reason = errno_text();
    ::close(listen_fd_);
    listen_fd_ = -1;
    return Error{fmt::format("status socket \"{}\": cannot listen: {}", path, reason)};
  }
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC);
  if (stop_fd_ < 0) {
    const std::string reason = errno_text();
    ::close(listen_fd_);
    listen_fd_ = -1;
    ::unlink(path.c_str());
    return Error{fmt::format("status socket: eventfd(): {}", reason)};
  }
  path_ = path;
  thread_ = std::thread([this] { serve(); });
  return {};
}

void StatusServer::stop() {
  if (!thread_.joinable()) return;
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto written = ::write(stop_fd_, &one, sizeof one);
  thread_.join();
  ::close(listen_fd_);
  ::close(stop_fd_);
  listen_fd_ = stop_fd_ = -1;
  ::unlink(path_.c_str());
}

void StatusServer::serve() {
  pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
  for (;;) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    const int connection = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (connection < 0) continue;
    answer(connection);
    ::close(connection);
  }
}

// Requests are one short line; a client that sends nothing within the timeout gets the
// unknown-request reply, so a stuck client cannot hold the socket.
void StatusServer::answer(int connection) {
  set_timeouts(connection);
  std::string request;
  char buffer[kMaxRequest];
  while (request.size() < kMaxRequest && request.find('\n') == std::string::npos) {
    const ssize_t got = ::recv(connection, buffer, sizeof buffer, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    request.append(buffer, static_cast<std::size_t>(got));
  }
  if (auto newline = request.find('\n'); newline != std::string::npos) request.resize(newline);
  const std::string reply = status_reply(request, provider_);
  std::size_t sent = 0;
  while (sent < reply.size()) {
    const ssize_t n = ::send(connection, reply.data() + sent, reply.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    sent += static_cast<std::size_t>(n);
  }
}

}  // namespace tabby::agent
