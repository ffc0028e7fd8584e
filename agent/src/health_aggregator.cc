#include "tabby/agent/health_aggregator.h"

#include <fmt/format.h>

#include <stdexcept>

#include "tabby/api/node_status.h"

namespace tabby::agent {
namespace {

std::string timeout_text(HealthClock::duration timeout) {
  if (timeout == HealthClock::duration::zero()) return "-";
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count();
  if (ms % 1000 == 0) return fmt::format("{}s", ms / 1000);
  return fmt::format("{}ms", ms);
}

std::string liveness_text(const HealthReporterStatus& reporter) {
  if (!reporter.options.reports_liveness) return "-";
  if (!reporter.reported) return "not yet reported";
  if (reporter.timed_out) return "timed out";
  return reporter.live ? "reporting live" : "reporting non-live";
}

std::string readiness_text(const HealthReporterStatus& reporter) {
  if (!reporter.options.reports_readiness) return "-";
  if (!reporter.reported) return "not yet reported";
  if (reporter.timed_out) return "timed out";
  return reporter.ready ? "reporting ready" : "reporting non-ready";
}

}  // namespace

HealthAggregator::HealthAggregator(Now now) : now_(std::move(now)) {}

void HealthAggregator::register_reporter(const std::string& name, HealthReporterOptions options) {
  std::lock_guard lock(mutex_);
  reporters_[name].options = options;
}

void HealthAggregator::report(std::string_view name, HealthReport report) {
  const auto at = now_();
  std::lock_guard lock(mutex_);
  auto it = reporters_.find(name);
  if (it == reporters_.end()) {
    throw std::logic_error(fmt::format("health report from unregistered reporter \"{}\"", name));
  }
  it->second.reported = true;
  it->second.last = std::move(report);
  it->second.at = at;
}

HealthSummary HealthAggregator::summary() const {
  const auto now = now_();
  std::lock_guard lock(mutex_);
  HealthSummary summary;
  for (const auto& [name, reporter] : reporters_) {
    HealthReporterStatus status{name, reporter.options, reporter.reported};
    status.timed_out = reporter.reported &&
                       reporter.options.timeout != HealthClock::duration::zero() &&
                       now - reporter.at > reporter.options.timeout;
    const bool valid = reporter.reported && !status.timed_out;
    status.live = valid && reporter.last.live;
    status.ready = valid && reporter.last.ready;
    status.detail = reporter.last.detail;
    if (reporter.options.reports_liveness && !status.live) summary.live = false;
    if (reporter.options.reports_readiness && !status.ready) summary.ready = false;
    summary.reporters.push_back(std::move(status));
  }
  return summary;
}

std::string render_health_table(const HealthSummary& summary) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& reporter : summary.reporters) {
    rows.push_back({reporter.name, timeout_text(reporter.options.timeout), liveness_text(reporter),
                    readiness_text(reporter), reporter.detail});
  }
  return api::render_bordered_table({"COMPONENT", "TIMEOUT", "LIVENESS", "READINESS", "DETAIL"},
                                    rows);
}

}  // namespace tabby::agent
