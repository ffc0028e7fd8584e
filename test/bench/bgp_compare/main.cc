// bench_bgp_compare: tabby's BGP speaker against BIRD 2, FRR and GoBGP on the same routes
// from the same feeder (issue 3's benchmark; docs/bgp-speaker.md). Needs root (lab namespaces).
//
//   scenario 1: one eBGP peer sends N distinct IPv4 /24s (default 1,000,000), packed into
//     4096-octet UPDATEs, then End-of-RIB; seconds from the first UPDATE until the target's
//     Loc-RIB holds all N, its peak RSS, the bytes each route costs, its CPU seconds.
//   scenario 2: the target is a route reflector for C iBGP clients (default 200) sending P
//     prefixes each (default 4); seconds from the first UPDATE until every client has every
//     other client's prefixes.
//
//   bench_bgp_compare [--only tabby,bird,frr,gobgp] [--prefixes N] [--clients C]
//                     [--per-client P] [--timeout S] [--runs R] [--scenario 1|2|both]
//                     [--bgp-peer PATH]

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <thread>

#include "feeder.h"
#include "process_stats.h"
#include "tabby/common/command_line.h"
#include "tabby/lab/lab.h"
#include "targets.h"
#include "update_packing.h"

namespace {

using namespace tabby;
using namespace tabby::bench;
using namespace std::chrono_literals;

constexpr std::uint32_t kTargetAs = 65000;
constexpr std::uint32_t kFeederAs = 65100;
// How often the target is asked for its Loc-RIB count: the resolution of scenario 1's
// seconds, traded against the CPU the asking (a birdc, vtysh or gobgp process) takes.
constexpr auto kPollInterval = 100ms;
constexpr auto kEstablishTimeout = 60s;

struct Measurement {
  std::string problem;      // empty when the run completed: "timeout ...", "failed: ..."
  double seconds = 0;       // first UPDATE to done
  double sent_seconds = 0;  // first UPDATE to the feeder's last octet written
  std::size_t idle_rss = 0;
  std::size_t peak_rss = 0;
  double cpu_seconds = 0;  // the target's, from the first UPDATE to done
};

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

IpAddress address(const char* text) {
  return *IpAddress::parse(text);
}

std::string with_commas(std::size_t n) {
  std::string digits = std::to_string(n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3)
    digits.insert(static_cast<std::size_t>(i), ",");
  return digits;
}

std::string first_lines(const std::string& text, int count) {
  std::size_t end = 0;
  for (int i = 0; i < count && end != std::string::npos; ++i)
    end = text.find('\n', end == 0 ? 0 : end + 1);
  return end == std::string::npos ? text : text.substr(0, end) + "\n  ...";
}

// Samples the target when the feed starts and when it is done, filling the measurement.
class TargetMeter {
 public:
  explicit TargetMeter(pid_t pid) : pid_(pid) {
    if (auto sample = sample_process(pid_)) before_ = *sample;
  }
  void finish(Measurement& m) const {
    m.idle_rss = before_.rss_bytes;
    if (auto after = sample_process(pid_)) {
      m.peak_rss = after->peak_rss_bytes;
      m.cpu_seconds = after->cpu_seconds - before_.cpu_seconds;
    }
  }

