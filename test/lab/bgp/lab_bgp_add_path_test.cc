// bgp-peer with ADD-PATH (RFC 7911) against BIRD 2 with "add paths on" (receive and send), as
// Calico's BIRD runs: several nodes announce one service prefix, and every path of it must
// cross the session both ways, each under its own path identifier.
//
// One segment, node n at 10.0.0.n: tabby n1 (AS 65001, add_path both toward n2); BIRD n2
// (AS 65002, add paths on) announces 10.60.0.0/24 twice (two static protocols, next hops
// 10.0.0.3 and 10.0.0.4, sent with "next hop keep"); BIRDs n3 (AS 65003) and n4 (AS 65004)
// each announce 10.50.0.0/24 to tabby, which passes both paths on to n2 with their next hops
// kept.

#include <gmock/gmock.h>

#include <fstream>
#include <sstream>

#include "daemon_lab.h"

namespace tabby::lab {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

std::string file_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string tail(const std::string& text, std::size_t n = 4000) {
  return text.size() > n ? text.substr(text.size() - n) : text;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}

// BIRD n (3 or 4), AS 6500n, announcing 10.50.0.0/24 to tabby.
std::string bird_announcer(int n) {
  const std::string self = "10.0.0." + std::to_string(n);
  return "log stderr all;\nrouter id " + self +
         ";\nprotocol device { scan time 2; }\n"
         "protocol static s4 { ipv4; route 10.50.0.0/24 blackhole; }\n"
         "protocol bgp tabby {\n  local " +
         self + " as 6500" + std::to_string(n) +
         ";\n  neighbor 10.0.0.1 as 65001;\n  hold time 9;\n  passive on;\n"
         "  ipv4 { import all; export where proto = \"s4\"; };\n}\n";
}

// BIRD n2 with ADD-PATH both ways, its two paths to 10.60.0.0/24 sent with their own next
// hops.
constexpr const char* kBirdAddPath = R"(
log stderr all;
router id 10.0.0.2;
protocol device { scan time 2; }
protocol direct { ipv4; interface "eth0"; }
protocol static via3 { ipv4; route 10.60.0.0/24 via 10.0.0.3; }
protocol static via4 { ipv4; route 10.60.0.0/24 via 10.0.0.4; }
protocol bgp tabby {
  local 10.0.0.2 as 65002;
  neighbor 10.0.0.1 as 65001;
  hold time 9;
  passive on;
  ipv4 {
    add paths on;
    next hop keep;
    import all;
    export where proto = "via3" || proto = "via4";
  };
}
)";

constexpr const char* kTabby = R"(local_as: 65001
router_id: 10.0.0.1
max_paths: 4
peers:
  - name: ap
    address: 10.0.0.2
    remote_as: 65002
    add_path: both
    next_hop: keep
    hold_time: 9
    connect_retry: 1
    idle_hold: 1
  - name: b3
    address: 10.0.0.3
    remote_as: 65003
    hold_time: 9
    connect_retry: 1
    idle_hold: 1
  - name: b4
    address: 10.0.0.4
    remote_as: 65004
    hold_time: 9
    connect_retry: 1
    idle_hold: 1
)";

class AddPathInterop : public LabTest {
 protected:
  void SetUp() override {
    LabTest::SetUp();
    if (HasFatalFailure()) return;
    segment_ = &lab().add_segment("s1");
  }

  Netns& node(int n) {
    auto& ns = lab().add_node("n" + std::to_string(n));
    lab().attach(ns, "eth0", *segment_, {.address = "10.0.0." + std::to_string(n) + "/24"});
    return ns;
  }

  void start_tabby(const Netns& ns, const std::string& yaml) {
    const auto config = lab().dir() / "tabby.yaml";
    std::ofstream(config, std::ios::trunc) << yaml;
    rib_path_ = lab().dir() / "tabby-rib.txt";
    tabby_ = &lab().start_process(ns, "tabby",
                                  {BGP_PEER, "--config", config.string(), "--rib-file",
                                   rib_path_.string(), "--log-level", "debug"});
  }
  std::string rib() const { return file_text(rib_path_); }
  bool tabby_has(const std::string& text) const { return rib().find(text) != std::string::npos; }
  std::string log() const {
    return "bgp-peer rib:\n" + rib() + "\nbgp-peer log (tail):\n" + tail(tabby_->log());
  }

