#include "establish_pair.h"

#include <cstdlib>
#include <cstring>
#include <fstream>

#include "daemon_lab.h"

namespace tabby::lab {

namespace {

namespace fs = std::filesystem;

// tabby's side as a Calico node would have it towards a configured peer: it listens and
// dials, the default connect_retry (5 s) and an idle hold of 5 s, so that a session that had
// to wait out either timer shows as a slow start.
constexpr const char* kTabbyConfig = R"(local_as: 65001
router_id: 10.0.0.1
listen: [10.0.0.1]
peers:
  - name: d
    address: 10.0.0.2
    remote_as: 65002
    hold_time: 9
    idle_hold: 5
    families: [ipv4]
originate: [10.100.0.0/24]
)";

// BIRD as Calico's confd configures it for an explicit global BGPPeer (bird.cfg's
// bgp_template, BIRD 2 syntax): multihop, recursive next hops, ADD-PATH, graceful restart,
// connect delay 2 s, connect retry 5 s, error wait 5-30 s, BIRD's own 240 s hold time; not
// passive (Calico makes only mesh sessions to a higher address passive).
constexpr const char* kBirdCalicoConfig = R"(
log stderr { warning, error, fatal };
router id 10.0.0.1;
protocol device { scan time 2; }
protocol direct { ipv4; interface -"cali*", -"kube-ipvs*", "*"; }
protocol static blocks { ipv4; route 10.100.0.0/24 blackhole; }
template bgp bgp_template {
  description "Connection to BGP peer";
  local as 65001;
  multihop;
  ipv4 {
    import all;
    export where proto = "blocks";
    gateway recursive;
    add paths on;
  };
  graceful restart;
  connect delay time 2;
  connect retry time 5;
  error wait time 5,30;
}
protocol bgp Global_10_0_0_2 from bgp_template {
  neighbor 10.0.0.2 as 65002;
  source address 10.0.0.1;
}
)";

// ExaBGP dials and (told an address, Exabgp's listen_address) listens; it has no connect
// timers to shorten: it retries a failed connect after a back-off of 0, 1, 2, 3, 4, 5, 7 ...
// seconds (int(1 + 1.2 * the last)), reset whenever a session comes up or a connection arrives.
std::string exabgp_config() {
  return std::string(R"(
neighbor 10.0.0.1 {
  router-id 10.0.0.2;
  local-address 10.0.0.2;
  local-as 65002;
  peer-as 65001;
  hold-time 9;
  family { ipv4 unicast; }
  static { route 10.205.0.0/24 next-hop self; }
  )") + std::string(Exabgp::kRecordEvents) +
         "\n}\n";
}

bool contains(const std::string& text, std::string_view what) {
  return text.find(what) != std::string::npos;
}

}  // namespace

std::string_view label(PeerKind kind) {
  switch (kind) {
    case PeerKind::kBird:
      return "BIRD 2";
    case PeerKind::kFrr:
      return "FRR";
    case PeerKind::kGobgp:
      return "GoBGP";
    case PeerKind::kExabgp:
      return "ExaBGP";
  }
  return "?";
}

std::string_view option_name(PeerKind kind) {
  switch (kind) {
    case PeerKind::kBird:
      return "bird";
    case PeerKind::kFrr:
      return "frr";
    case PeerKind::kGobgp:
      return "gobgp";
    case PeerKind::kExabgp:
      return "exabgp";
  }
  return "?";
}

std::optional<PeerKind> peer_named(std::string_view option) {
  for (const auto kind : kAllPeerKinds)
    if (option_name(kind) == option) return kind;
  return std::nullopt;
}

std::string_view label(LocalKind kind) {
  return kind == LocalKind::kTabby ? "tabby" : "BIRD 2 (Calico)";
}

std::string_view label(Reachability reachability) {
  switch (reachability) {
    case Reachability::kBothDial:
      return "both dial";
    case Reachability::kOnlyPeerDials:
      return "only peer dials";
    case Reachability::kOnlyLocalDials:
      return "only local dials";
  }
  return "?";
}

EstablishPair::EstablishPair(Lab& lab, PairConfig config) : lab_(lab), config_(std::move(config)) {
  auto& segment = lab_.add_segment("s1");
  n1_ = &lab_.add_node("n1");
  n2_ = &lab_.add_node("n2");
  lab_.attach(*n1_, "eth0", segment, {.address = "10.0.0.1/24"});
  lab_.attach(*n2_, "eth0", segment, {.address = "10.0.0.2/24"});
  watcher_ = std::jthread([this](std::stop_token stop) { watch(stop); });
}

