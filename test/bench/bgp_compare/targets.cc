#include "targets.h"

#include <fstream>
#include <regex>
#include <sstream>

#include "process_stats.h"
#include "tabby/lab/daemons.h"

namespace tabby::bench {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string_view label(TargetKind kind) {
  switch (kind) {
    case TargetKind::kTabby:
      return "tabby";
    case TargetKind::kBird:
      return "BIRD 2";
    case TargetKind::kFrr:
      return "FRR";
    case TargetKind::kGobgp:
      return "GoBGP";
  }
  return "?";
}

std::string_view option_name(TargetKind kind) {
  switch (kind) {
    case TargetKind::kTabby:
      return "tabby";
    case TargetKind::kBird:
      return "bird";
    case TargetKind::kFrr:
      return "frr";
    case TargetKind::kGobgp:
      return "gobgp";
  }
  return "?";
}

std::optional<TargetKind> target_named(std::string_view option) {
  for (const auto kind : kAllTargets)
    if (option_name(kind) == option) return kind;
  return std::nullopt;
}

namespace {

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

// The first number after `pattern`'s capture group, from command output.
std::optional<std::size_t> number_in(const std::string& text, const std::regex& pattern) {
  std::smatch match;
  if (!std::regex_search(text, match, pattern)) return std::nullopt;
  return static_cast<std::size_t>(std::stoull(match[1].str()));
}

pid_t process_named(const lab::Netns& ns, const std::string& comm) {
  std::optional<pid_t> pid;
  lab::eventually([&] { return (pid = find_process(ns.name(), comm)).has_value(); }, 10s, 50ms);
  if (!pid) throw lab::LabError("no process " + comm + " in namespace " + ns.name());
  return *pid;
}

class TabbyTarget final : public Target {
 public:
  TabbyTarget(lab::Lab& lab, const lab::Netns& ns, const TargetSpec& spec,
              const std::string& bgp_peer)
      : summary_(lab.dir() / "tabby-summary.txt") {
    const fs::path config = lab.dir() / "tabby.yaml";
    std::ofstream(config) << tabby_config(spec);
    auto& process = lab.start_process(
        ns, "bgp-peer",
        {bgp_peer, "--config", config.string(), "--summary-file", summary_.string(),
         "--summary-interval-ms", "50", "--log-level", "warning"});
    process.wait_until([&] { return loc_rib_prefixes().has_value(); }, "its summary file");
    pid_ = process_named(ns, "bgp-peer");
  }

  std::optional<std::size_t> loc_rib_prefixes() const override {
    std::ifstream in(summary_);
    std::string word;
    std::size_t count = 0;
    if (in >> word >> count && word == "loc-rib") return count;
    return std::nullopt;
  }

 private:
  fs::path summary_;
};

class BirdTarget final : public Target {
 public:
  BirdTarget(lab::Lab& lab, const lab::Netns& ns, const TargetSpec& spec)
      : bird_(lab.start_bird(ns, "bird", bird_config(spec))) {
    pid_ = process_named(ns, "bird");
  }

  // "1000000 of 1000000 routes for 1000000 networks in table master4"
  std::optional<std::size_t> loc_rib_prefixes() const override {
    static const std::regex networks(R"(for (\d+) networks in table master4)");
    return number_in(bird_.birdc("show route count").output, networks);
  }

 private:
  lab::Bird& bird_;
};

// bgpd alone (-Z: no zebra, so nothing reaches a kernel; -S: stays root, so its files need
// no frr owner), started by hand because the lab's Frr always brings zebra.
class FrrTarget final : public Target {
 public:
  FrrTarget(lab::Lab& lab, const lab::Netns& ns, const TargetSpec& spec)
      : ns_(ns), dir_(lab.dir() / "frr-target") {
    fs::create_directories(dir_);
    std::ofstream(dir_ / "frr.conf") << frr_config(spec);
    auto& process = lab.start_process(
        ns, "bgpd",
        {"/usr/lib/frr/bgpd", "-f", (dir_ / "frr.conf").string(), "-S", "-Z", "-P", "0", "-i",
         (dir_ / "bgpd.pid").string(), "--vty_socket", dir_.string(), "--log", "stdout"});
    process.wait_until([&] { return loc_rib_prefixes().has_value(); },
                       "ready (vtysh show bgp summary)");
    pid_ = process_named(ns, "bgpd");
  }

  // The prefixes the peers' UPDATEs put into the BGP table (pfxRcd, summed). bgpd runs the
  // decision process later, from a FIFO work queue: settled() waits for it.
  std::optional<std::size_t> loc_rib_prefixes() const override {
    const auto result = vtysh("show bgp ipv4 unicast summary json");
    if (!result.ok() || result.output.find("\"routerId\"") == std::string::npos)
      return std::nullopt;
    static const std::regex received(R"("pfxRcd":(\d+))");
    std::size_t total = 0;
    for (std::sregex_iterator it(result.output.begin(), result.output.end(), received), end;
         it != end; ++it)
      total += std::stoull((*it)[1].str());
    return total;
  }

  bool settled(const IpPrefix& last) const override {
    const auto result = vtysh("show bgp ipv4 unicast " + last.to_string() + " json");
    return result.ok() && result.output.find("\"bestpath\"") != std::string::npos;
  }

 private:
  lab::CommandResult vtysh(const std::string& command) const {
    return ns_.exec({"vtysh", "--vty_socket", dir_.string(), "-c", command}, 20s);
  }

  const lab::Netns& ns_;
  fs::path dir_;
};

class GobgpTarget final : public Target {
 public:
  GobgpTarget(lab::Lab& lab, const lab::Netns& ns, const TargetSpec& spec)
      : gobgp_(lab.start_gobgp(ns, "gobgp", gobgp_config(spec))) {
    pid_ = process_named(ns, "gobgpd");
  }

  // "Table ipv4-unicast\nDestination: 1000000, Path: 1000000"
  std::optional<std::size_t> loc_rib_prefixes() const override {
    static const std::regex destinations(R"(Destination: (\d+))");
    return number_in(gobgp_.gobgp({"global", "rib", "summary", "-a", "ipv4"}).output, destinations);
  }

 private:
  lab::Gobgp& gobgp_;
};

}  // namespace

std::string version_of(TargetKind kind, const std::string& bgp_peer) {
  switch (kind) {
    case TargetKind::kTabby:
      return "bgp-peer " + bgp_peer;
    case TargetKind::kBird:
      // BIRD prints its version on stderr.
      return first_line(lab::run_command({"bird", "--version"}, 10s).output);
    case TargetKind::kFrr:
      return "FRR " + first_line(lab::run_command({"/usr/lib/frr/bgpd", "--version"}, 10s).output) +
             " (bgpd -Z, no zebra)";
    case TargetKind::kGobgp:
      return first_line(lab::run_command({"gobgpd", "--version"}, 10s).output);
  }
  return "?";
}

std::unique_ptr<Target> start_target(TargetKind kind, lab::Lab& lab, const lab::Netns& ns,
                                     const TargetSpec& spec, const std::string& bgp_peer) {
  switch (kind) {
    case TargetKind::kTabby:
      return std::make_unique<TabbyTarget>(lab, ns, spec, bgp_peer);
    case TargetKind::kBird:
      return std::make_unique<BirdTarget>(lab, ns, spec);
    case TargetKind::kFrr:
      return std::make_unique<FrrTarget>(lab, ns, spec);
    case TargetKind::kGobgp:
      return std::make_unique<GobgpTarget>(lab, ns, spec);
  }
  throw std::invalid_argument("unknown target");
}

}  // namespace tabby::bench