  Segment* segment_ = nullptr;
  Process* tabby_ = nullptr;
  std::filesystem::path rib_path_;
};

TEST_F(AddPathInterop, EveryPathCrossesTheSessionBothWays) {
  auto& n1 = node(1);
  auto& n2 = node(2);
  auto& n3 = node(3);
  auto& n4 = node(4);
  auto& ap = lab().start_bird(n2, "bird2", kBirdAddPath);
  auto& b3 = lab().start_bird(n3, "bird3", bird_announcer(3));
  lab().start_bird(n4, "bird4", bird_announcer(4));
  start_tabby(n1, kTabby);

  // tabby -> BIRD: both paths of 10.50.0.0/24, each with the next hop it came with.
  auto at_bird = [&] { return ap.birdc("show route 10.50.0.0/24 all").output; };
  ASSERT_TRUE(eventually(
      [&] {
        const std::string r = at_bird();
        return r.find("BGP.next_hop: 10.0.0.3") != std::string::npos &&
               r.find("BGP.next_hop: 10.0.0.4") != std::string::npos;
      },
      40s))
      << at_bird() << ap.birdc("show protocols all tabby").output << log();
  const std::string both = at_bird();
  EXPECT_EQ(count(both, "BGP.as_path:"), 2u) << both;
  EXPECT_THAT(both, HasSubstr("BGP.as_path: 65001 65003\n"));
  EXPECT_THAT(both, HasSubstr("BGP.as_path: 65001 65004\n"));
  EXPECT_TRUE(tabby_has("peer ap 10.0.0.2 Established"));

  // BIRD -> tabby: both of BIRD's paths to 10.60.0.0/24, with distinct path identifiers.
  ASSERT_TRUE(eventually(
      [&] {
        const std::string r = rib();
        return r.find("via 10.0.0.3 peer 10.0.0.2 as-path 65002") != std::string::npos &&
               r.find("via 10.0.0.4 peer 10.0.0.2 as-path 65002") != std::string::npos;
      },
      30s))
      << log();
  const std::string text = rib();
  EXPECT_THAT(text, ContainsRegex("path 10.60.0.0/24 path-id [1-9][0-9]* via 10.0.0.3 peer "
                                  "10.0.0.2"));
  EXPECT_THAT(text, ContainsRegex("path 10.60.0.0/24 path-id [1-9][0-9]* via 10.0.0.4 peer "
                                  "10.0.0.2"));
  EXPECT_EQ(count(text, "path 10.60.0.0/24 "), 2u) << text;

  // One announcer goes: BIRD loses exactly that path (withdrawn by its identifier).
  ASSERT_TRUE(b3.birdc("disable tabby").ok());
  EXPECT_TRUE(eventually(
      [&] {
        const std::string r = at_bird();
        return answered(ap.birdc("show status")) &&
               r.find("BGP.next_hop: 10.0.0.3") == std::string::npos &&
               r.find("BGP.next_hop: 10.0.0.4") != std::string::npos;
      },
      20s))
      << at_bird() << log();
  EXPECT_EQ(count(at_bird(), "BGP.as_path:"), 1u) << at_bird();

  // And one of BIRD's paths goes: tabby keeps the other.
  ASSERT_TRUE(ap.birdc("disable via3").ok());
  EXPECT_TRUE(eventually(
      [&] {
        const std::string r = rib();
        return r.find("via 10.0.0.3 peer 10.0.0.2") == std::string::npos &&
               r.find("route 10.60.0.0/24 via 10.0.0.4 peer 10.0.0.2") != std::string::npos;
      },
      20s))
      << log();
  EXPECT_THAT(rib(), Not(HasSubstr("path 10.60.0.0/24 ")));  // one path left
}

}  // namespace
}  // namespace tabby::lab
