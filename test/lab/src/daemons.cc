#include "tabby/lab/daemons.h"

#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace tabby::lab {
namespace fs = std::filesystem;

Daemon::Daemon(const Netns& ns, std::string name, fs::path dir)
    : netns_(ns), name_(std::move(name)), dir_(std::move(dir)) {
  fs::create_directories(dir_);
}

Daemon::~Daemon() {
  stop();
}

void Daemon::require_program(const std::string& program, std::string_view debian_package) {
  if (!program_exists(program)) {
    throw LabError(program + " is not installed: the lab needs Debian's " +
                   std::string(debian_package) + " package (scripts/run deps installs it)");
  }
}

void Daemon::write_file(const std::string& filename, std::string_view content) const {
  std::ofstream out(dir_ / filename);
  out << content;
  if (!out) throw LabError("cannot write " + (dir_ / filename).string());
}

void Daemon::spawn(const std::string& process, const std::vector<std::string>& argv) {
  std::vector<std::string> full = {"ip", "netns", "exec", netns_.name()};
  full.insert(full.end(), argv.begin(), argv.end());
  processes_.emplace_back(process, spawn_background(full, dir_ / (process + ".log")));
}

void Daemon::signal_all(int signal) const {
  for (const auto& [process, pid] : processes_)
    ::kill(pid, signal);
}

bool Daemon::running() const {
  if (processes_.empty()) return false;
  for (const auto& [process, pid] : processes_) {
    if (!process_alive(pid)) return false;
  }
  return true;
}

void Daemon::stop() {
  // Reverse order: clients (bgpd) before servers (zebra).
  for (auto it = processes_.rbegin(); it != processes_.rend(); ++it)
    stop_background(it->second);
  processes_.clear();
}

std::string Daemon::log() const {
  std::ostringstream out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    if (entry.path().extension() != ".log") continue;
    std::ifstream in(entry.path());
    out << "--- " << entry.path().filename().string() << "\n" << in.rdbuf() << "\n";
  }
  return out.str();
}

template <typename Ready>
void Daemon::wait_ready(Ready ready, std::string_view what, std::chrono::milliseconds timeout) {
  bool died = false;
  const bool ok = eventually(
      [&] {
        if (!running()) {
          died = true;
          return true;
        }
        return ready();
      },
      timeout, 50ms);
  if (ok && !died) return;
  const std::string log_text = log();
  stop();
  throw LabError(name_ + " in " + netns_.role() + (died ? " exited before " : " did not get ") +
                 std::string(what) + "\n" + log_text);
}

// ---- BIRD 2 ---------------------------------------------------------------------------

Bird::Bird(const Netns& ns, std::string name, fs::path dir, std::string_view config)
    : Daemon(ns, std::move(name), std::move(dir)) {
  require_program("bird", "bird2");
  write_file("bird.conf", config);
  spawn("bird", {"bird", "-f", "-c", (this->dir() / "bird.conf").string(), "-s", socket().string(),
                 "-P", (this->dir() / "bird.pid").string()});
  wait_ready(
      [&] {
        return birdc("show status").output.find("Daemon is up and running") != std::string::npos;
      },
      "ready (birdc show status)");
}

CommandResult Bird::birdc(std::string_view command) const {
  return netns().exec({"birdc", "-s", socket().string(), std::string(command)}, 20s);
}

// ---- FRR: zebra + bgpd -----------------------------------------------------------------

namespace {

// FRR's daemons drop to user frr, so their directory and config must belong to it.
void give_to_frr(const fs::path& path) {
  const passwd* user = getpwnam("frr");
  const group* grp = getgrnam("frr");
  if (!user || !grp) throw LabError("user/group frr missing: is Debian's frr package installed?");
  if (chown(path.c_str(), user->pw_uid, grp->gr_gid) != 0) {
    throw LabError("chown frr " + path.string());
  }
}

}  // namespace

