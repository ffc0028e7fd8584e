// What peers are sent, decoded back with the codec: eBGP and iBGP rules, route reflection
// (RFC 4456) with ORIGINATOR_ID and CLUSTER_LIST, well-known communities, next hops, MED,
// our own routes, export policy and 2-octet-AS peers.

#include <gtest/gtest.h>

#include "rib_test_support.h"

namespace tabby::bgp {
namespace {

using namespace testing;

enum : PeerId { kE1 = 1, kE2, kI1, kI2, kC1, kC2 };

class RibExportTest : public ::testing::Test {
 protected:
  RibExportTest() : rib_(rib_config()) {}

  void SetUp() override {
    add(peer_config(kE1, "10.0.0.2", 65001), "10.0.0.2");
    add(peer_config(kE2, "10.0.0.3", 65002), "10.0.0.3");
    add(peer_config(kI1, "10.0.1.2", kLocalAs), "10.0.1.2");
    add(peer_config(kI2, "10.0.1.3", kLocalAs), "10.0.1.3");
    auto c1 = peer_config(kC1, "10.0.2.2", kLocalAs);
    c1.route_reflector_client = true;
    add(c1, "10.0.2.2");
    auto c2 = c1;
    c2.id = kC2;
    c2.address = ip("10.0.2.3");
    add(c2, "10.0.2.3");
    for (PeerId p = kE1; p <= kC2; ++p) {
      const Learned initial = take(rib_, p);
      EXPECT_TRUE(initial.routes.empty());
      EXPECT_EQ(initial.end_of_ribs, (std::vector<Family>{kIpv4Unicast, kIpv6Unicast}));
    }
  }

