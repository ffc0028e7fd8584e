// bgp-peer with ADD-PATH (RFC 7911) against BIRD 2 with "add paths on" (receive and send), as
// Calico's BIRD runs: several nodes announce one service prefix, and every path of it must
// cross the session both ways, each under its own path identifier.
//
// One segment, node n at 10.0.0.n and fd00::n, sessions over IPv4 or over IPv6 with that
// family only: tabby n1 (AS 65001, add_path both toward n2); BIRD n2 (AS 65002, add paths on)
// announces 10.60.0.0/24 (2001:db8:60::/48) twice (two static protocols, next hops n3's and
// n4's addresses, sent with "next hop keep"); BIRDs n3 (AS 65003) and n4 (AS 65004) each
// announce 10.50.0.0/24 (2001:db8:50::/48) to tabby, which passes both paths on to n2 with
// their next hops kept. Then FRR (addpath-tx-all-paths) in n2's place receives both paths.

#include <gmock/gmock.h>

#include <fstream>
#include <set>
#include <sstream>

#include "daemon_lab.h"

namespace tabby::lab {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}

// The addresses and prefixes of one run: IPv4 (sessions over 10.0.0.n) or IPv6 (over
// fd00::n).
struct Plan {
  bool v6 = false;
  std::string address(int n) const { return (v6 ? "fd00::" : "10.0.0.") + std::to_string(n); }
  std::string channel() const { return v6 ? "ipv6" : "ipv4"; }
  std::string announced() const { return v6 ? "2001:db8:50::/48" : "10.50.0.0/24"; }   // by n3, n4
  std::string bird_paths() const { return v6 ? "2001:db8:60::/48" : "10.60.0.0/24"; }  // by n2
};

// BIRD n (3 or 4), AS 6500n, announcing the plan's prefix to tabby.
std::string bird_announcer(const Plan& plan, int n) {
  return "log stderr all;\nrouter id 10.0.0." + std::to_string(n) +
         ";\nprotocol device { scan time 2; }\n"
         "protocol static announce { " +
         plan.channel() + "; route " + plan.announced() +
         " blackhole; }\n"
         "protocol bgp tabby {\n  local " +
         plan.address(n) + " as 6500" + std::to_string(n) + ";\n  neighbor " + plan.address(1) +
         " as 65001;\n  hold time 9;\n  passive on;\n  " + plan.channel() +
         " { import all; export where proto = \"announce\"; };\n}\n";
}

// BIRD n2 with ADD-PATH both ways, its two paths to the plan's prefix sent with their own next
// hops (n3's and n4's addresses).
std::string bird_add_path(const Plan& plan) {
  return "log stderr all;\nrouter id 10.0.0.2;\nprotocol device { scan time 2; }\n"
         "protocol static via3 { " +
         plan.channel() + "; route " + plan.bird_paths() + " via " + plan.address(3) +
         "; }\nprotocol static via4 { " + plan.channel() + "; route " + plan.bird_paths() +
         " via " + plan.address(4) + "; }\nprotocol bgp tabby {\n  local " + plan.address(2) +
         " as 65002;\n  neighbor " + plan.address(1) +
         " as 65001;\n  hold time 9;\n  passive on;\n  " + plan.channel() +
         " {\n    add paths on;\n    next hop keep;\n    import all;\n"
         "    export where proto = \"via3\" || proto = \"via4\";\n  };\n}\n";
}

// tabby: ADD-PATH both ways with n2 (next hops kept, so the paths stay told apart), plain
// sessions with n3 and n4.
std::string tabby_yaml(const Plan& plan) {
  std::string yaml = "local_as: 65001\nrouter_id: 10.0.0.1\nmax_paths: 4\npeers:\n";
  for (int n : {2, 3, 4}) {
    yaml += "  - name: " + std::string(n == 2 ? "ap" : "b" + std::to_string(n)) +
            "\n    address: " + plan.address(n) + "\n    remote_as: 6500" + std::to_string(n) +
            "\n    families: [" + plan.channel() +
            "]\n    hold_time: 9\n    connect_retry: 1\n    idle_hold: 1\n";
    if (n == 2) yaml += "    add_path: both\n    next_hop: keep\n";
  }
  return yaml;
}

class AddPathInterop : public SegmentLab {
 protected:
  Netns& node(int n) { return SegmentLab::node(n, true); }
  void start_tabby(const Netns& ns, const std::string& yaml) {
    SegmentLab::start_tabby(ns, yaml, {"--all-paths"});
  }

  // The whole scenario over sessions of the plan's family.
  void run(const Plan& plan);
};