 private:
  pid_t pid_;
  ProcessSample before_;
};

bgp::PathAttributes feeder_attributes(IpAddress next_hop, bool ibgp) {
  bgp::PathAttributes a;
  a.origin = bgp::Origin::kIgp;
  a.as_path = ibgp ? bgp::AsPath{} : bgp::AsPath{{{bgp::AsSegmentType::kSequence, {kFeederAs}}}};
  a.next_hop = next_hop;
  if (ibgp) a.local_pref = 100;
  return a;
}

Measurement one_peer_full_table(TargetKind kind, std::size_t prefixes, Clock::duration timeout,
                                const std::string& bgp_peer) {
  lab::Lab lab("bgpbench");
  auto& target_ns = lab.add_namespace("target");
  auto& feeder_ns = lab.add_namespace("feeder");
  lab.link(target_ns, "eth0", "10.0.0.1/24", feeder_ns, "eth0", "10.0.0.2/24");
  const TargetSpec spec{.address = address("10.0.0.1"),
                        .as = kTargetAs,
                        .neighbors = {{address("10.0.0.2"), kFeederAs}},
                        .route_reflector = false};
  auto target = start_target(kind, lab, target_ns, spec, bgp_peer);

  FeedPlan plan{.local_address = address("10.0.0.2"),
                .target_address = spec.address,
                .local_as = kFeederAs,
                .attributes = feeder_attributes(address("10.0.0.2"), false),
                .prefixes = ipv4_slash24s(address("11.0.0.0"), prefixes),
                .expect_received = 0};
  const IpPrefix last = plan.prefixes.back();
  Feeder feeder(feeder_ns.name(), {std::move(plan)});
  feeder.establish(kEstablishTimeout);
  std::this_thread::sleep_for(1s);  // let the target finish with the new session

  Measurement m;
  const TargetMeter meter(target->pid());
  const auto start = feeder.start();
  std::size_t seen = 0;
  while (true) {
    std::this_thread::sleep_for(kPollInterval);
    if (auto failure = feeder.failure()) {
      m.problem = "failed: " + *failure;
      break;
    }
    const auto now = Clock::now();
    seen = target->loc_rib_prefixes().value_or(seen);
    if (seen >= prefixes && target->settled(last)) {
      m.seconds = seconds_between(start, now);
      break;
    }
    if (now - start > timeout) {
      m.problem =
          "timeout: " + with_commas(seen) + " prefixes after " +
          std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) + " s";
      break;
    }
  }
  meter.finish(m);
  if (auto sent = feeder.all_sent_at()) m.sent_seconds = seconds_between(start, *sent);
  return m;
}

Measurement route_reflector(TargetKind kind, std::size_t clients, std::size_t per_client,
                            Clock::duration timeout, const std::string& bgp_peer) {
  lab::Lab lab("bgpbench-rr");
  auto& target_ns = lab.add_namespace("target");
  auto& feeder_ns = lab.add_namespace("feeder");
  lab.link(target_ns, "eth0", "10.1.0.1/16", feeder_ns, "eth0", "");
  TargetSpec spec{
      .address = address("10.1.0.1"), .as = kTargetAs, .neighbors = {}, .route_reflector = true};
  std::vector<FeedPlan> plans;
  std::string add_addresses;
  for (std::size_t i = 0; i < clients; ++i) {
    // 10.1.1.1, 10.1.1.2, ... (10.1.2.0 after 10.1.1.255 and so on).
    const IpAddress client =
        IpAddress::v4(address("10.1.1.1").v4_value() + static_cast<std::uint32_t>(i));
    spec.neighbors.push_back({client, kTargetAs});
    add_addresses += "ip addr add " + client.to_string() + "/16 dev eth0\n";
    plans.push_back(
        {.local_address = client,
         .target_address = spec.address,
         .local_as = kTargetAs,
         .attributes = feeder_attributes(client, true),
         .prefixes = ipv4_slash24s(IpAddress::v4(address("12.0.0.0").v4_value() +
                                                 static_cast<std::uint32_t>((i * per_client) << 8)),
                                   per_client),
         .expect_received = (clients - 1) * per_client});
  }
  feeder_ns.must(add_addresses);
  auto target = start_target(kind, lab, target_ns, spec, bgp_peer);
  Feeder feeder(feeder_ns.name(), std::move(plans));
  feeder.establish(kEstablishTimeout);
  std::this_thread::sleep_for(1s);

  Measurement m;
  const TargetMeter meter(target->pid());
  const auto start = feeder.start();
  const auto done = feeder.wait_all_received(start + timeout);
  if (done) {
    m.seconds = seconds_between(start, *done);
  } else if (auto failure = feeder.failure()) {
    m.problem = "failed: " + *failure;
  } else {
    m.problem = "timeout: " + std::to_string(feeder.sessions_complete()) + " of " +
                std::to_string(clients) + " clients complete";
  }
  meter.finish(m);
  if (auto sent = feeder.all_sent_at()) m.sent_seconds = seconds_between(start, *sent);
  return m;
}

