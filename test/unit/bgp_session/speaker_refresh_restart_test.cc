// The Speaker against a bare Session over 127.0.0.1, so the test decides what the peer sends:
// a ROUTE-REFRESH answered with the table between BoRR and EoRR, one for a family not
// negotiated ignored; a restarting speaker (RFC 4724 section 4.1) that sends nothing until the
// peer's End-of-RIB, or until its selection deferral time runs out. Real sockets, no root.
#include <gmock/gmock.h>

#include "run_until.h"
#include "tabby/bgp/speaker.h"

namespace tabby::bgp {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

IpAddress address(const char* text) {
  return IpAddress::parse(text).value();
}
IpPrefix prefix(const char* text) {
  return IpPrefix::parse(text).value();
}

using tabby::test_support::run_until;

void run_for(asio::io_context& io, std::chrono::milliseconds time) {
  run_until(
      io, [] { return false; }, time);
}

// What the bare peer received, in order: "update <prefixes>", "eor", "borr", "eorr".
struct Recorder : SessionHandler {
  std::vector<std::string> received;
  Clock::time_point first_update{};
  void on_established(Session&, const EstablishedInfo&) override {}
  void on_update(Session&, const UpdateMessage& u, UpdateVerdict) override {
    if (first_update == Clock::time_point{}) first_update = Clock::now();
    if (end_of_rib_family(u)) {
      received.push_back("eor");
      return;
    }
    std::string line = "update";
    for (const auto& n : u.nlri)
      line += " " + n.prefix.to_string();
    received.push_back(line);
  }
  void on_route_refresh(Session&, const RouteRefreshMessage& r) override {
    received.push_back(r.subtype == RouteRefreshSubtype::kBeginningOfRouteRefresh ? "borr"
                       : r.subtype == RouteRefreshSubtype::kEndOfRouteRefresh     ? "eorr"
                                                                                  : "request");
  }
  void on_down(Session&, const DownInfo&) override {}
  bool got(const std::string& line) const {
    return std::find(received.begin(), received.end(), line) != received.end();
  }
};

UpdateMessage announcement(const char* p) {
  UpdateMessage update;
  update.attributes.origin = Origin::kIgp;
  update.attributes.as_path = AsPath{{AsSegment{AsSegmentType::kSequence, {65002}}}};
  update.attributes.next_hop = address("127.0.0.1");
  update.nlri = {Nlri{prefix(p), 0}};
  return update;
}

class SpeakerAgainstBareSession : public ::testing::Test {
 protected:
  // tabby (AS 65001) listening, with the bare peer (AS 65002, graceful restart helper)
  // connecting to it.
  void start(SpeakerConfig config) {
    config.local_as = 65001;
    config.router_id = address("10.0.0.1");
    config.listen = {{address("127.0.0.1"), 0}};
    created_ = Clock::now();
    auto made = Speaker::create(io_, config);
    ASSERT_TRUE(made.ok()) << made.error().message;
    tabby_ = std::move(*made);
    tabby_->originate(prefix("10.1.0.0/24"));
    PeerConfig peer;
    peer.name = "p";
    peer.address = address("127.0.0.1");
    peer.remote_as = 65002;
    peer.passive = true;
    peer.accept_port = tabby_->listen_ports()[0];
    peer.hold_time_seconds = 9;
    ASSERT_TRUE(tabby_->set_peer(peer).ok());

    SessionConfig bare;
    bare.local_as = 65002;
    bare.router_id = address("10.0.0.2");
    bare.peer_address = address("127.0.0.1");
    bare.peer_as = 65001;
    bare.peer_port = tabby_->listen_ports()[0];
    bare.hold_time_seconds = 9;
    bare.connect_retry_time = 200ms;
    GracefulRestartCapability gr;
    gr.restart_time = 120;
    gr.families = {{kIpv4Unicast, 0}};
    bare.graceful_restart = gr;
    bare_ = *Session::create(io_, bare, recorder_);
    bare_->start();
    ASSERT_TRUE(run_until(io_, [&] {
      return bare_->established() && tabby_->peer("p")->state == State::kEstablished;
    })) << bare_->status().last_error;
  }
  void TearDown() override {
    if (bare_) bare_->stop();
    if (tabby_) tabby_->shutdown();
    run_for(io_, 50ms);
  }

