// tabby: the CNI plugin that wires pods to the host (cni/src/pod_plugin.cc does the work).

#include <cstdlib>
#include <iostream>
#include <iterator>
#include <string>

#include "tabby/cni/pod_plugin.h"

int main() {
  const std::string config((std::istreambuf_iterator<char>(std::cin)),
                           std::istreambuf_iterator<char>());
  const auto output =
      tabby::cni::run_pod_plugin(config, [](std::string_view name) -> std::optional<std::string> {
        const char* value = std::getenv(std::string(name).c_str());
        return value ? std::optional<std::string>(value) : std::nullopt;
      });
  std::cout << output.stdout_text;
  return output.exit_code;
}
