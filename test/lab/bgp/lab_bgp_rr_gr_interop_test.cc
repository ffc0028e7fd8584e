// bgp-peer (tabby's Speaker with its RIB) against real daemons in the roles the peer-interop
// test does not cover:
//   - route reflection (RFC 4456): tabby as a client of FRR, and tabby reflecting between
//     BIRD 2 clients and non-clients; ORIGINATOR_ID, CLUSTER_LIST, next hop, LOCAL_PREF and
//     communities checked where the route lands;
//   - a 2-octet-AS peer (RFC 6793): BIRD with "enable as4 off" or FRR without capabilities
//     between tabby and a 4-octet AS, so AS paths cross it as AS_PATH with AS_TRANS plus
//     AS4_PATH; what tabby sends is checked on the wire, what it receives in its Loc-RIB;
//   - graceful restart in the helper role (RFC 4724): BIRD restarted gracefully (birdc
//     graceful restart, then bird -R), and BIRD not coming back within its restart time.
// All nodes share one segment: node n is 10.0.0.<n>; tabby is always n1.

#include <gmock/gmock.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "daemon_lab.h"

namespace tabby::lab {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;
using Clock = std::chrono::steady_clock;

// The rib file's line for `prefix`, with a space at the end so that every field can be
// matched as " name value ".
std::string route_line(const std::string& rib, const std::string& prefix) {
  const auto at = rib.find("route " + prefix + " ");
  if (at == std::string::npos) return "";
  return rib.substr(at, rib.find('\n', at) - at) + " ";
}

// The UPDATEs in a `tcpdump -vv` decode that announce `prefix`, in capture order, each from
// its "Update Message" line to the next message.
std::vector<std::string> updates_announcing(const std::string& wire, const std::string& prefix) {
  std::vector<std::string> found;
  const std::string marker = "Update Message (2)";
  for (auto at = wire.find(marker); at != std::string::npos;) {
    const auto next = wire.find(marker, at + marker.size());
    const std::string update = wire.substr(at, next == std::string::npos ? next : next - at);
    const auto routes = update.find("Updated routes:");
    if (routes != std::string::npos &&
        update.find(" " + prefix + "\n", routes) != std::string::npos)
      found.push_back(update);
    at = next;
  }
  return found;
}

class RrGrInterop : public SegmentLab {
 protected:
  // "show route <prefix> all": every attribute BIRD has for the route.
  static std::string bird_route(const Bird& bird, const std::string& prefix) {
    return bird.birdc("show route " + prefix + " all").output;
  }
  static bool bird_has(const Bird& bird, const std::string& prefix) {
    return bird_route(bird, prefix).find("BGP.as_path") != std::string::npos;
  }
};

// ---- route reflection -------------------------------------------------------------------

// A BIRD 2 iBGP speaker in AS 65000 at 10.0.0.n, peering with `neighbor`, that announces
// 10.20n.0.0/24 with LOCAL_PREF 1n0 and community (65000,n). "direct": the neighbor is on
// the segment (BIRD takes iBGP as multihop otherwise), and so are all next hops, which then
// need no IGP to resolve them.
std::string bird_ibgp(int n, const std::string& neighbor, bool passive) {
  const std::string self = "10.0.0." + std::to_string(n);
  const std::string id = std::to_string(n);
  return "log stderr all;\nrouter id " + self +
         ";\nprotocol device { scan time 2; }\n"
         "protocol static s4 { ipv4; route 10.20" +
         id + ".0.0/24 blackhole; }\nprotocol bgp up {\n  local " + self +
         " as 65000;\n  neighbor " + neighbor +
         " as 65000;\n  hold time 9;\n  connect delay time 1;\n  connect retry time 2;\n"
         "  error wait time 1, 5;\n  direct;\n" +
         (passive ? "  passive on;\n" : "") +
         "  ipv4 {\n    import all;\n"
         "    export filter {\n      if proto != \"s4\" then reject;\n"
         "      bgp_local_pref = 1" +
         id + "0;\n      bgp_community.add((65000, " + id + "));\n      accept;\n    };\n  };\n}\n";
}

// FRR (n2, AS 65000, cluster ID 10.255.0.2) reflects between its clients tabby (n1) and
// BIRD (n3). The route BIRD originates reaches tabby as RFC 4456 section 8 says: ORIGINATOR_ID
// BIRD's router ID, CLUSTER_LIST FRR's cluster ID, next hop, LOCAL_PREF and community as
// BIRD set them; tabby's own route reaches BIRD the same way.
TEST_F(RrGrInterop, TabbyIsRouteReflectorClientOfFrr) {
  auto& n1 = node(1);
  auto& n2 = node(2);
  auto& n3 = node(3);
  auto& frr = lab().start_frr(n2, "frr", R"(
frr defaults traditional
hostname frr
log stdout
!
router bgp 65000
 bgp router-id 10.0.0.2
 bgp cluster-id 10.255.0.2
 no bgp ebgp-requires-policy
 neighbor 10.0.0.1 remote-as 65000
 neighbor 10.0.0.1 timers connect 2
 neighbor 10.0.0.1 passive
 neighbor 10.0.0.3 remote-as 65000
 neighbor 10.0.0.3 timers connect 2
 neighbor 10.0.0.3 passive
 address-family ipv4 unicast
  neighbor 10.0.0.1 route-reflector-client
  neighbor 10.0.0.3 route-reflector-client
 exit-address-family
!
)");
  auto& bird = lab().start_bird(n3, "bird", bird_ibgp(3, "10.0.0.2", false));
  start_tabby(n1, R"(local_as: 65000
router_id: 10.0.0.1
peers:
  - name: frr
    address: 10.0.0.2
    remote_as: 65000
    hold_time: 9
    connect_retry: 1
    idle_hold: 1
originate: [10.100.0.0/24]
)");
  ASSERT_TRUE(eventually([&] { return tabby_has("route 10.203.0.0/24"); }, 40s))
      << log() << frr.vtysh("show bgp ipv4 unicast").output;
  const std::string line = route_line(rib(), "10.203.0.0/24");
  EXPECT_THAT(line, HasSubstr(" via 10.0.0.3 peer 10.0.0.2 as-path - ")) << log();
  EXPECT_THAT(line, HasSubstr(" local-pref 130 "));
  EXPECT_THAT(line, HasSubstr(" communities 65000:3 "));
  EXPECT_THAT(line, HasSubstr(" originator-id 10.0.0.3 "));
  EXPECT_THAT(line, HasSubstr(" cluster-list 10.255.0.2 "));

  ASSERT_TRUE(eventually([&] { return bird_has(bird, "10.100.0.0/24"); }, 20s))
      << bird.birdc("show route all").output << log();
  const std::string at_bird = bird_route(bird, "10.100.0.0/24");
  EXPECT_THAT(at_bird, HasSubstr("BGP.next_hop: 10.0.0.1\n"));
  EXPECT_THAT(at_bird, HasSubstr("BGP.local_pref: 100\n"));
  EXPECT_THAT(at_bird, HasSubstr("BGP.originator_id: 10.0.0.1\n"));
  EXPECT_THAT(at_bird, HasSubstr("BGP.cluster_list: 10.255.0.2\n"));
}

// tabby (n1, cluster ID 10.255.0.1) reflects for BIRD clients n2 and n3 and BIRD non-clients
// n4 and n5 (RFC 4456 section 6): client routes go to clients and non-clients, non-client
// routes to clients only; every reflected route carries ORIGINATOR_ID, CLUSTER_LIST and the
// originator's next hop, LOCAL_PREF and communities, and tabby's own route carries neither
// reflection attribute.
TEST_F(RrGrInterop, TabbyReflectsForBirdClients) {
  auto& n1 = node(1);
  std::vector<Bird*> birds(6, nullptr);
  for (int n = 2; n <= 5; ++n)
    birds[n] =
        &lab().start_bird(node(n), "bird" + std::to_string(n), bird_ibgp(n, "10.0.0.1", true));
  std::string yaml = "local_as: 65000\nrouter_id: 10.0.0.1\ncluster_id: 10.255.0.1\npeers:\n";
  for (int n = 2; n <= 5; ++n)
    yaml += "  - name: b" + std::to_string(n) + "\n    address: 10.0.0." + std::to_string(n) +
            "\n    remote_as: 65000\n    rr_client: " + (n <= 3 ? "true" : "false") +
            "\n    hold_time: 9\n    connect_retry: 1\n    idle_hold: 1\n";
  yaml += "originate: [10.100.0.0/24]\n";
  start_tabby(n1, yaml);

  ASSERT_TRUE(eventually(
      [&] {
        for (int n = 2; n <= 5; ++n)
          if (!tabby_has("route 10.20" + std::to_string(n) + ".0.0/24")) return false;
        return true;
      },
      40s))
      << log();

  // What bird `at` must show for the route bird `from` originated, reflected by tabby.
  auto expect_reflected = [&](int at, int from) {
    const std::string prefix = "10.20" + std::to_string(from) + ".0.0/24";
    const std::string origin = "10.0.0." + std::to_string(from);
    SCOPED_TRACE("bird n" + std::to_string(at) + " sees " + prefix);
    ASSERT_TRUE(eventually([&] { return bird_has(*birds[at], prefix); }, 20s))
        << birds[at]->birdc("show route all").output << log();
    const std::string route = bird_route(*birds[at], prefix);
    EXPECT_THAT(route, HasSubstr("BGP.next_hop: " + origin + "\n")) << route;
    EXPECT_THAT(route, HasSubstr("BGP.local_pref: 1" + std::to_string(from) + "0\n")) << route;
    EXPECT_THAT(route, HasSubstr("BGP.community: (65000," + std::to_string(from) + ")\n")) << route;
    EXPECT_THAT(route, HasSubstr("BGP.originator_id: " + origin + "\n")) << route;
    EXPECT_THAT(route, HasSubstr("BGP.cluster_list: 10.255.0.1\n")) << route;
  };
  expect_reflected(2, 3);  // client to client
  expect_reflected(3, 2);
  expect_reflected(4, 2);  // client to non-client
  expect_reflected(5, 3);
  expect_reflected(2, 4);  // non-client to client
  expect_reflected(3, 5);

  // tabby's own route: plain iBGP, no reflection attributes.
  ASSERT_TRUE(eventually([&] { return bird_has(*birds[4], "10.100.0.0/24"); }, 20s)) << log();
  const std::string own = bird_route(*birds[4], "10.100.0.0/24");
  EXPECT_THAT(own, HasSubstr("BGP.next_hop: 10.0.0.1\n"));
  EXPECT_THAT(own, Not(HasSubstr("BGP.originator_id")));
  EXPECT_THAT(own, Not(HasSubstr("BGP.cluster_list")));

  // Non-client to non-client is not reflected. n2 and n3 have n4's and n5's routes, and tabby
  // exports a Loc-RIB change to every peer in the same pass, so a copy to the other
  // non-client would have been sent with them; BIRD gets a moment to take it in.
  ASSERT_TRUE(eventually([&] { return bird_has(*birds[5], "10.100.0.0/24"); }, 20s)) << log();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_FALSE(bird_has(*birds[4], "10.205.0.0/24")) << bird_route(*birds[4], "10.205.0.0/24");
  EXPECT_FALSE(bird_has(*birds[5], "10.204.0.0/24")) << bird_route(*birds[5], "10.204.0.0/24");
}

// ---- a 2-octet-AS peer (RFC 6793) -------------------------------------------------------

// Three ASes in a row on the segment, the middle one (n2, AS 65002) a 2-octet speaker:
// tabby (n1) -- eBGP, 2-octet session -- middle (n2) -- eBGP, 4-octet session -- n3. tabby
// originates 10.100.0.0/24 and n3 10.203.0.0/24 from AS 4200000003, so that path reaches
// tabby as AS_PATH "65002 23456" plus AS4_PATH "65002 4200000003" and tabby must merge them.
//
// BIRD's "enable as4 off" cannot face a 4-octet tabby (BIRD refuses a neighbor AS above
// 65535 without AS4 and checks the AS4 capability's number against the configured AS), so the
// 2-octet middle is BIRD for a 2-octet tabby and FRR without capabilities
// ("dont-capability-negotiate") for a 4-octet one.
class TwoOctetPeer : public RrGrInterop {
 protected:
  void start_tabby_as(const Netns& ns, const std::string& as) {
    start_tabby(ns, "local_as: " + as + R"(
router_id: 10.0.0.1
peers:
  - name: mid
    address: 10.0.0.2
    remote_as: 65002
    hold_time: 9
    connect_retry: 1
    idle_hold: 1
originate: [10.100.0.0/24]
)");
  }
  // tcpdump of tabby's BGP traffic in `ns`, decoded by stop_capture(): what each side put
  // in AS_PATH and AS4_PATH, which no daemon shows (they all merge the two on receipt).
  // --immediate-mode: otherwise packets still in the kernel's capture block when tcpdump is
  // stopped are lost.
  void start_capture(const Netns& ns) {
    capture_ns_ = &ns;
    capture_ = lab().dir() / "tabby-bgp.pcap";
    tcpdump_ =
        spawn_background({"ip", "netns", "exec", ns.name(), "tcpdump", "-i", "eth0", "-n", "-U",
                          "--immediate-mode", "-w", capture_.string(), "tcp", "port", "179"},
                         lab().dir() / "tcpdump.log");
    ASSERT_TRUE(eventually([&] { return std::filesystem::exists(capture_); }, 10s))
        << file_text(lab().dir() / "tcpdump.log");
  }
  std::string stop_capture() {
    stop_background(tcpdump_);
    tcpdump_ = -1;
    return capture_ns_->exec({"tcpdump", "-r", capture_.string(), "-n", "-vv"}).output;
  }
  void TearDown() override {
    if (tcpdump_ > 0) stop_background(tcpdump_);
    RrGrInterop::TearDown();
  }