  void add(const RibPeerConfig& c, const std::string& router_id) {
    ASSERT_TRUE(rib_.add_peer(c).ok());
    ASSERT_TRUE(rib_.peer_up(c.id, session(router_id)).ok());
  }
  void feed(PeerId peer, const UpdateMessage& u) {
    auto r = rib_.receive_update(peer, u);
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  std::map<PeerId, Learned> take_all() {
    std::map<PeerId, Learned> out;
    for (PeerId p = kE1; p <= kC2; ++p)
      out[p] = take(rib_, p);
    return out;
  }

  Rib rib_;
};

TEST_F(RibExportTest, EbgpRouteToEbgpAndIbgp) {
  PathAttributes a = attrs({65001, 65010});
  a.med = 50;
  a.communities = {make_community(65001, 7)};
  feed(kE1, announce({"203.0.113.0/24"}, a));
  auto seen = take_all();

  const PathAttributes& to_e2 = seen[kE2].at("203.0.113.0/24");
  EXPECT_EQ(flat(to_e2), (std::vector<std::uint32_t>{kLocalAs, 65001, 65010}));
  EXPECT_EQ(to_e2.next_hop, ip("192.0.2.1"));  // self toward eBGP
  EXPECT_FALSE(to_e2.local_pref);
  EXPECT_FALSE(to_e2.med);  // not passed from one neighbouring AS to another
  EXPECT_EQ(to_e2.communities, a.communities);

  for (PeerId p : {kI1, kI2, kC1, kC2}) {
    const PathAttributes& to_ibgp = seen[p].at("203.0.113.0/24");
    EXPECT_EQ(flat(to_ibgp), (std::vector<std::uint32_t>{65001, 65010}));
    EXPECT_EQ(to_ibgp.next_hop, ip("198.51.100.9"));  // kept toward iBGP
    EXPECT_EQ(to_ibgp.local_pref, 100u);
    EXPECT_EQ(to_ibgp.med, 50u);
    EXPECT_FALSE(to_ibgp.originator_id);
    EXPECT_TRUE(to_ibgp.cluster_list.empty());
  }
  EXPECT_EQ(rib_.counters(kE2)->advertised, 1u);
}

TEST_F(RibExportTest, NonClientIbgpRoutesAreReflectedToClientsOnly) {
  PathAttributes a = attrs({65010}, "10.0.1.2");
  a.local_pref = 120;
  feed(kI1, announce({"203.0.113.0/24"}, a));
  auto seen = take_all();
  EXPECT_FALSE(seen[kI2].has("203.0.113.0/24"));
  EXPECT_FALSE(seen[kI1].has("203.0.113.0/24"));
  EXPECT_TRUE(seen[kE1].has("203.0.113.0/24"));
  for (PeerId p : {kC1, kC2}) {
    const PathAttributes& r = seen[p].at("203.0.113.0/24");
    EXPECT_EQ(r.originator_id, ip("10.0.1.2"));
    EXPECT_EQ(r.cluster_list, std::vector<IpAddress>{rib_.config().router_id});
    EXPECT_EQ(r.local_pref, 120u);
    EXPECT_EQ(r.next_hop, ip("10.0.1.2"));  // a reflector does not change the next hop
    EXPECT_EQ(flat(r), std::vector<std::uint32_t>{65010});
  }
}

TEST_F(RibExportTest, ClientRoutesAreReflectedToEveryone) {
  PathAttributes a = attrs({}, "10.0.2.2");
  a.originator_id = ip("10.7.7.7");  // already reflected once: kept
  a.cluster_list = {ip("10.6.6.6")};
  feed(kC1, announce({"203.0.113.0/24"}, a));
  auto seen = take_all();
  for (PeerId p : {kI1, kI2, kC1, kC2}) {
    const PathAttributes& r = seen[p].at("203.0.113.0/24");
    EXPECT_EQ(r.originator_id, ip("10.7.7.7"));
    EXPECT_EQ(r.cluster_list, (std::vector<IpAddress>{rib_.config().router_id, ip("10.6.6.6")}));
  }
  const PathAttributes& to_ebgp = seen[kE1].at("203.0.113.0/24");
  EXPECT_FALSE(to_ebgp.originator_id);
  EXPECT_TRUE(to_ebgp.cluster_list.empty());
  EXPECT_EQ(flat(to_ebgp), std::vector<std::uint32_t>{kLocalAs});
}

TEST_F(RibExportTest, ClientRouteWithoutOriginatorGetsTheClientsRouterId) {
  feed(kC1, announce({"203.0.113.0/24"}, attrs({}, "10.0.2.2")));
  auto seen = take_all();
  EXPECT_EQ(seen[kI1].at("203.0.113.0/24").originator_id, ip("10.0.2.2"));
}

TEST_F(RibExportTest, WellKnownCommunities) {
  PathAttributes no_export = attrs({65001});
  no_export.communities = {kNoExport};
  PathAttributes no_advertise = attrs({65001});
  no_advertise.communities = {kNoAdvertise};
  feed(kE1, announce({"203.0.113.0/24"}, no_export));
  feed(kE1, announce({"198.18.0.0/24"}, no_advertise));
  auto seen = take_all();
  EXPECT_FALSE(seen[kE2].has("203.0.113.0/24"));
  EXPECT_TRUE(seen[kI1].has("203.0.113.0/24"));
  EXPECT_EQ(seen[kI1].at("203.0.113.0/24").communities, std::vector<Community>{kNoExport});
  for (PeerId p = kE1; p <= kC2; ++p)
    EXPECT_FALSE(seen[p].has("198.18.0.0/24")) << p;
}

TEST_F(RibExportTest, NextHopModes) {
  auto i1 = peer_config(kI1, "10.0.1.2", kLocalAs);
  i1.next_hop = NextHopMode::kSelf;
  ASSERT_TRUE(rib_.update_peer(i1).ok());
  auto e2 = peer_config(kE2, "10.0.0.3", 65002);
  e2.next_hop = NextHopMode::kKeep;
  ASSERT_TRUE(rib_.update_peer(e2).ok());
  take_all();
  feed(kE1, announce({"203.0.113.0/24"}, attrs({65001})));
  auto seen = take_all();
  EXPECT_EQ(seen[kI1].at("203.0.113.0/24").next_hop, ip("192.0.2.1"));
  EXPECT_EQ(seen[kI2].at("203.0.113.0/24").next_hop, ip("198.51.100.9"));
  EXPECT_EQ(seen[kE2].at("203.0.113.0/24").next_hop, ip("198.51.100.9"));
}

TEST_F(RibExportTest, OwnRoutesGoEverywhereWithUsAsNextHop) {
  LocalRoute route;
  route.med = 20;
  route.communities = {make_community(65000, 100)};
  route.large_communities = {{65000, 1, 2}};
  rib_.originate(pfx("10.244.1.0/26"), route);
  rib_.originate(pfx("fd00:10:244:1::/122"), LocalRoute{});
  auto seen = take_all();
  for (PeerId p = kE1; p <= kC2; ++p) {
    const bool ebgp = p == kE1 || p == kE2;
    const PathAttributes& v4 = seen[p].at("10.244.1.0/26");
    EXPECT_EQ(v4.next_hop, ip("192.0.2.1"));
    EXPECT_EQ(v4.origin, Origin::kIgp);
    EXPECT_EQ(v4.med, 20u);  // our own MED goes to neighbouring ASes
    EXPECT_EQ(v4.communities, route.communities);
    EXPECT_EQ(v4.large_communities, route.large_communities);
    EXPECT_EQ(flat(v4), ebgp ? std::vector<std::uint32_t>{kLocalAs} : std::vector<std::uint32_t>{});
    EXPECT_EQ(v4.local_pref, ebgp ? std::nullopt : std::optional<std::uint32_t>(100));
    const PathAttributes& v6 = seen[p].at("fd00:10:244:1::/122");
    ASSERT_TRUE(v6.mp_reach);
    EXPECT_EQ(v6.mp_reach->next_hop, ip("2001:db8::1"));
    EXPECT_FALSE(v6.next_hop);
  }
  rib_.withdraw_local(pfx("10.244.1.0/26"));
  seen = take_all();
  EXPECT_EQ(seen[kE1].updates.size(), 1u);
  EXPECT_EQ(seen[kE1].updates[0].withdrawn.size(), 1u);
}

TEST_F(RibExportTest, Ipv6LinkLocalNextHopAndMissingLocalAddress) {
  auto e2 = peer_config(kE2, "10.0.0.3", 65002);
  e2.local.ipv6_link_local = ip("fe80::1");
  ASSERT_TRUE(rib_.update_peer(e2).ok());
  auto i2 = peer_config(kI2, "10.0.1.3", kLocalAs);
  i2.local.ipv6.reset();  // no IPv6 address: our IPv6 routes cannot be sent
  ASSERT_TRUE(rib_.update_peer(i2).ok());
  take_all();
  rib_.originate(pfx("fd00:1::/64"), LocalRoute{});
  auto seen = take_all();
  EXPECT_EQ(seen[kE2].at("fd00:1::/64").mp_reach->link_local_next_hop, ip("fe80::1"));
  EXPECT_FALSE(seen[kI2].has("fd00:1::/64"));
  EXPECT_TRUE(seen[kI1].has("fd00:1::/64"));
}

TEST_F(RibExportTest, ExportPolicyRewritesAndRejects) {
  auto e2 = peer_config(kE2, "10.0.0.3", 65002);
  Term reject_doc;
  reject_doc.match.prefixes = {{pfx("198.18.0.0/15"), 16, 24}};
  reject_doc.verdict = Verdict::kReject;
  Term decorate;
  decorate.actions.prepend_count = 2;
  decorate.actions.set_med = 77;
  decorate.actions.add_communities = {make_community(65000, 1)};
  e2.export_policy = Policy{{reject_doc, decorate}, Verdict::kReject};
  ASSERT_TRUE(rib_.update_peer(e2).ok());
  take_all();
  feed(kE1, announce({"203.0.113.0/24", "198.18.5.0/24", "198.18.0.0/15"}, attrs({65001})));
  auto seen = take_all();
  EXPECT_FALSE(seen[kE2].has("198.18.5.0/24"));
  ASSERT_TRUE(seen[kE2].has("198.18.0.0/15"));  // /15 is outside ge 16
  const PathAttributes& r = seen[kE2].at("203.0.113.0/24");
  // Policy prepends go behind our own AS, as with FRR and BIRD.
  EXPECT_EQ(flat(r), (std::vector<std::uint32_t>{kLocalAs, kLocalAs, kLocalAs, 65001}));
  EXPECT_EQ(r.med, 77u);
  EXPECT_EQ(r.communities, std::vector<Community>{make_community(65000, 1)});
  EXPECT_EQ(seen[kE1].at("203.0.113.0/24").med, std::nullopt);  // other peers untouched
}

TEST(RibTwoOctetPeerTest, SeesAsTransAndAs4Path) {
  Rib rib(rib_config());
  ASSERT_TRUE(rib.add_peer(peer_config(1, "10.0.0.2", 4200000000)).ok());
  ASSERT_TRUE(rib.add_peer(peer_config(2, "10.0.0.3", 65002)).ok());
  ASSERT_TRUE(rib.peer_up(1, session("10.0.0.2")).ok());
  ASSERT_TRUE(rib.peer_up(2, session("10.0.0.3", /*four_octet_as=*/false)).ok());
  take(rib, 1);
  const auto two_octet = session("10.0.0.3", false).receive;
  take(rib, 2, two_octet);
  ASSERT_TRUE(rib.receive_update(1, announce({"203.0.113.0/24"}, attrs({4200000000}))).ok());
  const Learned seen = take(rib, 2, two_octet);
  const PathAttributes& r = seen.at("203.0.113.0/24");
  EXPECT_EQ(flat(r), (std::vector<std::uint32_t>{kLocalAs, kAsTrans}));
  ASSERT_TRUE(r.as4_path);
  EXPECT_EQ(r.as4_path->segments.front().asns, (std::vector<std::uint32_t>{kLocalAs, 4200000000}));
}

}  // namespace
}  // namespace tabby::bgp
