#include "tabby/lab/cleanup.h"

#include <dirent.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iterator>
#include <sstream>

namespace tabby::lab {

std::filesystem::path lab_temp_dir() {
  const char* tmp = std::getenv("TMPDIR");
  return tmp && *tmp ? std::filesystem::path(tmp) : std::filesystem::path("/tmp");
}

std::optional<pid_t> owner_pid(std::string_view name, std::string_view prefix) {
  if (name.substr(0, prefix.size()) != prefix) return std::nullopt;
  name.remove_prefix(prefix.size());
  const auto x = name.find('x');
  if (x == std::string_view::npos || x == 0) return std::nullopt;
  pid_t pid = 0;
  const auto [end, error] = std::from_chars(name.data(), name.data() + x, pid);
  if (error != std::errc() || end != name.data() + x || pid <= 0) return std::nullopt;
  return pid;
}

std::vector<pid_t> processes_in_netns(const std::string& netns_name) {
  std::vector<pid_t> pids;
  struct stat target {};
  const std::string path = std::string(kNetnsDir) + "/" + netns_name;
  if (stat(path.c_str(), &target) != 0) return pids;
  DIR* proc = opendir("/proc");
  if (!proc) return pids;
  while (dirent* entry = readdir(proc)) {
    pid_t pid = 0;
    const char* name = entry->d_name;
    const auto [end, error] =
        std::from_chars(name, name + std::char_traits<char>::length(name), pid);
    if (error != std::errc() || *end != '\0') continue;
    char ns_path[64];
    std::snprintf(ns_path, sizeof(ns_path), "/proc/%d/ns/net", pid);
    struct stat ns {};
    if (stat(ns_path, &ns) == 0 && ns.st_dev == target.st_dev && ns.st_ino == target.st_ino) {
      pids.push_back(pid);
    }
  }
  closedir(proc);
  return pids;
}

namespace {

void sleep_ms(int ms) {
  timespec ts{ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

bool any_alive(const std::vector<pid_t>& pids) {
  return std::any_of(pids.begin(), pids.end(), [](pid_t pid) {
    // A zombie has left its namespace already; kill(0) would still succeed on it.
    char path[64];
    std::snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
    struct stat st {};
    return stat(path, &st) == 0;
  });
}

}  // namespace

void destroy_netns(const std::string& netns_name, int grace_ms) {
  auto pids = processes_in_netns(netns_name);
  for (pid_t pid : pids)
    kill(pid, SIGTERM);
  for (int waited = 0; any_alive(pids) && waited < grace_ms; waited += 20)
    sleep_ms(20);
  // Anything that ignored SIGTERM, or was started meanwhile, goes now.
  for (int round = 0; round < 50; ++round) {
    pids = processes_in_netns(netns_name);
    if (pids.empty()) break;
    for (pid_t pid : pids)
      kill(pid, SIGKILL);
    sleep_ms(20);
  }
  const std::string path = std::string(kNetnsDir) + "/" + netns_name;
  umount2(path.c_str(), MNT_DETACH);
  unlink(path.c_str());
}

std::string Leftovers::describe() const {
  std::ostringstream out;
  for (const auto& ns : namespaces)
    out << "namespace " << ns << "\n";
  for (const auto& dir : directories)
    out << "directory " << dir.string() << "\n";
  for (pid_t pid : processes)
    out << "process " << pid << "\n";
  return out.str();
}

namespace {

bool owner_gone(std::string_view name, std::string_view prefix) {
  const auto pid = owner_pid(name, prefix);
  return pid && kill(*pid, 0) != 0 && errno == ESRCH;
}

}  // namespace

namespace {

struct ProcessCommandLine {
  pid_t pid;
  std::string cmdline;
};

// Each process's command line read once: with lab tests running side by side a process can
// exit between two reads, and its second read would come back empty.
std::vector<ProcessCommandLine> command_lines_mentioning(std::string_view text) {
  std::vector<ProcessCommandLine> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline.find(text) != std::string::npos)
      found.push_back({std::stoi(name), std::move(cmdline)});
  }
  return found;
}

}  // namespace

std::vector<pid_t> processes_mentioning(std::string_view text) {
  std::vector<pid_t> pids;
  for (const auto& process : command_lines_mentioning(text))
    pids.push_back(process.pid);
  return pids;
}

Leftovers find_stale_leftovers() {
  Leftovers found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(kNetnsDir, ec)) {
    const std::string name = entry.path().filename().string();
    if (owner_gone(name, kNetnsPrefix)) found.namespaces.push_back(name);
  }
  for (const auto& entry : std::filesystem::directory_iterator(lab_temp_dir(), ec)) {
    const std::string name = entry.path().filename().string();
    if (owner_gone(name, kRunDirPrefix)) found.directories.push_back(entry.path());
  }
  const std::string run_dirs = (lab_temp_dir() / std::string(kRunDirPrefix)).string();
  for (const auto& process : command_lines_mentioning(run_dirs)) {
    const auto at = process.cmdline.find(run_dirs);
    const std::string_view rest =
        std::string_view(process.cmdline).substr(at + run_dirs.size() - kRunDirPrefix.size());
    if (process.pid != getpid() && owner_gone(rest, kRunDirPrefix))
      found.processes.push_back(process.pid);
  }
  return found;
}

Leftovers sweep_stale_leftovers() {
  Leftovers found = find_stale_leftovers();
  for (const auto& ns : found.namespaces)
    destroy_netns(ns);
  std::error_code ec;
  for (const auto& dir : found.directories)
    std::filesystem::remove_all(dir, ec);
  for (pid_t pid : found.processes)
    kill(pid, SIGKILL);
  return found;
}

// ---- interrupts -------------------------------------------------------------------------

namespace {

constexpr std::array kTeardownSignals = {SIGINT,  SIGTERM, SIGHUP, SIGQUIT,
                                         SIGABRT, SIGSEGV, SIGBUS, SIGFPE};
std::array<EmergencyTeardown*, 16> g_labs{};
bool g_handlers_installed = false;

void on_fatal_signal(int sig) {
  for (auto*& lab : g_labs) {
    if (lab) {
      auto* current = lab;
      lab = nullptr;  // never twice, even if teardown itself faults
      current->teardown_now();
    }
  }
  // Die of the same signal, so the parent (ctest, a shell) sees what happened.
  signal(sig, SIG_DFL);
  raise(sig);
}

}  // namespace

void register_for_interrupts(EmergencyTeardown* lab) {
  if (!g_handlers_installed) {
    struct sigaction action {};
    action.sa_handler = on_fatal_signal;
    sigemptyset(&action.sa_mask);
    for (int sig : kTeardownSignals)
      sigaddset(&action.sa_mask, sig);
    for (int sig : kTeardownSignals)
      sigaction(sig, &action, nullptr);
    g_handlers_installed = true;
  }
  for (auto*& slot : g_labs) {
    if (!slot) {
      slot = lab;
      return;
    }
  }
}

void unregister_for_interrupts(EmergencyTeardown* lab) {
  for (auto*& slot : g_labs) {
    if (slot == lab) slot = nullptr;
  }
}

}  // namespace tabby::lab
