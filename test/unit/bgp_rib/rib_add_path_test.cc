// ADD-PATH send (RFC 7911): a peer with send negotiated gets every exported path of a prefix,
// each under its own path identifier, kept while the path lives and withdrawn by it; peers
// without it keep getting the best path only.

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "rib_test_support.h"

namespace tabby::bgp {
namespace {

using namespace testing;

// What an ADD-PATH peer learns: every (prefix, path identifier) it holds, and what the last
// take withdrew and announced.
struct LearnedPaths {
  std::map<std::pair<IpPrefix, std::uint32_t>, PathAttributes> paths;
  std::vector<Nlri> withdrawn;
  std::vector<Nlri> announced;

  // The identifier of the prefix's path whose AS_PATH starts with ours then `first_as`.
  std::optional<std::uint32_t> id_of(const std::string& prefix, std::uint32_t first_as) const {
    for (const auto& [key, a] : paths) {
      const auto asns = flat(a);
      if (key.first == pfx(prefix) && asns.size() > 1 && asns[1] == first_as) return key.second;
    }
    return std::nullopt;
  }
  std::set<std::uint32_t> ids(const std::string& prefix) const {
    std::set<std::uint32_t> out;
    for (const auto& [key, a] : paths)
      if (key.first == pfx(prefix)) out.insert(key.second);
    return out;
  }
};

void learn_paths(LearnedPaths& learned, Rib& rib, PeerId peer, const CodecContext& context) {
  learned.withdrawn.clear();
  learned.announced.clear();
  auto updates = rib.take_updates(peer);
  ASSERT_TRUE(updates.ok()) << updates.error().message;
  for (const auto& bytes : *updates) {
    auto decoded = decode_message(*bytes, context);
    ASSERT_TRUE(decoded.ok()) << decoded.error().description;
    const auto& update = std::get<UpdateMessage>(decoded->message);
    if (end_of_rib_family(update)) continue;
    std::vector<Nlri> gone = update.withdrawn;
    if (update.attributes.mp_unreach)
      gone.insert(gone.end(), update.attributes.mp_unreach->withdrawn.begin(),
                  update.attributes.mp_unreach->withdrawn.end());
    for (const auto& n : gone) {
      EXPECT_TRUE(learned.paths.erase({n.prefix, n.path_id}))
          << "withdrawn " << n.prefix.to_string() << " id " << n.path_id << " never announced";
      learned.withdrawn.push_back(n);
    }
    std::vector<Nlri> reach = update.nlri;
    if (update.attributes.mp_reach)
      reach.insert(reach.end(), update.attributes.mp_reach->nlri.begin(),
                   update.attributes.mp_reach->nlri.end());
    for (const auto& n : reach) {
      learned.paths[{n.prefix, n.path_id}] = update.attributes;
      learned.announced.push_back(n);
    }
  }
}

class RibAddPathTest : public ::testing::Test {
 protected:
  RibAddPathTest() : rib_(rib_config()) {
    // Three eBGP peers that will announce the same prefixes; peer 1's path is the best.
    for (PeerId id : {1, 2, 3}) {
      const std::string address = "10.0.0." + std::to_string(id + 1);
      EXPECT_TRUE(rib_.add_peer(peer_config(id, address, 65000 + id)).ok());
      EXPECT_TRUE(rib_.peer_up(id, session(address)).ok());
    }
    add_path_session_ = session("10.0.0.5");
    add_path_session_.send.add_path = {kIpv4Unicast, kIpv6Unicast};
  }

  void announce_from_three(const std::string& prefix) {
    const bool v6 = pfx(prefix).family() == IpFamily::kV6;
    ASSERT_TRUE(rib_.receive_update(
                        1, announce({prefix}, attrs({65001}, v6 ? "2001:db8:ff::2" : "10.0.0.2")))
                    .ok());
    ASSERT_TRUE(
        rib_.receive_update(
                2, announce({prefix}, attrs({65002, 65020}, v6 ? "2001:db8:ff::3" : "10.0.0.3")))
            .ok());
    ASSERT_TRUE(
        rib_.receive_update(3, announce({prefix}, attrs({65003, 65030, 65031},
                                                        v6 ? "2001:db8:ff::4" : "10.0.0.4")))
            .ok());
  }

