// bench_bgp_establish: how soon a BGP session is up after the later of its two speakers
// starts, tabby's speaker (bgp-peer) side by side with BIRD 2 configured as Calico configures
// it, against the same peers in the same run (issue 15's benchmark; docs/bgp-speaker.md).
// Needs root (lab namespaces).
//
// For each peer (BIRD 2, FRR, GoBGP, ExaBGP), reachability and start order (both started
// together, the local speaker first, the peer first; the later one 1.5 s after the first):
// --runs runs, each with both speakers freshly started and both stopped after; printed, the
// median and the 99th percentile (nearest rank) of the seconds from the later start until
// the local speaker reports Established, read every 20 ms. A run that does not come up within
// --timeout is counted as failed and left out of the figures.
//
//   bench_bgp_establish [--only bird,frr,gobgp,exabgp] [--runs 20]
//                       [--reachability both,peer,local] [--timeout 30]
// Reachability: both sides can dial; only the peer can (its inbound port 179 rejected); only
// the local speaker can.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "establish_pair.h"
#include "tabby/common/command_line.h"

namespace {

using namespace tabby::lab;

constexpr auto kStartGap = std::chrono::milliseconds(1500);

enum class Order { kTogether, kLocalFirst, kPeerFirst };
constexpr Order kOrders[] = {Order::kTogether, Order::kLocalFirst, Order::kPeerFirst};

const char* label(Order order) {
  switch (order) {
    case Order::kTogether:
      return "together";
    case Order::kLocalFirst:
      return "local first";
    case Order::kPeerFirst:
      return "peer first";
  }
  return "?";
}

struct Figures {
  std::vector<double> seconds;  // of the runs that came up
  int failed = 0;
};

// Nearest rank: the smallest value with at least `fraction` of the values at or below it.
double percentile(std::vector<double> values, double fraction) {
  std::sort(values.begin(), values.end());
  auto rank = static_cast<std::size_t>(fraction * static_cast<double>(values.size()) + 0.999999);
  rank = std::clamp<std::size_t>(rank, 1, values.size());
  return values[rank - 1];
}

std::string cell(const Figures& f) {
  if (f.seconds.empty()) return "no run came up";
  char text[64];
  std::snprintf(text, sizeof text, "%5.2f / %5.2f", percentile(f.seconds, 0.5),
                percentile(f.seconds, 0.99));
  std::string out = text;
  if (f.failed > 0) out += " (" + std::to_string(f.failed) + " failed)";
  return out;
}

// One run: both speakers started in `order`, timed, both stopped.
std::optional<double> run_once(EstablishPair& pair, Order order, Clock::duration timeout) {
  const Side first = order == Order::kPeerFirst ? Side::kPeer : Side::kLocal;
  const Side second = first == Side::kLocal ? Side::kPeer : Side::kLocal;
  std::optional<double> took;
  try {
    pair.start(first);
    if (order != Order::kTogether) std::this_thread::sleep_for(kStartGap);
    const auto later = pair.start(second);
    if (const auto up = pair.established_after(later, timeout))
      took = std::chrono::duration<double>(*up - later).count();
  } catch (const LabError& error) {
    std::cerr << "bench_bgp_establish: " << error.what() << "\n";
  }
  if (!took) std::cerr << pair.diagnostics() << "\n";
  pair.stop(Side::kPeer);
  pair.stop(Side::kLocal);
  return took;
}

std::optional<Reachability> reachability_named(const std::string& name) {
  if (name == "both") return Reachability::kBothDial;
  if (name == "peer") return Reachability::kOnlyPeerDials;
  if (name == "local") return Reachability::kOnlyLocalDials;
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Time from the later speaker's start to Established: tabby and BIRD 2"};
  std::vector<std::string> only = {"bird", "frr", "gobgp", "exabgp"};
  std::vector<std::string> reach_names = {"both"};
  int runs = 20;
  int timeout_seconds = 30;
  app.add_option("--only", only, "peers: bird, frr, gobgp, exabgp")->delimiter(',');
  app.add_option("--reachability", reach_names, "both, peer (only the peer dials), local")
      ->delimiter(',');
  app.add_option("--runs", runs, "runs per peer, reachability and start order")
      ->check(CLI::Range(1, 1000));
  app.add_option("--timeout", timeout_seconds, "seconds a run may take to come up")
      ->check(CLI::Range(1, 600));
  if (auto exit_code = tabby::parse_command_line(app, argc, argv)) return *exit_code;

  std::vector<PeerKind> peers;
  for (const auto& name : only) {
    const auto kind = peer_named(name);
    if (!kind) {
      std::cerr << "bench_bgp_establish: --only: unknown peer '" << name
                << "' (bird, frr, gobgp, exabgp)\n";
      return 2;
    }
    peers.push_back(*kind);
  }
  std::vector<Reachability> reachabilities;
  for (const auto& name : reach_names) {
    const auto reach = reachability_named(name);
    if (!reach) {
      std::cerr << "bench_bgp_establish: --reachability: unknown value '" << name
                << "' (both, peer, local)\n";
      return 2;
    }
    reachabilities.push_back(*reach);
  }
  const auto timeout = std::chrono::seconds(timeout_seconds);
  constexpr LocalKind kLocals[] = {LocalKind::kTabby, LocalKind::kBirdCalico};

  std::printf(
      "bench_bgp_establish: seconds from the later start to Established, p50 / p99 of %d "
      "runs\n(the later side starts %.1f s after the first; local speaker: tabby's bgp-peer, "
      "or BIRD 2 as Calico configures it)\n\n",
      runs, std::chrono::duration<double>(kStartGap).count());
  std::printf("%-7s %-17s %-12s %-24s %-24s\n", "peer", "reachability", "start order", "tabby",
              "BIRD 2 (Calico)");
  std::fflush(stdout);
  for (const auto peer : peers) {
    for (const auto reach : reachabilities) {
      // Figures by order, for each local speaker.
      std::map<LocalKind, std::map<Order, Figures>> figures;
      for (const auto local : kLocals) {
        try {
          Lab lab("establish");
          EstablishPair pair(lab, {.local = local, .peer = peer, .bgp_peer = BGP_PEER});
          pair.set_reachability(reach);
          for (const auto order : kOrders) {
            auto& f = figures[local][order];
            for (int run = 0; run < runs; ++run) {
              if (auto took = run_once(pair, order, timeout))
                f.seconds.push_back(*took);
              else
                ++f.failed;
            }
          }
        } catch (const std::exception& error) {
          std::cerr << "bench_bgp_establish: " << label(peer) << " with " << label(local) << ": "
                    << error.what() << "\n";
        }
      }
      for (const auto order : kOrders) {
        std::printf("%-7s %-17s %-12s %-24s %-24s\n", std::string(label(peer)).c_str(),
                    std::string(label(reach)).c_str(), label(order),
                    cell(figures[LocalKind::kTabby][order]).c_str(),
                    cell(figures[LocalKind::kBirdCalico][order]).c_str());
      }
      std::fflush(stdout);
    }
  }
  return 0;
}
