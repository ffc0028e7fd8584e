// The session shell on real sockets between lab namespaces: two tabby nodes (IPv4 and IPv6,
// active and passive, two sessions to one address on different ports), TCP MD5 with matching
// and mismatched passwords, BIRD 2, FRR and GoBGP with tabby active and passive, and a frozen
// peer dropped at hold-time expiry.

#include <gmock/gmock.h>
#include <signal.h>

#include <fstream>

#include "daemon_lab.h"
#include "tabby_node.h"

namespace tabby::lab {
namespace {

using namespace tabby::bgp;
using ::testing::HasSubstr;

IpAddress address(const char* text) {
  return IpAddress::parse(text).value();
}

class BgpSessionLab : public TwoNodeLab {
 public:
  static SessionConfig tabby(const char* router_id, std::uint32_t as, const char* peer,
                             std::uint32_t peer_as, bool passive) {
    SessionConfig c;
    c.local_as = as;
    c.router_id = address(router_id);
    c.peer_address = address(peer);
    c.peer_as = peer_as;
    c.passive = passive;
    c.hold_time_seconds = 9;
    c.connect_retry_time = std::chrono::seconds(1);
    c.idle_hold.initial = std::chrono::seconds(1);
    c.idle_hold.max = std::chrono::seconds(2);
    c.families = {kIpv4Unicast, kIpv6Unicast};
    return c;
  }

  static UpdateMessage announcement(const char* prefix, const char* next_hop, std::uint32_t as) {
    UpdateMessage update;
    update.attributes.origin = Origin::kIgp;
    update.attributes.as_path = AsPath{{AsSegment{AsSegmentType::kSequence, {as}}}};
    const IpPrefix p = IpPrefix::parse(prefix).value();
    if (p.family() == IpFamily::kV4) {
      update.attributes.next_hop = address(next_hop);
      update.nlri = {Nlri{p, 0}};
    } else {
      update.attributes.mp_reach =
          MpReachNlri{kIpv6Unicast, address(next_hop), std::nullopt, {Nlri{p, 0}}};
    }
    return update;
  }

