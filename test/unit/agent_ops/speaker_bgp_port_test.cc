// Two SpeakerBgpPorts over the loopback interface in one io_context (127.0.0.1 and
// 127.0.0.2, each listening on its own address): a change of export policy or of the
// originated prefixes keeps the session; a changed keepaliveTime renews it, and the peer's
// Established count (tabby_bgp_peer_established_transitions_total) runs on across the reset
// instead of starting again with the new session. Real sockets, no root.

#include "tabby/agent/speaker_bgp_port.h"

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <map>

#include "run_until.h"

namespace tabby::agent {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

IpAddress address(const char* text) {
  return IpAddress::parse(text).value();
}

using tabby::test_support::run_until;

// A port nobody listens on at the moment, for both speakers (each on its own address).
std::uint16_t free_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

// One node of a two-node mesh: this node at `own`, the other at `other`; the lower address
// connects, as the mesh's string rule has it.
DesiredBgp node(const char* own, const char* other, std::uint16_t port) {
  DesiredBgp desired;
  desired.node_name = own;
  desired.router_id = address(own);
  desired.address_v4 = address(own);
  desired.listen_port = port;
  desired.bind_node_ip = true;
  DesiredPeer peer;
  peer.key = peer_key(PeerType::kNodeMesh, address(other), std::nullopt);
  peer.address = address(other);
  peer.port = port;
  peer.passive = std::string(other) < std::string(own);
  peer.source_address = address(own);
  desired.peers.push_back(peer);
  return desired;
}

std::optional<BgpPeerReport> report(const BgpPort& port) {
  const auto peers = port.peers();
  if (peers.size() != 1) return std::nullopt;
  return peers.front();
}

bool established(const BgpPort& port) {
  const auto peer = report(port);
  return peer && peer->established;
}

// Prefixes with learned paths, read from the port's speaker (the port keeps no copy).
std::size_t learned_prefixes(const BgpPort& port) {
  std::size_t count = 0;
  port.visit_best_paths([&](const IpPrefix&, const std::vector<LearnedPath>& paths) {
    EXPECT_FALSE(paths.empty());
    ++count;
  });
  return count;
}

class SpeakerBgpPortTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::uint16_t port = free_port();
    a_desired_ = node("127.0.0.1", "127.0.0.2", port);
    b_desired_ = node("127.0.0.2", "127.0.0.1", port);
    ASSERT_TRUE(a_->apply(a_desired_, {}).ok());
    ASSERT_TRUE(b_->apply(b_desired_, {}).ok());
    ASSERT_TRUE(run_until(io_, [&] { return established(*a_) && established(*b_); }))
        << (report(*a_) ? report(*a_)->status.info : "no peer");
    ASSERT_EQ(report(*a_)->established_transitions, 1u);
  }

  asio::io_context io_;
  std::unique_ptr<BgpPort> a_ = make_speaker_bgp_port(io_);
  std::unique_ptr<BgpPort> b_ = make_speaker_bgp_port(io_);
  DesiredBgp a_desired_, b_desired_;
};

TEST_F(SpeakerBgpPortTest, ExportChangesKeepTheSession) {
  BgpExport exports;
  exports.policy.pools = {IpPrefix::parse("10.244.0.0/16").value()};
  exports.policy.aggregated_blocks = {IpPrefix::parse("10.244.1.0/26").value()};
  exports.advertised = {
      {.prefix = IpPrefix::parse("10.244.1.0/26").value(), .communities = {"64512:100"}}};
  // The changes as the agent gets them: the prefix with its path, then without.
  std::map<IpPrefix, std::vector<LearnedPath>> changes;
  b_->on_best_paths = [&](const std::vector<LearnedPrefix>& changed) {
    for (const LearnedPrefix& prefix : changed)
      changes[prefix.prefix] = prefix.paths;
  };
  const IpPrefix block = IpPrefix::parse("10.244.1.0/26").value();
  ASSERT_TRUE(a_->apply(a_desired_, exports).ok());
  // The best-path changes reach the agent batched, after the RIB has the prefix: wait for both.
  ASSERT_TRUE(run_until(io_, [&] {
    return learned_prefixes(*b_) == 1 && report(*b_)->status.prefixes_received == 1 &&
           changes.contains(block);
  }));
  ASSERT_EQ(changes.size(), 1u);
  ASSERT_EQ(changes[block].size(), 1u);
  EXPECT_EQ(changes[block][0].next_hop, IpAddress::parse("127.0.0.1").value());
  exports.policy.export_disabled_pools = exports.policy.pools;
  ASSERT_TRUE(a_->apply(a_desired_, exports).ok());
  ASSERT_TRUE(run_until(io_, [&] { return learned_prefixes(*b_) == 0 && changes[block].empty(); }))
      << "the withdrawal is not reported with no paths";
  EXPECT_TRUE(established(*a_));
  EXPECT_EQ(report(*a_)->established_transitions, 1u);
  EXPECT_EQ(report(*b_)->established_transitions, 1u);
}

TEST_F(SpeakerBgpPortTest, TheEstablishedCountRunsOnAcrossAReset) {
  a_desired_.peers[0].keepalive_time = 5s;  // BIRD restarts on a new keepalive
  ASSERT_TRUE(a_->apply(a_desired_, {}).ok());
  EXPECT_FALSE(established(*a_));
  ASSERT_TRUE(run_until(io_, [&] { return established(*a_) && established(*b_); }));
  EXPECT_EQ(report(*a_)->established_transitions, 2u);
  // Nothing changed: no new session, the count stays.
  ASSERT_TRUE(a_->apply(a_desired_, {}).ok());
  io_.restart();
  io_.run_for(200ms);
  EXPECT_TRUE(established(*a_));
  EXPECT_EQ(report(*a_)->established_transitions, 2u);
}

std::uint64_t refused(const BgpPort& port, const std::string& reason) {
  for (const RefusedConnections& r : port.refused_connections())
    if (r.reason == reason) return r.count;
  ADD_FAILURE() << "no reason " << reason;
  return 0;
}

TEST_F(SpeakerBgpPortTest, RefusedConnectionsAreCountedByReason) {
  const std::uint16_t port = a_desired_.listen_port;
  // From an address that is no peer of a's (127.0.0.3 is not b). (A connection from b's
  // address while the session is up would be b's graceful restart: the mesh negotiates it.)
  asio::ip::tcp::socket stranger(io_);
  stranger.open(asio::ip::tcp::v4());
  stranger.bind({asio::ip::make_address("127.0.0.3"), 0});
  stranger.connect({asio::ip::make_address("127.0.0.1"), port});
  ASSERT_TRUE(run_until(io_, [&] { return refused(*a_, "unknown_peer_address") == 1; }));
  for (const char* reason : {"wrong_local_address_or_port", "peer_disabled", "already_established",
                             "two_connections_already", "collision_lost"})
    EXPECT_EQ(refused(*a_, reason), 0u) << reason;
  EXPECT_TRUE(established(*a_));
  EXPECT_EQ(report(*a_)->status.connections_refused, 0u);  // none came from the peer
  // The kernel's counters are there too (this namespace's, since it started).
  for (const char* kernel : {"kernel_md5_missing", "kernel_md5_unexpected", "kernel_md5_wrong",
                             "kernel_ttl_below_gtsm_minimum"})
    (void)refused(*a_, kernel);
}

}  // namespace
}  // namespace tabby::agent
