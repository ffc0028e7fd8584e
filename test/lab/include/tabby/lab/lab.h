#pragma once
// A lab: a topology of network namespaces for tests against the real kernel and real
// daemons. Nodes, routers and pods are namespaces; L2 segments are bridges inside one
// fabric namespace; NICs are veth pairs with the names the test chooses. Everything a Lab
// makes is removed when it is destroyed, when the process is interrupted, and (for a run
// that was SIGKILLed) by the next run. See docs/lab.md.

#include <deque>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tabby/lab/cleanup.h"
#include "tabby/lab/command.h"

namespace tabby::lab {

class Daemon;
class Bird;
class Frr;
class Gobgp;
class Exabgp;
class Etcd;
class Process;

class Netns {
 public:
  Netns(std::string name, std::string role) : name_(std::move(name)), role_(std::move(role)) {}

  // The kernel's name ("tabby-123x9f3a-node1"), for `ip -n`, and the test's ("node1").
  const std::string& name() const { return name_; }
  const std::string& role() const { return role_; }

  // Runs argv inside the namespace.
  CommandResult exec(const std::vector<std::string>& argv,
                     std::chrono::milliseconds timeout = 60s) const;
  // Runs a shell script inside the namespace.
  CommandResult sh(std::string_view script, std::chrono::milliseconds timeout = 60s) const;
  // Like sh(), but a failure throws LabError with the script and its output.
  std::string must(std::string_view script, std::chrono::milliseconds timeout = 60s) const;

  // Writes /proc/sys/<key> (dots or slashes) inside the namespace.
  void sysctl(std::string_view key, std::string_view value) const;
  // True if `count` pings to `destination` get answers (optionally from a source address).
  bool ping(std::string_view destination, int count = 1, std::string_view source = "") const;
  // `ip -o route show <args>` inside the namespace, for assertions.
  std::string routes(std::string_view args = "") const;

 private:
  std::string name_;
  std::string role_;
};

// An L2 segment: one bridge in the lab's fabric namespace.
struct Segment {
  std::string name;    // the test's name for it
  std::string bridge;  // the bridge's name inside the fabric namespace
};

struct NicOptions {
  std::string address;  // "10.0.1.10/24" or "fd00:1::10/64"; empty for none
  std::string gateway;  // default route via this address; empty for none
  int mtu = 0;          // 0 = the kernel's default (1500)
};

class Lab : private EmergencyTeardown {
 public:
  // `label` only makes names easier to read in `ip netns` while debugging.
  explicit Lab(std::string_view label = "");
  ~Lab();
  Lab(const Lab&) = delete;
  Lab& operator=(const Lab&) = delete;

  const std::string& run_id() const { return run_id_; }
  // This run's private directory for configs, sockets, pid files and logs.
  const std::filesystem::path& dir() const { return dir_; }

  // A bare namespace with lo up.
  Netns& add_namespace(std::string_view role);
  // A node or router: lo up, IPv4 and IPv6 forwarding on.
  Netns& add_node(std::string_view role);
  Netns& add_router(std::string_view role) { return add_node(role); }
  // A pod: a namespace with lo up; the CNI plugin (or link()) gives it its interface.
  Netns& add_pod(std::string_view role) { return add_namespace(role); }

  // A shared L2 segment (a bridge in the fabric namespace).
  Segment& add_segment(std::string_view name);
  // Gives `ns` a NIC named `ifname` on `segment`, up, with the options' address and gateway.
  void attach(const Netns& ns, std::string_view ifname, const Segment& segment,
              const NicOptions& options = {});
  // A point-to-point veth between two namespaces, each end named and addressed by the test.
  void link(const Netns& a, std::string_view a_ifname, std::string_view a_address, const Netns& b,
            std::string_view b_ifname, std::string_view b_address);

  // Daemons, each with its own directory, config, sockets, pid file and log under dir().
  // They are started, waited for until ready (LabError with their log otherwise) and stopped
  // when the Lab goes.
  Bird& start_bird(const Netns& ns, std::string_view name, std::string_view config);
  Frr& start_frr(const Netns& ns, std::string_view name, std::string_view config);
  Gobgp& start_gobgp(const Netns& ns, std::string_view name, std::string_view toml_config);
  // ExaBGP accepting connections on `listen_address` (empty: dialing only); see Exabgp.
  Exabgp& start_exabgp(const Netns& ns, std::string_view name, std::string_view config,
                       std::string_view listen_address = "");
  // etcd serving clients on http://<client_address>:2379 inside `ns`.
  Etcd& start_etcd(const Netns& ns, std::string_view name, std::string_view client_address,
                   const std::vector<std::string>& extra_args = {});

  // A long-lived program in `ns` with extra environment ("NAME=value"); see Process.
  Process& start_process(const Netns& ns, std::string_view name,
                         const std::vector<std::string>& argv,
                         const std::vector<std::string>& environment = {});
  // Names of every namespace this lab made (fabric included), oldest first.
  std::vector<std::string> namespace_names() const;
  // Removes everything now; the destructor calls it. Safe to call twice.
  void teardown();

 private:
  void teardown_now() noexcept override;
  const Netns& fabric();
  Netns& create_namespace(std::string_view role);
  template <typename D, typename... Args>
  D& start_daemon(Args&&... args);
  std::string next_port_name();
  std::filesystem::path daemon_dir(std::string_view name);

  std::string run_id_;
  std::filesystem::path dir_;
  std::deque<Netns> namespaces_;  // deque: references handed out stay valid
  Netns* fabric_ = nullptr;
  std::deque<Segment> segments_;
  std::vector<std::unique_ptr<Daemon>> daemons_;
  int port_counter_ = 0;
  bool torn_down_ = false;
};

}  // namespace tabby::lab
