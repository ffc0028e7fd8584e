#include "cluster.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "tabby/common/ip.h"

namespace tabby::e2e {
namespace {

using lab::CommandResult;
using lab::LabError;
using namespace std::chrono_literals;

constexpr const char* kTorAddress = "10.0.0.1";
constexpr int kTorAs = 65000;
constexpr int kClusterAs = 64512;

std::string frr_tor_config(const std::string& router_id) {
  return "frr defaults datacenter\n"
         "hostname tor\n"
         "log stdout informational\n"
         "router bgp " +
         std::to_string(kTorAs) +
         "\n"
         " bgp router-id " +
         router_id +
         "\n"
         " no bgp ebgp-requires-policy\n"
         " neighbor nodes peer-group\n"
         " neighbor nodes remote-as " +
         std::to_string(kClusterAs) +
         "\n"
         " bgp listen range 10.0.0.0/24 peer-group nodes\n"
         " address-family ipv4 unicast\n"
         "  neighbor nodes activate\n"
         " exit-address-family\n";
}

// The first IPv6 address ("fd00:...:5/128") in a CNI result's "ips", without the length.
std::string cni_result_v6_address(const std::string& result) {
  for (auto at = result.find("\"address\""); at != std::string::npos;
       at = result.find("\"address\"", at + 1)) {
    const auto open = result.find('"', result.find(':', at) + 1);
    const auto slash = result.find('/', open);
    if (open == std::string::npos || slash == std::string::npos) break;
    std::string address = result.substr(open + 1, slash - open - 1);
    if (address.find(':') != std::string::npos) return address;
  }
  return {};
}

}  // namespace

bool agent_ready(const lab::Netns& node) {
  return node
      .exec({"bash", "-c",
             "exec 3<>/dev/tcp/127.0.0.1/9099 && printf 'GET /readiness HTTP/1.0\\r\\n\\r\\n' "
             ">&3 && head -1 <&3 | grep -q ' 200 '"},
            5s)
      .ok();
}

Cluster::Cluster(lab::Lab& lab, ClusterSpec spec, Binaries binaries, std::ostream& log)
    : lab_(lab), spec_(std::move(spec)), binaries_(std::move(binaries)), log_(log) {
  if (spec_.encapsulation == Encapsulation::kVxlan) spec_.top_of_rack = false;
}

std::string Cluster::datastore_path() const {
  return (lab_.dir() / "datastore.db").string();
}

std::string Cluster::mtu_file(int node) const {
  return (lab_.dir() / (node_name(node) + "-mtu")).string();
}

std::string Cluster::secrets_dir() const {
  return (lab_.dir() / "secrets").string();
}

std::string Cluster::tor_address() const {
  return kTorAddress;
}

int Cluster::cluster_as() const {
  return kClusterAs;
}

int Cluster::tor_as() const {
  return kTorAs;
}

std::string Cluster::status_socket(int node) const {
  return (lab_.dir() / (node_name(node) + "-status.sock")).string();
}

void Cluster::start() {
  auto& rack = lab_.add_segment("rack");
  rack_ = &rack;
  tor_ = &lab_.add_router("tor");
  lab_.attach(*tor_, "eth0", rack, {.address = std::string(kTorAddress) + "/24"});
  for (int i = 1; i <= spec_.nodes; ++i) {
    auto& node = lab_.add_node(node_name(i));
    lab_.attach(node, "eth0", rack, {.address = node_address(i) + "/24", .gateway = kTorAddress});
    if (dual_stack()) node.must("ip -6 addr add " + node_address_v6(i) + "/64 dev eth0 nodad");
    nodes_.push_back(&node);
  }
  log_ << "built the rack: ToR " << kTorAddress << ", " << spec_.nodes << " nodes on 10.0.0.0/24\n";
  if (spec_.top_of_rack) {
    tor_router_ = &lab_.start_frr(*tor_, "tor", frr_tor_config(kTorAddress));
    log_ << "started FRR on the ToR (AS " << kTorAs << ", listening for the nodes)\n";
  }
  if (spec_.etcd) {
    auto& store = lab_.add_node("etcd");
    lab_.attach(store, "eth0", rack, {.address = etcd_address() + "/24"});
    etcd_ = &lab_.start_etcd(store, "etcd", etcd_address());
    log_ << "started etcd on the rack: " << etcd_->client_url() << "\n";
  }
  write_resources();
  std::vector<std::string> argv = {binaries_.node_agent};
  argv.insert(argv.end(), spec_.agent_arguments.begin(), spec_.agent_arguments.end());
  for (int i = 1; i <= spec_.nodes; ++i) {
    agents_.push_back(
        &lab_.start_process(node(i), node_name(i) + "-agent", argv, agent_environment(i)));
  }
  for (int i = 1; i <= spec_.nodes; ++i)
    wait_ready(i);
  log_ << "every agent is ready\n";
}

void Cluster::write_resources() {
  std::ostringstream yaml;
  yaml << "apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\n"
          "metadata: {name: default}\nspec:\n  asNumber: "
       << kClusterAs << "\n  nodeToNodeMeshEnabled: " << (spec_.route_reflector ? "false" : "true")
       << "\n";
  if (spec_.top_of_rack) {
    yaml << "---\napiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata: {name: tor}\n"
            "spec: {peerIP: "
         << kTorAddress << ", asNumber: " << kTorAs << "}\n";
  }
  if (spec_.route_reflector) {
    // Node 1 is the reflector, as a Calico user makes one: a cluster ID and a label, and a
    // BGPPeer that has every node peer with the labelled ones.
    yaml << "---\napiVersion: projectcalico.org/v3\nkind: Node\n"
            "metadata: {name: "
         << node_name(1) << ", labels: {route-reflector: 'true'}}\n"
         << "spec: {bgp: {ipv4Address: " << node_address(1)
         << "/24, routeReflectorClusterID: 224.0.0.1}}\n"
         << "---\napiVersion: projectcalico.org/v3\nkind: BGPPeer\n"
            "metadata: {name: peer-with-route-reflectors}\n"
            "spec: {nodeSelector: all(), peerSelector: route-reflector == 'true'}\n";
  }
  const auto file = lab_.dir() / "cluster.yaml";
  std::ofstream(file) << yaml.str();
  CommandResult applied = tabbyctl({"apply", "-f", file.string()});
  if (!applied.ok()) throw LabError("tabbyctl apply failed: " + applied.output);
  log_ << "tabbyctl apply -f cluster.yaml: " << applied.output;
}

std::vector<std::string> Cluster::agent_environment(int node) const {
  const bool vxlan = spec_.encapsulation == Encapsulation::kVxlan;
  std::vector<std::string> environment = {
      "NODENAME=" + node_name(node),
      "IP=autodetect",
      "IP_AUTODETECTION_METHOD=interface=eth0",
      "CALICO_IPV4POOL_CIDR=" + spec_.pool_cidr,
      std::string("CALICO_IPV4POOL_IPIP=") +
          (spec_.encapsulation == Encapsulation::kIpip ? "Always" : "Never"),
      std::string("CALICO_IPV4POOL_VXLAN=") + (vxlan ? "Always" : "Never"),
      std::string("CALICO_NETWORKING_BACKEND=") + (vxlan ? "vxlan" : "bird"),
      "DATASTORE_TYPE=sqlite",
      "TABBY_DATASTORE_PATH=" + datastore_path(),
      "TABBY_STATUS_SOCKET=" + status_socket(node),
      "FELIX_HEALTHENABLED=true",
      "FELIX_PROMETHEUSMETRICSENABLED=true",
      "TABBY_SECRETS_DIR=" + secrets_dir(),
      // Each agent writes its name here, not into the host's /var/lib/calico.
      "CALICO_NODENAME_FILE=" + (lab_.dir() / (node_name(node) + "-nodename")).string(),
      "TABBY_MTU_FILE=" + mtu_file(node),
      std::string("FELIX_IPV6SUPPORT=") + (dual_stack() ? "true" : "false"),
      "FELIX_LOGSEVERITYSCREEN=Info",
  };
  if (dual_stack()) {
    environment.insert(environment.end(),
                       {"IP6=autodetect", "IP6_AUTODETECTION_METHOD=interface=eth0",
                        "CALICO_IPV6POOL_CIDR=" + spec_.pool_v6_cidr,
                        std::string("CALICO_IPV6POOL_VXLAN=") + (vxlan ? "Always" : "Never")});
  }
  // `env` applies its settings in order, so these win over the ones above.
  const auto datastore = datastore_environment();
  environment.insert(environment.end(), datastore.begin(), datastore.end());
  environment.insert(environment.end(), spec_.agent_environment.begin(),
                     spec_.agent_environment.end());
  return environment;
}

void Cluster::wait_ready(int i) {
  agents_.at(i - 1)->wait_until([&] { return agent_ready(node(i)); },
                                "ready (/readiness on :9099 answering 200)", 60s);
}

std::string Cluster::cni_config(int node) const {
  // mtu 0, the manifest's default: the plugin takes the MTU the node's agent wrote.
  return R"({"cniVersion":"1.0.0","name":"k8s-pod-network","type":"tabby","nodename":")" +
         node_name(node) + R"(","mtu":0,"mtu_file":")" + mtu_file(node) + "\"" +
         (spec_.etcd
              ? R"(,"datastore_type":"etcdv3","etcd_endpoints":"http://)" + etcd_address() + ":2379"
              : R"(,"datastore_type":"sqlite","datastore_path":")" + datastore_path()) +
         R"(","ipam":{"type":"tabby-ipam")" + (dual_stack() ? R"(,"assign_ipv6":"true")" : "") +
         "}}";
}

