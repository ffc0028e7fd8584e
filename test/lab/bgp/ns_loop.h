#pragma once
// An io_context running on its own thread inside a lab namespace, for lab tests of the BGP
// shell: every socket the thread creates lives in the namespace. Work is handed to the
// thread with call(), which waits for the result, so the test never touches sessions from
// another thread.

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>

#include "tabby/lab/lab.h"

namespace tabby::lab {

class NsLoop {
 public:
  explicit NsLoop(const Netns& ns) : guard_(io_.get_executor()) {
    std::promise<std::string> entered;
    auto result = entered.get_future();
    thread_ = std::thread([this, name = ns.name(), &entered] {
      const int fd = ::open(("/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
      const bool ok = fd >= 0 && ::setns(fd, CLONE_NEWNET) == 0;
      if (fd >= 0) ::close(fd);
      entered.set_value(ok ? "" : "cannot enter namespace " + name);
      if (ok) io_.run();
    });
    if (auto error = result.get(); !error.empty()) {
      thread_.join();
      throw LabError(error);
    }
  }
  ~NsLoop() { stop(); }
  NsLoop(const NsLoop&) = delete;
  NsLoop& operator=(const NsLoop&) = delete;

  boost::asio::io_context& io() { return io_; }

  // Runs f on the loop's thread and returns what it returns (exceptions propagate).
  template <typename F>
  auto call(F f) -> decltype(f()) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto future = task.get_future();
    boost::asio::post(io_, [&task] { task(); });
    return future.get();
  }

  void stop() {
    if (!thread_.joinable()) return;
    guard_.reset();
    io_.stop();
    thread_.join();
  }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::thread thread_;
};

}  // namespace tabby::lab
