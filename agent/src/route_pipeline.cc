#include "tabby/agent/route_pipeline.h"

#include <boost/asio/post.hpp>

namespace tabby::agent {

RoutePipeline::RoutePipeline(boost::asio::io_context& io, dataplane::RouteReconciler& reconciler,
                             std::size_t slice)
    : io_(io), reconciler_(reconciler), slice_(slice == 0 ? 1 : slice) {}

RoutePipeline::~RoutePipeline() {
  *alive_ = false;
}

void RoutePipeline::set_source(RouteSource source, const std::vector<dataplane::Route>& routes) {
  claims_.set_source(source, routes);
  schedule_write();
}

void RoutePipeline::set_destination(RouteSource source, const IpPrefix& destination,
                                    const std::optional<dataplane::Route>& route) {
  claims_.set_destination(source, destination, route);
  schedule_write();
}

void RoutePipeline::keep_unwanted(bool keep) {
  keep_unwanted_ = keep;
  if (keep) {
    reconciler_.keep_unwanted();
  } else if (claims_.pending() == 0) {
    on_written({.changes = 0, .took = {}, .status = release_if_written()});
  }
}

Status RoutePipeline::release_if_written() {
  if (keep_unwanted_ || !reconciler_.keeping_unwanted() || claims_.pending() > 0) return {};
  return reconciler_.remove_unwanted();
}

void RoutePipeline::schedule_write() {
  if (write_scheduled_ || claims_.pending() == 0) return;
  write_scheduled_ = true;
  boost::asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired()) return;
    write_scheduled_ = false;
    on_written(write_slice());
    // The rest after whatever else is ready to run: the sessions are never starved.
    schedule_write();
  });
}

RouteWriteReport RoutePipeline::write_slice() {
  const auto started = std::chrono::steady_clock::now();
  const auto changes = claims_.take_changes(slice_);
  RouteWriteReport report{.changes = changes.size(), .took = {}, .status = {}};
  if (!changes.empty()) report.status = reconciler_.update_desired(changes);
  if (Status released = release_if_written(); !released) report.status = released;
  report.took = std::chrono::steady_clock::now() - started;
  return report;
}

Status RoutePipeline::write_all() {
  Status last;
  while (claims_.pending() > 0) {
    RouteWriteReport report = write_slice();
    if (!report.status) last = report.status;
    on_written(report);
  }
  return last;
}

}  // namespace tabby::agent
