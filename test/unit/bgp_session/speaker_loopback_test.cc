// Two Speakers over 127.0.0.1 in one io_context: routes originated and withdrawn on one show
// up and go in the other's Loc-RIB, best-path changes reach the owner, a policy change does
// not reset the session while a hold-time change does, and removing the peer withdraws its
// routes. Real sockets, no root.
#include <gmock/gmock.h>

#include "run_until.h"
#include "tabby/bgp/speaker.h"

namespace tabby::bgp {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
namespace asio = boost::asio;

IpAddress address(const char* text) {
  return IpAddress::parse(text).value();
}
IpPrefix prefix(const char* text) {
  return IpPrefix::parse(text).value();
}

using tabby::test_support::run_until;

bool has_route(const Speaker& s, const char* p) {
  return s.rib().best_path(prefix(p)).has_value();
}

// A's peer "b": A connects to B's listener. B's peer "a": B waits for A.
PeerConfig connecting_peer(const Speaker& a, const Speaker& b) {
  PeerConfig p;
  p.name = "b";
  p.address = address("127.0.0.1");
  p.remote_as = 65002;
  p.port = b.listen_ports()[0];
  p.accept_port = a.listen_ports()[0];
  p.hold_time_seconds = 9;
  p.connect_retry_time = 200ms;
  return p;
}
PeerConfig waiting_peer(const Speaker& b) {
  PeerConfig p;
  p.name = "a";
  p.address = address("127.0.0.1");
  p.remote_as = 65001;
  p.passive = true;
  p.accept_port = b.listen_ports()[0];
  p.hold_time_seconds = 9;
  p.idle_hold.initial = 200ms;
  return p;
}

class SpeakerLoopback : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = *Speaker::create(io_, {65001, address("10.0.0.1"), {{address("127.0.0.1"), 0}}});
    b_ = *Speaker::create(io_, {65002, address("10.0.0.2"), {{address("127.0.0.1"), 0}}});
    a_->on_best_path_change(
        [this](const std::vector<BestPathChange>& changes) { a_changes_ += changes.size(); });
    ASSERT_TRUE(a_->set_peer(peer_of_a()).ok());
    ASSERT_TRUE(b_->set_peer(peer_of_b()).ok());
    ASSERT_TRUE(run_until(io_, [&] { return up(*a_, "b") && up(*b_, "a"); }))
        << a_->peer("b")->last_error << " / " << b_->peer("a")->last_error;
  }

  PeerConfig peer_of_a() { return connecting_peer(*a_, *b_); }
  PeerConfig peer_of_b() { return waiting_peer(*b_); }
  static bool up(const Speaker& s, const char* name) {
    return s.peer(name) && s.peer(name)->state == State::kEstablished;
  }

  asio::io_context io_;
  std::unique_ptr<Speaker> a_, b_;
  std::size_t a_changes_ = 0;
};

TEST_F(SpeakerLoopback, RoutesGoBothWaysAndAreWithdrawn) {
  a_->originate(prefix("10.1.0.0/24"));
  b_->originate(prefix("10.2.0.0/24"));
  ASSERT_TRUE(run_until(
      io_, [&] { return has_route(*b_, "10.1.0.0/24") && has_route(*a_, "10.2.0.0/24"); }));
  const auto path = *b_->rib().best_path(prefix("10.1.0.0/24"));
  EXPECT_EQ(path.next_hop, address("127.0.0.1"));
  ASSERT_TRUE(path.attributes->as_path.has_value());
  EXPECT_EQ(path.attributes->as_path->segments.at(0).asns, std::vector<std::uint32_t>{65001});
  EXPECT_GE(a_changes_, 2u);  // its own route and the learned one
  const auto status = *b_->peer("a");
  // A's update group sends B's own route back too (the RIB's shared encoding); B's AS-path
  // loop check refuses it, so it is received but not accepted.
  EXPECT_EQ(status.prefixes_received, 2u);
  EXPECT_EQ(status.prefixes_accepted, 1u);
  EXPECT_EQ(status.prefixes_advertised, 2u);
  EXPECT_GE(status.messages_received[MessageType::kUpdate], 1u);

  a_->withdraw(prefix("10.1.0.0/24"));
  ASSERT_TRUE(run_until(io_, [&] { return !has_route(*b_, "10.1.0.0/24"); }));
  EXPECT_EQ(b_->loc_rib().size(), 1u);
  EXPECT_EQ(b_->loc_rib()[0].first, prefix("10.2.0.0/24"));
}

