#pragma once
// Runs a RouteReconciler on the agent's Boost.Asio event loop: repairs as soon as the kernel
// reports a change (the notification socket is watched, not polled), resyncs fully every
// refresh interval (Felix's RouteRefreshInterval, 90 s), and retries soon after a failure.

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>

#include "tabby/dataplane/route_reconciler.h"

namespace tabby::dataplane {

class RouteSyncLoop {
 public:
  RouteSyncLoop(boost::asio::io_context& io, NetlinkLayer& netlink, RouteReconciler& reconciler,
                std::chrono::milliseconds refresh_interval = std::chrono::seconds(90),
                std::chrono::milliseconds retry_interval = std::chrono::seconds(1));
  ~RouteSyncLoop();
  RouteSyncLoop(const RouteSyncLoop&) = delete;
  RouteSyncLoop& operator=(const RouteSyncLoop&) = delete;

  // Resyncs once and starts watching. Errors go to on_error (and are retried).
  void start();
  void stop();

  std::function<void(const Status&)> on_error = [](const Status&) {};

 private:
  void watch_events();
  void schedule_resync(std::chrono::milliseconds after);
  void report(const Status& status);

  RouteReconciler& reconciler_;
  boost::asio::posix::stream_descriptor events_;
  boost::asio::steady_timer timer_;
  std::chrono::milliseconds refresh_interval_;
  std::chrono::milliseconds retry_interval_;
  bool running_ = false;
};

}  // namespace tabby::dataplane