EstablishPair::~EstablishPair() {
  watcher_.request_stop();
}

void EstablishPair::reject_inbound_bgp(Side side) {
  if (!program_exists("nft"))
    throw LabError("nft is not installed: the lab needs Debian's nftables package");
  (side == Side::kLocal ? n1_ : n2_)
      ->must(
          "nft add table inet t && nft add chain inet t in "
          "'{ type filter hook input priority 0; }' && "
          "nft add rule inet t in tcp dport 179 reject with tcp reset");
}

void EstablishPair::set_reachability(Reachability reachability) {
  if (reachability == Reachability::kOnlyPeerDials) reject_inbound_bgp(Side::kPeer);
  if (reachability == Reachability::kOnlyLocalDials) reject_inbound_bgp(Side::kLocal);
}

void EstablishPair::watch(std::stop_token stop) {
  bool was_established = false;
  while (!stop.stop_requested()) {
    std::function<bool()> probe;
    {
      std::lock_guard lock(mutex_);
      probe = local_probe_;
    }
    const auto seen_at = Clock::now();
    const bool established = probe && probe();
    if (established && !was_established) {
      std::lock_guard lock(mutex_);
      established_edges_.push_back(seen_at);
    }
    was_established = established;
    std::this_thread::sleep_for(kPollInterval);
  }
}

void EstablishPair::set_local_probe(std::function<bool()> probe) {
  std::lock_guard lock(mutex_);
  local_probe_ = std::move(probe);
}

Clock::time_point EstablishPair::start(Side side) {
  return side == Side::kLocal ? start_local() : start_peer();
}

Clock::time_point EstablishPair::start_local() {
  const std::string n = std::to_string(++local_starts_);
  if (config_.local == LocalKind::kTabby) {
    // Files of this run only: the last run's summary would still say Established.
    const fs::path yaml = lab_.dir() / "tabby.yaml";
    std::ofstream(yaml, std::ios::trunc) << kTabbyConfig;
    local_summary_ = lab_.dir() / ("tabby-summary-" + n + ".txt");
    local_rib_ = lab_.dir() / ("tabby-rib-" + n + ".txt");
    set_local_probe([summary = local_summary_] {
      return contains(file_text(summary), "peer d 10.0.0.2 Established ");
    });
    const auto started = Clock::now();
    local_ = &lab_.start_process(
        *n1_, "tabby" + n,
        {config_.bgp_peer, "--config", yaml.string(), "--rib-file", local_rib_.string(),
         "--summary-file", local_summary_.string(), "--summary-interval-ms",
         std::to_string(kPollInterval.count()), "--log-level", "debug"});
    return started;
  }
  const std::string name = "bird-local" + n;
  // The watch must ask BIRD while start_bird waits for it to answer, so the socket's path is
  // worked out ahead from the lab's layout (<lab dir>/<daemon>/bird.ctl), and checked after.
  local_socket_ = lab_.dir() / name / "bird.ctl";
  set_local_probe([socket = local_socket_] {
    const auto protocols =
        run_command({"birdc", "-s", socket.string(), "show protocols Global_10_0_0_2"}, 5s);
    return contains(protocols.output, "Established");
  });
  const auto started = Clock::now();
  auto& bird = lab_.start_bird(*n1_, name, kBirdCalicoConfig);
  if (bird.socket() != local_socket_)
    throw LabError("BIRD's socket is " + bird.socket().string() + ", not " +
                   local_socket_.string() + " as the watch expects");
  local_ = &bird;
  return started;
}

Clock::time_point EstablishPair::start_peer() {
  const std::string n = std::to_string(++peer_starts_);
  peer_bird_ = nullptr;
  peer_frr_ = nullptr;
  peer_gobgp_ = nullptr;
  peer_exabgp_ = nullptr;
  const auto started = Clock::now();
  switch (config_.peer) {
    case PeerKind::kBird:
      peer_ = peer_bird_ = &lab_.start_bird(*n2_, "bird" + n, bird_config(false));
      break;
    case PeerKind::kFrr:
      peer_ = peer_frr_ = &lab_.start_frr(*n2_, "frr" + n, frr_config(false));
      break;
    case PeerKind::kGobgp: {
      peer_ = peer_gobgp_ = &lab_.start_gobgp(*n2_, "gobgp" + n, gobgp_config(false));
      const auto added =
          peer_gobgp_->gobgp({"global", "rib", "add", peer_prefix(), "origin", "igp"});
      if (!added.ok())
        throw LabError("gobgp global rib add " + peer_prefix() + ": " + added.output);
      break;
    }
    case PeerKind::kExabgp:
      peer_ = peer_exabgp_ = &lab_.start_exabgp(*n2_, "exabgp" + n, exabgp_config(), "10.0.0.2");
      break;
  }
  return started;
}

