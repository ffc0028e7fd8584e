// bgp-peer (tabby's Speaker) answering route refresh and restarting gracefully, against FRR:
// - FRR's inbound route-map first denies tabby's prefix (no soft-reconfiguration inbound, so
//   FRR keeps nothing of it); permitted, and `clear bgp ... soft in` sends ROUTE-REFRESH: FRR
//   has the route only if tabby sent it again.
// (GoBGP's `neighbor ... softresetin` sends no ROUTE-REFRESH: it re-runs policy over the
// Adj-RIB-In it always keeps, so it has no test here.)
// - tabby killed (SIGKILL) and started again with `restarting`: FRR, its graceful-restart
//   helper, keeps tabby's route all along (polled every ~100 ms), and drops the prefix tabby no
//   longer originates once tabby's End-of-RIB comes, which tabby sends after FRR's.

#include <gmock/gmock.h>
#include <signal.h>

#include <fstream>
#include <functional>
#include <sstream>

#include "daemon_lab.h"

namespace tabby::lab {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

class RefreshRestart : public TwoNodeLab {
 protected:
  void TearDown() override {
    if (pid_ > 0) stop_background(pid_);
    TwoNodeLab::TearDown();
  }

  // tabby in n1, AS 65001, connecting to its one peer "d" (n2, AS 65002).
  static std::string tabby_yaml(const std::vector<std::string>& originate, bool restarting = false,
                                bool graceful = false) {
    std::string yaml = "local_as: 65001\nrouter_id: 10.0.0.1\n";
    if (graceful) yaml += "graceful_restart_time: 120\nforwarding_state: true\n";
    if (restarting) yaml += "restarting: true\n";
    yaml +=
        "peers:\n  - name: d\n    address: 10.0.0.2\n    remote_as: 65002\n    hold_time: 9\n"
        "    connect_retry: 1\n    idle_hold: 1\n    families: [ipv4]\n";
    yaml += "originate: [";
    for (std::size_t i = 0; i < originate.size(); ++i)
      yaml += (i ? ", " : "") + originate[i];
    return yaml + "]\n";
  }

  void start_tabby(const std::string& yaml) {
    std::ofstream(lab().dir() / "tabby.yaml", std::ios::trunc) << yaml;
    rib_path_ = lab().dir() / "tabby-rib.txt";
    std::filesystem::remove(rib_path_);
    pid_ = spawn_background({"ip", "netns", "exec", n1_->name(), BGP_PEER, "--config",
                             (lab().dir() / "tabby.yaml").string(), "--rib-file",
                             rib_path_.string(), "--log-level", "debug"},
                            lab().dir() / ("bgp-peer-" + std::to_string(++runs_) + ".log"));
  }
  std::string tabby_log() {
    return file_text(lab().dir() / ("bgp-peer-" + std::to_string(runs_) + ".log"));
  }
  std::string log() {
    return "bgp-peer rib:\n" + file_text(rib_path_) + "\nbgp-peer log (tail):\n" +
           tail(tabby_log());
  }
  bool tabby_has(const std::string& line) const {
    return file_text(rib_path_).find(line) != std::string::npos;
  }

