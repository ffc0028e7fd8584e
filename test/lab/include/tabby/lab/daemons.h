#pragma once
// Real daemons inside lab namespaces: BIRD 2, FRR (zebra + bgpd), GoBGP, ExaBGP and etcd. Each gets
// its own directory (config, control socket, pid file, logs), so any number of them run side
// by side and in parallel runs. Construction starts the daemon and waits until it answers;
// destruction stops it. A daemon that is not installed or does not come up is a LabError
// naming the program and quoting its log — never a silent pass.

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tabby/lab/command.h"
#include "tabby/lab/lab.h"

namespace tabby::lab {

class Daemon {
 public:
  virtual ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  const std::string& name() const { return name_; }
  const Netns& netns() const { return netns_; }
  const std::filesystem::path& dir() const { return dir_; }

  // True while every process of the daemon is alive.
  bool running() const;
  // Stops every process (SIGTERM, then SIGKILL); safe to call twice.
  void stop();
  // The daemon's logs, for failure messages.
  std::string log() const;

 protected:
  Daemon(const Netns& ns, std::string name, std::filesystem::path dir);

  static void require_program(const std::string& program, std::string_view debian_package);
  void write_file(const std::string& filename, std::string_view content) const;
  // Sends `signal` to every process of the daemon (SIGSTOP/SIGCONT to freeze and thaw it).
  void signal_all(int signal) const;
  // Starts argv inside the namespace; output goes to <dir>/<process>.log.
  void spawn(const std::string& process, const std::vector<std::string>& argv);
  // Waits for `ready`; if it never holds or a process dies first, stops the daemon and
  // throws LabError with `what` and the log.
  template <typename Ready>
  void wait_ready(Ready ready, std::string_view what, std::chrono::milliseconds timeout = 20s);

 private:
  const Netns& netns_;
  std::string name_;
  std::filesystem::path dir_;
  std::vector<std::pair<std::string, pid_t>> processes_;
};

class Bird final : public Daemon {
 public:
  Bird(const Netns& ns, std::string name, std::filesystem::path dir, std::string_view config);
  std::filesystem::path socket() const { return dir() / "bird.ctl"; }
  // birdc -s <socket> <command>, e.g. birdc("show route").
  CommandResult birdc(std::string_view command) const;
};

class Frr final : public Daemon {
 public:
  Frr(const Netns& ns, std::string name, std::filesystem::path dir, std::string_view config);
  // vtysh against this instance only, e.g. vtysh("show bgp summary json").
  CommandResult vtysh(std::string_view command) const;
  // Runs configuration lines in vtysh's configure mode, e.g.
  // configure({"router bgp 65002", "address-family ipv4 unicast", "network 10.0.0.0/24"}).
  CommandResult configure(const std::vector<std::string>& lines) const;
};

class Gobgp final : public Daemon {
 public:
  Gobgp(const Netns& ns, std::string name, std::filesystem::path dir, std::string_view config,
        int api_port);
  // The gobgp CLI against this instance, e.g. gobgp({"global", "rib", "-j"}).
  CommandResult gobgp(const std::vector<std::string>& args) const;

 private:
  int api_port_;
};

// ExaBGP 4 runs without a control pipe (several instances must not share one) and reports to
// the test through an API process instead: every session state change and received UPDATE,
// as ExaBGP's JSON, one object a line, in <dir>/events.json. Each neighbor of the config
// that the test watches puts kRecordEvents in its block.
class Exabgp final : public Daemon {
 public:
  static constexpr std::string_view kRecordEvents =
      "api { processes [ record ]; neighbor-changes; receive { parsed; update; } }";

  // `listen_address`: where ExaBGP accepts BGP connections (port 179); ExaBGP listens only
  // when told an address. Empty: it only dials.
  Exabgp(const Netns& ns, std::string name, std::filesystem::path dir, std::string_view config,
         std::string_view listen_address);
  std::filesystem::path events() const { return dir() / "events.json"; }
  // The prefixes `peer` announced and has not withdrawn since the session last came up.
  std::vector<std::string> learned_prefixes(std::string_view peer) const;
};

class Etcd final : public Daemon {
 public:
  Etcd(const Netns& ns, std::string name, std::filesystem::path dir,
       std::string_view client_address, const std::vector<std::string>& extra_args);
  // http://<address>:2379
  const std::string& client_url() const { return client_url_; }
  // etcdctl (API v3) against this member, e.g. etcdctl({"put", "k", "v"}).
  CommandResult etcdctl(const std::vector<std::string>& args) const;

 private:
  std::string client_url_;
};

// Any program the test runs in a namespace as a long-lived process (tabby-node, the
// bgp-peer driver): started with its environment, stopped with SIGTERM (then SIGKILL) when
// the lab goes; restart() stops and starts it again with the same command.
class Process final : public Daemon {
 public:
  Process(const Netns& ns, std::string name, std::filesystem::path dir,
          std::vector<std::string> argv, std::vector<std::string> environment);
  void restart();
  // Waits until `ready` holds (LabError with the log if it never does or the process dies).
  void wait_until(const std::function<bool()>& ready, std::string_view what,
                  std::chrono::milliseconds timeout = 20s);

 private:
  std::vector<std::string> command_;
};

}  // namespace tabby::lab