  // (c) n3's 4-octet path, which crossed the 2-octet middle, merged again at tabby.
  void expect_tabby_has_merged_path() {
    ASSERT_TRUE(eventually([&] { return tabby_has("route 10.203.0.0/24"); }, 40s)) << log();
    EXPECT_THAT(route_line(rib(), "10.203.0.0/24"), HasSubstr(" as-path 65002 4200000003 "))
        << log();
    EXPECT_THAT(rib(), Not(HasSubstr("23456")));
  }

  const Netns* capture_ns_ = nullptr;
  std::filesystem::path capture_;
  pid_t tcpdump_ = -1;
};

// (b) tabby with a 2-octet AS: BIRD without AS4 sees the plain path, and the 4-octet FRR
// behind it "65002 65001".
TEST_F(TwoOctetPeer, TwoOctetTabbyAndBirdWithoutAs4) {
  auto& n1 = node(1);
  auto& n2 = node(2);
  auto& n3 = node(3);
  auto& bird = lab().start_bird(n2, "bird", R"(
log stderr all;
router id 10.0.0.2;
protocol device { scan time 2; }
protocol bgp tabby {
  local 10.0.0.2 as 65002;
  neighbor 10.0.0.1 as 65001;
  enable as4 off;
  passive on;
  hold time 9;
  error wait time 1, 5;
  ipv4 { import all; export all; };
}
protocol bgp frr {
  local 10.0.0.2 as 65002;
  neighbor 10.0.0.3 as 4200000003;
  hold time 9;
  connect delay time 1;
  connect retry time 2;
  error wait time 1, 5;
  ipv4 { import all; export all; };
}
)");
  auto& frr = lab().start_frr(n3, "frr", R"(
frr defaults traditional
hostname frr
log stdout
!
router bgp 4200000003
 bgp router-id 10.0.0.3
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 10.0.0.2 remote-as 65002
 neighbor 10.0.0.2 timers connect 2
 address-family ipv4 unicast
  network 10.203.0.0/24
 exit-address-family
!
)");
  start_capture(n1);
  if (HasFatalFailure()) return;
  start_tabby_as(n1, "65001");
  expect_tabby_has_merged_path();
  // A 2-octet session: BIRD says "external AS4" for a 4-octet one.
  const std::string session = bird.birdc("show protocols all tabby").output;
  EXPECT_THAT(session, HasSubstr("Session:          external\n")) << session;

  ASSERT_TRUE(eventually([&] { return bird_has(bird, "10.100.0.0/24"); }, 20s))
      << bird.birdc("show route all").output << log();
  EXPECT_THAT(bird_route(bird, "10.100.0.0/24"), HasSubstr("BGP.as_path: 65001\n"));
  auto frr_route = [&] { return frr.vtysh("show bgp ipv4 unicast 10.100.0.0/24").output; };
  ASSERT_TRUE(eventually([&] { return frr_route().find("65002 65001") != std::string::npos; }, 20s))
      << frr_route();

  // On the wire: tabby's own route without AS4_PATH (a path of 2-octet ASes needs none);
  // FRR's from BIRD as AS_TRANS plus AS4_PATH; and the same route as tabby announces it back
  // to BIRD (eBGP: BIRD drops it for its own AS in the path) with tabby's AS prepended to
  // both, as RFC 6793 section 4.2.2 wants of a 4-octet speaker talking to a 2-octet one.
  const std::string wire = stop_capture();
  const auto own = updates_announcing(wire, "10.100.0.0/24");
  ASSERT_EQ(own.size(), 1u) << wire;
  EXPECT_THAT(own[0], HasSubstr("AS Path (2), length: 4, Flags [T]: 65001 \n"));
  EXPECT_THAT(own[0], Not(HasSubstr("AS4 Path")));
  const auto frrs = updates_announcing(wire, "10.203.0.0/24");
  ASSERT_EQ(frrs.size(), 2u) << wire;
  EXPECT_THAT(frrs[0], HasSubstr("AS Path (2), length: 6, Flags [T]: 65002 23456 \n"));
  EXPECT_THAT(frrs[0], HasSubstr("AS4 Path (17), length: 10, Flags [OT]: 65002 4200000003 \n"));
  EXPECT_THAT(frrs[1], HasSubstr("AS Path (2), length: 8, Flags [T]: 65001 65002 23456 \n"));
  EXPECT_THAT(frrs[1],
              HasSubstr("AS4 Path (17), length: 14, Flags [OT]: 65001 65002 4200000003 \n"));
}

// (a) tabby with a 4-octet AS sends the 2-octet FRR AS_PATH "23456" plus AS4_PATH
// "4200000001", checked on the wire. (FRR itself does not merge them: having received tabby's
// AS4 capability it takes tabby for a 4-octet speaker and ignores AS4_PATH, RFC 6793 section
// 4.2.2, although it advertised no capabilities itself; so FRR shows 23456 and the 4-octet
// router behind it would too. That is FRR's side, not asserted here.)
TEST_F(TwoOctetPeer, FourOctetTabbyAndFrrWithoutCapabilities) {
  auto& n1 = node(1);
  auto& n2 = node(2);
  auto& n3 = node(3);
  auto& frr = lab().start_frr(n2, "frr", R"(
frr defaults traditional
hostname frr
log stdout
!
router bgp 65002
 bgp router-id 10.0.0.2
 no bgp ebgp-requires-policy
 neighbor 10.0.0.1 remote-as 4200000001
 neighbor 10.0.0.1 timers connect 2
 neighbor 10.0.0.1 passive
 neighbor 10.0.0.1 dont-capability-negotiate
 neighbor 10.0.0.3 remote-as 4200000003
 neighbor 10.0.0.3 timers connect 2
!
)");
  lab().start_bird(n3, "bird", R"(
log stderr all;
router id 10.0.0.3;
protocol device { scan time 2; }
protocol static s4 { ipv4; route 10.203.0.0/24 blackhole; }
protocol bgp frr {
  local 10.0.0.3 as 4200000003;
  neighbor 10.0.0.2 as 65002;
  hold time 9;
  connect delay time 1;
  connect retry time 2;
  error wait time 1, 5;
  ipv4 { import all; export where proto = "s4"; };
}
)");
  start_capture(n1);
  if (HasFatalFailure()) return;
  start_tabby_as(n1, "4200000001");
  expect_tabby_has_merged_path();

  auto frr_route = [&] { return frr.vtysh("show bgp ipv4 unicast 10.100.0.0/24").output; };
  ASSERT_TRUE(eventually([&] { return frr_route().find("best") != std::string::npos; }, 20s))
      << frr_route() << log();
  const std::string wire = stop_capture();
  // tabby's OPEN: My AS AS_TRANS and the real AS in the capability; its UPDATE: both paths.
  EXPECT_THAT(wire, HasSubstr("my AS 23456")) << wire;
  EXPECT_THAT(wire, HasSubstr("4 Byte AS 4200000001")) << wire;
  // (The first UPDATE for tabby's prefix is tabby's; FRR, which dropped AS4_PATH, sends the
  // route back as "65002 23456", in which tabby cannot see its own AS.)
  const auto own = updates_announcing(wire, "10.100.0.0/24");
  ASSERT_FALSE(own.empty()) << wire;
  EXPECT_THAT(own[0], HasSubstr("AS Path (2), length: 4, Flags [T]: 23456 \n"));
  EXPECT_THAT(own[0], HasSubstr("AS4 Path (17), length: 6, Flags [OT]: 4200000001 \n"));
  // And what FRR sent tabby for BIRD's route: AS_TRANS plus AS4_PATH, which tabby merged.
  const auto birds = updates_announcing(wire, "10.203.0.0/24");
  ASSERT_FALSE(birds.empty()) << wire;
  // (FRR sets Extended Length on short attributes too: flags [TE], [OTE].)
  EXPECT_THAT(birds[0],
              ContainsRegex("AS Path \\(2\\), length: 6, Flags \\[TE?\\]: 65002 23456 \n"));
  EXPECT_THAT(birds[0], ContainsRegex("AS4 Path \\(17\\), length: 10, Flags \\[OTE?\\]: 65002 "
                                      "4200000003 \n"));
}

// ---- graceful restart, tabby the helper (RFC 4724) --------------------------------------

// The rib file, read every 20 ms on a thread of its own until stop().
class RibSampler {
 public:
  struct Sample {
    Clock::time_point at;
    std::string text;
  };
  explicit RibSampler(std::function<std::string()> read)
      : read_(std::move(read)), thread_([this] {
          while (!stopping_) {
            Sample s{Clock::now(), read_()};
            {
              std::lock_guard lock(mutex_);
              samples_.push_back(std::move(s));
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
          }
        }) {}
  ~RibSampler() { stop(); }
  // Ends with a sample taken now, so that what the caller just saw is in it.
  std::vector<Sample> stop() {
    stopping_ = true;
    if (thread_.joinable()) {
      thread_.join();
      samples_.push_back({Clock::now(), read_()});
    }
    std::lock_guard lock(mutex_);
    return samples_;
  }

 private:
  std::function<std::string()> read_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::vector<Sample> samples_;
  std::thread thread_;
};

constexpr const char* kP1 = "route 10.202.1.0/24 ";
constexpr const char* kP2 = "route 10.202.2.0/24 ";
constexpr const char* kUp = "peer bird 10.0.0.2 Established";

bool has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}
// The route's line says "stale".
bool stale(const std::string& text, const std::string& route) {
  const auto at = text.find(route);
  if (at == std::string::npos) return false;
  const auto end = text.find('\n', at);
  return text.substr(at, end - at).ends_with(" stale");
}
double seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}
// Each distinct rib text the sampler saw, with when it first appeared, for failure messages.
std::string history(const std::vector<RibSampler::Sample>& samples) {
  std::string out;
  std::string last;
  for (const auto& s : samples) {
    if (s.text == last) continue;
    last = s.text;
    out += "--- at +" + std::to_string(seconds(s.at - samples.front().at)) + " s\n" + s.text;
  }
  return out;
}

