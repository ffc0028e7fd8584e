#include "agent_targets.h"

#include <fstream>
#include <regex>

#include "process_stats.h"
#include "tabby/api/codec.h"
#include "tabby/api/resource_store.h"
#include "tabby/api/sqlite_datastore.h"
#include "tabby/lab/daemons.h"

namespace tabby::bench {
namespace {

using namespace std::chrono_literals;

std::optional<std::size_t> number_in(const std::string& text, const std::regex& pattern) {
  std::smatch match;
  if (!std::regex_search(text, match, pattern)) return std::nullopt;
  return static_cast<std::size_t>(std::stoull(match[1].str()));
}

pid_t process_named(const lab::Netns& ns, const std::string& comm) {
  std::optional<pid_t> pid;
  lab::eventually([&] { return (pid = find_process(ns.name(), comm)).has_value(); }, 20s, 50ms);
  if (!pid) throw lab::LabError("no process " + comm + " in namespace " + ns.name());
  return *pid;
}

// tabby-node as the DaemonSet runs it, on the embedded datastore: the BGPConfiguration (our AS,
// no mesh: the node is alone) and a global BGPPeer for the feeder are stored before it starts.
class TabbyAgent final : public AgentTarget {
 public:
  TabbyAgent(lab::Lab& lab, const lab::Netns& ns, const AgentSpec& spec) : ns_(ns) {
    const std::string database = (lab.dir() / "tabby-node.db").string();
    {
      auto store = api::open_sqlite_datastore({.path = database});
      if (!store) throw lab::LabError("datastore: " + store.error().message);
      api::ResourceStore resources(**store);
      const std::string yaml =
          "apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\nmetadata: {name: default}\n"
          "spec: {asNumber: " +
          std::to_string(spec.as) +
          ", nodeToNodeMeshEnabled: false}\n---\n"
          "apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata: {name: feeder}\n"
          "spec: {peerIP: " +
          spec.feeder.to_string() + ", asNumber: " + std::to_string(spec.feeder_as) + "}\n";
      auto parsed = api::parse_resources(yaml);
      if (!parsed) throw lab::LabError("resources: " + parsed.error().message);
      for (const api::Resource& resource : *parsed) {
        if (auto applied = resources.apply(resource); !applied)
          throw lab::LabError("resources: " + applied.error().message);
      }
    }
    const std::string dir = lab.dir().string();
    lab.start_process(
        ns, "tabby-node", {TABBY_NODE_BINARY},
        {"NODENAME=node", "IP=" + spec.address.to_string() + "/24",
         "CALICO_IPV4POOL_CIDR=10.244.0.0/16", "CALICO_IPV4POOL_IPIP=Never",
         "CALICO_NETWORKING_BACKEND=bird", "DATASTORE_TYPE=sqlite",
         "TABBY_DATASTORE_PATH=" + database, "TABBY_STATUS_SOCKET=" + dir + "/tabby-node.sock",
         "CALICO_NODENAME_FILE=" + dir + "/nodename", "TABBY_MTU_FILE=" + dir + "/mtu",
         "FELIX_HEALTHENABLED=false", "FELIX_PROMETHEUSMETRICSENABLED=true",
         "FELIX_LOGSEVERITYSCREEN=Warning"});
    pid_ = process_named(ns, "tabby-node");
  }
  std::vector<pid_t> pids() const override { return {pid_}; }
  // The agent's own metric, published every second (its status refresh).
  std::optional<std::size_t> received() const override {
    // The exposition format writes the shortest form: 100000 is "1e+05".
    static const std::regex metric(R"(tabby_bgp_peer_prefixes_received\{[^}]*\} ([0-9.eE+]+))");
    const auto scraped = ns_.exec({"bash", "-c",
                                   "exec 3<>/dev/tcp/127.0.0.1/9091 2>/dev/null || exit 1; "
                                   "printf 'GET /metrics HTTP/1.0\\r\\n\\r\\n' >&3; cat <&3"},
                                  5s);
    std::smatch match;
    if (!std::regex_search(scraped.output, match, metric)) return std::nullopt;
    return static_cast<std::size_t>(std::stod(match[1].str()));
  }