TEST_F(SpeakerLoopback, PolicyChangeKeepsTheSessionHoldTimeChangeResetsIt) {
  a_->originate(prefix("10.1.0.0/24"));
  ASSERT_TRUE(run_until(io_, [&] { return has_route(*b_, "10.1.0.0/24"); }));
  PeerConfig changed = peer_of_a();
  changed.export_policy = Policy::reject_all();
  ASSERT_TRUE(a_->set_peer(changed).ok());
  ASSERT_TRUE(run_until(io_, [&] { return !has_route(*b_, "10.1.0.0/24"); }));
  EXPECT_EQ(a_->peer("b")->established_transitions, 1u);
  EXPECT_EQ(a_->peer("b")->state, State::kEstablished);

  changed.export_policy = Policy::accept_all();
  changed.hold_time_seconds = 30;
  ASSERT_TRUE(a_->set_peer(changed).ok());
  ASSERT_TRUE(run_until(
      io_, [&] { return up(*a_, "b") && up(*b_, "a") && has_route(*b_, "10.1.0.0/24"); }));
  EXPECT_EQ(a_->peer("b")->established_transitions, 1u);  // a new session, counted afresh
  EXPECT_THAT(b_->peer("a")->last_error, HasSubstr("Other Configuration Change"));
}

TEST_F(SpeakerLoopback, RemovingThePeerWithdrawsItsRoutes) {
  a_->originate(prefix("10.1.0.0/24"));
  ASSERT_TRUE(run_until(io_, [&] { return has_route(*b_, "10.1.0.0/24"); }));
  ASSERT_TRUE(a_->remove_peer("b").ok());
  ASSERT_TRUE(run_until(io_, [&] { return !has_route(*b_, "10.1.0.0/24"); }));
  EXPECT_FALSE(a_->peer("b").has_value());
  EXPECT_THAT(b_->peer("a")->last_error, HasSubstr("De-configured"));
  EXPECT_FALSE(a_->remove_peer("b").ok());
}

// A peer that announced graceful restart (A, restart time 2 s) and vanishes without a
// NOTIFICATION keeps its routes in B, stale, until the restart time runs out.
TEST(SpeakerGracefulRestart, PeerLostWithoutCeaseKeepsRoutesUntilRestartTime) {
  asio::io_context io;
  SpeakerConfig ca{65001, address("10.0.0.1"), {{address("127.0.0.1"), 0}}};
  ca.graceful_restart_time = 2;
  auto a = *Speaker::create(io, ca);
  auto b = *Speaker::create(io, {65002, address("10.0.0.2"), {{address("127.0.0.1"), 0}}});
  ASSERT_TRUE(a->set_peer(connecting_peer(*a, *b)).ok());
  ASSERT_TRUE(b->set_peer(waiting_peer(*b)).ok());
  a->originate(prefix("10.1.0.0/24"));
  ASSERT_TRUE(run_until(io, [&] { return has_route(*b, "10.1.0.0/24"); }));
  a.reset();  // sockets closed, no NOTIFICATION: as if A's process died
  ASSERT_TRUE(run_until(io, [&] { return b->peer("a")->state != State::kEstablished; }));
  ASSERT_TRUE(has_route(*b, "10.1.0.0/24"));
  EXPECT_TRUE(b->rib().best_path(prefix("10.1.0.0/24"))->stale);
  const auto lost = std::chrono::steady_clock::now();
  ASSERT_TRUE(run_until(
      io, [&] { return !has_route(*b, "10.1.0.0/24"); }, 5s));
  EXPECT_GE(std::chrono::steady_clock::now() - lost, 1500ms);
}

