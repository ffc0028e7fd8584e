#pragma once
// The three node agents the benchmark compares, each started in a lab namespace configured
// as a user would run it on a node peered with a ToR that feeds it a table: it connects to
// the feeder and writes the learned routes into its kernel.
//
//   tabby-node: the embedded SQLite datastore with a BGPConfiguration and a BGPPeer, as
//               Calico's manifests would have them.
//   BIRD 2:     Calico's shape: a kernel protocol exporting the learned routes to the main
//               table (merge paths, graceful restart), the device protocol, one BGP peer.
//   FRR:        bgpd with zebra, which installs bgpd's best paths in the kernel.

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tabby/common/ip.h"
#include "tabby/lab/lab.h"

namespace tabby::bench {

enum class AgentKind { kTabby, kBird, kFrr };
inline constexpr AgentKind kAllAgents[] = {AgentKind::kTabby, AgentKind::kBird, AgentKind::kFrr};

std::string_view label(AgentKind kind);        // "tabby-node", "BIRD 2", "FRR"
std::string_view option_name(AgentKind kind);  // "tabby", "bird", "frr"
std::optional<AgentKind> agent_named(std::string_view option);

struct AgentSpec {
  IpAddress address;  // the node's, on its eth0
  std::uint32_t as = 0;
  IpAddress feeder;
  std::uint32_t feeder_as = 0;
};

class AgentTarget {
 public:
  virtual ~AgentTarget() = default;
  // Every process holding the routes (FRR: bgpd and zebra), for memory and CPU.
  virtual std::vector<pid_t> pids() const = 0;
  // Prefixes received from the feeder, as the agent reports them (nullopt: no answer).
  virtual std::optional<std::size_t> received() const = 0;
};

// Starts the agent in `ns` (the Lab stops it). Throws LabError.
std::unique_ptr<AgentTarget> start_agent(AgentKind kind, lab::Lab& lab, const lab::Netns& ns,
                                         const AgentSpec& spec);

}  // namespace tabby::bench