  // Peer 4 with ADD-PATH send, peer 5 without; both past their initial tables.
  void add_receivers() {
    ASSERT_TRUE(rib_.add_peer(peer_config(4, "10.0.0.5", 65004)).ok());
    ASSERT_TRUE(rib_.peer_up(4, add_path_session_).ok());
    ASSERT_TRUE(rib_.add_peer(peer_config(5, "10.0.0.6", 65005)).ok());
    ASSERT_TRUE(rib_.peer_up(5, session("10.0.0.6")).ok());
    learn_paths(add_path_, rib_, 4, add_path_session_.send);
    plain_ = take(rib_, 5);
  }

  Rib rib_;
  PeerSession add_path_session_;
  LearnedPaths add_path_;
  Learned plain_;
};

TEST_F(RibAddPathTest, EveryPathGoesOutWithItsOwnIdentifier) {
  add_receivers();
  announce_from_three("203.0.113.0/24");
  learn_paths(add_path_, rib_, 4, add_path_session_.send);
  EXPECT_EQ(add_path_.paths.size(), 3u);
  EXPECT_EQ(add_path_.ids("203.0.113.0/24").size(), 3u);
  ASSERT_TRUE(add_path_.id_of("203.0.113.0/24", 65001));
  ASSERT_TRUE(add_path_.id_of("203.0.113.0/24", 65002));
  ASSERT_TRUE(add_path_.id_of("203.0.113.0/24", 65003));
  EXPECT_EQ(rib_.counters(4)->advertised, 3u);
  EXPECT_NE(rib_.update_group_of(4), rib_.update_group_of(5));

  // The peer without ADD-PATH: the best path only, without identifiers.
  const Learned plain = take(rib_, 5);
  ASSERT_EQ(plain.routes.size(), 1u);
  EXPECT_EQ(flat(plain.at("203.0.113.0/24")), (std::vector<std::uint32_t>{65000, 65001}));
  for (const auto& u : plain.updates)
    for (const auto& n : u.nlri)
      EXPECT_EQ(n.path_id, 0u);
  EXPECT_EQ(rib_.counters(5)->advertised, 1u);
}

TEST_F(RibAddPathTest, APeerComingUpGetsEveryPathInItsTable) {
  announce_from_three("203.0.113.0/24");
  announce_from_three("2001:db8:100::/48");
  add_receivers();
  EXPECT_EQ(add_path_.ids("203.0.113.0/24").size(), 3u);
  EXPECT_EQ(add_path_.ids("2001:db8:100::/48").size(), 3u);
  EXPECT_EQ(plain_.routes.size(), 2u);
}

TEST_F(RibAddPathTest, AWithdrawnPathWithdrawsExactlyItsIdentifier) {
  add_receivers();
  announce_from_three("203.0.113.0/24");
  learn_paths(add_path_, rib_, 4, add_path_session_.send);
  take(rib_, 5);
  const auto id = add_path_.id_of("203.0.113.0/24", 65002);
  ASSERT_TRUE(id);

  ASSERT_TRUE(rib_.receive_update(2, withdraw({"203.0.113.0/24"})).ok());
  learn_paths(add_path_, rib_, 4, add_path_session_.send);
  ASSERT_EQ(add_path_.withdrawn.size(), 1u);
  EXPECT_EQ(add_path_.withdrawn[0], (Nlri{pfx("203.0.113.0/24"), *id}));
  EXPECT_TRUE(add_path_.announced.empty());
  EXPECT_EQ(add_path_.paths.size(), 2u);
  // Not the best: the other peer hears nothing.
  EXPECT_EQ(take(rib_, 5).messages, 0u);

  // A path that comes back gets an identifier no other path of the prefix has.
  ASSERT_TRUE(
      rib_.receive_update(2, announce({"203.0.113.0/24"}, attrs({65002}, "10.0.0.3"))).ok());
  learn_paths(add_path_, rib_, 4, add_path_session_.send);
  EXPECT_EQ(add_path_.ids("203.0.113.0/24").size(), 3u);
  EXPECT_TRUE(add_path_.withdrawn.empty());
}

TEST_F(RibAddPathTest, ANewBestPathKeepsEveryIdentifier) {
  add_receivers();
  announce_from_three("203.0.113.0/24");
  learn_paths(add_path_, rib_, 4, add_path_session_.send);
  take(rib_, 5);
  const auto id1 = add_path_.id_of("203.0.113.0/24", 65001);
  const auto id2 = add_path_.id_of("203.0.113.0/24", 65002);
  const auto id3 = add_path_.id_of("203.0.113.0/24", 65003);
  ASSERT_TRUE(id1 && id2 && id3);

  // Peer 1's path (the best) gets longer: peer 2's becomes the best.
  ASSERT_TRUE(rib_.receive_update(1, announce({"203.0.113.0/24"},
                                              attrs({65001, 65010, 65011, 65012}, "10.0.0.2")))
                  .ok());
  ASSERT_EQ(rib_.best_path(pfx("203.0.113.0/24"))->peer, 2u);
  learn_paths(add_path_, rib_, 4, add_path_session_.send);
  EXPECT_TRUE(add_path_.withdrawn.empty());
  ASSERT_EQ(add_path_.announced.size(), 1u);  // just the changed path, under its identifier
  EXPECT_EQ(add_path_.announced[0].path_id, *id1);
  EXPECT_EQ(add_path_.id_of("203.0.113.0/24", 65001), id1);
  EXPECT_EQ(add_path_.id_of("203.0.113.0/24", 65002), id2);
  EXPECT_EQ(add_path_.id_of("203.0.113.0/24", 65003), id3);
  EXPECT_EQ(add_path_.paths.size(), 3u);

  const Learned plain = take(rib_, 5);
  EXPECT_EQ(flat(plain.at("203.0.113.0/24")), (std::vector<std::uint32_t>{65000, 65002, 65020}));
}

TEST_F(RibAddPathTest, ExportPolicyAppliesToEveryPath) {
  Term drop_long;
  drop_long.match.prefixes = {{pfx("198.18.0.0/24"), std::nullopt, std::nullopt}};
  drop_long.verdict = Verdict::kReject;
  auto c = peer_config(4, "10.0.0.5", 65004);
  c.export_policy = Policy{{drop_long}, Verdict::kAccept};
  ASSERT_TRUE(rib_.add_peer(c).ok());
  ASSERT_TRUE(rib_.peer_up(4, add_path_session_).ok());
  announce_from_three("203.0.113.0/24");
  announce_from_three("198.18.0.0/24");
  learn_paths(add_path_, rib_, 4, add_path_session_.send);
  EXPECT_EQ(add_path_.ids("203.0.113.0/24").size(), 3u);
  EXPECT_TRUE(add_path_.ids("198.18.0.0/24").empty());
}

// A changed export policy moves the peer to another group, which numbers paths on its own:
// what the peer holds afterwards is exactly the new group's paths.
TEST_F(RibAddPathTest, AMovedPeerEndsWithTheNewGroupsPaths) {
  add_receivers();
  announce_from_three("203.0.113.0/24");
  announce_from_three("198.18.0.0/24");
  learn_paths(add_path_, rib_, 4, add_path_session_.send);
  ASSERT_EQ(add_path_.paths.size(), 6u);
  const auto group = rib_.update_group_of(4);

  Term drop;
  drop.match.prefixes = {{pfx("198.18.0.0/24"), std::nullopt, std::nullopt}};
  drop.verdict = Verdict::kReject;
  auto c = peer_config(4, "10.0.0.5", 65004);
  c.export_policy = Policy{{drop}, Verdict::kAccept};
  ASSERT_TRUE(rib_.update_peer(c).ok());
  EXPECT_NE(rib_.update_group_of(4), group);
  learn_paths(add_path_, rib_, 4, add_path_session_.send);
  EXPECT_EQ(add_path_.ids("203.0.113.0/24").size(), 3u);
  EXPECT_TRUE(add_path_.ids("198.18.0.0/24").empty());
  EXPECT_EQ(add_path_.paths.size(), 3u);
  EXPECT_EQ(rib_.counters(4)->advertised, 3u);
}

// A ROUTE-REFRESH re-sends every path of the family under the identifiers already in use.
TEST_F(RibAddPathTest, ARefreshResendsEveryPath) {
  add_receivers();
  announce_from_three("203.0.113.0/24");
  learn_paths(add_path_, rib_, 4, add_path_session_.send);
  const auto before = add_path_.paths;
  ASSERT_TRUE(rib_.refresh_peer(4, kIpv4Unicast).ok());
  learn_paths(add_path_, rib_, 4, add_path_session_.send);
  EXPECT_EQ(add_path_.announced.size(), 3u);
  EXPECT_TRUE(add_path_.withdrawn.empty());
  EXPECT_EQ(add_path_.paths, before);
}

}  // namespace
}  // namespace tabby::bgp