  static bool received(const TabbyNode::Record& record, const char* prefix) {
    const IpPrefix p = IpPrefix::parse(prefix).value();
    for (const auto& u : record.updates) {
      for (const auto& n : u.nlri)
        if (n.prefix == p) return true;
      if (u.attributes.mp_reach)
        for (const auto& n : u.attributes.mp_reach->nlri)
          if (n.prefix == p) return true;
    }
    return false;
  }
};

// Both directions at once: n1 -> n2:179 with n2 passive, and n2 -> n1:1790 with n1 passive,
// so n1 and n2 also hold two sessions each to the same address, told apart by port.
void two_way(Netns& n1, Netns& n2, const char* a1, const char* a2, const char* p1, const char* p2) {
  TabbyNode t1(n1);
  TabbyNode t2(n2);
  t1.listen(a1, 1790);
  t2.listen(a2, 179);
  SessionConfig c1 = BgpSessionLab::tabby("10.0.0.1", 65001, a2, 65002, false);
  SessionConfig c2 = BgpSessionLab::tabby("10.0.0.2", 65002, a1, 65001, true);
  const auto s1 = t1.add(c1);
  const auto s2 = t2.add(c2);
  SessionConfig r2 = BgpSessionLab::tabby("10.0.0.2", 65002, a1, 65001, false);
  r2.peer_port = 1790;
  r2.accept_port = 1790;
  SessionConfig r1 = BgpSessionLab::tabby("10.0.0.1", 65001, a2, 65002, true);
  r1.accept_port = 1790;
  const auto s1r = t1.add(r1);
  const auto s2r = t2.add(r2);
  ASSERT_TRUE(t1.wait_established(s1)) << t1.status(s1).last_error;
  ASSERT_TRUE(t2.wait_established(s2)) << t2.status(s2).last_error;
  ASSERT_TRUE(t1.wait_established(s1r)) << t1.status(s1r).last_error;
  ASSERT_TRUE(t2.wait_established(s2r)) << t2.status(s2r).last_error;

  ASSERT_TRUE(t1.send_update(s1, BgpSessionLab::announcement(p1, a1, 65001)).ok());
  ASSERT_TRUE(t2.send_update(s2r, BgpSessionLab::announcement(p2, a2, 65002)).ok());
  EXPECT_TRUE(eventually([&] { return BgpSessionLab::received(t2.record(s2), p1); }, 10s));
  EXPECT_TRUE(eventually([&] { return BgpSessionLab::received(t1.record(s1r), p2); }, 10s));
  // Each UPDATE arrived on its own session only.
  EXPECT_FALSE(BgpSessionLab::received(t2.record(s2r), p1));
  EXPECT_FALSE(BgpSessionLab::received(t1.record(s1), p2));
}

TEST_F(BgpSessionLab, TabbyToTabbyIpv4BothWays) {
  two_way(*n1_, *n2_, "10.0.0.1", "10.0.0.2", "10.11.0.0/24", "10.12.0.0/24");
}

TEST_F(BgpSessionLab, TabbyToTabbyIpv6BothWays) {
  two_way(*n1_, *n2_, "fd00::1", "fd00::2", "2001:db8:11::/48", "2001:db8:12::/48");
}

TEST_F(BgpSessionLab, Md5WithMatchingPasswordsComesUp) {
  TabbyNode t1(*n1_);
  TabbyNode t2(*n2_);
  t2.listen("10.0.0.2");
  SessionConfig c1 = tabby("10.0.0.1", 65001, "10.0.0.2", 65002, false);
  SessionConfig c2 = tabby("10.0.0.2", 65002, "10.0.0.1", 65001, true);
  c1.password = c2.password = "s3cret";
  const auto s2 = t2.add(c2);
  const auto s1 = t1.add(c1);
  ASSERT_TRUE(t1.wait_established(s1)) << t1.status(s1).last_error;
  ASSERT_TRUE(t2.wait_established(s2));
}

TEST_F(BgpSessionLab, Md5WithMismatchedPasswordsNeverComesUp) {
  TabbyNode t1(*n1_);
  TabbyNode t2(*n2_);
  t2.listen("10.0.0.2");
  SessionConfig c1 = tabby("10.0.0.1", 65001, "10.0.0.2", 65002, false);
  SessionConfig c2 = tabby("10.0.0.2", 65002, "10.0.0.1", 65001, true);
  c1.password = "s3cret";
  c2.password = "other";
  const auto s2 = t2.add(c2);
  const auto s1 = t1.add(c1);
  EXPECT_FALSE(eventually([&] { return t1.established(s1) || t2.established(s2); }, 8s));
  EXPECT_EQ(t1.status(s1).received.total(), 0u);  // not a byte got through
  EXPECT_THAT(t1.status(s1).last_error, HasSubstr("no answer"));
}

// --- real daemons in n2 (AS 65002), tabby in n1 (AS 65001) ----------------------------------

// tabby in n1 against a daemon in n2; `tabby_passive` says who connects.
class DaemonPeer : public BgpSessionLab {
 protected:
  std::size_t start_tabby(TabbyNode& node, bool passive) {
    if (passive) node.listen("10.0.0.1");
    return node.add(tabby("10.0.0.1", 65001, "10.0.0.2", 65002, passive));
  }
};

void expect_up_and_learn(TabbyNode& node, std::size_t s, const char* prefix) {
  ASSERT_TRUE(node.wait_established(s)) << node.status(s).last_error;
  EXPECT_TRUE(eventually([&] { return BgpSessionLab::received(node.record(s), prefix); }, 20s));
}

TEST_F(DaemonPeer, BirdWithTabbyActive) {
  auto& bird = lab().start_bird(*n2_, "bird", bird_config(true));
  TabbyNode node(*n1_);
  const auto s = start_tabby(node, false);
  expect_up_and_learn(node, s, "10.202.0.0/24");
  EXPECT_THAT(bird.birdc("show protocols tabby").output, HasSubstr("Established"));
}

TEST_F(DaemonPeer, BirdWithTabbyPassive) {
  TabbyNode node(*n1_);
  const auto s = start_tabby(node, true);
  auto& bird = lab().start_bird(*n2_, "bird", bird_config(false));
  expect_up_and_learn(node, s, "10.202.0.0/24");
  EXPECT_THAT(bird.birdc("show protocols tabby").output, HasSubstr("Established"));
}

TEST_F(DaemonPeer, FrrWithTabbyActive) {
  auto& frr = lab().start_frr(*n2_, "frr", frr_config(true));
  TabbyNode node(*n1_);
  const auto s = start_tabby(node, false);
  expect_up_and_learn(node, s, "10.203.0.0/24");
  EXPECT_THAT(frr.vtysh("show bgp neighbors 10.0.0.1 json").output,
              HasSubstr(R"("bgpState":"Established")"));
}

TEST_F(DaemonPeer, FrrWithTabbyPassive) {
  TabbyNode node(*n1_);
  const auto s = start_tabby(node, true);
  auto& frr = lab().start_frr(*n2_, "frr", frr_config(false));
  expect_up_and_learn(node, s, "10.203.0.0/24");
  EXPECT_THAT(frr.vtysh("show bgp neighbors 10.0.0.1 json").output,
              HasSubstr(R"("bgpState":"Established")"));
}

TEST_F(DaemonPeer, GobgpWithTabbyActive) {
  auto& gobgp = lab().start_gobgp(*n2_, "gobgp", gobgp_config(true));
  ASSERT_TRUE(gobgp.gobgp({"global", "rib", "add", "10.204.0.0/24", "origin", "igp"}).ok());
  TabbyNode node(*n1_);
  const auto s = start_tabby(node, false);
  expect_up_and_learn(node, s, "10.204.0.0/24");
  EXPECT_THAT(gobgp.gobgp({"neighbor"}).output, HasSubstr("Establ"));
}

TEST_F(DaemonPeer, GobgpWithTabbyPassive) {
  TabbyNode node(*n1_);
  const auto s = start_tabby(node, true);
  auto& gobgp = lab().start_gobgp(*n2_, "gobgp", gobgp_config(false));
  ASSERT_TRUE(gobgp.gobgp({"global", "rib", "add", "10.204.0.0/24", "origin", "igp"}).ok());
  expect_up_and_learn(node, s, "10.204.0.0/24");
  EXPECT_THAT(gobgp.gobgp({"neighbor"}).output, HasSubstr("Establ"));
}

// TCP MD5 and GTSM against BIRD (`password`, `ttl security on`): both sides sign and check
// segments and send with TTL 255, dropping anything that arrives with less.
TEST_F(DaemonPeer, BirdWithMd5AndTtlSecurity) {
  std::string config = bird_config(true);
  const std::string hold = "  hold time 9;\n";
  config.replace(config.find(hold), hold.size(),
                 hold + "  password \"s3cret\";\n  ttl security on;\n");
  auto& bird = lab().start_bird(*n2_, "bird", config);
  TabbyNode node(*n1_);
  SessionConfig c = tabby("10.0.0.1", 65001, "10.0.0.2", 65002, false);
  c.password = "s3cret";
  c.ttl_security = 1;
  const auto s = node.add(c);
  expect_up_and_learn(node, s, "10.202.0.0/24");
  EXPECT_THAT(bird.birdc("show protocols tabby").output, HasSubstr("Established"));
}

// BIRD frozen with SIGSTOP stops sending KEEPALIVEs: tabby must drop the session when its
// hold time (3 s here) runs out, with NOTIFICATION 4/0.
TEST_F(DaemonPeer, FrozenPeerIsDroppedAtHoldTimeExpiry) {
  auto& bird = lab().start_bird(*n2_, "bird", bird_config(true));
  TabbyNode node(*n1_);
  SessionConfig c = tabby("10.0.0.1", 65001, "10.0.0.2", 65002, false);
  c.hold_time_seconds = 3;
  const auto s = node.add(c);
  ASSERT_TRUE(node.wait_established(s)) << node.status(s).last_error;
  pid_t pid = 0;
  std::ifstream(bird.dir() / "bird.pid") >> pid;
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, SIGSTOP), 0);
  const auto frozen = std::chrono::steady_clock::now();
  const bool dropped = eventually([&] { return node.record(s).down > 0; }, 10s);
  const auto after = std::chrono::steady_clock::now() - frozen;
  ::kill(pid, SIGCONT);
  ASSERT_TRUE(dropped);
  EXPECT_LE(after, 4500ms);  // 3 s hold time, checked every 100 ms
  const auto down = node.record(s).last_down;
  EXPECT_EQ(down->cause, DownCause::kHoldTimerExpired);
  ASSERT_TRUE(down->notification_sent.has_value());
  EXPECT_EQ(down->notification_sent->code, 4);
}

}  // namespace
}  // namespace tabby::lab
