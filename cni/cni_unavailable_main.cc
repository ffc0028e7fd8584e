// The CNI plugins before IPAM and pod wiring land (issue 5): every command is answered with
// a CNI error result on stdout (the spec's channel for errors) and a non-zero exit, so a
// container runtime reports the failure instead of starting a pod without a network.

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "tabby/common/version.h"

int main() {
  const char* command = std::getenv("CNI_COMMAND");
  nlohmann::json error = {
      {"cniVersion", "1.0.0"},
      // 100+ are plugin-specific codes in the CNI spec.
      {"code", 100},
      {"msg", std::string(TABBY_CNI_PLUGIN_NAME) + " " + tabby::kVersion +
                  ": this build cannot wire pods yet (the veth and route set-up is not in it; "
                  "tabby-ipam is)"},
      {"details", std::string("CNI_COMMAND=") + (command ? command : "(unset)")},
  };
  std::puts(error.dump().c_str());
  return 1;
}
