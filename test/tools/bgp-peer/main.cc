// bgp-peer: tabby's BGP Speaker run from a YAML file, for interop tests and benchmarks until
// the agent exists. See docs/bgp-speaker.md.
//
//   bgp-peer --config peer.yaml [--rib-file rib.txt] [--all-paths] [--summary-file summary.txt]
//            [--summary-interval-ms 1000] [--log-level info]
//
// The Loc-RIB and peer states (rib_text.h) are written to --rib-file whenever the Loc-RIB
// changes and every second, and printed to stdout on SIGUSR1. --summary-file gets only the
// counts (the Loc-RIB's size and the peer lines) every --summary-interval-ms: cheap enough to
// watch a table of a million routes fill, which the whole-RIB text is not. SIGHUP re-reads the
// file: peers are added, changed (without a reset unless their session settings changed) or
// removed, and prefixes originated or withdrawn to match. SIGINT/SIGTERM stop every session
// with a Cease and exit.

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "peer_file.h"
#include "rib_text.h"
#include "tabby/common/command_line.h"
#include "tabby/common/log.h"

namespace {

using namespace tabby;
namespace asio = boost::asio;

Result<bgp_peer::PeerFile> load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error{"cannot read " + path};
  std::stringstream text;
  text << in.rdbuf();
  auto file = bgp_peer::parse_peer_file(text.str());
  if (!file) return Error{path + ": " + file.error().message};
  return file;
}

class Runner {
 public:
  Runner(asio::io_context& io, bgp::Speaker& speaker, std::string rib_file, bool all_paths)
      : speaker_(speaker), rib_file_(std::move(rib_file)), all_paths_(all_paths), timer_(io) {}

  // Makes the speaker's peers and originated prefixes those of the file.
  void apply(const bgp_peer::PeerFile& file) {
    std::set<std::string> wanted;
    for (const auto& peer : file.peers) {
      wanted.insert(peer.name);
      if (auto set = speaker_.set_peer(peer); !set)
        spdlog::error("peer {}: {}", peer.name, set.error().message);
    }
    for (const auto& status : speaker_.peers())
      if (!wanted.count(status.name)) (void)speaker_.remove_peer(status.name);
    const std::set<IpPrefix> now(file.originate.begin(), file.originate.end());
    for (const auto& prefix : originated_)
      if (!now.count(prefix)) speaker_.withdraw(prefix);
    for (const auto& prefix : now)
      if (!originated_.count(prefix)) speaker_.originate(prefix);
    originated_ = now;
  }

  std::string text() const {
    const auto loc_rib = speaker_.loc_rib();
    std::vector<std::pair<IpPrefix, std::vector<bgp::RoutePath>>> several;
    if (all_paths_) {
      for (const auto& [prefix, best] : loc_rib) {
        auto paths = speaker_.rib().paths(prefix);
        if (paths.size() > 1) several.emplace_back(prefix, std::move(paths));
      }
    }
    return bgp_peer::format_rib(speaker_.peers(), loc_rib, several);
  }

  void write() {
    if (rib_file_.empty()) return;
    const std::string content = text();
    if (content == written_) return;
    const std::string tmp = rib_file_ + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << content;
    }
    std::filesystem::rename(tmp, rib_file_);
    written_ = content;
  }

  void tick() {
    write();
    timer_.expires_after(std::chrono::seconds(1));
    timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) tick();
    });
  }

  void stop() { timer_.cancel(); }

 private:
  bgp::Speaker& speaker_;
  std::string rib_file_;
  bool all_paths_ = false;  // path lines too (rib_text.h)
  asio::steady_timer timer_;
  std::set<IpPrefix> originated_;
  std::string written_;
};

// Writes "loc-rib <prefixes>" and the peer lines of rib_text.h to a file on a timer. Only
// counts: the Rib keeps its prefix count, so this costs the same at a million routes as at one.
class SummaryWriter {
 public:
  SummaryWriter(asio::io_context& io, const bgp::Speaker& speaker, std::string file,
                std::chrono::milliseconds interval)
      : speaker_(speaker), file_(std::move(file)), interval_(interval), timer_(io) {}

  void tick() {
    if (file_.empty()) return;
    write();
    timer_.expires_after(interval_);
    timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) tick();
    });
  }

  void stop() { timer_.cancel(); }

 private:
  void write() const {
    const std::string tmp = file_ + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << "loc-rib " << speaker_.rib().prefix_count() << '\n'
          << bgp_peer::format_rib(speaker_.peers(), {});
    }
    std::filesystem::rename(tmp, file_);
  }

  const bgp::Speaker& speaker_;
  std::string file_;
  std::chrono::milliseconds interval_;
  asio::steady_timer timer_;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tabby's BGP speaker from a YAML file (docs/bgp-speaker.md)"};
  std::string config_path, rib_file, summary_file, log_level = "info";
  int summary_interval_ms = 1000;
  app.add_option("--config", config_path,
                 "YAML file: local_as, router_id, listen, peers, originate")
      ->required();
  app.add_option("--rib-file", rib_file, "where to keep the Loc-RIB and peer states as text");
  bool all_paths = false;
  app.add_flag("--all-paths", all_paths,
               "list every path of prefixes with several too (ADD-PATH peers, ECMP)");
  app.add_option("--summary-file", summary_file,
                 "where to keep only the Loc-RIB's size and the peer states, for benchmarks");
  app.add_option("--summary-interval-ms", summary_interval_ms,
                 "how often to rewrite --summary-file")
      ->check(CLI::Range(10, 3600000));
  app.add_option("--log-level", log_level, "trace, debug, info, warning, error");
  if (auto exit_code = tabby::parse_command_line(app, argc, argv)) return *exit_code;
  auto level = parse_log_level(log_level);
  if (!level) {
    std::cerr << "bgp-peer: " << level.error().message << "\n";
    return 2;
  }
  setup_logging("bgp-peer", *level);

  auto file = load(config_path);
  if (!file) {
    std::cerr << "bgp-peer: " << file.error().message << "\n";
    return 2;
  }
  asio::io_context io;
  auto speaker = bgp::Speaker::create(io, file->speaker);
  if (!speaker) {
    std::cerr << "bgp-peer: " << speaker.error().message << "\n";
    return 1;
  }
  Runner runner(io, **speaker, rib_file, all_paths);
  (*speaker)->on_best_path_change([&](const auto&) { runner.write(); });
  runner.apply(*file);
  runner.tick();
  SummaryWriter summary(io, **speaker, summary_file,
                        std::chrono::milliseconds(summary_interval_ms));
  summary.tick();

  asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
  signals.add(SIGUSR1);
  std::function<void(boost::system::error_code, int)> on_signal = [&](boost::system::error_code ec,
                                                                      int signal) {
    if (ec) return;
    if (signal == SIGUSR1) {
      std::cout << runner.text() << std::flush;
    } else if (signal == SIGHUP) {
      if (auto reloaded = load(config_path); reloaded) {
        spdlog::info("reloading {}", config_path);
        runner.apply(*reloaded);
        runner.write();
      } else {
        spdlog::error("{} (keeping the running configuration)", reloaded.error().message);
      }
    } else {
      spdlog::info("stopping");
      (*speaker)->shutdown();
      runner.stop();
      summary.stop();
      // Let the NOTIFICATIONs go out, then leave.
      auto done = std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(300));
      done->async_wait([&io, done](boost::system::error_code) { io.stop(); });
      return;
    }
    signals.async_wait(on_signal);
  };
  signals.async_wait(on_signal);
  io.run();
  return 0;
}