  asio::io_context io_;
  Recorder recorder_;
  std::unique_ptr<Speaker> tabby_;
  std::shared_ptr<Session> bare_;
  Clock::time_point created_;
};

TEST_F(SpeakerAgainstBareSession, RefreshIsAnsweredWithTheTableBetweenBorrAndEorr) {
  start({});
  ASSERT_TRUE(run_until(io_, [&] { return recorder_.got("eor"); }));
  EXPECT_EQ(recorder_.received, (std::vector<std::string>{"update 10.1.0.0/24", "eor"}));
  recorder_.received.clear();

  ASSERT_TRUE(bare_->send_route_refresh(kIpv4Unicast).ok());
  ASSERT_TRUE(run_until(io_, [&] { return recorder_.got("eorr"); }));
  EXPECT_EQ(recorder_.received, (std::vector<std::string>{"borr", "update 10.1.0.0/24", "eorr"}));
  EXPECT_EQ(tabby_->peer("p")->messages_sent[MessageType::kRouteRefresh], 2u);
  recorder_.received.clear();

  // IPv6 unicast was not negotiated (the bare peer announced IPv4 only): ignored.
  ASSERT_TRUE(bare_->send_route_refresh(kIpv6Unicast).ok());
  run_for(io_, 300ms);
  EXPECT_TRUE(recorder_.received.empty());
  EXPECT_EQ(tabby_->peer("p")->state, State::kEstablished);
}

TEST_F(SpeakerAgainstBareSession, ThePeersEnhancedRefreshSweepsAtEorrOrWhenItNeverComes) {
  SpeakerConfig config;
  config.refresh_stale_time = 500ms;
  start(config);
  auto has = [&](const char* p) { return tabby_->rib().best_path(prefix(p)).has_value(); };
  ASSERT_TRUE(bare_->send_update(announcement("10.2.0.0/24")).ok());
  ASSERT_TRUE(bare_->send_update(announcement("10.3.0.0/24")).ok());
  ASSERT_TRUE(run_until(io_, [&] { return has("10.2.0.0/24") && has("10.3.0.0/24"); }));

  // The peer refreshes and announces 10.2.0.0/24 only: 10.3.0.0/24 goes at its EoRR.
  ASSERT_TRUE(
      bare_->send_route_refresh(kIpv4Unicast, RouteRefreshSubtype::kBeginningOfRouteRefresh).ok());
  ASSERT_TRUE(bare_->send_update(announcement("10.2.0.0/24")).ok());
  ASSERT_TRUE(run_until(io_, [&] {
    return !tabby_->rib().best_path(prefix("10.3.0.0/24")) ||
           tabby_->rib().best_path(prefix("10.3.0.0/24"))->stale;
  }));
  EXPECT_TRUE(has("10.3.0.0/24"));  // stale, still used until the EoRR
  ASSERT_TRUE(
      bare_->send_route_refresh(kIpv4Unicast, RouteRefreshSubtype::kEndOfRouteRefresh).ok());
  ASSERT_TRUE(run_until(io_, [&] { return !has("10.3.0.0/24"); }));
  EXPECT_TRUE(has("10.2.0.0/24"));
  EXPECT_FALSE(tabby_->rib().best_path(prefix("10.2.0.0/24"))->stale);

  // A BoRR whose EoRR never comes: after refresh_stale_time what was not announced again goes.
  ASSERT_TRUE(
      bare_->send_route_refresh(kIpv4Unicast, RouteRefreshSubtype::kBeginningOfRouteRefresh).ok());
  run_for(io_, 300ms);
  EXPECT_TRUE(has("10.2.0.0/24"));
  ASSERT_TRUE(run_until(
      io_, [&] { return !has("10.2.0.0/24"); }, 2s));
  EXPECT_EQ(tabby_->peer("p")->state, State::kEstablished);
}

TEST_F(SpeakerAgainstBareSession, RestartingSpeakerWaitsForThePeersEndOfRib) {
  SpeakerConfig config;
  config.graceful_restart_time = 120;
  config.restarting = true;
  config.forwarding_state_preserved = true;
  config.selection_deferral_time = 60s;
  start(config);
  EXPECT_TRUE(tabby_->advertisement_deferred());
  const auto* gr = bare_->established_info()->peer_open.find<GracefulRestartCapability>();
  ASSERT_NE(gr, nullptr);
  EXPECT_TRUE(gr->restart_state());
  EXPECT_TRUE(gr->families.at(0).forwarding_state_preserved());
  run_for(io_, 500ms);
  EXPECT_TRUE(recorder_.received.empty()) << "sent before the peer's End-of-RIB";
  EXPECT_FALSE(tabby_->peer("p")->initial_table_received);
  EXPECT_FALSE(tabby_->initial_tables_received());

  ASSERT_TRUE(bare_->send_update(announcement("10.2.0.0/24")).ok());
  run_for(io_, 200ms);
  EXPECT_TRUE(recorder_.received.empty()) << "sent before the peer's End-of-RIB";
  EXPECT_TRUE(tabby_->rib().best_path(prefix("10.2.0.0/24")));

  ASSERT_TRUE(bare_->send_update(make_end_of_rib(kIpv4Unicast)).ok());
  ASSERT_TRUE(run_until(io_, [&] { return recorder_.got("eor"); }));
  // Our own route once, then End-of-RIB (the peer's route went back to it too: eBGP).
  ASSERT_GE(recorder_.received.size(), 2u);
  EXPECT_EQ(recorder_.received.back(), "eor");
  EXPECT_TRUE(recorder_.got("update 10.1.0.0/24"));
  EXPECT_EQ(std::count(recorder_.received.begin(), recorder_.received.end(), "eor"), 1);
  EXPECT_FALSE(tabby_->advertisement_deferred());
  EXPECT_TRUE(tabby_->peer("p")->initial_table_received);
  EXPECT_TRUE(tabby_->initial_tables_received());
}

TEST_F(SpeakerAgainstBareSession, RestartingSpeakerStopsWaitingAfterTheDeferralTime) {
  SpeakerConfig config;
  config.graceful_restart_time = 120;
  config.restarting = true;
  config.selection_deferral_time = 1500ms;
  start(config);
  ASSERT_TRUE(run_until(
      io_, [&] { return recorder_.got("eor"); }, 5s));
  EXPECT_GE(recorder_.first_update - created_, 1500ms);
  EXPECT_TRUE(recorder_.got("update 10.1.0.0/24"));
  EXPECT_FALSE(tabby_->advertisement_deferred());
  EXPECT_FALSE(tabby_->initial_tables_received());  // the peer never sent its End-of-RIB
}

TEST(SpeakerConfigTest, RestartingNeedsGracefulRestart) {
  asio::io_context io;
  SpeakerConfig config{.local_as = 65001, .router_id = address("10.0.0.1")};
  config.restarting = true;
  auto refused = Speaker::create(io, config);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.error().message, ::testing::HasSubstr("graceful restart time 0"));
  config.graceful_restart_time = 120;
  EXPECT_TRUE(Speaker::create(io, config).ok());
}

}  // namespace
}  // namespace tabby::bgp
