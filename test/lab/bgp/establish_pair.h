#pragma once
// Two BGP speakers on one segment, for timing how their session comes up: the local speaker
// on n1 (10.0.0.1, AS 65001: tabby's bgp-peer, or BIRD 2 configured as Calico configures it)
// and a peer on n2 (10.0.0.2, AS 65002: BIRD 2, FRR, GoBGP or ExaBGP). Either side can be
// started, stopped and started again in any order, and either side's inbound port 179 can be
// rejected so that only the other side can dial. A thread reads the local speaker's session
// state every 20 ms, so the moment it becomes Established is known even while the caller is
// blocked starting a daemon (FRR takes most of a second to answer). Used by
// lab_bgp_establish_test and bench_bgp_establish.

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tabby/lab/daemons.h"
#include "tabby/lab/lab.h"

namespace tabby::lab {

using Clock = std::chrono::steady_clock;

enum class PeerKind { kBird, kFrr, kGobgp, kExabgp };
inline constexpr PeerKind kAllPeerKinds[] = {PeerKind::kBird, PeerKind::kFrr, PeerKind::kGobgp,
                                             PeerKind::kExabgp};
std::string_view label(PeerKind kind);        // "BIRD 2", "FRR", "GoBGP", "ExaBGP"
std::string_view option_name(PeerKind kind);  // "bird", "frr", "gobgp", "exabgp"
std::optional<PeerKind> peer_named(std::string_view option);

enum class LocalKind { kTabby, kBirdCalico };
std::string_view label(LocalKind kind);  // "tabby", "BIRD 2 (Calico)"

enum class Side { kLocal, kPeer };

// Which side's connections can get through; the other side's inbound port 179 is rejected.
enum class Reachability { kBothDial, kOnlyPeerDials, kOnlyLocalDials };
std::string_view label(Reachability reachability);  // "both dial", "only peer dials", ...

struct PairConfig {
  LocalKind local = LocalKind::kTabby;
  PeerKind peer = PeerKind::kBird;
  std::string bgp_peer;  // the bgp-peer binary, for LocalKind::kTabby
};

class EstablishPair {
 public:
  static constexpr auto kPollInterval = std::chrono::milliseconds(20);
  static constexpr const char* kLocalPrefix = "10.100.0.0/24";

  // Makes the segment, n1 and n2 in `lab`, and starts watching (nothing runs yet).
  EstablishPair(Lab& lab, PairConfig config);
  ~EstablishPair();
  EstablishPair(const EstablishPair&) = delete;
  EstablishPair& operator=(const EstablishPair&) = delete;

  const PairConfig& config() const { return config_; }
  // Rejects TCP connections to port 179 in `side`'s namespace with a reset (nftables), so
  // that speaker can only dial out; its outgoing sessions still work.
  void reject_inbound_bgp(Side side);
  void set_reachability(Reachability reachability);

  // Starts the side's speaker and returns the moment just before its first process was
  // started. Returns once the daemon answers its control interface (the peer's prefix is
  // added then for GoBGP, which has no static routes in its file). Throws LabError.
  Clock::time_point start(Side side);
  // Stops the side's speaker (SIGTERM: it closes its session with a Cease). Stopping the
  // peer also waits (up to 10 s) until the local speaker has seen the session go.
  void stop(Side side);

  // The first time at or after `since` that the watch saw the local speaker become
  // Established, waiting up to `timeout` for it; nullopt if it did not.
  std::optional<Clock::time_point> established_after(Clock::time_point since,
                                                     Clock::duration timeout) const;
  // The peer's prefix is in the local Loc-RIB, learned from 10.0.0.2.
  bool local_has_peer_route() const;
  // kLocalPrefix, announced by the local speaker, is in the peer's table.
  bool peer_has_local_route() const;
  // How many of the peer's connections the local speaker (tabby only) did not take, but for
  // a collision's losers; nullopt before its first summary.
  std::optional<int> local_refusals() const;
  // At most how long the peer waits between its own connects, when they are refused (its
  // connect retry as the lab configures it, or its fixed cadence): BIRD and FRR 2 s, GoBGP
  // 10 s (it never retries sooner than 5 s and adds up to as much again at random), ExaBGP
  // 3 s (its back-off of 0, 1, 2, 3 ... s, two steps in by the time the other side starts).
  std::chrono::milliseconds peer_redial_interval() const;
  // The prefix the peer announces: BIRD 10.202.0.0/24, FRR .203, GoBGP .204, ExaBGP .205.
  std::string peer_prefix() const;
  // Both sides' view of the session and the tails of their logs, for failure messages.
  std::string diagnostics() const;

 private:
  bool local_established() const;
  void watch(std::stop_token stop);
  void set_local_probe(std::function<bool()> probe);
  Clock::time_point start_local();
  Clock::time_point start_peer();

  Lab& lab_;
  PairConfig config_;
  Netns* n1_ = nullptr;
  Netns* n2_ = nullptr;
  int local_starts_ = 0;
  int peer_starts_ = 0;
  // The local speaker now: its process (tabby) or daemon (BIRD) and its files.
  Daemon* local_ = nullptr;
  std::filesystem::path local_summary_;  // tabby: peer states, rewritten every 20 ms
  std::filesystem::path local_rib_;      // tabby: the Loc-RIB
  std::filesystem::path local_socket_;   // BIRD: birdc's socket
  // The peer now, as its own type (each is asked in its own way).
  Daemon* peer_ = nullptr;
  Bird* peer_bird_ = nullptr;
  Frr* peer_frr_ = nullptr;
  Gobgp* peer_gobgp_ = nullptr;
  Exabgp* peer_exabgp_ = nullptr;

  mutable std::mutex mutex_;           // guards the two below
  std::function<bool()> local_probe_;  // is the local speaker Established? (none: no)
  std::vector<Clock::time_point> established_edges_;  // when the watch saw it become so
  std::jthread watcher_;
};

}  // namespace tabby::lab
