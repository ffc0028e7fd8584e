// bgp-peer (tabby's Speaker with its RIB) against BIRD 2, FRR and GoBGP, tabby active and
// passive: routes learned and withdrawn in both directions, checked in both Loc-RIBs (the
// rib file bgp-peer writes; birdc show route / vtysh show bgp / gobgp global rib). Plus an
// IPv6 session with BIRD.

#include <gmock/gmock.h>
#include <signal.h>

#include <fstream>
#include <sstream>

#include "daemon_lab.h"

namespace tabby::lab {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class BgpPeerInterop : public TwoNodeLab {
 protected:
  void TearDown() override {
    if (pid_ > 0) stop_background(pid_);
    TwoNodeLab::TearDown();
  }

  // tabby in n1, AS 65001, one peer "d" (n2, AS 65002).
  static std::string tabby_yaml(bool passive, bool originate, const char* peer = "10.0.0.2",
                                const char* family = "ipv4", const char* prefix = "10.100.0.0/24",
                                int hold_time = 9) {
    std::string yaml = "local_as: 65001\nrouter_id: 10.0.0.1\n";
    if (passive)
      yaml += std::string("listen: [") + (std::string(peer) == "fd00::2" ? "fd00::1" : "10.0.0.1") +
              "]\n";
    yaml += std::string("peers:\n  - name: d\n    address: ") + peer +
            "\n    remote_as: 65002\n    hold_time: " + std::to_string(hold_time) +
            "\n    connect_retry: 1\n    idle_hold: 1\n"
            "    families: [" +
            family + "]\n    passive: " + (passive ? "true" : "false") + "\n";
    yaml += std::string("originate: [") + (originate ? prefix : "") + "]\n";
    return yaml;
  }

  void start_tabby(const std::string& yaml) {
    write_yaml(yaml);
    rib_path_ = lab().dir() / "tabby-rib.txt";
    pid_ = spawn_background(
        {"ip", "netns", "exec", n1_->name(), BGP_PEER, "--config", yaml_path().string(),
         "--rib-file", rib_path_.string(), "--log-level", "debug"},
        lab().dir() / "bgp-peer.log");
  }
  void reload_tabby(const std::string& yaml) {
    write_yaml(yaml);
    ASSERT_EQ(::kill(pid_, SIGHUP), 0);
  }
  std::filesystem::path yaml_path() { return lab().dir() / "tabby.yaml"; }
  void write_yaml(const std::string& yaml) { std::ofstream(yaml_path(), std::ios::trunc) << yaml; }
  std::string rib() const { return file_text(rib_path_); }
  std::string log() {
    return "bgp-peer rib:\n" + rib() + "\nbgp-peer log (tail):\n" +
           tail(file_text(lab().dir() / "bgp-peer.log"));
  }
  bool tabby_has(const std::string& line) const { return rib().find(line) != std::string::npos; }

