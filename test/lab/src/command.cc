#include "tabby/lab/command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <stdexcept>

namespace tabby::lab {
namespace {

std::vector<char*> to_c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> c_argv;
  c_argv.reserve(argv.size() + 1);
  for (const auto& arg : argv)
    c_argv.push_back(const_cast<char*>(arg.c_str()));
  c_argv.push_back(nullptr);
  return c_argv;
}

int status_to_exit_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// In the child after fork: only async-signal-safe calls until exec.
[[noreturn]] void exec_child(char* const* argv, int stdout_fd) {
  setpgid(0, 0);
  // Lab signal handlers must not run in the child: restore the defaults.
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE})
    signal(sig, SIG_DFL);
  const int null_fd = open("/dev/null", O_RDONLY);
  if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
  dup2(stdout_fd, STDOUT_FILENO);
  dup2(stdout_fd, STDERR_FILENO);
  execvp(argv[0], argv);
  const char* message = "exec failed: ";
  (void)!write(STDERR_FILENO, message, std::strlen(message));
  (void)!write(STDERR_FILENO, argv[0], std::strlen(argv[0]));
  (void)!write(STDERR_FILENO, "\n", 1);
  _exit(127);
}

}  // namespace

std::string describe(const std::vector<std::string>& argv) {
  std::ostringstream out;
  for (std::size_t i = 0; i < argv.size(); ++i)
    out << (i ? " " : "") << argv[i];
  return out.str();
}

CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  if (argv.empty()) throw std::invalid_argument("run_command: empty argv");
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) throw LabError("pipe: " + std::string(strerror(errno)));
  auto c_argv = to_c_argv(argv);

  const pid_t pid = fork();
  if (pid < 0) throw LabError("fork: " + std::string(strerror(errno)));
  if (pid == 0) exec_child(c_argv.data(), pipe_fds[1]);
  close(pipe_fds[1]);
  setpgid(pid, pid);  // also done in the child; whichever runs first wins the race

  CommandResult result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[4096];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      kill(-pid, SIGKILL);
      break;
    }
    pollfd fd{pipe_fds[0], POLLIN, 0};
    const int ready = poll(&fd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    const ssize_t n = read(pipe_fds[0], buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF: the program (and anything holding its stdout) is done
    result.output.append(buffer, static_cast<std::size_t>(n));
  }
  close(pipe_fds[0]);

  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = status_to_exit_code(status);
  return result;
}

pid_t spawn_background(const std::vector<std::string>& argv,
                       const std::filesystem::path& log_path) {
  if (argv.empty()) throw std::invalid_argument("spawn_background: empty argv");
  const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw LabError("open " + log_path.string() + ": " + strerror(errno));
  auto c_argv = to_c_argv(argv);
  const pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    throw LabError("fork: " + std::string(strerror(errno)));
  }
  if (pid == 0) exec_child(c_argv.data(), log_fd);
  close(log_fd);
  setpgid(pid, pid);
  return pid;
}

bool process_alive(pid_t pid) {
  int status = 0;
  const pid_t reaped = waitpid(pid, &status, WNOHANG);
  if (reaped == pid) return false;      // our child, just exited
  if (reaped < 0 && errno == ECHILD) {  // not our child: ask the kernel
    return kill(pid, 0) == 0 || errno == EPERM;
  }
  return true;
}

void stop_background(pid_t pid, std::chrono::milliseconds grace) {
  if (pid <= 0) return;
  kill(-pid, SIGTERM);
  kill(pid, SIGTERM);
  if (!eventually([&] { return !process_alive(pid); }, grace, 20ms)) {
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

bool program_exists(const std::string& name) {
  if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (!dir.empty() && access((dir + "/" + name).c_str(), X_OK) == 0) return true;
  }
  return false;
}

}  // namespace tabby::lab
