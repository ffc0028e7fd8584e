#pragma once
// HttpListener: a cpp-httplib server listening on its own thread, shared by the health and
// the metrics endpoints. start() binds (port 0 picks a free port) and returns the bound port,
// so a failure to bind is reported to the caller instead of on the server thread.

#include <httplib.h>

#include <atomic>
#include <string>
#include <thread>

#include "tabby/common/result.h"

namespace tabby::agent {

class HttpListener {
 public:
  explicit HttpListener(std::string what);  // "health", "metrics": names it in errors
  ~HttpListener();
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  httplib::Server& server() { return server_; }
  Result<int> start(const std::string& host, int port);
  void stop();

 private:
  std::string what_;
  httplib::Server server_;
  std::atomic<bool> listening_done_ = false;
  std::thread thread_;
};

}  // namespace tabby::agent
