#include "cni_runtime.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

extern char** environ;

namespace tabby::lab::cni {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// In the child after fork: only async-signal-safe calls until exec.
[[noreturn]] void exec_plugin(const char* binary, char* const* envp, int netns_fd, int stdin_fd,
                              int stdout_fd, int stderr_fd) {
  setpgid(0, 0);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE})
    signal(sig, SIG_DFL);
  if (netns_fd >= 0 && setns(netns_fd, CLONE_NEWNET) != 0) _exit(126);
  dup2(stdin_fd, STDIN_FILENO);
  dup2(stdout_fd, STDOUT_FILENO);
  dup2(stderr_fd, STDERR_FILENO);
  char* const argv[] = {const_cast<char*>(binary), nullptr};
  execve(binary, argv, envp);
  _exit(127);
}

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::vector<std::string> merged_environment(const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> all;
  for (char** entry = environ; entry && *entry; ++entry) {
    const std::string text = *entry;
    const auto equals = text.find('=');
    if (equals != std::string::npos) all[text.substr(0, equals)] = text.substr(equals + 1);
  }
  for (const auto& [name, value] : extra)
    all[name] = value;
  std::vector<std::string> out;
  for (const auto& [name, value] : all)
    out.push_back(name + "=" + value);
  return out;
}

}  // namespace

PluginRun run_plugin(const std::string& binary,
                     const std::map<std::string, std::string>& environment,
                     const std::string& stdin_text, const std::string& netns_name,
                     std::chrono::milliseconds timeout) {
  PluginRun run;
  const auto env = merged_environment(environment);
  std::vector<char*> envp;
  for (const auto& entry : env)
    envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);

  // The configuration as a memory file: the plugin reads it at its pace, and a plugin that
  // exits without reading cannot SIGPIPE us.
  const int stdin_fd = memfd_create("cni-config", MFD_CLOEXEC);
  if (stdin_fd < 0 || write(stdin_fd, stdin_text.data(), stdin_text.size()) !=
                          static_cast<ssize_t>(stdin_text.size())) {
    run.stderr_text = "cannot prepare the plugin's stdin: " + std::string(std::strerror(errno));
    if (stdin_fd >= 0) close(stdin_fd);
    return run;
  }
  lseek(stdin_fd, 0, SEEK_SET);
  int netns_fd = -1;
  if (!netns_name.empty()) {
    netns_fd = open(("/run/netns/" + netns_name).c_str(), O_RDONLY | O_CLOEXEC);
    if (netns_fd < 0) {
      close(stdin_fd);
      run.stderr_text = "cannot open network namespace " + netns_name;
      return run;
    }
  }
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    out[0] = out[1] = -1;
  } else if (pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    out[0] = out[1] = -1;
  }
  if (out[0] < 0) {
    close(stdin_fd);
    if (netns_fd >= 0) close(netns_fd);
    run.stderr_text = "pipe2 failed: " + std::string(std::strerror(errno));
    return run;
  }
  const pid_t pid = fork();
  if (pid == 0) exec_plugin(binary.c_str(), envp.data(), netns_fd, stdin_fd, out[1], err[1]);
  close(stdin_fd);
  if (netns_fd >= 0) close(netns_fd);
  close(out[1]);
  close(err[1]);
  if (pid < 0) {
    close(out[0]);
    close(err[0]);
    run.stderr_text = "fork failed";
    return run;
  }

  const auto deadline = Clock::now() + timeout;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  std::string* sinks[2] = {&run.stdout_text, &run.stderr_text};
  int open_fds = 2;
  while (open_fds > 0) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      run.timed_out = true;
      kill(-pid, SIGKILL);
      break;
    }
    if (poll(fds, 2, static_cast<int>(left)) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buffer[4096];
      const ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& fd : fds) {
    if (fd.fd >= 0) close(fd.fd);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  run.exit_code = exit_code_of(status);
  return run;
}

std::string NetworkRun::describe() const {
  return failed_plugin + " exited " + std::to_string(last.exit_code) +
         (last.timed_out ? " (timed out)" : "") + ": " + last.stdout_text + last.stderr_text;
}

