#pragma once
// The benchmark's own BGP speaker: raw sessions over TCP from inside a lab namespace, built
// from tabby's codec alone (no FSM, no RIB), so it costs the targets nothing it does not have
// to and behaves the same towards all of them. Each session opens, sends its prefixes packed
// into UPDATEs of 4096 octets and End-of-RIB, answers with KEEPALIVEs, and counts the
// distinct prefixes the target sends it.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "tabby/bgp/message.h"

namespace tabby::bench {

using Clock = std::chrono::steady_clock;

// One session of the feeder.
struct FeedPlan {
  IpAddress local_address;  // bound before connecting; must exist in the feeder's namespace
  IpAddress target_address;
  std::uint32_t local_as = 0;
  bgp::PathAttributes attributes;  // of every route the session announces
  std::vector<IpPrefix> prefixes;  // announced once started, then End-of-RIB
  // Distinct prefixes, other than its own, the session must receive to be complete.
  std::size_t expect_received = 0;
  // Waits for the target to connect to local_address:179 instead of connecting to it, as a
  // ToR that feeds a node listens and the node dials.
  bool listen = false;
};

class Feeder {
 public:
  // Sessions made from inside the network namespace `netns` (a name in /run/netns).
  Feeder(std::string netns, std::vector<FeedPlan> plans);
  ~Feeder();
  Feeder(const Feeder&) = delete;
  Feeder& operator=(const Feeder&) = delete;

  // Connects each session in turn (or, with FeedPlan::listen, takes the target's connection)
  // and exchanges OPEN and KEEPALIVE, retrying refused or closed connections (the target may
  // still be starting) until `timeout`; encodes each
  // session's UPDATEs for what it negotiated; then keeps the sessions alive on a thread of
  // its own. Throws std::runtime_error naming the session and what went wrong.
  void establish(std::chrono::milliseconds timeout);
  // Binds the listening sockets of the FeedPlan::listen sessions now, so a target started
  // next finds them at its first connect; establish() then takes its connections.
  void listen();
  // Queues every session's UPDATEs and End-of-RIB; returns the time just before the first
  // octet of them is written.
  Clock::time_point start();
  // Waits until every session has received what its plan expects, or a failure, or the
  // deadline; returns when that happened (nullopt for failure or deadline).
  std::optional<Clock::time_point> wait_all_received(Clock::time_point deadline);
  // When the last UPDATE octet went into the kernel's socket buffers, once it has.
  std::optional<Clock::time_point> all_sent_at() const;
  // The first thing that went wrong after establish(): a session closed by the target, a
  // NOTIFICATION, a message that does not decode.
  std::optional<std::string> failure() const;
  // How many sessions have received everything they expect.
  std::size_t sessions_complete() const;

 private:
  struct Session;
  void run();
  void poll_once();
  void read_from(Session& session);
  void handle(Session& session, std::span<const std::uint8_t> message);
  void write_to(Session& session);
  void fail(const std::string& what);
  void check_progress();

  std::string netns_;
  std::vector<std::unique_ptr<Session>> sessions_;
  int wake_fd_ = -1;  // eventfd: start() and the destructor wake the loop
  std::thread thread_;
  std::atomic<bool> stopping_{false};

  mutable std::mutex mutex_;  // guards the sessions' buffers and everything below
  std::condition_variable changed_;
  std::optional<std::string> failure_;
  std::optional<Clock::time_point> all_received_at_;
  std::optional<Clock::time_point> all_sent_at_;
  std::size_t complete_ = 0;
  bool started_ = false;
};

}  // namespace tabby::bench