class GracefulRestart : public RrGrInterop {
 protected:
  // BIRD (n2, AS 65002) with graceful restart on, announcing `prefixes` to tabby. `holder`
  // adds a second GR session to a peer that never answers: while BIRD recovers from a
  // restart (bird -R) it holds its routes and End-of-RIB back until every GR session has
  // converged or "graceful restart wait" (8 s) runs out, which gives tabby a clear window
  // with the session up and no End-of-RIB yet.
  static std::string bird_config(const std::vector<std::string>& prefixes, int restart_time,
                                 bool holder) {
    std::string routes;
    for (const auto& p : prefixes)
      routes += " route " + p + " blackhole;";
    return "log stderr all;\nrouter id 10.0.0.2;\ngraceful restart wait 8;\n"
           "protocol device { scan time 2; }\nprotocol static s4 { ipv4;" +
           routes +
           " }\nprotocol bgp tabby {\n  local 10.0.0.2 as 65002;\n"
           "  neighbor 10.0.0.1 as 65001;\n  passive on;\n  hold time 9;\n"
           "  error wait time 1, 5;\n  graceful restart on;\n  graceful restart time " +
           std::to_string(restart_time) +
           ";\n  debug { states, events, packets };\n"
           "  ipv4 { import all; export where proto = \"s4\"; };\n}\n" +
           (holder ? "protocol bgp holder {\n  local 10.0.0.2 as 65002;\n"
                     "  neighbor 10.0.0.99 as 65099;\n  graceful restart on;\n"
                     "  ipv4 { import none; export none; };\n}\n"
                   : "");
  }

