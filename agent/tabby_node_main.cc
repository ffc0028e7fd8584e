// tabby-node, the per-node agent. Until the agent lands (issue 7) it only reports its
// version; asked to run, it says it cannot and exits non-zero rather than pretend to route.

#include <cstdio>
#include <string_view>

#include "tabby/common/version.h"

int main(int argc, char** argv) {
  if (argc == 2 &&
      (std::string_view(argv[1]) == "--version" || std::string_view(argv[1]) == "-v")) {
    std::printf("tabby-node %s\n", tabby::kVersion);
    return 0;
  }
  std::fprintf(stderr,
               "tabby-node %s: this build has no node agent yet (configuration, BGP and dataplane "
               "wiring arrive with the node-agent work); nothing was started\n",
               tabby::kVersion);
  return 2;
}
