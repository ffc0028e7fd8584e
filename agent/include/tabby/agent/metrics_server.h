#pragma once
// Felix's Prometheus endpoint: GET /metrics on FELIX_PROMETHEUSMETRICSHOST (all addresses
// when empty) and FELIX_PROMETHEUSMETRICSPORT (9091), in the text exposition format.

#include <memory>
#include <string>

#include "tabby/agent/metrics_registry.h"
#include "tabby/common/result.h"

namespace tabby::agent {

inline constexpr int kDefaultMetricsPort = 9091;
inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

class HttpListener;

class MetricsServer {
 public:
  explicit MetricsServer(const MetricsRegistry& registry);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Listens on host:port (port 0: any free port; host "" : every IPv4 address) on a thread of
  // its own; returns the port.
  Result<int> start(const std::string& host, int port);
  void stop();

 private:
  const MetricsRegistry& registry_;
  std::unique_ptr<HttpListener> listener_;
};

}  // namespace tabby::agent
