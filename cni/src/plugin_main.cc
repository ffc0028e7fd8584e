#include "tabby/cni/plugin_main.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdlib>
#include <iostream>
#include <iterator>

#include "tabby/common/version.h"

namespace tabby::cni {
namespace {

std::optional<std::string> process_environment(std::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());
  return value ? std::optional<std::string>(value) : std::nullopt;
}

std::string versions_line() {
  return fmt::format("CNI protocol versions supported: {}", fmt::join(kSupportedVersions, ", "));
}

}  // namespace

std::optional<int> answer_command_line(const PluginIdentity& identity,
                                       const std::vector<std::string>& args, const EnvLookup& env,
                                       std::ostream& out, std::ostream& err) {
  if (!args.empty()) {
    const std::string& first = args.front();
    if (args.size() == 1 && (first == "--help" || first == "-h")) {
      out << fmt::format(
          "{} v{}: {}\n\n"
          "Usage: a container runtime runs it with CNI_COMMAND (ADD, DEL, CHECK or VERSION),\n"
          "CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_ARGS and CNI_PATH in the environment\n"
          "and the network configuration on standard input; it prints the result (or a CNI\n"
          "error object) on standard output.\n\n"
          "{}\n{}\n\n"
          "Options (for people, not runtimes):\n"
          "  -h, --help     this text\n"
          "  -v, --version  the version\n",
          identity.program, kVersion, identity.about, identity.details, versions_line());
      return 0;
    }
    if (args.size() == 1 && (first == "--version" || first == "-v")) {
      out << fmt::format("{} v{}\n{}\n", identity.program, kVersion, versions_line());
      return 0;
    }
    err << fmt::format("{}: unexpected argument '{}': a CNI plugin takes none (see {} --help)\n",
                       identity.program, fmt::join(args, " "), identity.program);
    return 1;
  }
  const auto command = env("CNI_COMMAND");
  if (!command || command->empty()) {
    err << fmt::format("{} v{}: {}\n{}\n", identity.program, kVersion, identity.about,
                       versions_line());
    return 0;
  }
  return std::nullopt;
}

int plugin_main(const PluginIdentity& identity, int argc, const char* const* argv, PluginRun run) {
  if (auto answered = answer_command_line(identity, std::vector<std::string>(argv + 1, argv + argc),
                                          process_environment, std::cout, std::cerr)) {
    return *answered;
  }
  const std::string config((std::istreambuf_iterator<char>(std::cin)),
                           std::istreambuf_iterator<char>());
  const auto output = run(config, process_environment);
  std::cerr << output.stderr_text;
  std::cout << output.stdout_text;
  return output.exit_code;
}

}  // namespace tabby::cni