// The per-peer restart time (Calico's maxRestartTime) overrides the speaker's: A announces
// 60 s in general but 2 s to B, so B gives A's stale routes up after 2 s, not 60.
TEST(SpeakerGracefulRestart, PerPeerRestartTimeOverridesTheSpeakers) {
  asio::io_context io;
  SpeakerConfig ca{65001, address("10.0.0.1"), {{address("127.0.0.1"), 0}}};
  ca.graceful_restart_time = 60;
  auto a = *Speaker::create(io, ca);
  auto b = *Speaker::create(io, {65002, address("10.0.0.2"), {{address("127.0.0.1"), 0}}});
  PeerConfig to_b = connecting_peer(*a, *b);
  to_b.graceful_restart_time = 2;
  ASSERT_TRUE(a->set_peer(to_b).ok());
  ASSERT_TRUE(b->set_peer(waiting_peer(*b)).ok());
  a->originate(prefix("10.1.0.0/24"));
  ASSERT_TRUE(run_until(io, [&] { return has_route(*b, "10.1.0.0/24"); }));
  a.reset();
  ASSERT_TRUE(run_until(io, [&] { return b->peer("a")->state != State::kEstablished; }));
  ASSERT_TRUE(has_route(*b, "10.1.0.0/24"));
  ASSERT_TRUE(run_until(
      io, [&] { return !has_route(*b, "10.1.0.0/24"); }, 5s));
}

TEST(SpeakerGracefulRestart, RefusesAPerPeerRestartTimeOver4095) {
  asio::io_context io;
  auto speaker = *Speaker::create(io, {65001, address("10.0.0.1"), {}});
  PeerConfig p;
  p.address = address("10.0.0.2");
  p.remote_as = 65002;
  p.graceful_restart_time = 4096;
  EXPECT_THAT(speaker->set_peer(p).error().message, HasSubstr("graceful restart time 4096"));
}

// TCP MD5 on loopback: the Speaker keys its listener for the peer, and removes the key when
// the password goes (else the kernel would drop the now unsigned connection attempts).
TEST(SpeakerMd5, PasswordOnAndOffAgain) {
  asio::io_context io;
  auto a = *Speaker::create(io, {65001, address("10.0.0.1"), {{address("127.0.0.1"), 0}}});
  auto b = *Speaker::create(io, {65002, address("10.0.0.2"), {{address("127.0.0.1"), 0}}});
  PeerConfig to_b = connecting_peer(*a, *b);
  PeerConfig to_a = waiting_peer(*b);
  to_b.password = to_a.password = "s3cret";
  ASSERT_TRUE(b->set_peer(to_a).ok());
  ASSERT_TRUE(a->set_peer(to_b).ok());
  auto both_up = [&] {
    return a->peer("b")->state == State::kEstablished && b->peer("a")->state == State::kEstablished;
  };
  ASSERT_TRUE(run_until(io, both_up)) << a->peer("b")->last_error;
  to_b.password = to_a.password = "";
  ASSERT_TRUE(b->set_peer(to_a).ok());
  ASSERT_TRUE(a->set_peer(to_b).ok());
  ASSERT_TRUE(run_until(
      io, [&] { return !both_up(); }, 2s));
  ASSERT_TRUE(run_until(io, both_up)) << a->peer("b")->last_error;
}

TEST(SpeakerCreate, RefusesBadGlobalConfig) {
  asio::io_context io;
  auto bad = Speaker::create(io, {0, address("10.0.0.1"), {}});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message, HasSubstr("local AS"));
  auto speaker = *Speaker::create(io, {65001, address("10.0.0.1"), {}});
  PeerConfig p;
  p.address = address("10.0.0.2");
  EXPECT_THAT(speaker->set_peer(p).error().message, HasSubstr("remote AS"));
}

}  // namespace
}  // namespace tabby::bgp