// Runs one target's scenario; anything it throws becomes the measurement's problem.
template <typename Run>
Measurement guarded(TargetKind kind, Run run) {
  try {
    return run();
  } catch (const std::exception& e) {
    std::cerr << "  " << label(kind) << ": " << first_lines(e.what(), 25) << "\n";
    Measurement m;
    const std::string what = e.what();
    m.problem = "failed: " + what.substr(0, what.find('\n'));
    return m;
  }
}

double mib(std::size_t bytes) {
  return static_cast<double>(bytes) / (1024.0 * 1024.0);
}

// A target's runs of a scenario, as printed: the run with the median seconds among those that
// completed, and the range of their seconds; or the first problem when none completed.
struct Row {
  TargetKind kind;
  Measurement median;
  std::string spread;
};

Row summarize(TargetKind kind, std::vector<Measurement> runs) {
  std::vector<Measurement> completed;
  for (const auto& run : runs)
    if (run.problem.empty()) completed.push_back(run);
  if (completed.empty()) return {kind, runs.front(), ""};
  std::sort(completed.begin(), completed.end(),
            [](const auto& a, const auto& b) { return a.seconds < b.seconds; });
  char spread[64];
  std::snprintf(spread, sizeof spread, "%.2f-%.2f", completed.front().seconds,
                completed.back().seconds);
  std::string text = completed.size() > 1 ? spread : "-";
  if (completed.size() < runs.size())
    text += " (" + std::to_string(runs.size() - completed.size()) + " failed)";
  return {kind, completed[(completed.size() - 1) / 2], text};
}

void print_scenario_1(const std::vector<Row>& rows, std::size_t prefixes, int runs) {
  std::printf("\nscenario 1: %s /24 from one eBGP peer (median of %d)\n",
              with_commas(prefixes).c_str(), runs);
  std::printf("  %-8s %9s %9s %13s %9s %13s %12s %8s  %s\n", "target", "seconds", "routes/s",
              "feeder sent s", "idle MiB", "peak RSS MiB", "bytes/route", "cpu s", "seconds range");
  for (const auto& [kind, m, spread] : rows) {
    if (!m.problem.empty()) {
      std::printf("  %-8s %s\n", std::string(label(kind)).c_str(), m.problem.c_str());
      continue;
    }
    const double per_route = (static_cast<double>(m.peak_rss) - static_cast<double>(m.idle_rss)) /
                             static_cast<double>(prefixes);
    std::printf("  %-8s %9.2f %9.0f %13.2f %9.1f %13.1f %12.0f %8.2f  %s\n",
                std::string(label(kind)).c_str(), m.seconds,
                static_cast<double>(prefixes) / m.seconds, m.sent_seconds, mib(m.idle_rss),
                mib(m.peak_rss), per_route, m.cpu_seconds, spread.c_str());
  }
}

void print_scenario_2(const std::vector<Row>& rows, std::size_t clients, std::size_t per_client,
                      int runs) {
  std::printf("\nscenario 2: route reflector, %zu iBGP clients x %zu prefixes (median of %d)\n",
              clients, per_client, runs);
  std::printf("  %-8s %9s %13s %13s %8s  %s\n", "target", "seconds", "feeder sent s",
              "peak RSS MiB", "cpu s", "seconds range");
  for (const auto& [kind, m, spread] : rows) {
    if (!m.problem.empty()) {
      std::printf("  %-8s %s\n", std::string(label(kind)).c_str(), m.problem.c_str());
      continue;
    }
    std::printf("  %-8s %9.2f %13.2f %13.1f %8.2f  %s\n", std::string(label(kind)).c_str(),
                m.seconds, m.sent_seconds, mib(m.peak_rss), m.cpu_seconds, spread.c_str());
  }
}

