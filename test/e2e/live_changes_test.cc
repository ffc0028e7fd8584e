// Issue 7 as lab tests: every change to a resource takes effect live, and sessions whose
// settings did not change are not reset. A two-node cluster (BGP, no encapsulation) behind the
// FRR top-of-rack router; each test changes resources with tabbyctl as a user would
// (`apply -f` of projectcalico.org/v3 YAML, `delete`), checks the effect where a user would
// see it (the ToR's table, `tabbyctl node status`, the node) and that every other session kept
// the time it became Established, on both ends (tabby's SINCE column, FRR's
// peerUptimeEstablishedEpoch): a reset session is Established again at another time.

#include <gmock/gmock.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "cluster.h"
#include "tabby/lab/lab_test.h"

namespace tabby::e2e {
namespace {

using Json = nlohmann::json;
using lab::eventually;
using namespace std::chrono_literals;

// A second external router on the rack, for BGPPeers of the test's own.
constexpr const char* kExtAddress = "10.0.0.2";
constexpr int kExtAs = 65001;
constexpr const char* kPool = "10.244.0.0/16";
// Long enough for a session that was reset to show it (down, or up again at a later second).
constexpr auto kSettle = 3s;

// One end's view of a session: its state, and the second it became Established.
struct SessionView {
  std::string state;
  long since = 0;
};
// "node1 -> 10.0.0.12" (tabby's end), "tor <- 10.0.0.11" (FRR's end).
using Sessions = std::map<std::string, SessionView>;

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(' ');
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(' ') - first + 1);
}

// "14:05:09" (tabby's SINCE for a session up less than 20 hours) as seconds of the day.
long seconds_of_day(const std::string& since) {
  int h = 0, m = 0, s = 0;
  if (std::sscanf(since.c_str(), "%d:%d:%d", &h, &m, &s) != 3) return -1;
  return h * 3600L + m * 60L + s;
}

std::string frr_config(const std::string& name, const std::string& router_id, int as,
                       int cluster_as) {
  return "frr defaults datacenter\nhostname " + name +
         "\nlog stdout informational\n"
         "router bgp " +
         std::to_string(as) + "\n bgp router-id " + router_id +
         "\n no bgp ebgp-requires-policy\n neighbor nodes peer-group\n"
         " neighbor nodes remote-as " +
         std::to_string(cluster_as) +
         "\n bgp listen range 10.0.0.0/24 peer-group nodes\n"
         " address-family ipv4 unicast\n  neighbor nodes activate\n exit-address-family\n";
}

std::string bgp_configuration(bool mesh, bool communities = false) {
  std::string yaml =
      "apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\nmetadata: {name: default}\n"
      "spec:\n  asNumber: 64512\n  nodeToNodeMeshEnabled: " +
      std::string(mesh ? "true" : "false") + "\n";
  if (communities) {
    yaml +=
        "  communities: [{name: rack-local, value: '64512:100'}]\n"
        "  prefixAdvertisements: [{cidr: 10.244.0.0/16, communities: [rack-local, '64512:200']}]\n";
  }
  return yaml;
}

std::string tor_peer(const std::string& extra = "") {
  return "apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata: {name: tor}\n"
         "spec: {peerIP: 10.0.0.1, asNumber: 65000" +
         extra + "}\n";
}

// The pool the agents created (CALICO_IPV4POOL_CIDR), with the fields the test changes.
std::string default_pool(bool disable_bgp_export, const std::string& vxlan_mode = "Never",
                         bool nat_outgoing = true) {
  return "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: default-ipv4-ippool}\n"
         "spec:\n  cidr: " +
         std::string(kPool) + "\n  blockSize: 26\n  ipipMode: Never\n  vxlanMode: " + vxlan_mode +
         "\n  natOutgoing: " + (nat_outgoing ? "true" : "false") +
         "\n  nodeSelector: all()\n  disableBGPExport: " + (disable_bgp_export ? "true" : "false") +
         "\n";
}