void AddPathInterop::run(const Plan& plan) {
  auto& n1 = node(1);
  auto& n2 = node(2);
  auto& n3 = node(3);
  auto& n4 = node(4);
  auto& ap = lab().start_bird(n2, "bird2", bird_add_path(plan));
  auto& b3 = lab().start_bird(n3, "bird3", bird_announcer(plan, 3));
  lab().start_bird(n4, "bird4", bird_announcer(plan, 4));
  start_tabby(n1, tabby_yaml(plan));
  const std::string via3 = "BGP.next_hop: " + plan.address(3);
  const std::string via4 = "BGP.next_hop: " + plan.address(4);
  const std::string from_ap = " peer " + plan.address(2);

  // tabby -> BIRD: both paths of the announced prefix, each with the next hop it came with.
  auto at_bird = [&] { return ap.birdc("show route " + plan.announced() + " all").output; };
  ASSERT_TRUE(eventually(
      [&] {
        const std::string r = at_bird();
        return r.find(via3) != std::string::npos && r.find(via4) != std::string::npos;
      },
      40s))
      << at_bird() << ap.birdc("show protocols all tabby").output << log();
  const std::string both = at_bird();
  EXPECT_EQ(count(both, "BGP.as_path:"), 2u) << both;
  EXPECT_THAT(both, HasSubstr("BGP.as_path: 65001 65003\n"));
  EXPECT_THAT(both, HasSubstr("BGP.as_path: 65001 65004\n"));
  EXPECT_TRUE(tabby_has("peer ap " + plan.address(2) + " Established"));

  // BIRD -> tabby: both of BIRD's paths, with distinct path identifiers.
  ASSERT_TRUE(eventually(
      [&] {
        const std::string r = rib();
        return r.find("via " + plan.address(3) + from_ap + " as-path 65002") != std::string::npos &&
               r.find("via " + plan.address(4) + from_ap + " as-path 65002") != std::string::npos;
      },
      30s))
      << log();
  const std::string text = rib();
  const std::string path_line = "path " + plan.bird_paths() + " path-id ";
  std::set<std::string> ids;
  for (auto at = text.find(path_line); at != std::string::npos; at = text.find(path_line, at + 1)) {
    const auto id_at = at + path_line.size();
    ids.insert(text.substr(id_at, text.find(' ', id_at) - id_at));
  }
  EXPECT_EQ(count(text, path_line), 2u) << text;
  EXPECT_EQ(ids.size(), 2u) << text;
  EXPECT_FALSE(ids.count("0")) << text;

  // One announcer goes: BIRD loses exactly that path (withdrawn by its identifier).
  ASSERT_TRUE(b3.birdc("disable tabby").ok());
  EXPECT_TRUE(eventually(
      [&] {
        const std::string r = at_bird();
        return answered(ap.birdc("show status")) && r.find(via3) == std::string::npos &&
               r.find(via4) != std::string::npos;
      },
      20s))
      << at_bird() << log();
  EXPECT_EQ(count(at_bird(), "BGP.as_path:"), 1u) << at_bird();

  // And one of BIRD's paths goes: tabby keeps the other.
  ASSERT_TRUE(ap.birdc("disable via3").ok());
  EXPECT_TRUE(eventually(
      [&] {
        const std::string r = rib();
        return r.find("via " + plan.address(3) + from_ap) == std::string::npos &&
               r.find("route " + plan.bird_paths() + " via " + plan.address(4) + from_ap) !=
                   std::string::npos;
      },
      20s))
      << log();
  EXPECT_THAT(rib(), Not(HasSubstr(path_line)));  // one path left
}

TEST_F(AddPathInterop, Ipv4PathsCrossTheSessionBothWays) {
  run(Plan{false});
}

TEST_F(AddPathInterop, Ipv6PathsCrossTheSessionBothWays) {
  run(Plan{true});
}

// FRR as the ADD-PATH peer (it always announces receive; addpath-tx-all-paths for send):
// tabby's two paths of 10.50.0.0/24 arrive as two paths, and one withdrawn leaves one.
TEST_F(AddPathInterop, FrrReceivesEveryPath) {
  const Plan plan{false};
  auto& n1 = node(1);
  auto& n2 = node(2);
  auto& n3 = node(3);
  auto& n4 = node(4);
  auto& frr = lab().start_frr(n2, "frr", R"(
frr defaults traditional
hostname frr
log stdout
!
router bgp 65002
 bgp router-id 10.0.0.2
 no bgp ebgp-requires-policy
 neighbor 10.0.0.1 remote-as 65001
 neighbor 10.0.0.1 timers connect 2
 neighbor 10.0.0.1 passive
 address-family ipv4 unicast
  neighbor 10.0.0.1 addpath-tx-all-paths
 exit-address-family
!
)");
  auto& b3 = lab().start_bird(n3, "bird3", bird_announcer(plan, 3));
  lab().start_bird(n4, "bird4", bird_announcer(plan, 4));
  start_tabby(n1, tabby_yaml(plan));
  auto at_frr = [&] { return frr.vtysh("show bgp ipv4 unicast 10.50.0.0/24").output; };
  ASSERT_TRUE(
      eventually([&] { return at_frr().find("Paths: (2 available") != std::string::npos; }, 40s))
      << at_frr() << frr.vtysh("show bgp neighbors 10.0.0.1").output << log();
  const std::string both = at_frr();
  EXPECT_THAT(both, HasSubstr("65001 65003"));
  EXPECT_THAT(both, HasSubstr("65001 65004"));
  EXPECT_THAT(both, HasSubstr("10.0.0.3 from 10.0.0.1"));
  EXPECT_THAT(both, HasSubstr("10.0.0.4 from 10.0.0.1"));

  ASSERT_TRUE(b3.birdc("disable tabby").ok());
  EXPECT_TRUE(
      eventually([&] { return at_frr().find("Paths: (1 available") != std::string::npos; }, 20s))
      << at_frr() << log();
  EXPECT_THAT(at_frr(), Not(HasSubstr("65001 65003")));
}

}  // namespace
}  // namespace tabby::lab
