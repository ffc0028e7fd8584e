#pragma once
// HealthAggregator: the agent's liveness and readiness, as Felix's health aggregator keeps
// them. Each part of the agent (datastore syncer, dataplane, BGP speaker, ...) registers as a
// reporter and then reports (live, ready) from its own thread; the health HTTP server asks
// for the summary from another. The agent is ready when every readiness reporter last said
// ready, and live when every liveness reporter said live within its timeout. A report older
// than the reporter's timeout counts as neither live nor ready (a stuck loop is not ready
// either); a reporter that has not reported yet is neither.

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace tabby::agent {

using HealthClock = std::chrono::steady_clock;

struct HealthReporterOptions {
  bool reports_liveness = true;
  bool reports_readiness = true;
  // How long a report stays valid; zero means forever (a reporter that reports once).
  HealthClock::duration timeout = std::chrono::seconds(0);
};

struct HealthReport {
  bool live = false;
  bool ready = false;
  std::string detail;  // shown in the health table, e.g. "BGP not established with 10.0.0.2"
};

// One reporter's state as the endpoints show it.
struct HealthReporterStatus {
  std::string name;
  HealthReporterOptions options;
  bool reported = false;   // at least one report so far
  bool timed_out = false;  // the last report is older than the timeout
  bool live = false;       // as counted: false when timed out or never reported
  bool ready = false;
  std::string detail;
};

struct HealthSummary {
  bool live = true;
  bool ready = true;
  std::vector<HealthReporterStatus> reporters;  // sorted by name
};

class HealthAggregator {
 public:
  using Now = std::function<HealthClock::time_point()>;
  explicit HealthAggregator(Now now = [] { return HealthClock::now(); });

  // Registering a name twice replaces its options and keeps its last report.
  void register_reporter(const std::string& name, HealthReporterOptions options);
  // Reporting for a name that was never registered is a programming error: std::logic_error.
  void report(std::string_view name, HealthReport report);

  HealthSummary summary() const;

 private:
  struct Reporter {
    HealthReporterOptions options;
    bool reported = false;
    HealthReport last;
    HealthClock::time_point at;
  };

  Now now_;
  mutable std::mutex mutex_;
  std::map<std::string, Reporter, std::less<>> reporters_;
};

// Felix's health table: COMPONENT, TIMEOUT, LIVENESS, READINESS, DETAIL.
std::string render_health_table(const HealthSummary& summary);

}  // namespace tabby::agent
