// How sessions come up whoever dials, over 127.0.0.1 with real sockets: a peer that only dials
// in while our own connects are refused, a peer dialing in while we wait out the idle-hold
// back-off, a refused connect retried soon, both sides dialing at once, and the incoming
// connections that are refused (stopped session, session Established), each counted with its
// reason. The back-off and ConnectRetryTime are long here (5 s), so a session that waited for
// either would miss the 2 s deadlines.
#include <gmock/gmock.h>

#include <boost/asio/io_context.hpp>

#include "run_until.h"
#include "tabby/bgp/listener.h"
#include "tabby/bgp/session.h"

namespace tabby::bgp {
namespace {

using namespace std::chrono_literals;
using tabby::test_support::run_until;
namespace asio = boost::asio;

IpAddress address(const char* text) {
  return IpAddress::parse(text).value();
}

struct Recorder : SessionHandler {
  int established = 0;
  int down = 0;
  std::optional<EstablishedInfo> info;
  void on_established(Session&, const EstablishedInfo& i) override {
    ++established;
    info = i;
  }
  void on_update(Session&, const UpdateMessage&, UpdateVerdict) override {}
  void on_route_refresh(Session&, const RouteRefreshMessage&) override {}
  void on_down(Session&, const DownInfo&) override { ++down; }
};

constexpr auto kQuick = 2000ms;  // well under the 5 s back-off and ConnectRetryTime

SessionConfig config(std::uint32_t local_as, const char* router_id, std::uint32_t peer_as) {
  SessionConfig c;
  c.local_as = local_as;
  c.router_id = address(router_id);
  c.peer_address = address("127.0.0.1");
  c.peer_as = peer_as;
  c.hold_time_seconds = 9;
  c.connect_retry_time = 5s;
  c.idle_hold.initial = 5s;
  c.idle_hold.max = 30s;
  return c;
}

std::shared_ptr<Listener> listen_for(asio::io_context& io, std::shared_ptr<Session>& session) {
  auto listener = Listener::open(io, address("127.0.0.1"), 0, [&session](asio::ip::tcp::socket s) {
    if (session) session->accept(std::move(s));
  });
  EXPECT_TRUE(listener.ok()) << listener.error().message;
  return *listener;
}

// A port on 127.0.0.1 where nothing listens: connects to it are refused.
std::uint16_t closed_port(asio::io_context& io) {
  asio::ip::tcp::acceptor probe(io,
                                asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return probe.local_endpoint().port();
}

// Two sessions, a (10.0.0.1) and b (10.0.0.2), each with its listener.
struct Pair {
  asio::io_context io;
  Recorder ra, rb;
  std::shared_ptr<Session> a, b;
  std::shared_ptr<Listener> la = listen_for(io, a);
  std::shared_ptr<Listener> lb = listen_for(io, b);
  SessionConfig ca = config(65001, "10.0.0.1", 65002);
  SessionConfig cb = config(65002, "10.0.0.2", 65001);
  Pair() {
    ca.peer_port = lb->port();
    ca.accept_port = la->port();
    cb.peer_port = la->port();
    cb.accept_port = lb->port();
  }
  void create() {
    a = *Session::create(io, ca, ra);
    b = *Session::create(io, cb, rb);
  }
  bool up(std::chrono::milliseconds within = kQuick) {
    return run_until(
        io, [&] { return a->established() && b->established(); }, within);
  }
  std::string why() const {
    return "a: " + a->status().last_error + " / b: " + b->status().last_error;
  }
};

TEST(SessionEstablishment, APeerThatOnlyDialsInComesUpWhileOurConnectsAreRefused) {
  Pair p;
  p.ca.peer_port = closed_port(p.io);  // a cannot reach b: every connect is refused
  p.create();
  p.a->start();
  // a's connects are refused for a while: it waits in Active, listening, with no back-off.
  ASSERT_TRUE(run_until(
      p.io, [&] { return !p.a->status().last_connect_error.empty(); }, kQuick));
  run_until(
      p.io, [] { return false; }, 700ms);
  EXPECT_EQ(p.a->state(), State::kActive) << p.why();
  EXPECT_THAT(p.a->status().last_connect_error, ::testing::HasSubstr("refused"));
  p.b->start();
  ASSERT_TRUE(p.up()) << p.why();
  EXPECT_EQ(p.ra.info->local_port, p.la->port());  // the connection b opened
}

TEST(SessionEstablishment, ARefusedConnectIsRetriedSoonNotAfterConnectRetryTime) {
  asio::io_context io;
  Recorder ra, rb;
  std::shared_ptr<Session> a, b;
  const std::uint16_t b_port = closed_port(io);  // b's speaker is not listening yet
  SessionConfig ca = config(65001, "10.0.0.1", 65002);
  ca.peer_port = b_port;
  a = *Session::create(io, ca, ra);
  a->start();
  ASSERT_TRUE(run_until(
      io, [&] { return !a->status().last_connect_error.empty(); }, kQuick));
  EXPECT_EQ(a->status().established_transitions, 0u);
  // Now b listens (passive, so only a's retry can bring the session up).
  auto lb = Listener::open(io, address("127.0.0.1"), b_port,
                           [&b](asio::ip::tcp::socket s) { b->accept(std::move(s)); });
  ASSERT_TRUE(lb.ok()) << lb.error().message;
  SessionConfig cb = config(65002, "10.0.0.2", 65001);
  cb.passive = true;
  cb.accept_port = b_port;
  b = *Session::create(io, cb, rb);
  b->start();
  ASSERT_TRUE(run_until(
      io, [&] { return a->established() && b->established(); }, 1500ms))
      << a->status().last_error;
}

// A speaker that accepts our connection and closes it before any OPEN (BIRD does this for
// an address it has no protocol for yet) has not refused us for good: when it dials us
// later, we take its connection at once.
TEST(SessionEstablishment, APeerThatClosedOurConnectionIsTakenWhenItDialsIn) {
  Pair p;
  p.create();
  p.a->start();  // b is not started: its listener takes the connection and b refuses it
  ASSERT_TRUE(run_until(
      p.io, [&] { return p.b->status().connections_refused >= 1; }, kQuick));
  EXPECT_EQ(p.b->status().last_refusal, RefusedReason::kPeerDisabled);
  p.b->start();
  ASSERT_TRUE(p.up()) << p.why();
  EXPECT_EQ(p.ra.info->local_port, p.la->port());  // the connection b opened
}

TEST(SessionEstablishment, APeerDialingInDuringTheIdleHoldWaitIsTaken) {
  Pair p;
  p.ca.passive = true;  // only b dials, so b's reconnection is the one that counts
  p.create();
  p.a->start();
  p.b->start();
  ASSERT_TRUE(p.up()) << p.why();
  // b goes down with a Cease: a falls to Idle and would wait out its 5 s idle hold time.
  p.b->stop();
  ASSERT_TRUE(run_until(
      p.io, [&] { return p.ra.down == 1; }, kQuick));
  ASSERT_EQ(p.a->state(), State::kIdle);
  p.b->start();
  ASSERT_TRUE(p.up()) << p.why();
  EXPECT_EQ(p.a->status().established_transitions, 2u);
  EXPECT_THAT(p.a->status().last_reset_reason, ::testing::HasSubstr("Cease"));
}

TEST(SessionEstablishment, BothSidesDialingAtOnceComeUpQuicklyOnOneConnection) {
  for (int round = 0; round < 6; ++round) {
    Pair p;
    const bool a_higher = round % 2 == 1;
    if (a_higher) p.ca.router_id = address("10.0.0.3");
    p.create();
    p.a->start();
    p.b->start();
    ASSERT_TRUE(p.up()) << "round " << round << ": " << p.why();
    run_until(
        p.io, [] { return false; }, 300ms);
    ASSERT_TRUE(p.a->established() && p.b->established()) << p.why();
    EXPECT_EQ(p.ra.info->local_port, p.rb.info->remote_port);
    EXPECT_EQ(p.ra.info->remote_port, p.rb.info->local_port);
    // RFC 4271 6.8: the connection the higher identifier opened is the one that stays.
    if (a_higher)
      EXPECT_EQ(p.rb.info->local_port, p.lb->port()) << "round " << round;
    else
      EXPECT_EQ(p.ra.info->local_port, p.la->port()) << "round " << round;
    EXPECT_EQ(p.ra.down + p.rb.down, 0);
  }
}

TEST(SessionEstablishment, AConnectionWhileEstablishedIsRefusedAndCounted) {
  Pair p;
  p.create();
  p.a->start();
  p.b->start();
  ASSERT_TRUE(p.up()) << p.why();
  asio::ip::tcp::socket intruder(p.io);
  intruder.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), p.la->port()));
  ASSERT_TRUE(run_until(
      p.io, [&] { return p.a->status().connections_refused == 1; }, kQuick));
  EXPECT_EQ(p.a->status().last_refusal, RefusedReason::kAlreadyEstablished);
  EXPECT_TRUE(p.a->established());
  EXPECT_EQ(p.ra.down, 0);
}

