#include "tabby/agent/local_workloads.h"

namespace tabby::agent {

std::vector<dataplane::Route> local_workload_routes(const DatastoreSnapshot& snapshot,
                                                    const std::string& node_name) {
  std::vector<dataplane::Route> routes;
  for (const auto& [name, endpoint] : snapshot.of(api::Kind::kWorkloadEndpoint)) {
    const api::Json& spec = endpoint.spec;
    if (spec.value("node", "") != node_name) continue;
    const std::string interface = spec.value("interfaceName", "");
    if (interface.empty() || !spec.contains("ipNetworks")) continue;
    for (const auto& network : spec["ipNetworks"]) {
      auto prefix = IpPrefix::parse_interface(network.get<std::string>());
      if (!prefix) continue;  // validated on write; nothing sensible to route otherwise
      routes.push_back(dataplane::workload_route(prefix->address(), interface));
    }
  }
  return routes;
}

}  // namespace tabby::agent
