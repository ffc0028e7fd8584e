#include "etcd_bench_server.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <vector>

#include "tabby/api/etcd_datastore.h"

extern char** environ;

namespace tabby::bench {
namespace {

// A port nobody listens on right now (the kernel's choice for port 0).
int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

struct Server {
  pid_t pid = -1;
  std::filesystem::path dir;
  std::string url;
  std::string error;

  Server() {
    std::string pattern = (std::filesystem::temp_directory_path() / "tabby-bench-etcd-XXXXXX");
    if (!mkdtemp(pattern.data())) {
      error = "mkdtemp failed";
      return;
    }
    dir = pattern;
    const std::string client = "http://127.0.0.1:" + std::to_string(free_port());
    const std::string peer = "http://127.0.0.1:" + std::to_string(free_port());
    std::vector<std::string> args = {"etcd",
                                     "--name=bench",
                                     "--data-dir=" + (dir / "data").string(),
                                     "--listen-client-urls=" + client,
                                     "--advertise-client-urls=" + client,
                                     "--listen-peer-urls=" + peer,
                                     "--initial-advertise-peer-urls=" + peer,
                                     "--initial-cluster=bench=" + peer};
    std::vector<char*> argv;
    for (auto& arg : args)
      argv.push_back(arg.data());
    argv.push_back(nullptr);
    // Its log goes to a file, not between the figures.
    const std::string log = (dir / "etcd.log").string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    const int spawned = posix_spawnp(&pid, "etcd", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) {
      pid = -1;
      error = "cannot start etcd (Debian's etcd-server package)";
      return;
    }
    auto store = api::open_etcd_datastore({.endpoints = {client}});
    for (int i = 0; i < 100; ++i) {
      if (store && (*store)->current_revision()) {
        url = client;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    error = "etcd did not answer on " + client +
            " within 10 s (log: " + (dir / "etcd.log").string() + ")";
  }

  ~Server() {
    if (pid > 0) {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
    }
    std::error_code ignored;
    if (!dir.empty()) std::filesystem::remove_all(dir, ignored);
  }
};

}  // namespace

std::string benchmark_etcd_url(std::string& error) {
  static Server server;
  error = server.error;
  return server.url;
}

}  // namespace tabby::bench