  // Kills tabby (SIGKILL: no NOTIFICATION, the TCP connection just closes), waits until the
  // peer has seen the session go (`session_gone`), starts tabby again restarting and
  // originating 10.100.0.0/24 but no longer 10.101.0.0/24, and reads the peer's table
  // (`table`) every ~100 ms until 10.101.0.0/24 has left it (tabby's End-of-RIB), and a second
  // more. 10.100.0.0/24 must be in every reading.
  void restart_tabby_while_polling(const std::function<std::string()>& table,
                                   const std::function<bool()>& session_gone) {
    ASSERT_EQ(::kill(pid_, SIGKILL), 0);
    stop_background(pid_);
    pid_ = -1;
    std::size_t polls = 0, missing = 0;
    std::string first_miss;
    auto poll = [&] {
      std::string text = table();
      ++polls;
      if (text.find("10.100.0.0/24") == std::string::npos && missing++ == 0) first_miss = text;
      return text;
    };
    ASSERT_TRUE(eventually(
        [&] {
          poll();
          return session_gone();
        },
        20s, 100ms))
        << table();
    start_tabby(tabby_yaml({"10.100.0.0/24"}, true, true));
    const bool swept =
        eventually([&] { return poll().find("10.101.0.0/24") == std::string::npos; }, 60s, 100ms);
    ASSERT_TRUE(swept) << table() << log();
    for (int i = 0; i < 10; ++i) {
      poll();
      std::this_thread::sleep_for(100ms);
    }
    EXPECT_GT(polls, 10u);
    EXPECT_EQ(missing, 0u) << "the peer lost 10.100.0.0/24 in " << missing << " of " << polls
                           << " readings; the first:\n"
                           << first_miss;
  }

