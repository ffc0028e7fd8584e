// bench_agent_routes: a full table from one eBGP peer through the node agent into the
// kernel, tabby-node side by side with BIRD 2 and FRR in the same run (issue 14's benchmark;
// docs/agent.md). Needs root (lab namespaces).
//
// For each agent and table size: the feeder (bench_bgp_compare's raw speaker) listens, as a
// ToR feeding a node does, and the agent connects. Once the session is up the feeder sends N
// distinct IPv4 /24s packed in 4096-octet UPDATEs, then End-of-RIB. Printed: seconds from
// the first UPDATE until the agent reports all N received and until all N are in its
// kernel (counted in the kernel by a netlink dump, not by the agent), its peak RSS and the
// bytes that makes per route (every process holding routes: FRR's bgpd and zebra), its CPU
// seconds; then the feeder closes the session and the seconds until all N left the kernel.
//
//   bench_agent_routes [--only tabby,bird,frr] [--prefixes N,N...] [--timeout S]

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <thread>

#include "agent_targets.h"
#include "feeder.h"
#include "kernel_route_counter.h"
#include "process_stats.h"
#include "tabby/common/command_line.h"
#include "tabby/lab/lab.h"
#include "update_packing.h"

namespace {

using namespace tabby;
using namespace tabby::bench;
using namespace std::chrono_literals;

constexpr std::uint32_t kAgentAs = 64512;
constexpr std::uint32_t kFeederAs = 65100;
constexpr auto kPollInterval = 200ms;
constexpr auto kEstablishTimeout = 60s;

struct Figures {
  std::string problem;  // empty when the run completed
  double received_seconds = 0;
  double kernel_seconds = 0;
  double removed_seconds = 0;
  std::size_t idle_rss = 0, peak_rss = 0;
  double cpu_seconds = 0;
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

// The sum over the agent's processes.
ProcessSample sample(const AgentTarget& agent) {
  ProcessSample total;
  for (pid_t pid : agent.pids()) {
    if (auto one = sample_process(pid)) {
      total.rss_bytes += one->rss_bytes;
      total.peak_rss_bytes += one->peak_rss_bytes;
      total.cpu_seconds += one->cpu_seconds;
    }
  }
  return total;
}

bgp::PathAttributes feeder_attributes(IpAddress next_hop) {
  bgp::PathAttributes a;
  a.origin = bgp::Origin::kIgp;
  a.as_path = bgp::AsPath{{{bgp::AsSegmentType::kSequence, {kFeederAs}}}};
  a.next_hop = next_hop;
  return a;
}

Figures full_table(AgentKind kind, std::size_t prefixes, Clock::duration timeout) {
  lab::Lab lab("agentbench");
  auto& node_ns = lab.add_node("node");
  auto& feeder_ns = lab.add_namespace("feeder");
  lab.link(node_ns, "eth0", "10.0.0.11/24", feeder_ns, "eth0", "10.0.0.5/24");
  const AgentSpec spec{.address = address("10.0.0.11"),
                       .as = kAgentAs,
                       .feeder = address("10.0.0.5"),
                       .feeder_as = kFeederAs};
  FeedPlan plan{.local_address = spec.feeder,
                .target_address = spec.address,
                .local_as = kFeederAs,
                .attributes = feeder_attributes(spec.feeder),
                .prefixes = ipv4_slash24s(address("20.0.0.0"), prefixes),
                .expect_received = 0,
                .listen = true};
  auto feeder = std::make_unique<Feeder>(feeder_ns.name(), std::vector<FeedPlan>{std::move(plan)});
  feeder->listen();
  auto agent = start_agent(kind, lab, node_ns, spec);
  KernelRouteCounter kernel(node_ns.name());
  feeder->establish(kEstablishTimeout);
  std::this_thread::sleep_for(1s);  // let the agent finish with the new session

  Figures f;
  const ProcessSample before = sample(*agent);
  f.idle_rss = before.rss_bytes;
  const auto start = feeder->start();
  std::optional<Clock::time_point> received_at, kernel_at;
  std::size_t received = 0, in_kernel = 0;
  while (!kernel_at || !received_at) {
    std::this_thread::sleep_for(kPollInterval);
    if (auto failure = feeder->failure()) {
      f.problem = "failed: " + *failure;
      break;
    }
    if (!received_at) {
      received = agent->received().value_or(received);
      if (received >= prefixes) received_at = Clock::now();
    }
    if (!kernel_at) {
      in_kernel = kernel.count();
      if (in_kernel >= prefixes) kernel_at = Clock::now();
    }
    if (Clock::now() - start > timeout) {
      f.problem =
          "timeout: " + with_commas(received) + " received, " + with_commas(in_kernel) +
          " in the kernel after " +
          std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) + " s";
      break;
    }
  }
  const ProcessSample after = sample(*agent);
  f.peak_rss = after.peak_rss_bytes;
  f.cpu_seconds = after.cpu_seconds - before.cpu_seconds;
  if (received_at) f.received_seconds = seconds_between(start, *received_at);
  if (kernel_at) f.kernel_seconds = seconds_between(start, *kernel_at);
  if (!f.problem.empty()) return f;

