// tabby-node, the per-node agent. The agent itself arrives with the node-agent work; this
// build can report its version and remove everything tabby put in the kernel (--cleanup,
// for uninstall). Asked to run as the agent, it says it cannot and exits non-zero rather
// than pretend to route.

#include <cstdio>
#include <string_view>

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
  const std::string_view flag = argc == 2 ? argv[1] : "";
  if (flag == "--version" || flag == "-v") {
    std::printf("tabby-node %s\n", tabby::kVersion);
    return 0;
  }
  if (flag == "--cleanup") return cleanup();
  std::fprintf(stderr,
               "tabby-node %s: this build has no node agent yet (configuration, BGP and dataplane "
               "wiring arrive with the node-agent work); nothing was started. Available: "
               "--version, --cleanup (remove tabby's routes and tunnel devices)\n",
               tabby::kVersion);
  return 2;
}