  void start(int restart_time) {
    auto& n1 = node(1);
    n2_ = &node(2);
    bird_ = &lab().start_bird(*n2_, "bird",
                              bird_config({"10.202.1.0/24", "10.202.2.0/24"}, restart_time, false));
    start_tabby(n1, R"(local_as: 65001
router_id: 10.0.0.1
graceful_restart_time: 120
peers:
  - name: bird
    address: 10.0.0.2
    remote_as: 65002
    hold_time: 9
    connect_retry: 1
    idle_hold: 1
)");
    ASSERT_TRUE(eventually(
        [&] {
          const std::string text = rib();
          return has(text, kUp) && has(text, kP1) && has(text, kP2) && !stale(text, kP1) &&
                 !stale(text, kP2);
        },
        30s))
        << log();
  }

  // BIRD leaves for a graceful restart: it closes its sessions without a NOTIFICATION.
  void bird_goes_down() {
    bird_->birdc("graceful restart");
    ASSERT_TRUE(eventually([&] { return !bird_->running(); }, 10s)) << bird_->log();
  }

  void restart_with_p1_only(int restart_time);

  Netns* n2_ = nullptr;
  Bird* bird_ = nullptr;
};

// BIRD, announcing `restart_time`, restarts with only P1: tabby keeps P1 and P2 (stale)
// through the restart — P1 in every sample — and drops P2 only with BIRD's End-of-RIB, which
// the restarted BIRD holds back for about 8 s after the session is up again.
void GracefulRestart::restart_with_p1_only(int restart_time) {
  start(restart_time);
  if (HasFatalFailure()) return;
  RibSampler sampler([&] { return rib(); });
  bird_goes_down();
  if (HasFatalFailure()) return;
  ASSERT_TRUE(eventually([&] { return stale(rib(), kP1) && stale(rib(), kP2); }, 10s)) << log();

  // BIRD again, recovering (-R: the R and F bits in its capability), now with P1 only.
  const auto conf = lab().dir() / "bird-restarted.conf";
  const auto ctl = lab().dir() / "bird-restarted.ctl";
  std::ofstream(conf) << bird_config({"10.202.1.0/24"}, restart_time, true);
  auto& restarted =
      lab().start_process(*n2_, "bird-restarted",
                          {"bird", "-f", "-R", "-c", conf.string(), "-s", ctl.string(), "-P",
                           (lab().dir() / "bird-restarted.pid").string()});
  restarted.wait_until(
      [&] {
        return n2_->exec({"birdc", "-s", ctl.string(), "show status"})
                   .output.find("Daemon is up") != std::string::npos;
      },
      "BIRD restarted with -R answers");
  const bool done = eventually(
      [&] {
        const std::string text = rib();
        return has(text, kUp) && has(text, kP1) && !stale(text, kP1) && !has(text, kP2);
      },
      40s);
  const auto samples = sampler.stop();
  ASSERT_TRUE(done) << log() << "\nrestarted BIRD:\n" << tail(restarted.log());

  std::optional<Clock::time_point> down, up_again, p2_gone;
  for (const auto& s : samples) {
    ASSERT_TRUE(has(s.text, kP1)) << "P1 disappeared during the restart:\n" << history(samples);
    if (!down && !has(s.text, kUp)) down = s.at;
    if (down && !up_again && has(s.text, kUp)) up_again = s.at;
    if (!p2_gone && !has(s.text, kP2)) p2_gone = s.at;
    if (up_again && !p2_gone) {
      EXPECT_TRUE(stale(s.text, kP2)) << s.text;
    }
  }
  ASSERT_TRUE(down && up_again && p2_gone) << history(samples);
  // Swept at the End-of-RIB, not when the session came back.
  EXPECT_GE(*p2_gone - *up_again, 4s)
      << "P2 went " << seconds(*p2_gone - *up_again) << " s after the session was up again";
  EXPECT_THAT(restarted.log(), HasSubstr("END-OF-RIB"));
}