void EstablishPair::stop(Side side) {
  if (side == Side::kLocal) {
    set_local_probe({});
    if (local_) local_->stop();
    return;
  }
  if (peer_) peer_->stop();
  // The next start is timed from a session that is down on both sides.
  eventually([&] { return !local_established(); }, 10s, 10ms);
}

std::optional<Clock::time_point> EstablishPair::established_after(Clock::time_point since,
                                                                  Clock::duration timeout) const {
  std::optional<Clock::time_point> edge;
  eventually(
      [&] {
        std::lock_guard lock(mutex_);
        for (const auto at : established_edges_) {
          if (at >= since) {
            edge = at;
            return true;
          }
        }
        return false;
      },
      std::chrono::duration_cast<std::chrono::milliseconds>(timeout), 5ms);
  return edge;
}

bool EstablishPair::local_established() const {
  std::function<bool()> probe;
  {
    std::lock_guard lock(mutex_);
    probe = local_probe_;
  }
  return probe && probe();
}

std::optional<int> EstablishPair::local_refusals() const {
  if (config_.local != LocalKind::kTabby) return std::nullopt;
  const std::string summary = file_text(local_summary_);
  const auto at = summary.find(" refused=");
  if (at == std::string::npos) return std::nullopt;
  return std::atoi(summary.c_str() + at + std::strlen(" refused="));
}

std::chrono::milliseconds EstablishPair::peer_redial_interval() const {
  switch (config_.peer) {
    case PeerKind::kBird:
    case PeerKind::kFrr:
      return 2s;
    case PeerKind::kGobgp:
      return 10s;
    case PeerKind::kExabgp:
      return 3s;
  }
  return 10s;
}

std::string EstablishPair::peer_prefix() const {
  switch (config_.peer) {
    case PeerKind::kBird:
      return "10.202.0.0/24";
    case PeerKind::kFrr:
      return "10.203.0.0/24";
    case PeerKind::kGobgp:
      return "10.204.0.0/24";
    case PeerKind::kExabgp:
      return "10.205.0.0/24";
  }
  return "";
}

bool EstablishPair::local_has_peer_route() const {
  if (!local_ || !local_->running()) return false;
  if (config_.local == LocalKind::kTabby)
    return contains(file_text(local_rib_), "route " + peer_prefix() + " via 10.0.0.2 ");
  const auto route =
      run_command({"birdc", "-s", local_socket_.string(), "show route " + peer_prefix()}, 5s);
  return contains(route.output, "AS65002i");
}

bool EstablishPair::peer_has_local_route() const {
  if (!peer_ || !peer_->running()) return false;
  if (peer_bird_)
    return contains(peer_bird_->birdc(std::string("show route ") + kLocalPrefix).output,
                    "AS65001i");
  if (peer_frr_)
    return contains(peer_frr_->vtysh(std::string("show bgp ipv4 unicast ") + kLocalPrefix).output,
                    "65001");
  if (peer_gobgp_) return contains(peer_gobgp_->gobgp({"global", "rib"}).output, kLocalPrefix);
  const auto learned = peer_exabgp_->learned_prefixes("10.0.0.1");
  return std::find(learned.begin(), learned.end(), kLocalPrefix) != learned.end();
}

std::string EstablishPair::diagnostics() const {
  std::string text = "--- local speaker (" + std::string(label(config_.local)) + ")\n";
  if (config_.local == LocalKind::kTabby) {
    text += "summary:\n" + file_text(local_summary_) + "rib:\n" + file_text(local_rib_);
  } else {
    text += run_command(
                {"birdc", "-s", local_socket_.string(), "show protocols all Global_10_0_0_2"}, 5s)
                .output;
  }
  if (local_) text += "log (tail):\n" + tail(local_->log());
  text += "\n--- peer (" + std::string(label(config_.peer)) + ")\n";
  if (peer_bird_ && peer_bird_->running())
    text += peer_bird_->birdc("show protocols all tabby").output;
  if (peer_frr_ && peer_frr_->running()) text += peer_frr_->vtysh("show bgp summary").output;
  if (peer_gobgp_ && peer_gobgp_->running()) text += peer_gobgp_->gobgp({"neighbor"}).output;
  if (peer_exabgp_) text += "events (tail):\n" + tail(file_text(peer_exabgp_->events()), 2000);
  if (peer_) text += "log (tail):\n" + tail(peer_->log());
  return text;
}

}  // namespace tabby::lab
