#include "tabby/cni/ipam_delegate.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "tabby/common/unique_fd.h"

extern char** environ;

namespace tabby::cni {
namespace {

PluginOutput error_output(const std::string& message) {
  return {1, format_error({ErrorCode::kInvalidConfig, message, ""}, "1.0.0"), ""};
}

// The first executable `type` in the colon-separated CNI_PATH.
std::string find_plugin(const std::string& type, const std::string& cni_path) {
  std::istringstream dirs(cni_path);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;
    const std::string candidate = dir + "/" + type;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// This process's environment with the CNI variables as the plugin was given them.
std::vector<std::string> child_environment(const std::string& command, const EnvLookup& env) {
  static const char* kCniVariables[] = {"CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_ARGS",
                                        "CNI_PATH"};
  std::vector<std::string> out;
  for (char** entry = environ; *entry; ++entry) {
    const std::string_view text(*entry);
    if (text.starts_with("CNI_")) continue;
    out.emplace_back(text);
  }
  out.push_back("CNI_COMMAND=" + command);
  for (const char* name : kCniVariables) {
    if (auto value = env(name)) out.push_back(std::string(name) + "=" + *value);
  }
  return out;
}

}  // namespace

PluginOutput exec_ipam_plugin(const std::string& type, const std::string& command,
                              const std::string& stdin_text, const EnvLookup& env) {
  if (type.empty() || type.find('/') != std::string::npos) {
    return error_output(fmt::format("ipam.type: \"{}\" is not a plugin name", type));
  }
  const std::string cni_path = env("CNI_PATH").value_or("");
  const std::string binary = find_plugin(type, cni_path);
  if (binary.empty()) {
    return error_output(fmt::format("IPAM plugin {} not found in CNI_PATH \"{}\"", type, cni_path));
  }
  // A plugin that exits without reading its config must not kill this one with SIGPIPE; the
  // write then fails with EPIPE instead. (The plugin is a short-lived process of its own.)
  ::signal(SIGPIPE, SIG_IGN);
  int to_child[2], from_child[2];
  if (::pipe2(to_child, O_CLOEXEC) != 0) return error_output(std::strerror(errno));
  UniqueFd child_stdin_read(to_child[0]), child_stdin_write(to_child[1]);
  if (::pipe2(from_child, O_CLOEXEC) != 0) return error_output(std::strerror(errno));
  UniqueFd child_stdout_read(from_child[0]), child_stdout_write(from_child[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, child_stdin_read.get(), STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, child_stdout_write.get(), STDOUT_FILENO);
  std::vector<std::string> environment = child_environment(command, env);
  std::vector<char*> envp;
  for (auto& entry : environment)
    envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::string path = binary;
  char* argv[] = {path.data(), nullptr};
  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    return error_output(fmt::format("running IPAM plugin {}: {}", binary, std::strerror(spawned)));
  }
  child_stdin_read.reset();
  child_stdout_write.reset();

  // Config in, result out, at once: neither side may block the other on a full pipe.
  std::string output;
  std::size_t written = 0;
  if (stdin_text.empty()) child_stdin_write.reset();
  while (child_stdout_read.valid()) {
    pollfd fds[2] = {{child_stdout_read.get(), POLLIN, 0}, {-1, POLLOUT, 0}};
    if (child_stdin_write.valid()) fds[1].fd = child_stdin_write.get();
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents & (POLLOUT | POLLERR | POLLHUP)) {
      const ssize_t n = ::write(child_stdin_write.get(), stdin_text.data() + written,
                                stdin_text.size() - written);
      if (n > 0) written += static_cast<std::size_t>(n);
      if (n < 0 || written == stdin_text.size()) child_stdin_write.reset();
    }
    if (fds[0].revents & (POLLIN | POLLERR | POLLHUP)) {
      char buffer[4096];
      const ssize_t n = ::read(child_stdout_read.get(), buffer, sizeof(buffer));
      if (n > 0) {
        output.append(buffer, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        child_stdout_read.reset();
      }
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  const int exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
  if (exit_code != 0 && output.find('{') == std::string::npos) {
    return error_output(
        fmt::format("IPAM plugin {} failed (exit status {}) without a result", binary, exit_code));
  }
  return {exit_code, output, ""};
}

std::string use_pod_cidr_problem(const std::string& stdin_text) {
  const auto config = nlohmann::json::parse(stdin_text, nullptr, /*allow_exceptions=*/false);
  if (!config.is_object() || !config.contains("ipam") || !config["ipam"].is_object()) return "";
  const auto& ipam = config["ipam"];
  const auto is_use_pod_cidr = [](const nlohmann::json& value) {
    return value.is_string() && value.get<std::string>() == "usePodCidr";
  };
  std::string field;
  if (ipam.contains("subnet") && is_use_pod_cidr(ipam["subnet"])) field = "ipam.subnet";
  if (ipam.contains("ranges") && ipam["ranges"].is_array()) {
    for (const auto& set : ipam["ranges"]) {
      if (!set.is_array()) continue;
      for (const auto& range : set) {
        if (range.is_object() && range.contains("subnet") && is_use_pod_cidr(range["subnet"]))
          field = "ipam.ranges[].subnet";
      }
    }
  }
  if (field.empty()) return "";
  return fmt::format(
      "{}: \"usePodCidr\" takes the Kubernetes Node's spec.podCIDR, and tabby does not read "
      "the Kubernetes API: give host-local the node's subnet itself",
      field);
}

}  // namespace tabby::cni