// The address the cluster's last pod asks for with Calico's ipAddrs annotation: near the end
// of the pool, far from the blocks the nodes claim first.
std::string Cluster::pinned_address() const {
  const IpPrefix pool = *IpPrefix::parse(spec_.pool_cidr);
  return pool.address().plus((std::uint64_t{1} << (32 - pool.length())) - 10).to_string();
}

void Cluster::add_pods() {
  for (int i = 1; i <= spec_.nodes; ++i) {
    for (int k = 1; k <= spec_.pods_per_node; ++k) {
      // The last pod's address is pinned by its annotations.
      const bool pinned = i == spec_.nodes && k == spec_.pods_per_node && !dual_stack();
      const std::string name = "pod-" + std::to_string(i) + "-" + std::to_string(k);
      const Pod pod = add_pod(
          i, name,
          pinned ? R"({"cni.projectcalico.org/ipAddrs":"[\")" + pinned_address() + R"(\"]"})" : "");
      if (pinned && pod.address != pinned_address())
        throw LabError("CNI ADD of " + name + " ignored its ipAddrs annotation");
    }
  }
}

// The CNI plugin run as a runtime runs it. Annotations reach it as a runtime (containerd,
// CRI-O) hands them to a plugin declaring the capability: in runtimeConfig.
CommandResult Cluster::run_cni(const std::string& command, int node_index, const std::string& name,
                               const std::string& netns, const std::string& annotations) const {
  std::string config = cni_config(node_index);
  if (!annotations.empty()) {
    config.insert(config.size() - 1,
                  R"(,"runtimeConfig":{"io.kubernetes.cri.pod-annotations":)" + annotations + "}");
  }
  return node(node_index)
      .sh("printf '%s' '" + config + "' | CNI_COMMAND=" + command + " CNI_CONTAINERID=" + name +
          " CNI_NETNS=/run/netns/" + netns +
          " CNI_IFNAME=eth0 CNI_ARGS='IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=" +
          name + "' CNI_PATH=" + binaries_.cni_dir + " " + binaries_.cni_dir + "/tabby");
}