Frr::Frr(const Netns& ns, std::string name, fs::path dir, std::string_view config)
    : Daemon(ns, std::move(name), std::move(dir)) {
  require_program("/usr/lib/frr/zebra", "frr");
  require_program("vtysh", "frr");
  write_file("frr.conf", config);
  give_to_frr(this->dir());
  give_to_frr(this->dir() / "frr.conf");
  const std::string d = this->dir().string();
  const std::string zserv = d + "/zserv.api";
  spawn("zebra", {"/usr/lib/frr/zebra", "-f", "/dev/null", "-P", "0", "-i", d + "/zebra.pid", "-z",
                  zserv, "--vty_socket", d, "--log", "stdout"});
  wait_ready([&] { return fs::exists(d + "/zebra.vty") && fs::exists(zserv); },
             "its zserv socket (zebra)");
  spawn("bgpd", {"/usr/lib/frr/bgpd", "-f", d + "/frr.conf", "-P", "0", "-i", d + "/bgpd.pid", "-z",
                 zserv, "--vty_socket", d, "--log", "stdout"});
  wait_ready(
      [&] {
        if (!fs::exists(d + "/bgpd.vty")) return false;
        auto result = vtysh("show bgp summary");
        return result.ok() && result.output.find("not running") == std::string::npos;
      },
      "ready (vtysh show bgp summary)");
}

CommandResult Frr::vtysh(std::string_view command) const {
  return netns().exec({"vtysh", "--vty_socket", dir().string(), "-c", std::string(command)}, 20s);
}

CommandResult Frr::configure(const std::vector<std::string>& lines) const {
  std::vector<std::string> argv = {"vtysh", "--vty_socket", dir().string(), "-c",
                                   "configure terminal"};
  for (const auto& line : lines)
    argv.insert(argv.end(), {"-c", line});
  return netns().exec(argv, 20s);
}

// ---- GoBGP ----------------------------------------------------------------------------

Gobgp::Gobgp(const Netns& ns, std::string name, fs::path dir, std::string_view config, int api_port)
    : Daemon(ns, std::move(name), std::move(dir)), api_port_(api_port) {
  require_program("gobgpd", "gobgpd");
  require_program("gobgp", "gobgpd");
  write_file("gobgpd.toml", config);
  spawn("gobgpd", {"gobgpd", "-f", (this->dir() / "gobgpd.toml").string(), "-t", "toml",
                   "--api-hosts", "127.0.0.1:" + std::to_string(api_port_), "--pprof-disable"});
  wait_ready([&] { return gobgp({"global"}).ok(); }, "ready (gobgp global)");
}

CommandResult Gobgp::gobgp(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"gobgp", "-u", "127.0.0.1", "-p", std::to_string(api_port_)};
  argv.insert(argv.end(), args.begin(), args.end());
  return netns().exec(argv, 20s);
}

// ---- ExaBGP --------------------------------------------------------------------------

Exabgp::Exabgp(const Netns& ns, std::string name, fs::path dir, std::string_view config,
               std::string_view listen_address)
    : Daemon(ns, std::move(name), std::move(dir)) {
  require_program("exabgp", "exabgp");
  // ExaBGP takes EOF on a process's stdout for the process dying (and stops after five), so
  // the shell keeps its stdout, the pipe, open while cat copies ExaBGP's reports to the file.
  write_file("record.sh", "#!/bin/sh\ncat >> '" + events().string() + "'\n");
  fs::permissions(this->dir() / "record.sh", fs::perms::owner_all);
  write_file("exabgp.conf", "process record {\n  run " + (this->dir() / "record.sh").string() +
                                ";\n  encoder json;\n}\n" + std::string(config));
  const std::string listen(listen_address);
  // Its settings come from the environment (`exabgp --fi` lists them): as root it must be
  // told to stay root; it logs to syslog and makes a control pipe unless told otherwise.
  spawn("exabgp",
        {"env", "exabgp.daemon.user=root", "exabgp.daemon.daemonize=false",
         "exabgp.log.destination=stdout", "exabgp.api.cli=false", "exabgp.tcp.bind=" + listen,
         "exabgp.tcp.port=179", "exabgp", (this->dir() / "exabgp.conf").string()});
  wait_ready(
      [&] {
        if (log().find("loaded new configuration successfully") == std::string::npos) return false;
        return listen.empty() ||
               netns().sh("ss -ltnH 'src " + listen + " and sport = :179' | grep -q .").ok();
      },
      listen.empty() ? "its configuration loaded" : "listening on " + listen + ":179");
}

namespace {

using nlohmann::json;

// The text at `pointer` ("/neighbor/state"), or "" when there is none.
std::string text_at(const json& report, const char* pointer) {
  const json::json_pointer at(pointer);
  if (!report.contains(at) || !report[at].is_string()) return "";
  return report[at].get<std::string>();
}

// ExaBGP's JSON reports about the session with `peer`, oldest first; a line cut short by a
// write under way is left out.
std::vector<json> exabgp_reports(const fs::path& events, std::string_view peer) {
  std::vector<json> reports;
  std::ifstream in(events);
  for (std::string line; std::getline(in, line);) {
    auto report = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (report.is_discarded() || !report.is_object()) continue;
    if (text_at(report, "/neighbor/address/peer") == peer) reports.push_back(std::move(report));
  }
  return reports;
}

}  // namespace