Runtime::Runtime(std::vector<std::string> plugin_dirs, std::string runtime_netns)
    : plugin_dirs_(std::move(plugin_dirs)), runtime_netns_(std::move(runtime_netns)) {}

std::string Runtime::find_plugin(const std::string& type) const {
  for (const auto& dir : plugin_dirs_) {
    const auto path = std::filesystem::path(dir) / type;
    if (access(path.c_str(), X_OK) == 0) return path.string();
  }
  return "";
}

json Runtime::plugin_config(const json& conflist, const json& plugin, const Attachment& attachment,
                            const json& prev_result) const {
  json config = plugin;
  config["name"] = conflist.at("name");
  config["cniVersion"] = conflist.at("cniVersion");
  if (!prev_result.is_null()) config["prevResult"] = prev_result;
  // libcni: runtimeConfig carries only the capabilities this plugin declares.
  json runtime_config = json::object();
  const json capabilities = plugin.value("capabilities", json::object());
  for (const auto& [capability, enabled] : capabilities.items()) {
    if (enabled == true && attachment.capability_args.contains(capability))
      runtime_config[capability] = attachment.capability_args[capability];
  }
  if (!runtime_config.empty()) config["runtimeConfig"] = runtime_config;
  config.erase("capabilities");
  return config;
}

PluginRun Runtime::invoke(const std::string& command, const json& config,
                          const Attachment& attachment) const {
  const std::string type = config.value("type", "");
  const std::string binary = find_plugin(type);
  if (binary.empty()) {
    PluginRun missing;
    missing.stderr_text = "no plugin \"" + type + "\" in CNI_PATH";
    return missing;
  }
  std::string cni_path;
  for (const auto& dir : plugin_dirs_)
    cni_path += (cni_path.empty() ? "" : ":") + dir;
  std::string args = "IgnoreUnknown=1";
  if (!attachment.pod_namespace.empty()) {
    args += ";K8S_POD_NAMESPACE=" + attachment.pod_namespace +
            ";K8S_POD_NAME=" + attachment.pod_name +
            ";K8S_POD_INFRA_CONTAINER_ID=" + attachment.container_id;
  }
  return run_plugin(binary,
                    {{"CNI_COMMAND", command},
                     {"CNI_CONTAINERID", attachment.container_id},
                     {"CNI_NETNS", attachment.netns},
                     {"CNI_IFNAME", attachment.ifname},
                     {"CNI_ARGS", args},
                     {"CNI_PATH", cni_path}},
                    config.dump(), runtime_netns_);
}

NetworkRun Runtime::run_list(const std::string& command, const json& conflist,
                             const Attachment& attachment, bool reverse, bool chain,
                             const json& prev_result) {
  std::vector<json> plugins(conflist.at("plugins").begin(), conflist.at("plugins").end());
  if (reverse) std::reverse(plugins.begin(), plugins.end());
  NetworkRun run;
  json previous = prev_result;
  for (const auto& plugin : plugins) {
    run.last = invoke(command, plugin_config(conflist, plugin, attachment, previous), attachment);
    if (!run.last.ok()) {
      run.failed_plugin = plugin.value("type", "");
      return run;
    }
    if (chain) previous = json::parse(run.last.stdout_text);
  }
  run.ok = true;
  run.result = previous;
  return run;
}

std::string Runtime::cache_key(const json& conflist, const Attachment& attachment) {
  return conflist.at("name").get<std::string>() + "/" + attachment.container_id + "/" +
         attachment.ifname;
}

NetworkRun Runtime::add(const json& conflist, const Attachment& attachment) {
  auto run = run_list("ADD", conflist, attachment, false, true, json());
  if (run.ok) cached_results_[cache_key(conflist, attachment)] = run.result;
  return run;
}

NetworkRun Runtime::del(const json& conflist, const Attachment& attachment) {
  const auto key = cache_key(conflist, attachment);
  const auto cached = cached_results_.find(key);
  auto run = run_list("DEL", conflist, attachment, true, false,
                      cached == cached_results_.end() ? json() : cached->second);
  if (run.ok) cached_results_.erase(key);
  return run;
}

}  // namespace tabby::lab::cni