Pod Cluster::add_pod(int node_index, const std::string& name, const std::string& annotations) {
  Pod pod{.name = name, .node = node_index};
  pod.netns = &lab_.add_pod(pod.name);
  CommandResult added = run_cni("ADD", node_index, name, pod.netns->name(), annotations);
  if (!added.ok()) throw LabError("CNI ADD of " + pod.name + " failed: " + added.output);
  const auto at = added.output.find("\"address\"");
  const auto open = added.output.find('"', added.output.find(':', at) + 1);
  const auto slash = added.output.find('/', open);
  if (at == std::string::npos || open == std::string::npos || slash == std::string::npos)
    throw LabError("CNI ADD of " + pod.name + " printed no address: " + added.output);
  pod.address = added.output.substr(open + 1, slash - open - 1);
  if (dual_stack()) pod.address_v6 = cni_result_v6_address(added.output);
  if (dual_stack() && pod.address_v6.empty())
    throw LabError("CNI ADD of " + pod.name + " printed no IPv6 address: " + added.output);
  log_ << "CNI ADD " << pod.name << " on " << node_name(node_index) << ": " << pod.address
       << (annotations.empty() ? "" : " (annotations " + annotations + ")") << "\n";
  pods_.push_back(pod);
  return pod;
}

void Cluster::remove_pod(const std::string& name) {
  auto it = std::find_if(pods_.begin(), pods_.end(), [&](const Pod& p) { return p.name == name; });
  if (it == pods_.end()) throw LabError("no pod " + name);
  CommandResult deleted = run_cni("DEL", it->node, name, it->netns->name(), "");
  if (!deleted.ok()) throw LabError("CNI DEL of " + name + " failed: " + deleted.output);
  log_ << "CNI DEL " << name << " on " << node_name(it->node) << "\n";
  pods_.erase(it);
}

