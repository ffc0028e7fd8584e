#include "tabby/agent/health_probe.h"

#include <fmt/format.h>
#include <httplib.h>

namespace tabby::agent {

Status probe_health(const std::string& host, int port, HealthProbe probe,
                    std::chrono::milliseconds timeout) {
  const bool liveness = probe == HealthProbe::kLiveness;
  const char* path = liveness ? "/liveness" : "/readiness";
  // Calico's wording, which operators grep their events for.
  const std::string prefix = liveness ? "calico/node is not ready: Felix is not live: "
                                      : "calico/node is not ready: felix is not ready: ";
  httplib::Client client(host, port);
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  auto response = client.Get(path);
  if (!response) {
    return Error{fmt::format("{}Get \"http://{}:{}{}\": {}", prefix, host, port, path,
                             httplib::to_string(response.error()))};
  }
  if (response->status < 200 || response->status > 399) {
    return Error{fmt::format("{}{} probe reporting {}", prefix, liveness ? "liveness" : "readiness",
                             response->status)};
  }
  return {};
}

}  // namespace tabby::agent