class LiveChangesTest : public lab::LabTest {
 protected:
  Cluster& start() {
    cluster_ = std::make_unique<Cluster>(
        lab(), ClusterSpec{.nodes = 2, .pods_per_node = 1},
        Binaries{TABBY_NODE_BINARY, TABBYCTL_BINARY, TABBY_CNI_DIR}, std::cout);
    cluster_->start();
    cluster_->add_pods();
    routers_.emplace_back("tor", cluster_->tor_router());
    // Every node's block reaches the ToR before the test changes anything.
    for (int i = 1; i <= 2; ++i) {
      EXPECT_TRUE(eventually([&] { return !blocks_from(tor(), i).empty(); }, 20s, 250ms))
          << tor().vtysh("show bgp ipv4 unicast").output;
    }
    return *cluster_;
  }

  // A second FRR next to the ToR, for a global BGPPeer of the test's own.
  lab::Frr& start_external_router() {
    lab::Netns& ext = lab().add_router("ext");
    lab().attach(ext, "eth0", cluster_->rack(), {.address = std::string(kExtAddress) + "/24"});
    lab::Frr& frr =
        lab().start_frr(ext, "ext", frr_config("ext", kExtAddress, kExtAs, cluster_->cluster_as()));
    routers_.emplace_back("ext", &frr);
    return frr;
  }

  lab::Frr& tor() const { return *cluster_->tor_router(); }

  void apply(const std::string& yaml) {
    const auto file = lab().dir() / ("change-" + std::to_string(++changes_) + ".yaml");
    std::ofstream(file) << yaml;
    const lab::CommandResult applied = cluster_->tabbyctl({"apply", "-f", file.string()});
    ASSERT_TRUE(applied.ok()) << yaml << applied.output;
    std::cout << "tabbyctl apply -f " << file.filename().string() << ":\n"
              << yaml << (yaml.ends_with('\n') ? "" : "\n");
  }

  void remove(const std::string& kind, const std::string& name) {
    const lab::CommandResult deleted = cluster_->tabbyctl({"delete", kind, name});
    ASSERT_TRUE(deleted.ok()) << deleted.output;
    std::cout << "tabbyctl delete " << kind << " " << name << "\n";
  }

  // Every session, both ends: the rows of `tabbyctl node status` on each node, the peers of
  // every FRR router.
  Sessions sessions() const {
    Sessions out;
    for (int i = 1; i <= 2; ++i) {
      std::istringstream lines(cluster_->node_status(i));
      for (std::string line; std::getline(lines, line);) {
        if (line.rfind("| ", 0) != 0 || line.find("PEER ADDRESS") != std::string::npos) continue;
        std::vector<std::string> cells;
        std::istringstream row(line.substr(1));
        for (std::string cell; std::getline(row, cell, '|');)
          cells.push_back(trim(cell));
        if (cells.size() < 5) continue;
        // INFO starts with the BGP state ("Established", "Active Socket: ...").
        out[cluster_->node_name(i) + " -> " + cells[0]] = {cells[4].substr(0, cells[4].find(' ')),
                                                           seconds_of_day(cells[3])};
      }
    }
    for (const auto& [name, router] : routers_) {
      Json summary = Json::parse(router->vtysh("show bgp ipv4 unicast summary json").output,
                                 nullptr, /*allow_exceptions=*/false);
      if (summary.contains("ipv4Unicast")) summary = summary["ipv4Unicast"];
      if (!summary.is_object()) continue;
      const Json peers = summary.value("peers", Json::object());
      for (const auto& [address, peer] : peers.items()) {
        out[name + " <- " + address] = {peer.value("state", ""),
                                        peer.value("peerUptimeEstablishedEpoch", 0L)};
      }
    }
    return out;
  }

  static std::string describe(const Sessions& sessions) {
    std::string text;
    for (const auto& [key, session] : sessions)
      text += "  " + key + ": " + session.state + " since " + std::to_string(session.since) + "\n";
    return text;
  }

  static bool all_established(const Sessions& sessions) {
    for (const auto& [key, session] : sessions) {
      if (session.state != "Established") return false;
    }
    return !sessions.empty();
  }

