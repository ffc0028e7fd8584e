#pragma once
// What the BGP lab tests share: two nodes on one segment, and the configurations of BIRD 2,
// FRR and GoBGP as tabby's peer (n2, 10.0.0.2 / fd00::2, AS 65002; tabby is n1, 10.0.0.1 /
// fd00::1, AS 65001). Each daemon announces one prefix: BIRD 10.202.0.0/24 and
// 2001:db8:202::/48, FRR 10.203.0.0/24; GoBGP's the test adds.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tabby/lab/lab_test.h"

namespace tabby::lab {

// A file's whole text ("" when it is not there yet).
inline std::string file_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The last n characters, for a long log in a failure message.
inline std::string tail(const std::string& text, std::size_t n = 4000) {
  return text.size() > n ? text.substr(text.size() - n) : text;
}

// n1 (10.0.0.1, fd00::1) and n2 (10.0.0.2, fd00::2) on one segment.
class TwoNodeLab : public LabTest {
 protected:
  void SetUp() override {
    LabTest::SetUp();
    if (HasFatalFailure()) return;
    auto& segment = lab().add_segment("s1");
    n1_ = &lab().add_node("n1");
    n2_ = &lab().add_node("n2");
    lab().attach(*n1_, "eth0", segment, {.address = "10.0.0.1/24"});
    lab().attach(*n2_, "eth0", segment, {.address = "10.0.0.2/24"});
    n1_->must("ip -6 addr add fd00::1/64 dev eth0 nodad");
    n2_->must("ip -6 addr add fd00::2/64 dev eth0 nodad");
  }

  Netns* n1_ = nullptr;
  Netns* n2_ = nullptr;
};

// birdc exits non-zero when the route is not there ("Network not found"), so an answer is
// anything but a failure to reach BIRD.
inline bool answered(const CommandResult& birdc) {
  return !birdc.timed_out && birdc.output.find("Unable to connect") == std::string::npos &&
         birdc.output.find("BIRD") != std::string::npos;
}

inline std::string bird_config(bool passive, bool v6 = false) {
  const std::string peer = v6 ? "fd00::1" : "10.0.0.1";
  const std::string local = v6 ? "fd00::2" : "10.0.0.2";
  return std::string(R"(
log stderr all;
router id 10.0.0.2;
protocol device { scan time 2; }
protocol static s4 { ipv4; route 10.202.0.0/24 blackhole; }
protocol static s6 { ipv6; route 2001:db8:202::/48 blackhole; }
protocol bgp tabby {
  local )") +
         local + " as 65002;\n  neighbor " + peer + R"( as 65001;
  hold time 9;
  connect delay time 1;
  connect retry time 2;
  error wait time 1, 5;
)" + (passive ? "  passive on;\n" : "") +
         (v6 ? "  ipv6 { import all; export where proto = \"s6\"; };\n"
             : "  ipv4 { import all; export where proto = \"s4\"; };\n") +
         "}\n";
}

inline std::string frr_config(bool passive) {
  return std::string(R"(
frr defaults traditional
hostname frr
log stdout
!
router bgp 65002
 bgp router-id 10.0.0.2
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 10.0.0.1 remote-as 65001
 neighbor 10.0.0.1 timers connect 2
)") + (passive ? " neighbor 10.0.0.1 passive\n" : "") +
         R"( address-family ipv4 unicast
  network 10.203.0.0/24
 exit-address-family
!
)";
}

inline std::string gobgp_config(bool passive) {
  return std::string(R"(
[global.config]
  as = 65002
  router-id = "10.0.0.2"
  port = 179

[[neighbors]]
  [neighbors.config]
    neighbor-address = "10.0.0.1"
    peer-as = 65001
  [neighbors.timers.config]
    connect-retry = 2
  [neighbors.transport.config]
    passive-mode = )") +
         (passive ? "true" : "false") + R"(
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
)";
}

#ifdef BGP_PEER
// Nodes n at 10.0.0.n/24 (and fd00::n/64 when asked) on one segment, and bgp-peer (the
// target's BGP_PEER) on one of them with its rib file.
class SegmentLab : public LabTest {
 protected:
  void SetUp() override {
    LabTest::SetUp();
    if (HasFatalFailure()) return;
    segment_ = &lab().add_segment("s1");
  }

  Netns& node(int n, bool ipv6 = false) {
    auto& ns = lab().add_node("n" + std::to_string(n));
    lab().attach(ns, "eth0", *segment_, {.address = "10.0.0." + std::to_string(n) + "/24"});
    if (ipv6) ns.must("ip -6 addr add fd00::" + std::to_string(n) + "/64 dev eth0 nodad");
    return ns;
  }

  // `options` go after --config and --rib-file.
  void start_tabby(const Netns& ns, const std::string& yaml,
                   const std::vector<std::string>& options = {}) {
    const auto config = lab().dir() / "tabby.yaml";
    std::ofstream(config, std::ios::trunc) << yaml;
    rib_path_ = lab().dir() / "tabby-rib.txt";
    std::vector<std::string> command = {BGP_PEER, "--config", config.string(), "--rib-file",
                                        rib_path_.string()};
    command.insert(command.end(), options.begin(), options.end());
    command.insert(command.end(), {"--log-level", "debug"});
    tabby_ = &lab().start_process(ns, "tabby", command);
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
#endif

}  // namespace tabby::lab
