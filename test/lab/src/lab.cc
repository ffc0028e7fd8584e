#include "tabby/lab/lab.h"

#include <unistd.h>

#include <algorithm>
#include <random>

#include "tabby/lab/daemons.h"

namespace tabby::lab {
namespace fs = std::filesystem;

// ---- Netns ----------------------------------------------------------------------------

CommandResult Netns::exec(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout) const {
  std::vector<std::string> full = {"ip", "netns", "exec", name_};
  full.insert(full.end(), argv.begin(), argv.end());
  return run_command(full, timeout);
}

CommandResult Netns::sh(std::string_view script, std::chrono::milliseconds timeout) const {
  return exec({"sh", "-c", std::string(script)}, timeout);
}

std::string Netns::must(std::string_view script, std::chrono::milliseconds timeout) const {
  auto result = sh(script, timeout);
  if (!result.ok()) {
    throw LabError("in " + role_ + " (" + name_ + "): `" + std::string(script) + "` " +
                   (result.timed_out ? "timed out" : "exited " + std::to_string(result.exit_code)) +
                   "\n" + result.output);
  }
  return result.output;
}

void Netns::sysctl(std::string_view key, std::string_view value) const {
  std::string path(key);
  std::replace(path.begin(), path.end(), '.', '/');
  must("echo " + std::string(value) + " > /proc/sys/" + path);
}

bool Netns::ping(std::string_view destination, int count, std::string_view source) const {
  std::vector<std::string> argv = {"ping", "-n",  "-q", "-c", std::to_string(count),
                                   "-i",   "0.2", "-W", "1"};
  if (!source.empty()) argv.insert(argv.end(), {"-I", std::string(source)});
  argv.emplace_back(destination);
  return exec(argv, std::chrono::seconds(count + 5)).ok();
}

std::string Netns::routes(std::string_view args) const {
  return must("ip -o route show " + std::string(args));
}

// ---- Lab ------------------------------------------------------------------------------

namespace {

std::string make_run_id() {
  std::random_device random;
  char token[16];
  std::snprintf(token, sizeof(token), "%04x", random() & 0xFFFF);
  return std::to_string(getpid()) + "x" + token;
}

void validate_role(std::string_view role) {
  const bool ok =
      !role.empty() && role.size() <= 32 && std::all_of(role.begin(), role.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
      });
  if (!ok) {
    throw std::invalid_argument("lab name \"" + std::string(role) +
                                "\": use 1-32 of a-z, 0-9 and '-'");
  }
}

CommandResult must_run(const std::vector<std::string>& argv) {
  auto result = run_command(argv, 30s);
  if (!result.ok()) throw LabError("`" + describe(argv) + "` failed\n" + result.output);
  return result;
}

}  // namespace

Lab::Lab(std::string_view label) : run_id_(make_run_id()) {
  // A run that was SIGKILLed could not clean up after itself: do it for it.
  sweep_stale_leftovers();
  std::string suffix;
  for (char c : label)
    suffix += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  dir_ = lab_temp_dir() / (std::string(kRunDirPrefix) + run_id_ + (suffix.empty() ? "" : "-") +
                           suffix.substr(0, 40));
  fs::create_directories(dir_);
  register_for_interrupts(this);
}

Lab::~Lab() {
  teardown();
}

Netns& Lab::create_namespace(std::string_view role) {
  validate_role(role);
  for (const auto& ns : namespaces_) {
    if (ns.role() == role)
      throw std::invalid_argument("lab namespace \"" + std::string(role) + "\" exists");
  }
  const std::string name = std::string(kNetnsPrefix) + run_id_ + "-" + std::string(role);
  must_run({"ip", "netns", "add", name});
  // Recorded before anything else can fail, so teardown always finds it.
  Netns& ns = namespaces_.emplace_back(name, std::string(role));
  ns.must("ip link set lo up");
  return ns;
}

Netns& Lab::add_namespace(std::string_view role) {
  if (role == "fabric") throw std::invalid_argument("\"fabric\" is the lab's own namespace");
  return create_namespace(role);
}

Netns& Lab::add_node(std::string_view role) {
  Netns& ns = add_namespace(role);
  ns.sysctl("net.ipv4.ip_forward", "1");
  // A kernel without IPv6 (User-Mode Linux without the ipv6 module) still makes IPv4 nodes.
  if (std::filesystem::exists("/proc/sys/net/ipv6")) {
    ns.sysctl("net.ipv6.conf.all.forwarding", "1");
  }
  return ns;
}

const Netns& Lab::fabric() {
  if (!fabric_) fabric_ = &create_namespace("fabric");
  return *fabric_;
}