  pid_t pid_ = -1;
  int runs_ = 0;
  std::filesystem::path rib_path_;
};

// FRR with an inbound route-map on tabby's session (and, for the restart, graceful restart).
std::string frr_config_with(const std::string& route_map, bool graceful) {
  std::string config = frr_config(true);
  const std::string neighbor = " neighbor 10.0.0.1 timers connect 2\n";
  std::string extra;
  if (graceful) extra += " bgp graceful-restart\n";
  config.replace(config.find(neighbor), neighbor.size(), neighbor + extra);
  if (!route_map.empty()) {
    const std::string family = " address-family ipv4 unicast\n";
    config.replace(config.find(family), family.size(),
                   family + "  neighbor 10.0.0.1 route-map " + route_map + " in\n");
    config = "route-map " + route_map + " deny 10\n!\n" + config;
  }
  return config;
}

bool frr_has(const Frr& frr, const char* prefix) {
  return frr.vtysh(std::string("show bgp ipv4 unicast ") + prefix).output.find("65001") !=
         std::string::npos;
}

TEST_F(RefreshRestart, FrrSoftInGetsTheRouteAgainThroughRouteRefresh) {
  auto& frr = lab().start_frr(*n2_, "frr", frr_config_with("FROM-TABBY", false));
  start_tabby(tabby_yaml({"10.100.0.0/24"}));
  // Up, and tabby's route sent (tabby learned FRR's, so the session carries UPDATEs), but
  // denied: FRR holds nothing of it.
  ASSERT_TRUE(eventually([&] { return tabby_has("route 10.203.0.0/24 via 10.0.0.2"); }, 30s))
      << log();
  ASSERT_TRUE(eventually([&] { return tabby_has("advertised=2"); }, 10s)) << log();
  const auto neighbor = frr.vtysh("show bgp neighbors 10.0.0.1 json").output;
  EXPECT_THAT(neighbor, HasSubstr("Established"));
  EXPECT_FALSE(frr_has(frr, "10.100.0.0/24"))
      << frr.vtysh("show bgp ipv4 unicast 10.100.0.0/24").output;

  ASSERT_TRUE(frr.configure({"route-map FROM-TABBY permit 20"}).ok());
  ASSERT_TRUE(frr.configure({"no route-map FROM-TABBY deny 10"}).ok());
  const auto route_map = frr.vtysh("show route-map FROM-TABBY").output;
  EXPECT_THAT(route_map, HasSubstr("permit, sequence 20"));
  EXPECT_THAT(route_map, Not(HasSubstr("deny, sequence 10")));
  ASSERT_TRUE(frr.vtysh("clear bgp ipv4 unicast 10.0.0.1 soft in").ok());
  EXPECT_TRUE(eventually([&] { return frr_has(frr, "10.100.0.0/24"); }, 20s))
      << frr.vtysh("show bgp ipv4 unicast").output << log();
  EXPECT_THAT(tabby_log(), HasSubstr("ROUTE-REFRESH for ipv4-unicast: sending our routes again"));
  // The session stayed up all along.
  EXPECT_EQ(frr.vtysh("show bgp ipv4 unicast neighbors 10.0.0.1")
                .output.find("Connections "
                             "established 2"),
            std::string::npos);
}

TEST_F(RefreshRestart, FrrKeepsTabbysRoutesThroughItsGracefulRestart) {
  auto& frr = lab().start_frr(*n2_, "frr", frr_config_with("", true));
  start_tabby(tabby_yaml({"10.100.0.0/24", "10.101.0.0/24"}, false, true));
  ASSERT_TRUE(eventually(
      [&] { return frr_has(frr, "10.100.0.0/24") && frr_has(frr, "10.101.0.0/24"); }, 30s))
      << frr.vtysh("show bgp ipv4 unicast").output << log();

  restart_tabby_while_polling(
      [&] { return frr.vtysh("show bgp ipv4 unicast json").output; },
      [&] {
        return frr.vtysh("show bgp ipv4 unicast 10.100.0.0/24").output.find("stale") !=
               std::string::npos;
      });
  // Fresh again, not stale; FRR has tabby's End-of-RIB.
  EXPECT_EQ(frr.vtysh("show bgp ipv4 unicast 10.100.0.0/24").output.find("stale"),
            std::string::npos);
  EXPECT_THAT(frr.vtysh("show bgp neighbors 10.0.0.1").output,
              HasSubstr("End-of-RIB received: IPv4 Unicast"));
  // FRR sets the Restart State bit in its OPENs for the first 120 s after it starts (its
  // startup timer), and RFC 4724 has a restarting speaker not wait for the End-of-RIB of a
  // peer that restarts too (that one waits for ours): tabby sent its table at once, not after
  // its deferral time. (bgp_speaker_refresh_restart_test has it wait for a peer without the
  // bit.)
  EXPECT_THAT(tabby_log(), HasSubstr("restart: every peer is up and none owes us an End-of-RIB"));
  EXPECT_TRUE(tabby_has("route 10.203.0.0/24 via 10.0.0.2")) << log();
}

// BIRD sets the Restart State bit only when it restarts itself (bird -R), so here tabby waits
// for its End-of-RIB before it sends anything.
TEST_F(RefreshRestart, BirdKeepsTabbysRoutesAndTabbyWaitsForItsEndOfRib) {
  std::string config = bird_config(true);
  const std::string hold = "  hold time 9;\n";
  config.replace(config.find(hold), hold.size(), hold + "  graceful restart on;\n");
  auto& bird = lab().start_bird(*n2_, "bird", config);
  start_tabby(tabby_yaml({"10.100.0.0/24", "10.101.0.0/24"}, false, true));
  auto bird_has = [&](const char* prefix) {
    return bird.birdc(std::string("show route ") + prefix).output.find("AS65001i") !=
           std::string::npos;
  };
  ASSERT_TRUE(
      eventually([&] { return bird_has("10.100.0.0/24") && bird_has("10.101.0.0/24"); }, 30s))
      << bird.birdc("show route all").output << log();
  restart_tabby_while_polling([&] { return bird.birdc("show route").output; },
                              [&] {
                                auto r = bird.birdc("show protocols tabby");
                                return answered(r) &&
                                       r.output.find("Established") == std::string::npos;
                              });
  EXPECT_THAT(tabby_log(), HasSubstr("restart: the peers' End-of-RIBs are in")) << log();
  // What tabby sent after the restart came after BIRD's End-of-RIB.
  const std::string text = tabby_log();
  const auto end_of_rib = text.find("End-of-RIB for ipv4-unicast");
  const auto advertising = text.find("advertising our routes");
  ASSERT_NE(end_of_rib, std::string::npos) << log();
  EXPECT_LT(end_of_rib, advertising);
  EXPECT_TRUE(tabby_has("route 10.202.0.0/24 via 10.0.0.2")) << log();
}

}  // namespace
}  // namespace tabby::lab
