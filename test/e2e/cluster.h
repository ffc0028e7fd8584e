#pragma once
// A tabby cluster in network namespaces: the main job of the README and the end-to-end lab
// tests. Nodes on one rack segment behind an FRR top-of-rack router, one tabby-node agent
// per node on a shared embedded (SQLite) datastore or a real etcd server, pods wired through
// the tabby CNI plugin exactly as a container runtime invokes it, and the checks a user would
// make: every pod pings every other, `tabbyctl node status` shows the peers Established.

#include <atomic>
#include <functional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "tabby/lab/daemons.h"
#include "tabby/lab/lab.h"

namespace tabby::e2e {

enum class Encapsulation { kNone, kIpip, kVxlan };

struct ClusterSpec {
  int nodes = 3;
  int pods_per_node = 2;
  Encapsulation encapsulation = Encapsulation::kNone;
  bool route_reflector = false;  // node 1 reflects, no mesh
  bool top_of_rack = true;       // FRR peered with every node (not with the VXLAN backend)
  std::string pool_cidr = "10.244.0.0/16";
  // Dual stack when set: every node also gets node_address_v6(i) on the rack (IP6
  // autodetected, FELIX_IPV6SUPPORT on), this CIDR becomes the IPv6 pool (VXLAN like the
  // IPv4 pool's with the VXLAN backend) and every pod gets an address of each family.
  std::string pool_v6_cidr;
  // The datastore the agents, tabbyctl and the CNI plugin share: the embedded SQLite file, or
  // with `etcd` a real etcd server (DATASTORE_TYPE=etcdv3, ETCD_ENDPOINTS), as the manifest
  // has it, in a namespace of its own on the rack (Cluster::etcd_address()).
  bool etcd = false;
  // More for every agent: "NAME=value" settings (they win over the cluster's) and flags
  // ("--cleanup-on-exit").
  std::vector<std::string> agent_environment;
  std::vector<std::string> agent_arguments;
};

// Where the programs under test are.
struct Binaries {
  std::string node_agent;  // tabby-node
  std::string tabbyctl;
  std::string cni_dir;  // holds tabby and tabby-ipam
};

struct Pod {
  std::string name;
  int node = 0;  // 1-based
  lab::Netns* netns = nullptr;
  std::string address;
  std::string address_v6;  // with ClusterSpec::pool_v6_cidr
};

// Pings from one pod to others, a round every 100 ms (one ping each), until stopped: traffic
// that must not be lost while something happens to a node.
class PingLoop {
 public:
  PingLoop(const Pod& from, std::vector<const Pod*> to)
      : thread_([this, &from, to = std::move(to)] {
          while (!done_) {
            ++rounds_;
            for (const Pod* pod : to)
              if (!from.netns->ping(pod->address, 1)) ++lost_;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
          }
        }) {}
  ~PingLoop() { stop(); }
  PingLoop(const PingLoop&) = delete;
  PingLoop& operator=(const PingLoop&) = delete;

  void stop() {
    done_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int rounds() const { return rounds_; }
  int lost() const { return lost_; }  // pings unanswered

 private:
  std::atomic<bool> done_ = false;
  std::atomic<int> rounds_ = 0;
  std::atomic<int> lost_ = 0;
  std::thread thread_;  // last: starts once the counters exist
};

// calico-node's readiness probe, from inside `node`: /readiness on :9099 answers 200 once the
// datastore and the dataplane are in sync and (while the agent is starting) every configured
// BGP peer is Established.
bool agent_ready(const lab::Netns& node);

class Cluster {
 public:
  Cluster(lab::Lab& lab, ClusterSpec spec, Binaries binaries, std::ostream& log);

  // Builds the topology, starts the ToR, writes the cluster resources and starts the agents;
  // returns when every agent reports ready (LabError with its log otherwise).
  void start();
  // Creates the pods through the CNI plugin (ADD), as a runtime does.
  void add_pods();
  // Every ordered pair of pods; returns the failures ("pod-1-1 -> 10.244.x.y").
  std::vector<std::string> ping_all(int count = 1) const;
  // The same over the pods' IPv6 addresses (a dual-stack cluster).
  std::vector<std::string> ping_all_v6(int count = 1) const;
  // `tabbyctl node status` on node i (1-based): output and whether every peer is up.
  std::string node_status(int node) const;
  bool all_peers_established(int node) const;
  // Stops node i's agent with SIGTERM and starts it again.
  void restart_agent(int node);
  void stop_agent(int node);
  void start_agent(int node);
  // Kills node i's agent with SIGKILL, as a crash or the OOM killer does: no BGP goodbye, no
  // clean-up. start_agent() brings it back.
  void kill_agent(int node);
  // Runs `tabbyctl` with the cluster's datastore.
  lab::CommandResult tabbyctl(const std::vector<std::string>& args) const;

  // One more pod on a node, with its annotations (a JSON object of strings, or ""), and a pod's
  // CNI DEL; the tests' own pods, beside add_pods'.
  Pod add_pod(int node, const std::string& name, const std::string& annotations = "");
  void remove_pod(const std::string& name);
  const std::vector<Pod>& pods() const { return pods_; }
  lab::Netns& node(int i) const { return *nodes_.at(i - 1); }
  lab::Netns& tor() const { return *tor_; }
  lab::Frr* tor_router() const { return tor_router_; }
  // The rack's L2 segment, for a test that adds routers of its own next to the ToR.
  const lab::Segment& rack() const { return *rack_; }
  std::string tor_address() const;
  int cluster_as() const;
  int tor_as() const;
  std::string node_name(int i) const { return "node" + std::to_string(i); }
  std::string node_address(int i) const { return "10.0.0." + std::to_string(10 + i); }
  std::string node_address_v6(int i) const { return "fd00::" + std::to_string(10 + i); }
  std::string datastore_path() const;
  // With ClusterSpec::etcd: the etcd server, and where it serves clients (http://<it>:2379).
  lab::Etcd* etcd() const { return etcd_; }
  std::string etcd_address() const { return "10.0.0.2"; }
  // DATASTORE_TYPE and its settings for a program that uses the cluster's datastore.
  std::vector<std::string> datastore_environment() const;
  // Node i's agent, for its log.
  const lab::Process& agent(int node) const { return *agents_.at(node - 1); }
  std::string status_socket(int node) const;
  // Where node i's agent writes the pod MTU (TABBY_MTU_FILE) for its CNI plugin.
  std::string mtu_file(int node) const;
  // The agents' TABBY_SECRETS_DIR: <secret name>/<key> files, as a mounted Secret volume.
  std::string secrets_dir() const;

 private:
  bool dual_stack() const { return !spec_.pool_v6_cidr.empty(); }
  std::string pinned_address() const;
  void write_resources();
  std::vector<std::string> agent_environment(int node) const;
  void wait_ready(int node);
  std::string cni_config(int node) const;
  lab::CommandResult run_cni(const std::string& command, int node, const std::string& name,
                             const std::string& netns, const std::string& annotations) const;

  lab::Lab& lab_;
  ClusterSpec spec_;
  Binaries binaries_;
  std::ostream& log_;
  std::vector<lab::Netns*> nodes_;
  std::vector<lab::Process*> agents_;
  lab::Netns* tor_ = nullptr;
  const lab::Segment* rack_ = nullptr;
  lab::Frr* tor_router_ = nullptr;
  std::vector<Pod> pods_;
  lab::Etcd* etcd_ = nullptr;
};

}  // namespace tabby::e2e