  // The sessions once they are all up and have been for a while, so that a reset later shows
  // as another "since".
  Sessions settled_sessions() {
    Sessions now;
    EXPECT_TRUE(eventually([&] { return all_established(now = sessions()); }, 30s, 250ms))
        << describe(now);
    std::this_thread::sleep_for(kSettle);
    now = sessions();
    std::cout << "sessions:\n" << describe(now);
    return now;
  }

  // After a change has shown its effect: every session of `before` that the change had no
  // business touching is still Established since the same second.
  void expect_not_reset(const Sessions& before,
                        const std::function<bool(const std::string&)>& may_change = {}) {
    std::this_thread::sleep_for(kSettle);
    const Sessions now = sessions();
    std::cout << "sessions after the change:\n" << describe(now);
    int checked = 0;
    for (const auto& [key, was] : before) {
      if (may_change && may_change(key)) continue;
      ++checked;
      auto it = now.find(key);
      if (it == now.end()) {
        ADD_FAILURE() << "session " << key << " is gone\n" << describe(now);
        continue;
      }
      EXPECT_EQ(it->second.state, "Established") << key << "\n" << describe(now);
      // Both ends' times are computed when asked (now minus the time up), so they may round
      // to the neighbouring second; a reset shows as a later time by at least kSettle.
      EXPECT_NEAR(static_cast<double>(it->second.since), static_cast<double>(was.since), 1.0)
          << "session " << key << " was reset\nbefore:\n"
          << describe(before) << "after:\n"
          << describe(now);
    }
    EXPECT_GT(checked, 0);
  }

  // Waits until every session of `before` that `renewed` selects is Established again, later
  // than it was: a new session.
  void expect_renewed(const Sessions& before,
                      const std::function<bool(const std::string&)>& renewed) {
    Sessions now;
    EXPECT_TRUE(eventually(
        [&] {
          now = sessions();
          for (const auto& [key, was] : before) {
            if (!renewed(key)) continue;
            const auto it = now.find(key);
            if (it == now.end() || it->second.state != "Established" ||
                it->second.since <= was.since + 1)
              return false;
          }
          return true;
        },
        40s, 250ms))
        << "the sessions were not renewed\nbefore:\n"
        << describe(before) << "now:\n"
        << describe(now);
  }

  void write_secret(const std::string& name, const std::string& key, const std::string& value) {
    const std::filesystem::path dir = std::filesystem::path(cluster_->secrets_dir()) / name;
    std::filesystem::create_directories(dir);
    std::ofstream(dir / key) << value << "\n";
  }

  bool tor_session(const std::string& key) const {
    return with_router(key, "tor", cluster_->tor_address());
  }

  // tabby_bgp_peer_established_transitions_total of node i's session with `peer` (-1: none),
  // from the agent's Prometheus endpoint (:9091/metrics inside the node).
  double established_transitions(int node, const std::string& peer) const {
    const lab::CommandResult metrics = cluster_->node(node).exec(
        {"curl", "-s", "--max-time", "5", "http://127.0.0.1:9091/metrics"}, 10s);
    const std::string series =
        "tabby_bgp_peer_established_transitions_total{peer=\"" + peer + "\",";
    std::istringstream lines(metrics.output);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind(series, 0) == 0) return std::stod(line.substr(line.rfind(' ') + 1));
    }
    return -1;
  }

  // Prefixes in the pool the router has from `node` (1-based), by the peer that sent them.
  std::set<std::string> blocks_from(const lab::Frr& router, int node) const {
    std::set<std::string> out;
    const Json table = Json::parse(router.vtysh("show bgp ipv4 unicast json").output, nullptr,
                                   /*allow_exceptions=*/false);
    if (!table.is_object()) return out;
    const Json routes = table.value("routes", Json::object());
    for (const auto& [prefix, paths] : routes.items()) {
      if (prefix.rfind("10.244.", 0) != 0) continue;
      for (const auto& path : paths) {
        if (path.value("peerId", "") == cluster_->node_address(node)) out.insert(prefix);
      }
    }
    return out;
  }

  // The communities on `prefix` as `node` sent it to the router ("" when none).
  std::string communities_from(const lab::Frr& router, const std::string& prefix, int node) const {
    const Json detail =
        Json::parse(router.vtysh("show bgp ipv4 unicast " + prefix + " json").output, nullptr,
                    /*allow_exceptions=*/false);
    if (!detail.is_object()) return "";
    const Json paths = detail.value("paths", Json::array());
    for (const auto& path : paths) {
      const Json peer = path.value("peer", Json::object());
      if (peer.value("peerId", "") != cluster_->node_address(node)) continue;
      return path.value("community", Json::object()).value("string", "");
    }
    return "";
  }

  // A node's end of a session to another node: "node1 -> 10.0.0.12".
  bool node_to_node(const std::string& key) const {
    for (int i = 1; i <= 2; ++i) {
      for (int j = 1; j <= 2; ++j) {
        if (i != j && key == cluster_->node_name(i) + " -> " + cluster_->node_address(j))
          return true;
      }
    }
    return false;
  }
  // Either end of a session with the router at `address` ("tor <- ...", "node1 -> 10.0.0.1").
  static bool with_router(const std::string& key, const std::string& name,
                          const std::string& address) {
    return key.rfind(name + " <- ", 0) == 0 ||
           (key.size() > address.size() + 4 &&
            key.compare(key.size() - address.size() - 4, std::string::npos, " -> " + address) == 0);
  }

  std::unique_ptr<Cluster> cluster_;
  std::vector<std::pair<std::string, lab::Frr*>> routers_;
  int changes_ = 0;
};

