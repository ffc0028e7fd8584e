#include "tabby/agent/metrics_server.h"

#include "health_http_listener.h"

namespace tabby::agent {

MetricsServer::MetricsServer(const MetricsRegistry& registry)
    : registry_(registry), listener_(std::make_unique<HttpListener>("metrics")) {
  listener_->server().Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
    response.set_content(registry_.exposition(), kMetricsContentType);
  });
}

MetricsServer::~MetricsServer() {
  stop();
}

Result<int> MetricsServer::start(const std::string& host, int port) {
  return listener_->start(host.empty() ? "0.0.0.0" : host, port);
}

void MetricsServer::stop() {
  listener_->stop();
}

}  // namespace tabby::agent
