// Helper for the IPAM storm tests (ipam_processes_test on SQLite, lab ipam_etcd_storm_test on
// etcd): one process doing for COUNT pods of NODE what the CNI plugin does to the datastore.
//   ipam_worker add NODE COUNT   allocates one address per pod under its handle and writes the
//                                pod's WorkloadEndpoint, printing each address as it gets it
//   ipam_worker del NODE COUNT   removes each pod's WorkloadEndpoint and releases its handle
// The datastore comes from the environment, as for the plugins and tabbyctl (DATASTORE_TYPE,
// TABBY_DATASTORE_PATH, ETCD_ENDPOINTS, ...). If TABBY_WORKER_START_AT is set (Unix time in
// milliseconds), every worker waits for that moment after connecting, so all start at once.

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "tabby/api/codec.h"
#include "tabby/api/datastore_factory.h"
#include "tabby/api/resource_store.h"
#include "tabby/common/command_line.h"
#include "tabby/ipam/ipam.h"

namespace {

constexpr const char* kNamespace = "storm";

std::string handle_of(const std::string& node, int pod) {
  return "k8s-pod-network." + node + "-" + std::to_string(pod);
}
std::string pod_name(int pod) {
  return "pod" + std::to_string(pod);
}
// The name Calico gives the endpoint (node, orchestrator, pod, interface joined by '-').
std::string endpoint_name(const std::string& node, int pod) {
  std::string escaped;
  for (char c : node)
    escaped += c == '-' ? std::string("--") : std::string(1, c);
  return escaped + "-k8s-" + pod_name(pod) + "-eth0";
}

void wait_for_start() {
  const char* at = std::getenv("TABBY_WORKER_START_AT");
  if (!at) return;
  const std::chrono::system_clock::time_point start{std::chrono::milliseconds(std::stoll(at))};
  std::this_thread::sleep_until(start);
}

int add(tabby::api::Datastore& datastore, const std::string& node, int count) {
  tabby::ipam::Ipam ipam(datastore);
  tabby::api::ResourceStore resources(datastore);
  for (int pod = 0; pod < count; ++pod) {
    tabby::ipam::AutoAssignRequest request;
    request.node = node;
    request.num_v4 = 1;
    request.handle_id = handle_of(node, pod);
    request.attributes = {{"node", node}, {"namespace", kNamespace}, {"pod", pod_name(pod)}};
    auto result = ipam.auto_assign(request);
    if (!result) {
      std::fprintf(stderr, "%s pod %d: %s\n", node.c_str(), pod, result.error().message.c_str());
      return 1;
    }
    const std::string address = result->v4.at(0).address.to_string();
    auto endpoint = tabby::api::parse_resource(
        "apiVersion: projectcalico.org/v3\nkind: WorkloadEndpoint\nmetadata: {name: " +
        endpoint_name(node, pod) + ", namespace: " + kNamespace +
        "}\nspec: {orchestrator: k8s, node: " + node + ", pod: " + pod_name(pod) +
        ", endpoint: eth0, interfaceName: cali" + std::to_string(pod) + ", ipNetworks: [" +
        address + "/32]}\n");
    if (!endpoint) {
      std::fprintf(stderr, "%s pod %d: %s\n", node.c_str(), pod, endpoint.error().message.c_str());
      return 1;
    }
    if (auto written = resources.apply(*endpoint); !written) {
      std::fprintf(stderr, "%s pod %d: writing the WorkloadEndpoint: %s\n", node.c_str(), pod,
                   written.error().message.c_str());
      return 1;
    }
    std::printf("%s\n", address.c_str());
    std::fflush(stdout);
  }
  return 0;
}

int del(tabby::api::Datastore& datastore, const std::string& node, int count) {
  tabby::ipam::Ipam ipam(datastore);
  tabby::api::ResourceStore resources(datastore);
  for (int pod = 0; pod < count; ++pod) {
    auto removed =
        resources.remove(tabby::api::Kind::kWorkloadEndpoint, kNamespace, endpoint_name(node, pod));
    if (!removed && !removed.is(tabby::api::DatastoreErrorKind::NotFound)) {
      std::fprintf(stderr, "%s pod %d: %s\n", node.c_str(), pod, removed.error().message.c_str());
      return 1;
    }
    if (auto released = ipam.release_by_handle(handle_of(node, pod)); !released) {
      std::fprintf(stderr, "%s pod %d: %s\n", node.c_str(), pod, released.error().message.c_str());
      return 1;
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"One IPAM client: allocates (add) or releases (del) COUNT addresses for NODE"};
  std::string verb, node;
  int count = 0;
  app.add_option("verb", verb, "add or del")->required()->check(CLI::IsMember({"add", "del"}));
  app.add_option("node", node, "the node's name")->required();
  app.add_option("count", count, "how many addresses")->required()->check(CLI::Range(1, 1000000));
  if (auto exit_code = tabby::parse_command_line(app, argc, argv)) return *exit_code;
  auto config = tabby::api::datastore_config_from_env(tabby::api::process_environment());
  if (!config) {
    std::fprintf(stderr, "%s\n", config.error().message.c_str());
    return 1;
  }
  auto datastore = tabby::api::open_datastore(*config);
  if (!datastore) {
    std::fprintf(stderr, "%s\n", datastore.error().message.c_str());
    return 1;
  }
  wait_for_start();
  return verb == "add" ? add(**datastore, node, count) : del(**datastore, node, count);
}
