#pragma once
// The health endpoint Felix serves for calico-node's probes: GET /liveness and GET /readiness
// on FELIX_HEALTHHOST:FELIX_HEALTHPORT (localhost:9099). 200 with the health table when good,
// 503 with the same table (naming the failing reporters) when not, 204 when nothing has
// registered yet, 404 for any other path.

#include <memory>
#include <string>

#include "tabby/agent/health_aggregator.h"
#include "tabby/common/result.h"

namespace tabby::agent {

inline constexpr int kDefaultHealthPort = 9099;
inline constexpr const char* kDefaultHealthHost = "localhost";

enum class HealthProbe { kLiveness, kReadiness };

struct HealthResponse {
  int status = 200;
  std::string body;
};

// The pure part: what a probe answers for a summary.
HealthResponse health_response(const HealthSummary& summary, HealthProbe probe);

class HttpListener;

class HealthServer {
 public:
  explicit HealthServer(const HealthAggregator& health);
  ~HealthServer();
  HealthServer(const HealthServer&) = delete;
  HealthServer& operator=(const HealthServer&) = delete;

  // Listens on host:port (port 0: any free port) on a thread of its own; returns the port.
  Result<int> start(const std::string& host, int port);
  void stop();

 private:
  const HealthAggregator& health_;
  std::unique_ptr<HttpListener> listener_;
};

}  // namespace tabby::agent
