#pragma once
// What both CNI plugins do before CNI: a runtime passes no arguments (the protocol is the
// CNI_* environment and the config on stdin), so arguments mean a person at a terminal.
// --help/-h prints what the plugin is and reads; --version/-v its version; any other
// argument is a usage error (exit 1). With no CNI_COMMAND in the environment the plugin
// prints its name and the CNI versions it speaks, as the reference plugins' skel does,
// instead of waiting on stdin.

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tabby/cni/cni_protocol.h"
#include "tabby/cni/ipam_plugin.h"

namespace tabby::cni {

struct PluginIdentity {
  std::string_view program;  // "tabby"
  std::string_view about;    // one line: what it does
  std::string_view details;  // the --help body: the config keys and variables it reads
};

// The exit status when the command line (or a missing CNI_COMMAND) was answered here;
// nullopt when the plugin should read stdin and run CNI.
std::optional<int> answer_command_line(const PluginIdentity& identity,
                                       const std::vector<std::string>& args, const EnvLookup& env,
                                       std::ostream& out, std::ostream& err);

// A plugin's whole main(): the command line as above, else `run` over stdin and the process
// environment, its output on stdout; returns the exit status.
using PluginRun = PluginOutput (*)(const std::string& stdin_text, const EnvLookup& env);
int plugin_main(const PluginIdentity& identity, int argc, const char* const* argv, PluginRun run);

}  // namespace tabby::cni