Segment& Lab::add_segment(std::string_view name) {
  validate_role(name);
  for (const auto& segment : segments_) {
    if (segment.name == name)
      throw std::invalid_argument("lab segment \"" + std::string(name) + "\" exists");
  }
  const std::string bridge = "br" + std::to_string(segments_.size());
  // No STP and no forwarding delay, so a port forwards the moment it is up; no multicast
  // snooping, so IPv6 neighbour discovery works without an MLD querier.
  fabric().must("ip link add " + bridge +
                " type bridge forward_delay 0 stp_state 0 mcast_snooping 0 && ip link set " +
                bridge + " up");
  return segments_.emplace_back(Segment{std::string(name), bridge});
}

std::string Lab::next_port_name() {
  return "p" + std::to_string(++port_counter_);
}

namespace {

std::string address_command(std::string_view ifname, std::string_view address) {
  const bool v6 = address.find(':') != std::string_view::npos;
  // nodad: an IPv6 address is usable at once instead of after duplicate detection.
  return "ip addr add " + std::string(address) + " dev " + std::string(ifname) +
         (v6 ? " nodad" : "");
}

}  // namespace

void Lab::attach(const Netns& ns, std::string_view ifname, const Segment& segment,
                 const NicOptions& options) {
  const std::string port = next_port_name();
  const std::string nic(ifname);
  const std::string mtu = options.mtu ? " mtu " + std::to_string(options.mtu) : "";
  const Netns& fab = fabric();
  fab.must("ip link add " + port + mtu + " type veth peer name " + nic + mtu + " netns " +
           ns.name() + " && ip link set " + port + " master " + segment.bridge + " up");
  ns.must("ip link set " + nic + " up");
  if (!options.address.empty()) ns.must(address_command(nic, options.address));
  if (!options.gateway.empty()) {
    const bool v6 = options.gateway.find(':') != std::string::npos;
    ns.must(std::string("ip ") + (v6 ? "-6 " : "") + "route add default via " + options.gateway);
  }
}

void Lab::link(const Netns& a, std::string_view a_ifname, std::string_view a_address,
               const Netns& b, std::string_view b_ifname, std::string_view b_address) {
  const std::string a_if(a_ifname), b_if(b_ifname);
  a.must("ip link add " + a_if + " type veth peer name " + b_if + " netns " + b.name() +
         " && ip link set " + a_if + " up");
  b.must("ip link set " + b_if + " up");
  if (!a_address.empty()) a.must(address_command(a_if, a_address));
  if (!b_address.empty()) b.must(address_command(b_if, b_address));
}

fs::path Lab::daemon_dir(std::string_view name) {
  validate_role(name);
  const fs::path dir = dir_ / std::string(name);
  if (fs::exists(dir))
    throw std::invalid_argument("lab daemon \"" + std::string(name) + "\" exists");
  return dir;
}

template <typename D, typename... Args>
D& Lab::start_daemon(Args&&... args) {
  auto daemon = std::make_unique<D>(std::forward<Args>(args)...);
  D& ref = *daemon;
  daemons_.push_back(std::move(daemon));
  return ref;
}

Bird& Lab::start_bird(const Netns& ns, std::string_view name, std::string_view config) {
  return start_daemon<Bird>(ns, std::string(name), daemon_dir(name), config);
}

Frr& Lab::start_frr(const Netns& ns, std::string_view name, std::string_view config) {
  return start_daemon<Frr>(ns, std::string(name), daemon_dir(name), config);
}

Gobgp& Lab::start_gobgp(const Netns& ns, std::string_view name, std::string_view toml_config) {
  // Each gobgpd gets its own API port, so several can share a namespace.
  const int api_port = 50051 + static_cast<int>(daemons_.size());
  return start_daemon<Gobgp>(ns, std::string(name), daemon_dir(name), toml_config, api_port);
}

Exabgp& Lab::start_exabgp(const Netns& ns, std::string_view name, std::string_view config,
                          std::string_view listen_address) {
  return start_daemon<Exabgp>(ns, std::string(name), daemon_dir(name), config, listen_address);
}

Etcd& Lab::start_etcd(const Netns& ns, std::string_view name, std::string_view client_address,
                      const std::vector<std::string>& extra_args) {
  return start_daemon<Etcd>(ns, std::string(name), daemon_dir(name), client_address, extra_args);
}

Process& Lab::start_process(const Netns& ns, std::string_view name,
                            const std::vector<std::string>& argv,
                            const std::vector<std::string>& environment) {
  return start_daemon<Process>(ns, std::string(name), daemon_dir(name), argv, environment);
}

std::vector<std::string> Lab::namespace_names() const {
  std::vector<std::string> names;
  for (const auto& ns : namespaces_)
    names.push_back(ns.name());
  return names;
}

void Lab::teardown() {
  if (torn_down_) return;
  // Daemons first and gently (they may save state or withdraw routes), newest first.
  while (!daemons_.empty())
    daemons_.pop_back();
  teardown_now();
}

void Lab::teardown_now() noexcept {
  if (torn_down_) return;
  torn_down_ = true;
  unregister_for_interrupts(this);
  for (auto it = namespaces_.rbegin(); it != namespaces_.rend(); ++it)
    destroy_netns(it->name());
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

}  // namespace tabby::lab
