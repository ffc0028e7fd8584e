// tabby-node, the per-node agent: calico-node's environment and flags (an invalid value stops
// it with one line naming the variable), then the agent (node_agent.h) until SIGTERM; or
// --version, or --cleanup (remove everything tabby put in the kernel, for uninstall).

#include <cstdio>

#include "tabby/agent/config.h"
#include "tabby/agent/node_agent.h"
#include "tabby/agent/speaker_bgp_port.h"
#include "tabby/common/version.h"
#include "tabby/dataplane/cleanup.h"
#include "tabby/dataplane/libnl_netlink.h"
#include "tabby/dataplane/nat_outgoing.h"

namespace {

int cleanup() {
  auto netlink = tabby::dataplane::LibnlNetlink::open();
  if (!netlink) {
    std::fprintf(stderr, "tabby-node --cleanup: %s\n", netlink.error().message.c_str());
    return 1;
  }
  auto report = tabby::dataplane::remove_everything(**netlink, tabby::dataplane::OwnershipPolicy{});
  if (!report) {
    std::fprintf(stderr, "tabby-node --cleanup: %s\n", report.error().message.c_str());
    return 1;
  }
  std::printf("removed %zu routes, %zu links, %zu tunnel addresses\n", report->routes_removed,
              report->links_removed.size(), report->addresses_removed);
  // natOutgoing's nftables tables (ip and ip6 tabby-nat), whether or not they exist.
  if (auto removed =
          tabby::dataplane::run_nft_script(tabby::dataplane::nat_outgoing_removal_script());
      !removed) {
    std::fprintf(stderr, "tabby-node --cleanup: %s\n", removed.error().message.c_str());
    return 1;
  }
  std::printf("removed the %s tables\n", tabby::dataplane::kNatTable);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto loaded = tabby::agent::load_config_from_process(argc, argv);
  if (!loaded) {
    std::fprintf(stderr, "tabby-node: %s\n", loaded.error().message.c_str());
    return 1;
  }
  switch (loaded->command) {
    case tabby::agent::AgentCommand::kVersion:
      std::printf("tabby-node %s\n", tabby::kVersion);
      return 0;
    case tabby::agent::AgentCommand::kHelp:
      std::printf("%s", loaded->help.c_str());
      return 0;
    case tabby::agent::AgentCommand::kCleanup:
      return cleanup();
    case tabby::agent::AgentCommand::kRun:
      break;
  }
  if (auto ran = tabby::agent::run_node_agent(loaded->config, tabby::agent::make_speaker_bgp_port);
      !ran) {
    std::fprintf(stderr, "tabby-node: %s\n", ran.error().message.c_str());
    return 1;
  }
  return 0;
}
