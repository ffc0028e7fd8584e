#pragma once
// Running programs from lab tests: in the current namespace or inside a lab namespace,
// with output captured and a time limit, so a hung tool fails the test instead of the suite.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace tabby::lab {

using namespace std::chrono_literals;

struct CommandResult {
  int exit_code = -1;      // the program's exit status; 128+N if killed by signal N
  bool timed_out = false;  // killed because it ran past its time limit
  std::string output;      // stdout and stderr, interleaved as written

  bool ok() const { return exit_code == 0 && !timed_out; }
};

// Runs argv[0] (looked up in PATH) with stdin from /dev/null. The program and everything it
// starts are killed when the time limit passes.
CommandResult run_command(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout = 60s);

// Joins argv for messages: `ip -n x link add ...`.
std::string describe(const std::vector<std::string>& argv);

// Starts argv in the background in its own process group, stdout and stderr appended to
// log_path. Returns the pid; throws LabError if it cannot be started.
pid_t spawn_background(const std::vector<std::string>& argv, const std::filesystem::path& log_path);

// Sends SIGTERM to the process group, waits up to `grace`, then SIGKILLs it; reaps the pid.
void stop_background(pid_t pid, std::chrono::milliseconds grace = 5s);

// True while the pid is alive and not a zombie.
bool process_alive(pid_t pid);

// Polls `condition` every `interval` until it holds or `timeout` passes.
template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval = 100ms);

// Fails a lab set-up step with the command and its output in the message.
class LabError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

bool program_exists(const std::string& name);

}  // namespace tabby::lab

#include <thread>

template <typename Condition>
bool tabby::lab::eventually(Condition condition, std::chrono::milliseconds timeout,
                            std::chrono::milliseconds interval) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);
  }
}
