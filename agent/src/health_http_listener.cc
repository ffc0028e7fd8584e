#include "health_http_listener.h"

#include <fmt/format.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace tabby::agent {

HttpListener::HttpListener(std::string what) : what_(std::move(what)) {
  // Probes and scrapes are rare and small: two workers are plenty on a node.
  server_.new_task_queue = [] { return new httplib::ThreadPool(2); };
  // cpp-httplib's default also sets SO_REUSEPORT, which lets a second agent bind the same
  // port and take half the probes; a busy port must be an error instead.
  server_.set_socket_options([](socket_t fd) {
    const int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
}

HttpListener::~HttpListener() {
  stop();
}

Result<int> HttpListener::start(const std::string& host, int port) {
  if (thread_.joinable()) return Error{fmt::format("{} server: already started", what_)};
  if (port < 0 || port > 65535) {
    return Error{fmt::format("{} server: port {} is not a TCP port (0-65535)", what_, port)};
  }
  // "localhost" as Go's Listen takes it (Felix): the IPv4 loopback. getaddrinfo would give ::1
  // first, and a kubelet probing localhost:9099 over IPv4 would find nothing there.
  const std::string address = host == "localhost" ? "127.0.0.1" : host;
  errno = 0;
  int bound = port;
  if (port == 0) {
    bound = server_.bind_to_any_port(address);
  } else if (!server_.bind_to_port(address, port)) {
    bound = -1;
  }
  if (bound < 0) {
    return Error{fmt::format("{} server: cannot listen on {}:{}: {}", what_, host, port,
                             errno != 0 ? std::strerror(errno) : "address not usable")};
  }
  listening_done_ = false;
  thread_ = std::thread([this] {
    server_.listen_after_bind();
    listening_done_ = true;
  });
  // stop() only reaches a server that is already running, so wait for it to be.
  while (!server_.is_running() && !listening_done_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return bound;
}

void HttpListener::stop() {
  if (!thread_.joinable()) return;
  server_.stop();
  thread_.join();
}

}  // namespace tabby::agent