std::vector<std::string> Cluster::ping_all(int count) const {
  std::vector<std::string> failures;
  for (const Pod& from : pods_) {
    for (const Pod& to : pods_) {
      if (&from == &to) continue;
      if (!from.netns->ping(to.address, count)) failures.push_back(from.name + " -> " + to.address);
    }
  }
  return failures;
}

std::vector<std::string> Cluster::ping_all_v6(int count) const {
  std::vector<std::string> failures;
  for (const Pod& from : pods_) {
    for (const Pod& to : pods_) {
      if (&from == &to) continue;
      if (!from.netns->ping(to.address_v6, count))
        failures.push_back(from.name + " -> " + to.address_v6);
    }
  }
  return failures;
}

CommandResult Cluster::tabbyctl(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = datastore_environment();
  argv.insert(argv.begin(), "env");
  // etcd is on the rack, which only the namespaces reach: run tabbyctl from a node, as a
  // user with a shell on it would.
  if (spec_.etcd) argv.insert(argv.begin(), {"ip", "netns", "exec", node(1).name()});
  argv.push_back(binaries_.tabbyctl);
  argv.insert(argv.end(), args.begin(), args.end());
  return lab::run_command(argv);
}

std::string Cluster::node_status(int i) const {
  return lab::run_command({"env", "TABBY_STATUS_SOCKET=" + status_socket(i), binaries_.tabbyctl,
                           "node", "status"})
      .output;
}

bool Cluster::all_peers_established(int i) const {
  const std::string status = node_status(i);
  int rows = 0;
  std::istringstream lines(status);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("| ", 0) != 0 || line.find("PEER ADDRESS") != std::string::npos) continue;
    ++rows;
    if (line.find("Established") == std::string::npos) return false;
  }
  return rows > 0;
}

void Cluster::stop_agent(int i) {
  agents_.at(i - 1)->stop();
}

void Cluster::start_agent(int i) {
  agents_.at(i - 1)->restart();
  wait_ready(i);
}

void Cluster::restart_agent(int i) {
  agents_.at(i - 1)->restart();
  wait_ready(i);
}

}  // namespace tabby::e2e

namespace tabby::e2e {

std::vector<std::string> Cluster::datastore_environment() const {
  if (spec_.etcd)
    return {"DATASTORE_TYPE=etcdv3", "ETCD_ENDPOINTS=http://" + etcd_address() + ":2379"};
  return {"DATASTORE_TYPE=sqlite", "TABBY_DATASTORE_PATH=" + datastore_path()};
}

void Cluster::kill_agent(int i) {
  // The agent is the only tabby-node in its node's namespace (pods have namespaces of their
  // own), so the namespace's process list names it without a broad match.
  const CommandResult killed = lab::run_command(
      {"bash", "-c",
       "for pid in $(ip netns pids " + node(i).name() +
           "); do if [ \"$(cat /proc/$pid/comm 2>/dev/null)\" = tabby-node ]; then "
           "kill -KILL $pid && echo $pid; fi; done"});
  if (!killed.ok() || killed.output.empty())
    throw LabError("no tabby-node to kill on " + node_name(i) + ": " + killed.output);
  log_ << "killed " << node_name(i) << "'s agent (pid "
       << killed.output.substr(0, killed.output.find('\n')) << ") with SIGKILL\n";
}

}  // namespace tabby::e2e