TEST_F(LiveChangesTest, AGlobalPeerComesAndGoesWithoutResettingTheOtherSessions) {
  Cluster& cluster = start();
  lab::Frr& ext = start_external_router();
  const Sessions before = settled_sessions();

  apply(
      "apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata: {name: ext-router}\n"
      "spec: {peerIP: 10.0.0.2, asNumber: 65001}\n");
  Sessions now;
  EXPECT_TRUE(eventually(
      [&] {
        now = sessions();
        return now["node1 -> 10.0.0.2"].state == "Established" &&
               now["node2 -> 10.0.0.2"].state == "Established" &&
               now["ext <- 10.0.0.11"].state == "Established" &&
               now["ext <- 10.0.0.12"].state == "Established";
      },
      30s, 250ms))
      << describe(now);
  // The new peer gets the nodes' blocks at once.
  for (int i = 1; i <= 2; ++i) {
    EXPECT_TRUE(eventually([&] { return !blocks_from(ext, i).empty(); }, 10s, 250ms))
        << ext.vtysh("show bgp ipv4 unicast").output;
  }
  expect_not_reset(before);

  const Sessions with_ext = sessions();
  remove("bgppeer", "ext-router");
  EXPECT_TRUE(eventually(
      [&] {
        now = sessions();
        return !now.count("node1 -> 10.0.0.2") && !now.count("node2 -> 10.0.0.2") &&
               now["ext <- 10.0.0.11"].state != "Established" &&
               now["ext <- 10.0.0.12"].state != "Established";
      },
      30s, 250ms))
      << describe(now);
  expect_not_reset(with_ext,
                   [](const std::string& key) { return with_router(key, "ext", kExtAddress); });
  // The removed peer's series leave the agents' /metrics; the ToR's stay.
  for (int i = 1; i <= 2; ++i) {
    EXPECT_TRUE(eventually([&] { return established_transitions(i, kExtAddress) < 0; }, 5s, 250ms))
        << "node" << i << " still exports series of the removed peer";
    EXPECT_GE(established_transitions(i, cluster.tor_address()), 1);
  }
  EXPECT_TRUE(cluster.ping_all().empty());
}