TEST_F(GracefulRestart, PeerRestartsAndRefreshesItsRoutes) {
  restart_with_p1_only(60);
}

// The same with a restart time (5 s) that runs out after the session is back (about 2 s) but
// before BIRD's End-of-RIB (about 9 s). RFC 4724 section 4.2: the restart time bounds how
// long the helper waits for the session to come back; once it is back, the stale routes wait
// for the End-of-RIB (the Speaker's stale_path_time, 360 s, replaces the restart timer).
TEST_F(GracefulRestart, PeerBackWithinRestartTimeKeepsRoutesUntilEndOfRib) {
  restart_with_p1_only(5);
}

// BIRD does not come back: its routes stay (stale) for its restart time, 5 s, then go.
TEST_F(GracefulRestart, PeerThatDoesNotComeBackLosesItsRoutesAfterRestartTime) {
  start(5);
  if (HasFatalFailure()) return;
  RibSampler sampler([&] { return rib(); });
  bird_goes_down();
  if (HasFatalFailure()) return;
  const bool gone = eventually([&] { return !has(rib(), kP1) && !has(rib(), kP2); }, 20s);
  const auto samples = sampler.stop();
  ASSERT_TRUE(gone) << log();

  // The rib file shows a peer state change within a second (it is rewritten every second),
  // so `down` may be late by that much.
  std::optional<Clock::time_point> down, gone_at;
  bool kept_stale = false;
  for (const auto& s : samples) {
    if (!down && !has(s.text, kUp)) down = s.at;
    if (!gone_at && !has(s.text, kP1)) gone_at = s.at;
    if (stale(s.text, kP1) && stale(s.text, kP2)) kept_stale = true;
    if (down && !gone_at) {
      EXPECT_TRUE(has(s.text, kP2)) << "P1 and P2 go together:\n" << s.text;
    }
  }
  ASSERT_TRUE(down && gone_at) << history(samples);
  EXPECT_TRUE(kept_stale);
  EXPECT_GE(*gone_at - *down, 3500ms) << seconds(*gone_at - *down);
  EXPECT_LE(*gone_at - *down, 8s) << seconds(*gone_at - *down);
}

}  // namespace
}  // namespace tabby::lab