// RFC 4724 4.2: with graceful restart negotiated, a new connection from the peer while the
// session is up means the peer restarted: the old session ends as a TCP failure ends it (the
// Speaker keeps the routes, stale) and the new connection is the session's.
TEST(SessionEstablishment, AGracefulRestartPeerConnectingWhileEstablishedIsItsRestart) {
  Pair p;
  const GracefulRestartCapability gr{0, 120, {{kIpv4Unicast, 0}}};
  p.ca.graceful_restart = gr;
  p.cb.graceful_restart = gr;
  p.create();
  p.a->start();
  p.b->start();
  ASSERT_TRUE(p.up()) << p.why();
  asio::ip::tcp::socket restarted(p.io);  // b's side after its restart, as far as a can tell
  restarted.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), p.la->port()));
  ASSERT_TRUE(run_until(
      p.io, [&] { return p.ra.down == 1; }, kQuick));
  EXPECT_EQ(p.a->status().connections_refused, 0u);
  EXPECT_EQ(p.a->state(), State::kOpenSent);  // our OPEN went out on the new connection
  EXPECT_THAT(p.a->status().last_reset_reason, ::testing::HasSubstr("graceful restart"));
}

TEST(SessionEstablishment, AStoppedSessionRefusesThePeer) {
  Pair p;
  p.create();
  p.b->start();
  ASSERT_TRUE(run_until(
      p.io, [&] { return p.a->status().connections_refused >= 1; }, kQuick));
  EXPECT_EQ(p.a->status().last_refusal, RefusedReason::kPeerDisabled);
  EXPECT_EQ(p.a->state(), State::kIdle);
  EXPECT_NE(p.b->status().last_attempt, std::chrono::system_clock::time_point{});
}

}  // namespace
}  // namespace tabby::bgp
