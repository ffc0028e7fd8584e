// tabby-node, the per-node agent. The agent itself arrives with the node-agent work; this
// build can report its version, remove everything tabby put in the kernel (--cleanup, for
// uninstall) and check its configuration (calico-node's environment and the flags): an
// invalid value stops it with one line naming the variable. Asked to run as the agent, it
// says it cannot and exits non-zero rather than pretend to route.

#include <cstdio>

#include "tabby/agent/config.h"
#include "tabby/common/version.h"
#include "tabby/dataplane/cleanup.h"
#include "tabby/dataplane/libnl_netlink.h"

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
  std::fprintf(stderr,
               "tabby-node %s: this build has no node agent yet (configuration, BGP and dataplane "
               "wiring arrive with the node-agent work); nothing was started. Available: "
               "--version, --cleanup (remove tabby's routes and tunnel devices)\n",
               tabby::kVersion);
  return 2;
}
