#pragma once
// A container runtime's side of CNI (what containerd and CRI-O do through libcni), for lab
// tests and benchmarks that must run the plugins exactly as a runtime does: the plugin binary
// found by its "type" in CNI_PATH, executed (from the node's network namespace) with the
// CNI_* environment added to the runtime's own, the network configuration on stdin, the
// result or error JSON read from stdout. For a conflist, libcni's rules: ADD runs the plugins
// in order, each given the list's name and cniVersion, the runtimeConfig entries for the
// capabilities it declares and the previous plugin's result as prevResult; the last result
// is cached as the network's; DEL runs them in reverse order with the cached result as
// prevResult.

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tabby::lab::cni {

// One pod's attachment, as the runtime describes it to the plugins.
struct Attachment {
  std::string container_id;
  std::string netns;  // path, e.g. /run/netns/<name>
  std::string ifname = "eth0";
  std::string pod_namespace;  // K8S_POD_NAMESPACE in CNI_ARGS (with K8S_POD_NAME)
  std::string pod_name;
  // Capability arguments (the CRI's port mappings, bandwidth, ...): each goes into the
  // runtimeConfig of the plugins that declare the capability.
  nlohmann::json capability_args = nlohmann::json::object();
};

struct PluginRun {
  int exit_code = -1;
  bool timed_out = false;
  std::string stdout_text;  // the result or the error JSON
  std::string stderr_text;  // the plugin's log
  bool ok() const { return exit_code == 0 && !timed_out; }
};

// Runs one plugin binary with `environment` added to this process's environment and `stdin`
// on its standard input, inside the network namespace /run/netns/<netns_name> when one is
// named (else in the calling thread's). Kills it after `timeout`.
PluginRun run_plugin(const std::string& binary,
                     const std::map<std::string, std::string>& environment,
                     const std::string& stdin_text, const std::string& netns_name = "",
                     std::chrono::milliseconds timeout = std::chrono::seconds(60));

// The outcome of a whole network (all plugins of a list): the failing plugin's output when
// one fails, else the final result.
struct NetworkRun {
  bool ok = false;
  std::string failed_plugin;  // its type, when !ok
  PluginRun last;             // the last plugin run (the failing one when !ok)
  nlohmann::json result;      // ADD: the network's result
  std::string describe() const;
};

class Runtime {
 public:
  // plugin_dirs: CNI_PATH, searched in order. runtime_netns: the namespace the runtime runs
  // in (the node's), "" for the calling thread's.
  Runtime(std::vector<std::string> plugin_dirs, std::string runtime_netns);

  NetworkRun add(const nlohmann::json& conflist, const Attachment& attachment);
  NetworkRun del(const nlohmann::json& conflist, const Attachment& attachment);

  // The path of a plugin binary by type; "" when no CNI_PATH directory has it.
  std::string find_plugin(const std::string& type) const;

 private:
  nlohmann::json plugin_config(const nlohmann::json& conflist, const nlohmann::json& plugin,
                               const Attachment& attachment,
                               const nlohmann::json& prev_result) const;
  PluginRun invoke(const std::string& command, const nlohmann::json& config,
                   const Attachment& attachment) const;
  // Runs `command` over the list's plugins in `order`, passing results on when `chain`.
  NetworkRun run_list(const std::string& command, const nlohmann::json& conflist,
                      const Attachment& attachment, bool reverse, bool chain,
                      const nlohmann::json& prev_result);
  static std::string cache_key(const nlohmann::json& conflist, const Attachment& attachment);

  std::vector<std::string> plugin_dirs_;
  std::string runtime_netns_;
  std::map<std::string, nlohmann::json> cached_results_;  // libcni's result cache
};

}  // namespace tabby::lab::cni