// reachableBy: the nodes reach the peer through the named gateway (here the ToR) by a static
// host route, as BIRD's static protocol installs it, and the route goes with the peer.
TEST_F(LiveChangesTest, AReachableByPeerGetsAHostRouteThatGoesWithIt) {
  Cluster& cluster = start();
  start_external_router();
  const std::string wanted = std::string(kExtAddress) + " via " + cluster.tor_address() +
                             " dev eth0 proto bird metric 1024";
  const auto route_to_ext = [&](int node) {
    return cluster.node(node).must(std::string("ip -4 route show ") + kExtAddress + "/32");
  };
  apply(
      "apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata: {name: ext-router}\n"
      "spec: {peerIP: 10.0.0.2, asNumber: 65001, reachableBy: " +
      cluster.tor_address() + "}\n");
  for (int i = 1; i <= 2; ++i) {
    EXPECT_TRUE(
        eventually([&] { return route_to_ext(i).find(wanted) != std::string::npos; }, 10s, 250ms))
        << "node" << i << ": " << route_to_ext(i);
  }
  remove("bgppeer", "ext-router");
  for (int i = 1; i <= 2; ++i) {
    EXPECT_TRUE(eventually([&] { return route_to_ext(i).empty(); }, 10s, 250ms))
        << "node" << i << ": " << route_to_ext(i);
  }
  EXPECT_TRUE(cluster.ping_all().empty());
}

// natOutgoing (on in the default pool, CALICO_IPV4POOL_NAT_OUTGOING's default): a pod reaches
// an address outside every pool that has no route back to the pool, because its node
// masquerades; with natOutgoing off it does not; pod-to-pod traffic is never masqueraded.
TEST_F(LiveChangesTest, NatOutgoingLetsPodsReachAddressesWithNoRouteBackToThePool) {
  Cluster& cluster = start();
  // "The internet": a namespace on the rack, knowing nothing of the pool.
  lab::Netns& internet = lab().add_router("inet");
  lab().attach(internet, "eth0", cluster.rack(), {.address = "10.0.0.3/24"});
  const Pod& pod = cluster.pods().at(0);  // on node 1
  const auto reaches_internet = [&] { return pod.netns->ping("10.0.0.3", 1); };
  const auto nat_table = [&] { return cluster.node(1).sh("nft list table ip tabby-nat"); };

  EXPECT_TRUE(eventually(reaches_internet, 10s, 250ms)) << nat_table().output;
  EXPECT_THAT(nat_table().output, ::testing::HasSubstr("masquerade"));

  apply(default_pool(/*disable_bgp_export=*/false, "Never", /*nat_outgoing=*/false));
  EXPECT_TRUE(eventually([&] { return !nat_table().ok(); }, 10s, 250ms)) << nat_table().output;
  EXPECT_FALSE(reaches_internet());
  EXPECT_TRUE(cluster.ping_all().empty());

  apply(default_pool(/*disable_bgp_export=*/false, "Never", /*nat_outgoing=*/true));
  EXPECT_TRUE(eventually(reaches_internet, 10s, 250ms)) << nat_table().output;
  EXPECT_TRUE(cluster.ping_all().empty());
}

TEST_F(LiveChangesTest, CommunitiesAndExportChangesReachTheTorWithoutAReset) {
  Cluster& cluster = start();
  const Sessions before = settled_sessions();
  std::map<int, std::string> block;
  for (int i = 1; i <= 2; ++i)
    block[i] = *blocks_from(tor(), i).begin();

  // b: communities on the pool's prefix: the blocks are advertised again, carrying them.
  apply(bgp_configuration(/*mesh=*/true, /*communities=*/true));
  for (int i = 1; i <= 2; ++i) {
    EXPECT_TRUE(eventually(
        [&] { return communities_from(tor(), block[i], i) == "64512:100 64512:200"; }, 20s, 250ms))
        << tor().vtysh("show bgp ipv4 unicast " + block[i]).output;
  }
  expect_not_reset(before);

  // c: disableBGPExport withdraws the pool's blocks from the ToR, and brings them back.
  apply(default_pool(/*disable_bgp_export=*/true));
  for (int i = 1; i <= 2; ++i) {
    EXPECT_TRUE(eventually([&] { return blocks_from(tor(), i).empty(); }, 20s, 250ms))
        << tor().vtysh("show bgp ipv4 unicast").output;
  }
  expect_not_reset(before);
  apply(default_pool(/*disable_bgp_export=*/false));
  for (int i = 1; i <= 2; ++i) {
    EXPECT_TRUE(eventually([&] { return blocks_from(tor(), i).count(block[i]) == 1; }, 20s, 250ms))
        << tor().vtysh("show bgp ipv4 unicast").output;
    EXPECT_EQ(communities_from(tor(), block[i], i), "64512:100 64512:200");
  }
  expect_not_reset(before);
  EXPECT_TRUE(eventually([&] { return cluster.ping_all().empty(); }, 20s, 500ms));
}