  // The feeder goes (a closed session, no graceful restart): every route leaves the kernel.
  const auto closed = Clock::now();
  feeder.reset();
  while (kernel.count() > 0) {
    if (Clock::now() - closed > timeout) {
      f.problem = "timeout: routes still in the kernel after the session closed";
      return f;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  f.removed_seconds = seconds_between(closed, Clock::now());
  return f;
}

std::string mib(std::size_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tabby-node, BIRD 2 and FRR: a full table from a ToR into the kernel"};
  std::vector<std::string> only;
  std::vector<std::size_t> sizes = {100000, 1000000};
  int timeout_seconds = 300;
  app.add_option("--only", only, "agents to run: tabby, bird, frr")->delimiter(',');
  app.add_option("--prefixes", sizes, "table sizes")->delimiter(',');
  app.add_option("--timeout", timeout_seconds, "seconds each run may take");
  if (auto exit_code = tabby::parse_command_line(app, argc, argv)) return *exit_code;
  if (geteuid() != 0) {
    std::cerr << "bench_agent_routes needs root (it makes network namespaces)\n";
    return 2;
  }
  std::vector<AgentKind> agents;
  for (const std::string& name : only) {
    auto kind = agent_named(name);
    if (!kind) {
      std::cerr << "--only: unknown agent \"" << name << "\" (tabby, bird, frr)\n";
      return 2;
    }
    agents.push_back(*kind);
  }
  if (agents.empty()) agents.assign(std::begin(kAllAgents), std::end(kAllAgents));

  std::cout << "A full table from one eBGP peer (the feeder listens, the agent connects) into "
               "the agent's kernel\n"
               "(received: as the agent reports it; tabby-node's metric is published every "
               "second)\n\n";
  std::printf("%10s  %-10s  %10s  %9s  %10s  %13s  %11s  %7s\n", "prefixes", "agent", "received s",
              "kernel s", "removed s", "peak RSS MiB", "bytes/route", "CPU s");
  for (std::size_t prefixes : sizes) {
    for (AgentKind kind : agents) {
      Figures f;
      try {
        f = full_table(kind, prefixes, std::chrono::seconds(timeout_seconds));
      } catch (const std::exception& e) {
        f.problem = std::string("failed: ") + e.what();
      }
      const std::string name(label(kind));
      if (!f.problem.empty()) {
        std::printf("%10s  %-10s  %s\n", with_commas(prefixes).c_str(), name.c_str(),
                    f.problem.c_str());
        continue;
      }
      const double per_route =
          f.peak_rss > f.idle_rss
              ? static_cast<double>(f.peak_rss - f.idle_rss) / static_cast<double>(prefixes)
              : 0;
      std::printf("%10s  %-10s  %10.2f  %9.2f  %10.2f  %13s  %11.0f  %7.2f\n",
                  with_commas(prefixes).c_str(), name.c_str(), f.received_seconds, f.kernel_seconds,
                  f.removed_seconds, mib(f.peak_rss).c_str(), per_route, f.cpu_seconds);
      std::fflush(stdout);
    }
  }
  return 0;
}
