#pragma once
// The agent's route programming: the sources' claims (route_claims.h) written to the kernel
// through the RouteReconciler in batches on the agent's loop. A claim schedules a write soon
// (posted, so the changes that arrive together leave together); each write takes at most
// `slice` keys and then yields the loop, so the BGP sessions' reads, keepalives and the
// status requests run between slices even while a full table goes in, and a pod's route,
// taken before any learned one, is never queued behind it.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>

#include "tabby/agent/route_claims.h"
#include "tabby/dataplane/route_reconciler.h"

namespace tabby::agent {

struct RouteWriteReport {
  std::size_t changes = 0;  // keys written in this slice
  std::chrono::duration<double> took{};
  Status status;
};

class RoutePipeline {
 public:
  static constexpr std::size_t kDefaultSlice = 4096;

  RoutePipeline(boost::asio::io_context& io, dataplane::RouteReconciler& reconciler,
                std::size_t slice = kDefaultSlice);
  ~RoutePipeline();
  RoutePipeline(const RoutePipeline&) = delete;
  RoutePipeline& operator=(const RoutePipeline&) = delete;

  // As RouteClaims; each schedules a write.
  void set_source(RouteSource source, const std::vector<dataplane::Route>& routes);
  void set_destination(RouteSource source, const IpPrefix& destination,
                       const std::optional<dataplane::Route>& route);

  // RouteReconciler::keep_unwanted: routes from before a restart stay while kept. Released
  // only once every pending claim is written, so that a route still queued is not taken for
  // unwanted, removed and then added again.
  void keep_unwanted(bool keep);

  const RouteClaims& claims() const { return claims_; }
  // Keys claimed or released but not written yet.
  std::size_t pending() const { return claims_.pending(); }
  // Writes everything pending now, in slices, without yielding (tests; shutdown).
  Status write_all();

  // After each slice written.
  std::function<void(const RouteWriteReport&)> on_written = [](const RouteWriteReport&) {};

 private:
  void schedule_write();
  RouteWriteReport write_slice();
  // Applies a pending release of keep_unwanted once nothing is queued.
  Status release_if_written();

  boost::asio::io_context& io_;
  dataplane::RouteReconciler& reconciler_;
  std::size_t slice_;
  RouteClaims claims_;
  bool write_scheduled_ = false;
  bool keep_unwanted_ = false;  // as asked; the reconciler follows once the queue is written
  // Posted handlers hold it weakly: they do nothing once the pipeline is gone.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace tabby::agent
