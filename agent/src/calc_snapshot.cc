#include "tabby/agent/calc_snapshot.h"

#include <fstream>
#include <set>
#include <sstream>

#include "tabby/agent/local_workloads.h"

namespace tabby::agent {
namespace {

void add_ref(const api::Json& secret_key_ref, std::set<std::pair<std::string, std::string>>& refs) {
  if (!secret_key_ref.is_object()) return;
  refs.emplace(secret_key_ref.value("name", ""), secret_key_ref.value("key", ""));
}

}  // namespace

SecretValues read_secrets(const ClusterSnapshot& snapshot, const std::filesystem::path& dir) {
  std::set<std::pair<std::string, std::string>> refs;
  for (const api::Resource& peer : snapshot.bgp_peers) {
    if (peer.spec.contains("password"))
      add_ref(peer.spec["password"].value("secretKeyRef", api::Json()), refs);
  }
  for (const api::Resource& config : snapshot.bgp_configurations) {
    if (config.spec.contains("nodeMeshPassword"))
      add_ref(config.spec["nodeMeshPassword"].value("secretKeyRef", api::Json()), refs);
  }
  SecretValues values;
  if (dir.empty()) return values;
  for (const auto& [name, key] : refs) {
    // Names and keys come from validated resources (DNS labels, no '/'), so they cannot
    // escape the directory.
    std::ifstream in(dir / name / key, std::ios::binary);
    if (!in) continue;
    std::ostringstream text;
    text << in.rdbuf();
    std::string value = text.str();
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r'))
      value.pop_back();
    values[{name, key}] = value;
  }
  return values;
}

ClusterSnapshot calc_snapshot(const DatastoreSnapshot& store, const std::string& node_name,
                              const std::filesystem::path& secrets_dir) {
  ClusterSnapshot snapshot;
  snapshot.node_name = node_name;
  snapshot.nodes = store.list(api::Kind::kNode);
  snapshot.ip_pools = store.list(api::Kind::kIPPool);
  snapshot.bgp_peers = store.list(api::Kind::kBGPPeer);
  snapshot.bgp_configurations = store.list(api::Kind::kBGPConfiguration);
  snapshot.bgp_filters = store.list(api::Kind::kBGPFilter);
  snapshot.blocks = store.block_list();
  for (const auto& [node, blocks] : store.affinities) {
    for (const auto& [cidr, affinity] : blocks) {
      if (affinity.deleted) continue;
      auto prefix = IpPrefix::parse(cidr);
      if (!prefix) continue;
      snapshot.affinities.push_back({.node = node, .cidr = *prefix, .state = affinity.state});
    }
  }
  for (const auto& route : local_workload_routes(store, node_name)) {
    if (!route.next_hops.empty())
      snapshot.workload_interfaces[route.destination] = route.next_hops.front().device;
  }
  snapshot.secrets = read_secrets(snapshot, secrets_dir);
  return snapshot;
}

}  // namespace tabby::agent