 private:
  const lab::Netns& ns_;
  pid_t pid_ = -1;
};

std::string bird_config(const AgentSpec& spec) {
  const std::string self = spec.address.to_string();
  return "log stderr { warning, error, fatal };\nrouter id " + self +
         ";\nprotocol device { scan time 10; }\n"
         // Calico's kernel protocol: learned routes to the main table, ECMP merged.
         "protocol kernel {\n  learn;\n  persist;\n  scan time 10;\n  merge paths on;\n"
         "  graceful restart;\n  ipv4 { import none; export all; };\n}\n"
         "protocol bgp feeder {\n  local " +
         self + " as " + std::to_string(spec.as) + ";\n  neighbor " + spec.feeder.to_string() +
         " as " + std::to_string(spec.feeder_as) +
         ";\n  connect delay time 1;\n  connect retry time 1;\n  error wait time 1, 2;\n"
         "  ipv4 { import all; export none; };\n}\n";
}

class BirdAgent final : public AgentTarget {
 public:
  BirdAgent(lab::Lab& lab, const lab::Netns& ns, const AgentSpec& spec)
      : bird_(lab.start_bird(ns, "bird", bird_config(spec))) {
    pid_ = process_named(ns, "bird");
  }
  std::vector<pid_t> pids() const override { return {pid_}; }
  // "Routes:         1000000 imported, 0 exported, 1000000 preferred"
  std::optional<std::size_t> received() const override {
    static const std::regex imported(R"(Routes:\s+(\d+) imported)");
    return number_in(bird_.birdc("show protocols all feeder").output, imported);
  }

 private:
  lab::Bird& bird_;
  pid_t pid_ = -1;
};

std::string frr_config(const AgentSpec& spec) {
  const std::string feeder = spec.feeder.to_string();
  return "frr defaults datacenter\nhostname node\nlog stdout warnings\n"
         "router bgp " +
         std::to_string(spec.as) + "\n bgp router-id " + spec.address.to_string() +
         "\n no bgp ebgp-requires-policy\n neighbor " + feeder + " remote-as " +
         std::to_string(spec.feeder_as) + "\n neighbor " + feeder +
         " timers connect 1\n address-family ipv4 unicast\n  neighbor " + feeder +
         " activate\n exit-address-family\n";
}

class FrrAgent final : public AgentTarget {
 public:
  FrrAgent(lab::Lab& lab, const lab::Netns& ns, const AgentSpec& spec)
      : frr_(lab.start_frr(ns, "frr", frr_config(spec))), feeder_(spec.feeder.to_string()) {
    bgpd_ = process_named(ns, "bgpd");
    zebra_ = process_named(ns, "zebra");
  }
  std::vector<pid_t> pids() const override { return {bgpd_, zebra_}; }
  std::optional<std::size_t> received() const override {
    static const std::regex received(R"("pfxRcd":(\d+))");
    return number_in(frr_.vtysh("show bgp ipv4 unicast summary json").output, received);
  }

 private:
  lab::Frr& frr_;
  std::string feeder_;
  pid_t bgpd_ = -1, zebra_ = -1;
};

}  // namespace

std::string_view label(AgentKind kind) {
  switch (kind) {
    case AgentKind::kTabby:
      return "tabby-node";
    case AgentKind::kBird:
      return "BIRD 2";
    case AgentKind::kFrr:
      return "FRR";
  }
  return "?";
}

std::string_view option_name(AgentKind kind) {
  switch (kind) {
    case AgentKind::kTabby:
      return "tabby";
    case AgentKind::kBird:
      return "bird";
    case AgentKind::kFrr:
      return "frr";
  }
  return "?";
}

std::optional<AgentKind> agent_named(std::string_view option) {
  for (AgentKind kind : kAllAgents) {
    if (option_name(kind) == option) return kind;
  }
  return std::nullopt;
}

std::unique_ptr<AgentTarget> start_agent(AgentKind kind, lab::Lab& lab, const lab::Netns& ns,
                                         const AgentSpec& spec) {
  switch (kind) {
    case AgentKind::kTabby:
      return std::make_unique<TabbyAgent>(lab, ns, spec);
    case AgentKind::kBird:
      return std::make_unique<BirdAgent>(lab, ns, spec);
    case AgentKind::kFrr:
      return std::make_unique<FrrAgent>(lab, ns, spec);
  }
  return nullptr;
}

}  // namespace tabby::bench