// Runs `run(kind)` `runs` times for every target, round-robin so that a change in the
// machine's load is spread over all of them.
template <typename Run>
std::vector<Row> measure(const char* scenario, const std::vector<TargetKind>& kinds, int runs,
                         Run run) {
  std::vector<std::vector<Measurement>> results(kinds.size());
  for (int round = 1; round <= runs; ++round) {
    for (std::size_t i = 0; i < kinds.size(); ++i) {
      const std::string name(label(kinds[i]));
      results[i].push_back(guarded(kinds[i], [&] { return run(kinds[i]); }));
      const auto& m = results[i].back();
      std::fprintf(
          stderr, "%s, %s, run %d: %s\n", scenario, name.c_str(), round,
          m.problem.empty() ? (std::to_string(m.seconds) + " s").c_str() : m.problem.c_str());
    }
  }
  std::vector<Row> rows;
  for (std::size_t i = 0; i < kinds.size(); ++i)
    rows.push_back(summarize(kinds[i], std::move(results[i])));
  return rows;
}

std::vector<TargetKind> parse_only(const std::string& only) {
  std::vector<TargetKind> kinds;
  std::stringstream list(only);
  for (std::string name; std::getline(list, name, ',');) {
    auto kind = target_named(name);
    if (!kind)
      throw CLI::ValidationError("--only", "'" + name + "' is not one of tabby, bird, frr, gobgp");
    kinds.push_back(*kind);
  }
  if (kinds.empty()) throw CLI::ValidationError("--only", "names no target");
  return kinds;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tabby's BGP speaker against BIRD 2, FRR and GoBGP (docs/bgp-speaker.md)"};
  std::string only = "tabby,bird,frr,gobgp", scenario = "both", bgp_peer = BGP_PEER;
  std::size_t prefixes = 1000000, clients = 200, per_client = 4;
  int timeout_seconds = 600, runs = 1;
  app.add_option("--only", only, "targets, comma-separated: tabby,bird,frr,gobgp");
  app.add_option("--prefixes", prefixes, "scenario 1: /24s from the one peer")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 22));
  app.add_option("--clients", clients, "scenario 2: route reflector clients")
      ->check(CLI::Range(2, 60000));
  app.add_option("--per-client", per_client, "scenario 2: prefixes each client sends")
      ->check(CLI::Range(1, 1000));
  app.add_option("--timeout", timeout_seconds, "seconds each target gets per scenario")
      ->check(CLI::Range(1, 86400));
  app.add_option("--runs", runs, "runs per target and scenario; the median is printed")
      ->check(CLI::Range(1, 100));
  app.add_option("--scenario", scenario, "1, 2 or both")->check(CLI::IsMember({"1", "2", "both"}));
  app.add_option("--bgp-peer", bgp_peer, "the bgp-peer binary that runs tabby's speaker");
  std::vector<TargetKind> kinds;
  if (auto exit_code = tabby::parse_command_line(app, argc, argv)) return *exit_code;
  try {
    kinds = parse_only(only);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (geteuid() != 0) {
    std::cerr << "bench_bgp_compare: needs root (it makes network namespaces and runs daemons "
                 "in them)\n";
    return 2;
  }
  const auto timeout = std::chrono::seconds(timeout_seconds);

  std::printf("versions:\n");
  for (const auto kind : kinds)
    std::printf("  %-8s %s\n", std::string(label(kind)).c_str(),
                version_of(kind, bgp_peer).c_str());
  std::fflush(stdout);

  if (scenario != "2") {
    const auto rows = measure("scenario 1", kinds, runs, [&](TargetKind kind) {
      return one_peer_full_table(kind, prefixes, timeout, bgp_peer);
    });
    print_scenario_1(rows, prefixes, runs);
    std::fflush(stdout);
  }
  if (scenario != "1") {
    const auto rows = measure("scenario 2", kinds, runs, [&](TargetKind kind) {
      return route_reflector(kind, clients, per_client, timeout, bgp_peer);
    });
    print_scenario_2(rows, clients, per_client, runs);
  }
  return 0;
}
