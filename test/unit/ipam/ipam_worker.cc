// Helper for ipam_processes_test: one process allocating COUNT addresses for NODE from the
// SQLite datastore at PATH, one request per pod, printing each address as it gets it.

#include <cstdio>
#include <string>

#include "tabby/api/sqlite_datastore.h"
#include "tabby/ipam/ipam.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: ipam_worker PATH NODE COUNT\n");
    return 2;
  }
  auto datastore = tabby::api::open_sqlite_datastore({.path = argv[1]});
  if (!datastore) {
    std::fprintf(stderr, "%s\n", datastore.error().message.c_str());
    return 1;
  }
  tabby::ipam::Ipam ipam(**datastore);
  const std::string node = argv[2];
  const int count = std::stoi(argv[3]);
  for (int pod = 0; pod < count; ++pod) {
    tabby::ipam::AutoAssignRequest request;
    request.node = node;
    request.num_v4 = 1;
    request.handle_id = "k8s-pod-network." + node + "-" + std::to_string(pod);
    request.attributes = {{"node", node}, {"pod", "pod" + std::to_string(pod)}};
    auto result = ipam.auto_assign(request);
    if (!result) {
      std::fprintf(stderr, "%s pod %d: %s\n", node.c_str(), pod, result.error().message.c_str());
      return 1;
    }
    std::printf("%s\n", result->v4.at(0).address.to_string().c_str());
  }
  return 0;
}
