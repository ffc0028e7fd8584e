#pragma once
// The client side of the health endpoint, for `calico-node -felix-live` / `-felix-ready` style
// probes (an exec probe, or a script on the node): GET /liveness or /readiness on
// FELIX_HEALTHHOST:FELIX_HEALTHPORT; a status from 200 to 399 is good. The error is Calico's
// text, e.g. "calico/node is not ready: felix is not ready: readiness probe reporting 503".

#include <chrono>
#include <string>

#include "tabby/agent/health_server.h"
#include "tabby/common/result.h"

namespace tabby::agent {

Status probe_health(const std::string& host, int port, HealthProbe probe,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace tabby::agent
