#pragma once
// Felix's routes to this node's own pods (calico-node.md §4.3): one /32 (/128) per address of
// every WorkloadEndpoint on this node, through its cali* interface. The CNI plugin installs
// the same route when it wires the pod; the agent wants it too, so that the reconciler (which
// owns every route on cali* interfaces) keeps it, repairs it and removes it with the pod.

#include <string>
#include <vector>

#include "tabby/agent/datastore_snapshot.h"
#include "tabby/dataplane/route.h"

namespace tabby::agent {

std::vector<dataplane::Route> local_workload_routes(const DatastoreSnapshot& snapshot,
                                                    const std::string& node_name);

}  // namespace tabby::agent
