#include "tabby/dataplane/route_sync_loop.h"

#include <spdlog/spdlog.h>

namespace tabby::dataplane {

RouteSyncLoop::RouteSyncLoop(boost::asio::io_context& io, NetlinkLayer& netlink,
                             RouteReconciler& reconciler,
                             std::chrono::milliseconds refresh_interval,
                             std::chrono::milliseconds retry_interval)
    : reconciler_(reconciler),
      events_(io),
      timer_(io),
      refresh_interval_(refresh_interval),
      retry_interval_(retry_interval) {
  if (netlink.event_fd() >= 0) events_.assign(netlink.event_fd());
}

RouteSyncLoop::~RouteSyncLoop() {
  stop();
  // The descriptor belongs to the netlink layer: hand it back instead of closing it.
  if (events_.is_open()) events_.release();
}

void RouteSyncLoop::report(const Status& status) {
  if (status) return;
  spdlog::warn("routes: {}", status.error().message);
  on_error(status);
}

void RouteSyncLoop::start() {
  running_ = true;
  const Status status = reconciler_.resync();
  report(status);
  schedule_resync(reconciler_.in_sync() ? refresh_interval_ : retry_interval_);
  watch_events();
}

void RouteSyncLoop::stop() {
  running_ = false;
  timer_.cancel();
  if (events_.is_open()) events_.cancel();
}

void RouteSyncLoop::watch_events() {
  if (!running_ || !events_.is_open()) return;
  events_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                     [this](const boost::system::error_code& error) {
                       if (error || !running_) return;
                       report(reconciler_.handle_events());
                       if (!reconciler_.in_sync()) schedule_resync(retry_interval_);
                       watch_events();
                     });
}

void RouteSyncLoop::schedule_resync(std::chrono::milliseconds after) {
  if (!running_) return;
  timer_.expires_after(after);
  timer_.async_wait([this](const boost::system::error_code& error) {
    if (error || !running_) return;
    report(reconciler_.resync());
    schedule_resync(reconciler_.in_sync() ? refresh_interval_ : retry_interval_);
  });
}

}  // namespace tabby::dataplane
