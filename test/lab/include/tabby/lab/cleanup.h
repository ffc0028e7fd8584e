#pragma once
// Tearing lab runs down: the one mechanism used on success, on failure, on an interrupt
// (from a signal handler) and for the leftovers of a run that was SIGKILLed.
//
// Every namespace a run makes is named "tabby-<pid>x<token>-<role>" and its files live in
// "<tmp>/tabby-lab-<pid>x<token>", so the owner's pid tells a live run from a dead one and
// two runs never collide. Deleting a namespace takes its veths, bridges and routes with it;
// processes inside it are killed first, or they would keep it alive.

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tabby::lab {

inline constexpr std::string_view kNetnsPrefix = "tabby-";
inline constexpr std::string_view kRunDirPrefix = "tabby-lab-";
inline constexpr const char* kNetnsDir = "/run/netns";

// The directory lab runs keep their files in (TMPDIR or /tmp).
std::filesystem::path lab_temp_dir();

// "tabby-123x9f3a-node1" -> 123; nullopt for names that are not a lab's.
std::optional<pid_t> owner_pid(std::string_view name, std::string_view prefix);

// The pids whose network namespace is the named one in /run/netns.
std::vector<pid_t> processes_in_netns(const std::string& netns_name);

// Kills everything in the namespace (SIGTERM, then SIGKILL after grace_ms) and removes it.
// Safe to call from a signal handler in practice: no allocation beyond the pid scan.
void destroy_netns(const std::string& netns_name, int grace_ms = 2000);

struct Leftovers {
  std::vector<std::string> namespaces;
  std::vector<std::filesystem::path> directories;
  // Processes whose command line names a run directory of a dead run (a daemon that
  // outlived its namespace file).
  std::vector<pid_t> processes;
  bool empty() const { return namespaces.empty() && directories.empty() && processes.empty(); }
  std::string describe() const;
};

// The pids whose command line mentions `text`.
std::vector<pid_t> processes_mentioning(std::string_view text);

// Lab namespaces, run directories and daemons whose owner process is gone.
Leftovers find_stale_leftovers();

// Removes what find_stale_leftovers() found; returns what it removed.
Leftovers sweep_stale_leftovers();

// A teardown the signal handlers can reach: labs register themselves while alive.
class EmergencyTeardown {
 public:
  virtual void teardown_now() noexcept = 0;

 protected:
  virtual ~EmergencyTeardown() = default;
};
void register_for_interrupts(EmergencyTeardown* lab);
void unregister_for_interrupts(EmergencyTeardown* lab);

}  // namespace tabby::lab