  pid_t pid_ = -1;
  std::filesystem::path rib_path_;
};

class Bird : public BgpPeerInterop {
 protected:
  void run(bool tabby_passive) {
    // The side that connects starts second, so the other is listening.
    lab::Bird* bird = nullptr;
    if (!tabby_passive) bird = &lab().start_bird(*n2_, "bird", bird_config(true));
    start_tabby(tabby_yaml(tabby_passive, true));
    if (tabby_passive) bird = &lab().start_bird(*n2_, "bird", bird_config(false));
    // has: the route is there; gone: birdc answered and the route is not.
    auto bird_has = [&] {
      return bird->birdc("show route 10.100.0.0/24").output.find("AS65001i") != std::string::npos;
    };
    auto bird_gone = [&] {
      auto r = bird->birdc("show route 10.100.0.0/24");
      return answered(r) && r.output.find("AS65001i") == std::string::npos;
    };
    ASSERT_TRUE(eventually(
        [&] { return tabby_has("route 10.202.0.0/24 via 10.0.0.2 peer 10.0.0.2 as-path 65002"); },
        30s))
        << log();
    EXPECT_TRUE(tabby_has("peer d 10.0.0.2 Established"));
    ASSERT_TRUE(eventually(bird_has, 20s)) << bird->birdc("show route all").output << log();
    reload_tabby(tabby_yaml(tabby_passive, false));
    EXPECT_TRUE(eventually(bird_gone, 20s)) << bird->birdc("show route").output;
    ASSERT_TRUE(bird->birdc("disable s4").ok());
    EXPECT_TRUE(eventually([&] { return !tabby_has("route 10.202.0.0/24"); }, 20s)) << log();
    EXPECT_TRUE(tabby_has("peer d 10.0.0.2 Established"));
  }
};

TEST_F(Bird, TabbyActiveLearnsAndWithdraws) {
  run(false);
}
TEST_F(Bird, TabbyPassiveLearnsAndWithdraws) {
  run(true);
}

TEST_F(Bird, Ipv6SessionLearnsAndWithdraws) {
  auto& bird = lab().start_bird(*n2_, "bird", bird_config(true, true));
  start_tabby(tabby_yaml(false, true, "fd00::2", "ipv6", "2001:db8:100::/48"));
  auto bird_has = [&] {
    return bird.birdc("show route 2001:db8:100::/48").output.find("AS65001i") != std::string::npos;
  };
  auto bird_gone = [&] {
    auto r = bird.birdc("show route 2001:db8:100::/48");
    return answered(r) && r.output.find("AS65001i") == std::string::npos;
  };
  ASSERT_TRUE(eventually([&] { return tabby_has("route 2001:db8:202::/48 via fd00::2"); }, 30s))
      << log();
  ASSERT_TRUE(eventually(bird_has, 20s)) << bird.birdc("show route all").output << log();
  reload_tabby(tabby_yaml(false, false, "fd00::2", "ipv6"));
  EXPECT_TRUE(eventually(bird_gone, 20s));
  ASSERT_TRUE(bird.birdc("disable s6").ok());
  EXPECT_TRUE(eventually([&] { return !tabby_has("route 2001:db8:202::/48"); }, 20s)) << log();
}

// BIRD frozen (SIGSTOP): tabby drops it when the hold time (3 s) runs out and withdraws its
// routes (BIRD did not announce graceful restart).
TEST_F(Bird, FrozenPeerIsDroppedAndItsRoutesWithdrawn) {
  auto& bird = lab().start_bird(*n2_, "bird", bird_config(true));
  start_tabby(tabby_yaml(false, true, "10.0.0.2", "ipv4", "10.100.0.0/24", 3));
  ASSERT_TRUE(eventually([&] { return tabby_has("route 10.202.0.0/24 via 10.0.0.2"); }, 30s))
      << log();
  pid_t bird_pid = 0;
  std::ifstream(bird.dir() / "bird.pid") >> bird_pid;
  ASSERT_GT(bird_pid, 0);
  ASSERT_EQ(::kill(bird_pid, SIGSTOP), 0);
  const auto frozen = std::chrono::steady_clock::now();
  const bool withdrawn = eventually([&] { return !tabby_has("route 10.202.0.0/24"); }, 10s);
  const auto took = std::chrono::steady_clock::now() - frozen;
  const std::string text = rib();
  ::kill(bird_pid, SIGCONT);
  ASSERT_TRUE(withdrawn) << log();
  EXPECT_LE(took, 5s);  // 3 s hold time, the rib file rewritten on the change
  EXPECT_THAT(text, HasSubstr("Hold Timer Expired"));
  EXPECT_THAT(text, Not(HasSubstr("peer d 10.0.0.2 Established")));
}

class Frr : public BgpPeerInterop {
 protected:
  void run(bool tabby_passive) {
    lab::Frr* frr = nullptr;
    if (!tabby_passive) frr = &lab().start_frr(*n2_, "frr", frr_config(true));
    start_tabby(tabby_yaml(tabby_passive, true));
    if (tabby_passive) frr = &lab().start_frr(*n2_, "frr", frr_config(false));
    auto frr_has = [&] {
      return frr->vtysh("show bgp ipv4 unicast 10.100.0.0/24").output.find("65001") !=
             std::string::npos;
    };
    auto frr_gone = [&] {
      auto r = frr->vtysh("show bgp ipv4 unicast 10.100.0.0/24");
      return r.output.find("Network not in table") != std::string::npos;
    };
    ASSERT_TRUE(eventually(
        [&] { return tabby_has("route 10.203.0.0/24 via 10.0.0.2 peer 10.0.0.2 as-path 65002"); },
        30s))
        << log();
    ASSERT_TRUE(eventually(frr_has, 20s)) << frr->vtysh("show bgp ipv4 unicast").output << log();
    reload_tabby(tabby_yaml(tabby_passive, false));
    EXPECT_TRUE(eventually(frr_gone, 20s));
    ASSERT_TRUE(frr->configure({"router bgp 65002", "address-family ipv4 unicast",
                                "no network 10.203.0.0/24"})
                    .ok());
    EXPECT_TRUE(eventually([&] { return !tabby_has("route 10.203.0.0/24"); }, 20s)) << log();
    EXPECT_TRUE(tabby_has("peer d 10.0.0.2 Established"));
  }
};

// MD5 through the Speaker: tabby passive, so the key must be on its listening socket.
TEST_F(Frr, PasswordWithTabbyPassive) {
  std::string yaml = tabby_yaml(true, true);
  const std::string hold = "    hold_time: 9\n";
  yaml.replace(yaml.find(hold), hold.size(), hold + "    password: s3cret\n");
  start_tabby(yaml);
  std::string config = frr_config(false);
  const std::string neighbor = " neighbor 10.0.0.1 timers connect 2\n";
  config.replace(config.find(neighbor), neighbor.size(),
                 neighbor + " neighbor 10.0.0.1 password s3cret\n");
  auto& frr = lab().start_frr(*n2_, "frr", config);
  ASSERT_TRUE(eventually([&] { return tabby_has("route 10.203.0.0/24 via 10.0.0.2"); }, 30s))
      << log() << frr.vtysh("show bgp summary").output;
  EXPECT_TRUE(tabby_has("peer d 10.0.0.2 Established"));
}

TEST_F(Frr, TabbyActiveLearnsAndWithdraws) {
  run(false);
}
TEST_F(Frr, TabbyPassiveLearnsAndWithdraws) {
  run(true);
}

class Gobgp : public BgpPeerInterop {
 protected:
  void run(bool tabby_passive) {
    lab::Gobgp* gobgp = nullptr;
    if (!tabby_passive) gobgp = &lab().start_gobgp(*n2_, "gobgp", gobgp_config(true));
    start_tabby(tabby_yaml(tabby_passive, true));
    if (tabby_passive) gobgp = &lab().start_gobgp(*n2_, "gobgp", gobgp_config(false));
    ASSERT_TRUE(gobgp->gobgp({"global", "rib", "add", "10.204.0.0/24", "origin", "igp"}).ok());
    auto gobgp_has = [&] {
      return gobgp->gobgp({"global", "rib"}).output.find("10.100.0.0/24") != std::string::npos;
    };
    auto gobgp_gone = [&] {
      auto r = gobgp->gobgp({"global", "rib"});
      return r.ok() && r.output.find("10.100.0.0/24") == std::string::npos;
    };
    ASSERT_TRUE(eventually(
        [&] { return tabby_has("route 10.204.0.0/24 via 10.0.0.2 peer 10.0.0.2 as-path 65002"); },
        30s))
        << log();
    ASSERT_TRUE(eventually(gobgp_has, 20s)) << gobgp->gobgp({"global", "rib"}).output << log();
    reload_tabby(tabby_yaml(tabby_passive, false));
    EXPECT_TRUE(eventually(gobgp_gone, 20s));
    ASSERT_TRUE(gobgp->gobgp({"global", "rib", "del", "10.204.0.0/24"}).ok());
    EXPECT_TRUE(eventually([&] { return !tabby_has("route 10.204.0.0/24"); }, 20s)) << log();
    EXPECT_TRUE(tabby_has("peer d 10.0.0.2 Established"));
  }
};

TEST_F(Gobgp, TabbyActiveLearnsAndWithdraws) {
  run(false);
}
TEST_F(Gobgp, TabbyPassiveLearnsAndWithdraws) {
  run(true);
}

}  // namespace
}  // namespace tabby::lab
