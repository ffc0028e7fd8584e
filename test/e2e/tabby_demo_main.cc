// tabby-demo: the README's first command. Builds a cluster of nodes in network namespaces on
// the embedded datastore, with an FRR top-of-rack router peered with every node, starts a
// tabby-node agent on each, creates pods through the CNI plugin, has every pod ping every
// other, prints `tabbyctl node status` of each node, and cleans up (or, with --keep, waits
// for Ctrl-C so the cluster can be explored with `ip netns exec`).

#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>
#include <thread>

#include "cluster.h"
#include "tabby/common/command_line.h"

namespace {

volatile std::sig_atomic_t interrupted = 0;

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Runs a tabby cluster in network namespaces and shows pods pinging each other"};
  tabby::e2e::ClusterSpec spec;
  std::string mode = "bgp";
  bool keep = false;
  tabby::e2e::Binaries binaries{TABBY_NODE_BINARY, TABBYCTL_BINARY, TABBY_CNI_DIR};
  app.add_option("--nodes", spec.nodes, "number of nodes")->check(CLI::Range(2, 9));
  app.add_option("--pods-per-node", spec.pods_per_node, "pods on each node")
      ->check(CLI::Range(1, 8));
  app.add_option("--mode", mode, "bgp (routes over the rack), ipip or vxlan")
      ->check(CLI::IsMember({"bgp", "ipip", "vxlan"}));
  app.add_flag("--route-reflector", spec.route_reflector,
               "node 1 reflects routes instead of the full mesh");
  app.add_flag("--keep", keep, "keep the cluster up until Ctrl-C");
  if (auto exit_code = tabby::parse_command_line(app, argc, argv)) return *exit_code;
  spec.encapsulation = mode == "ipip"    ? tabby::e2e::Encapsulation::kIpip
                       : mode == "vxlan" ? tabby::e2e::Encapsulation::kVxlan
                                         : tabby::e2e::Encapsulation::kNone;
  try {
    tabby::lab::Lab lab("demo");
    std::cout << "== tabby demo: " << spec.nodes << " nodes, " << spec.pods_per_node
              << " pods each, mode " << mode << (spec.route_reflector ? ", route reflector" : "")
              << " (lab " << lab.run_id() << ", files in " << lab.dir().string() << ")\n";
    tabby::e2e::Cluster cluster(lab, spec, binaries, std::cout);
    cluster.start();
    cluster.add_pods();
    std::cout << "\n== routes on node1\n" << cluster.node(1).routes() << "\n";
    bool healthy = true;
    for (int i = 1; i <= spec.nodes; ++i) {
      std::cout << "== tabbyctl node status on " << cluster.node_name(i) << "\n"
                << cluster.node_status(i) << "\n";
    }
    const int pairs = static_cast<int>(cluster.pods().size() * (cluster.pods().size() - 1));
    std::cout << "== every pod pings every other pod (" << pairs << " pairs)\n";
    const auto failures = cluster.ping_all(1);
    for (const std::string& failure : failures)
      std::cout << "  no answer: " << failure << "\n";
    std::cout << "  " << pairs - static_cast<int>(failures.size()) << "/" << pairs
              << " pairs answered\n";
    healthy = failures.empty();
    if (keep) {
      std::cout << "\nThe cluster stays up. Try: ip netns exec " << cluster.node(1).name()
                << " ip route; "
                << "TABBY_STATUS_SOCKET=" << cluster.status_socket(1) << " " << binaries.tabbyctl
                << " node status\nCtrl-C to tear it down.\n";
      std::signal(SIGINT, [](int) { interrupted = 1; });
      std::signal(SIGTERM, [](int) { interrupted = 1; });
      while (!interrupted)
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    std::cout << "== tearing the cluster down\n";
    lab.teardown();
    std::cout << (healthy ? "demo: OK, every pod reached every other pod\n"
                          : "demo: FAILED, some pods could not reach others\n");
    return healthy ? 0 : 1;
  } catch (const std::exception& error) {
    std::cerr << "demo: FAILED: " << error.what() << "\n";
    return 1;
  }
}