TEST_F(LiveChangesTest, APeerSettingThatNeedsANewSessionResetsOnlyThatSession) {
  start();
  const Sessions before = settled_sessions();

  // d: the hold time is negotiated in OPEN, so a new keepaliveTime needs new sessions, with the
  // ToR only.
  apply(tor_peer(", keepaliveTime: 2s"));
  auto of_tor = [this](const std::string& key) { return tor_session(key); };
  expect_renewed(before, of_tor);
  // keepaliveTime sets only the keepalive, as in Calico's BIRD: the hold time stays 240 s
  // and the session negotiates the smaller, FRR's 9 s (`frr defaults datacenter`).
  const Json neighbor = Json::parse(tor().vtysh("show bgp neighbors 10.0.0.11 json").output,
                                    nullptr, /*allow_exceptions=*/false);
  EXPECT_EQ(neighbor.is_object() ? neighbor["10.0.0.11"].value("bgpTimerHoldTimeMsecs", 0) : 0,
            9000)
      << neighbor.dump(2);
  expect_not_reset(before, of_tor);
  // The agents count the new sessions: each node's ToR session came up twice, the mesh once.
  for (int i = 1; i <= 2; ++i) {
    EXPECT_EQ(established_transitions(i, cluster_->tor_address()), 2) << "node " << i;
    EXPECT_EQ(established_transitions(i, cluster_->node_address(3 - i)), 1) << "node " << i;
  }
}

TEST_F(LiveChangesTest, TheMeshGoesAndComesBackWithoutTouchingTheTor) {
  Cluster& cluster = start();
  const Sessions before = settled_sessions();
  auto mesh = [this](const std::string& key) { return node_to_node(key); };

  // e: no mesh: the node-to-node sessions close, the ToR's stay.
  apply(bgp_configuration(/*mesh=*/false));
  EXPECT_TRUE(eventually(
      [&] {
        return cluster.node_status(1).find("node-to-node mesh") == std::string::npos &&
               cluster.node_status(2).find("node-to-node mesh") == std::string::npos;
      },
      20s, 250ms))
      << cluster.node_status(1) << cluster.node_status(2);
  expect_not_reset(before, mesh);

  apply(bgp_configuration(/*mesh=*/true));
  Sessions now;
  EXPECT_TRUE(eventually(
      [&] {
        now = sessions();
        return now["node1 -> 10.0.0.12"].state == "Established" &&
               now["node2 -> 10.0.0.11"].state == "Established";
      },
      30s, 250ms))
      << describe(now);
  expect_not_reset(before, mesh);
  EXPECT_TRUE(eventually([&] { return cluster.ping_all().empty(); }, 20s, 500ms));
}

TEST_F(LiveChangesTest, PoolChangesThatDoNotConcernBgpLeaveEverySessionAlone) {
  Cluster& cluster = start();
  const Sessions before = settled_sessions();

  // f: VXLAN across subnets only (every node is on one subnet; the host kernel has no ipip
  // for the same test with ipipMode) and no NAT: the agent makes the VXLAN device and routes
  // the pool itself, the BGP sessions do not notice (the pool's blocks are still exported).
  apply(default_pool(/*disable_bgp_export=*/false, "CrossSubnet", /*nat_outgoing=*/false));
  for (int i = 1; i <= 2; ++i) {
    EXPECT_TRUE(eventually([&] { return cluster.node(i).sh("ip link show vxlan.calico").ok(); },
                           20s, 250ms));
  }
  expect_not_reset(before);
  EXPECT_TRUE(eventually([&] { return cluster.ping_all().empty(); }, 20s, 500ms));
  for (int i = 1; i <= 2; ++i)
    EXPECT_FALSE(blocks_from(tor(), i).empty()) << tor().vtysh("show bgp ipv4 unicast").output;

  // And back: the device goes, BGP routes the pool again.
  apply(default_pool(/*disable_bgp_export=*/false, "Never", /*nat_outgoing=*/true));
  for (int i = 1; i <= 2; ++i) {
    EXPECT_TRUE(eventually([&] { return !cluster.node(i).sh("ip link show vxlan.calico").ok(); },
                           20s, 250ms));
  }
  expect_not_reset(before);
  EXPECT_TRUE(eventually([&] { return cluster.ping_all().empty(); }, 20s, 500ms));
  EXPECT_THAT(cluster.node(1).routes(), ::testing::HasSubstr("via 10.0.0.12 dev eth0 proto bird"));
}

