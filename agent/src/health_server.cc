#include "tabby/agent/health_server.h"

#include "health_http_listener.h"

namespace tabby::agent {

HealthResponse health_response(const HealthSummary& summary, HealthProbe probe) {
  if (summary.reporters.empty()) return {204, ""};
  const bool good = probe == HealthProbe::kLiveness ? summary.live : summary.ready;
  return {good ? 200 : 503, render_health_table(summary)};
}

HealthServer::HealthServer(const HealthAggregator& health)
    : health_(health), listener_(std::make_unique<HttpListener>("health")) {
  for (auto [path, probe] : {std::pair{"/liveness", HealthProbe::kLiveness},
                             std::pair{"/readiness", HealthProbe::kReadiness}}) {
    listener_->server().Get(
        path, [this, probe = probe](const httplib::Request&, httplib::Response& response) {
          const HealthResponse answer = health_response(health_.summary(), probe);
          response.status = answer.status;
          if (!answer.body.empty()) response.set_content(answer.body, "text/plain; charset=utf-8");
        });
  }
}

HealthServer::~HealthServer() {
  stop();
}

Result<int> HealthServer::start(const std::string& host, int port) {
  return listener_->start(host, port);
}

void HealthServer::stop() {
  listener_->stop();
}

}  // namespace tabby::agent