std::vector<std::string> Exabgp::learned_prefixes(std::string_view peer) const {
  std::set<std::string> prefixes;
  for (const auto& report : exabgp_reports(events(), peer)) {
    const std::string type = report.value("type", "");
    if (type == "state") {
      // A session that comes up starts from nothing; one that went down took its routes.
      const auto state = text_at(report, "/neighbor/state");
      if (state == "up" || state == "down") prefixes.clear();
      continue;
    }
    if (type != "update") continue;
    // announce: {family: {next hop: [{nlri}]}}; withdraw: {family: [{nlri}]}. Copies, so
    // that a report without either part iterates an empty object.
    const json update =
        report.value(json::json_pointer("/neighbor/message/update"), json::object());
    const json announced = update.value("announce", json::object());
    const json withdrawn = update.value("withdraw", json::object());
    for (const json& by_next_hop : announced)
      for (const json& routes : by_next_hop)
        for (const json& route : routes)
          prefixes.insert(text_at(route, "/nlri"));
    for (const json& routes : withdrawn)
      for (const json& route : routes)
        prefixes.erase(text_at(route, "/nlri"));
  }
  return {prefixes.begin(), prefixes.end()};
}

// ---- etcd -----------------------------------------------------------------------------

namespace {

std::string url(std::string_view address, int port) {
  const bool v6 = address.find(':') != std::string_view::npos;
  return "http://" + std::string(v6 ? "[" : "") + std::string(address) + (v6 ? "]" : "") + ":" +
         std::to_string(port);
}

bool has_flag(const std::vector<std::string>& args, std::string_view flag) {
  for (const auto& arg : args) {
    if (arg == flag || arg.rfind(std::string(flag) + "=", 0) == 0) return true;
  }
  return false;
}

}  // namespace

Etcd::Etcd(const Netns& ns, std::string name, fs::path dir, std::string_view client_address,
           const std::vector<std::string>& extra_args)
    : Daemon(ns, std::move(name), std::move(dir)), client_url_(url(client_address, 2379)) {
  require_program("etcd", "etcd-server");
  require_program("etcdctl", "etcd-client");
  const std::string peer_url = url(client_address, 2380);
  std::vector<std::string> argv = {"etcd",
                                   "--name=" + this->name(),
                                   "--data-dir=" + (this->dir() / "data").string(),
                                   "--listen-client-urls=" + client_url_,
                                   "--advertise-client-urls=" + client_url_,
                                   "--listen-peer-urls=" + peer_url,
                                   "--initial-advertise-peer-urls=" + peer_url};
  // A single member by default; a cluster test passes its own --initial-cluster.
  if (!has_flag(extra_args, "--initial-cluster")) {
    argv.push_back("--initial-cluster=" + this->name() + "=" + peer_url);
  }
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  spawn("etcd", argv);
  // A member of a cluster that is still forming cannot be healthy yet: only wait for it to
  // listen; a lone member is waited for until it serves.
  if (has_flag(extra_args, "--initial-cluster")) {
    wait_ready([&] { return netns().sh("ss -ltnH 'sport = :2379' | grep -q .").ok(); },
               "its client port open");
  } else {
    wait_ready(
        [&] {
          return etcdctl({"endpoint", "health"}).ok();
        },
        "healthy (etcdctl endpoint health)");
  }
}

CommandResult Etcd::etcdctl(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"etcdctl", "--endpoints=" + client_url_, "--dial-timeout=2s",
                                   "--command-timeout=5s"};
  argv.insert(argv.end(), args.begin(), args.end());
  return netns().exec(argv, 20s);
}

Process::Process(const Netns& ns, std::string name, fs::path dir, std::vector<std::string> argv,
                 std::vector<std::string> environment)
    : Daemon(ns, std::move(name), std::move(dir)) {
  command_ = {"env"};
  command_.insert(command_.end(), environment.begin(), environment.end());
  command_.insert(command_.end(), argv.begin(), argv.end());
  spawn(this->name(), command_);
}

void Process::wait_until(const std::function<bool()>& ready, std::string_view what,
                         std::chrono::milliseconds timeout) {
  wait_ready(ready, what, timeout);
}

void Process::restart() {
  stop();
  spawn(name(), command_);
}

}  // namespace tabby::lab