TEST_F(LiveChangesTest, APasswordFromASecretRotatesLiveAndRenewsOnlyTheSessionsItProtects) {
  start();
  const Sessions before = settled_sessions();
  auto of_tor = [this](const std::string& key) { return tor_session(key); };

  // d, TCP-MD5: the ToR's BGPPeer gets a password from a Secret.
  write_secret("tor-bgp", "password", "s3cret");
  ASSERT_TRUE(tor().configure({"router bgp 65000", "neighbor nodes password s3cret"}).ok());
  apply(tor_peer(", password: {secretKeyRef: {name: tor-bgp, key: password}}"));
  expect_renewed(before, of_tor);
  expect_not_reset(before, of_tor);

  // The Secret changes (a file in the mounted volume; no datastore change): the agents pick
  // the new password up and renew the ToR sessions only.
  const Sessions protected_sessions = sessions();
  write_secret("tor-bgp", "password", "n3w-s3cret");
  ASSERT_TRUE(tor().configure({"router bgp 65000", "neighbor nodes password n3w-s3cret"}).ok());
  expect_renewed(protected_sessions, of_tor);
  expect_not_reset(protected_sessions, of_tor);
}

TEST_F(LiveChangesTest, ALabelOnANodeStartsItsNodeSelectorPeeringLive) {
  start();
  start_external_router();
  const Sessions before = settled_sessions();

  // A BGPPeer for the nodes of rack a, of which there is none yet.
  apply(
      "apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata: {name: rack-a-router}\n"
      "spec: {nodeSelector: rack == 'a', peerIP: 10.0.0.2, asNumber: 65001}\n");
  expect_not_reset(before);
  EXPECT_FALSE(sessions().count("node1 -> 10.0.0.2"));

  // The user labels node1 with tabbyctl label, as with calicoctl label, while its agent keeps
  // writing the Node: its session comes up, node2 stays out, and the Node change resets
  // nothing.
  auto label_node1 = [&](bool rack_a) {
    const std::vector<std::string> args =
        rack_a ? std::vector<std::string>{"label", "nodes", "node1", "rack=a"}
               : std::vector<std::string>{"label", "nodes", "node1", "rack", "--remove"};
    const lab::CommandResult labelled = cluster_->tabbyctl(args);
    ASSERT_TRUE(labelled.ok()) << labelled.output;
    EXPECT_THAT(labelled.output, ::testing::HasSubstr(rack_a ? "Successfully set label rack"
                                                             : "Successfully removed label rack"));
  };
  label_node1(true);
  Sessions now;
  EXPECT_TRUE(eventually(
      [&] {
        now = sessions();
        return now["node1 -> 10.0.0.2"].state == "Established" &&
               now["ext <- 10.0.0.11"].state == "Established";
      },
      30s, 250ms))
      << describe(now);
  EXPECT_FALSE(sessions().count("node2 -> 10.0.0.2"));
  expect_not_reset(before);

  const Sessions labelled = sessions();
  label_node1(false);
  EXPECT_TRUE(eventually([&] { return !sessions().count("node1 -> 10.0.0.2"); }, 30s, 250ms))
      << describe(sessions());
  expect_not_reset(labelled,
                   [](const std::string& key) { return with_router(key, "ext", kExtAddress); });
}

}  // namespace
}  // namespace tabby::e2e
