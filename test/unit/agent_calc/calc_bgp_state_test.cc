#include "tabby/agent/calc_bgp_state.h"

#include <gmock/gmock.h>

#include "calc_test_support.h"
#include "tabby/agent/calc_peer_diff.h"

namespace tabby::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using namespace testing;  // NOLINT: the test helpers

// One line per peer: what a test usually needs to see at once.
std::string summary(const DesiredPeer& p) {
  std::string out = p.key + " " + std::string(peer_type_name(p.type)) + " " +
                    p.address.to_string() + ":" + std::to_string(p.port) + " as " +
                    std::to_string(p.local_as) + "->" + std::to_string(p.remote_as);
  if (p.passive) out += " passive";
  if (p.route_reflector_client) out += " rr-client " + p.rr_cluster_id->to_string();
  return out;
}

std::vector<std::string> summaries(const DesiredBgp& bgp) {
  std::vector<std::string> out;
  for (const auto& p : bgp.peers)
    out.push_back(summary(p));
  return out;
}

DesiredBgp calc(const ClusterSnapshot& snapshot, const BgpCalcOptions& options = {}) {
  auto result = desired_bgp(snapshot, options);
  if (!result) ADD_FAILURE() << result.error().message;
  return result.ok() ? *result : DesiredBgp{};
}

const DesiredPeer& find(const DesiredBgp& bgp, const std::string& key) {
  for (const auto& p : bgp.peers) {
    if (p.key == key) return p;
  }
  throw std::runtime_error("no peer " + key);
}

// The three-node cluster of most cases: a and b on one subnet, c's address sorts below a's
// as a string ("10.0.0.10" < "10.0.0.2") though it is numerically greater.
std::vector<api::Resource> three_nodes() {
  return {node("a", "ipv4Address: 10.0.0.2/24", "rack: r1"),
          node("b", "ipv4Address: 10.0.0.3/24", "rack: r1"),
          node("c", "ipv4Address: 10.0.0.10/24", "rack: r2")};
}

struct MeshCase {
  std::string name;
  std::vector<api::Resource> nodes;
  std::vector<api::Resource> configurations;
  std::string self;
  std::vector<std::string> expected;
};
void PrintTo(const MeshCase& c, std::ostream* os) {
  *os << c.name;
}

class MeshTest : public ::testing::TestWithParam<MeshCase> {};

TEST_P(MeshTest, PeersAsConfdRendersThem) {
  const auto& c = GetParam();
  ClusterSnapshot snapshot{
      .node_name = c.self, .nodes = c.nodes, .bgp_configurations = c.configurations};
  EXPECT_THAT(summaries(calc(snapshot)), ElementsAreArray(c.expected));
}

INSTANTIATE_TEST_SUITE_P(
    Mesh, MeshTest,
    ::testing::Values(
        // Passive when the peer's address is greater as a string: exactly one end connects.
        MeshCase{"three_nodes_a",
                 three_nodes(),
                 {},
                 "a",
                 {"Mesh_10_0_0_10 node-to-node mesh 10.0.0.10:179 as 64512->64512",
                  "Mesh_10_0_0_3 node-to-node mesh 10.0.0.3:179 as 64512->64512 passive"}},
        MeshCase{"three_nodes_c",
                 three_nodes(),
                 {},
                 "c",
                 {"Mesh_10_0_0_2 node-to-node mesh 10.0.0.2:179 as 64512->64512 passive",
                  "Mesh_10_0_0_3 node-to-node mesh 10.0.0.3:179 as 64512->64512 passive"}},
        MeshCase{"mesh_disabled",
                 three_nodes(),
                 {bgp_config("default", "nodeToNodeMeshEnabled: false")},
                 "a",
                 {}},
        // The remote node's listenPort (node-specific, then global) and AS.
        MeshCase{"ports_and_as",
                 {node("a", "ipv4Address: 10.0.0.2/24"),
                  node("b", "ipv4Address: 10.0.0.3/24, asNumber: 65001")},
                 {bgp_config("default", "asNumber: 65000, listenPort: 1790"),
                  bgp_config("node.b", "listenPort: 1791")},
                 "a",
                 {"Mesh_10_0_0_3 node-to-node mesh 10.0.0.3:1791 as 65000->65001 passive"}},
        // IPv6: a session per family where both ends have an address; none to a node
        // without a BGP address.
        MeshCase{"dual_stack",
                 {node("a", "ipv4Address: 10.0.0.2/24, ipv6Address: fd00::2/64"),
                  node("b", "ipv4Address: 10.0.0.3/24, ipv6Address: fd00::1/64"),
                  node("c", "ipv6Address: fd00::3/64"), node("d", "")},
                 {},
                 "a",
                 {"Mesh_10_0_0_3 node-to-node mesh 10.0.0.3:179 as 64512->64512 passive",
                  "Mesh_fd00__1 node-to-node mesh fd00::1:179 as 64512->64512",
                  "Mesh_fd00__3 node-to-node mesh fd00::3:179 as 64512->64512 passive"}},
        MeshCase{"ipv6_only_self_has_no_v4_sessions",
                 {node("a", "ipv6Address: fd00::2/64"), node("b", "ipv4Address: 10.0.0.3/24")},
                 {},
                 "a",
                 {}},
        // Route reflectors neither mesh nor are meshed with.
        MeshCase{"route_reflectors_leave_the_mesh",
                 {node("a", "ipv4Address: 10.0.0.2/24"), node("b", "ipv4Address: 10.0.0.3/24"),
                  node("rr", "ipv4Address: 10.0.0.1/24, routeReflectorClusterID: 224.0.0.1")},
                 {},
                 "a",
                 {"Mesh_10_0_0_3 node-to-node mesh 10.0.0.3:179 as 64512->64512 passive"}},
        MeshCase{"route_reflector_has_no_mesh",
                 {node("a", "ipv4Address: 10.0.0.2/24"),
                  node("rr", "ipv4Address: 10.0.0.1/24, routeReflectorClusterID: 224.0.0.1")},
                 {},
                 "rr",
                 {}}),
    [](const auto& test) { return test.param.name; });

TEST(DesiredBgpTest, MeshSessionOptions) {
  ClusterSnapshot snapshot{
      .node_name = "a",
      .nodes = three_nodes(),
      .bgp_configurations = {bgp_config(
          "default",
          "nodeMeshPassword: {secretKeyRef: {name: bgp, key: mesh}}, nodeMeshMaxRestartTime: 5m")},
      .secrets = {{{"bgp", "mesh"}, "s3cret"}}};
  auto bgp = calc(snapshot);
  const auto& p = find(bgp, "Mesh_10_0_0_3");
  EXPECT_EQ(p.password, "s3cret");
  EXPECT_EQ(p.restart_time, std::chrono::seconds(300));
  EXPECT_EQ(p.source_address, ip("10.0.0.2"));
  EXPECT_EQ(p.peer_node, "b");
  EXPECT_FALSE(p.ttl_security);
  EXPECT_TRUE(p.filters.empty());
  EXPECT_TRUE(bgp.warnings.empty());

  snapshot.secrets.clear();  // unreadable: no password, and a warning that says why
  bgp = calc(snapshot);
  EXPECT_FALSE(find(bgp, "Mesh_10_0_0_3").password);
  ASSERT_FALSE(bgp.warnings.empty());
  EXPECT_THAT(bgp.warnings[0], HasSubstr("secret \"bgp\" key \"mesh\" is not available"));
}

TEST(DesiredBgpTest, GlobalSettingsFromConfigurationAndNode) {
  ClusterSnapshot snapshot{
      .node_name = "a",
      .nodes = {node("a", "ipv4Address: 10.0.0.2/24, ipv6Address: fd00::2/64, asNumber: 65010")},
      .bgp_configurations = {
          bgp_config(
              "default",
              "asNumber: 65000, listenPort: 1790, logSeverityScreen: Debug, bindMode: NodeIP, "
              "serviceClusterIPs: [{cidr: 10.96.0.0/12}], "
              "serviceExternalIPs: [{cidr: 192.0.2.0/24}], "
              "communities: [{name: gold, value: '65000:100'}], "
              "prefixAdvertisements: [{cidr: 192.168.0.0/16, communities: [gold, '1:2:3']}]"),
          bgp_config("node.a", "listenPort: 1791")}};
  auto bgp = calc(snapshot);
  EXPECT_EQ(bgp.as_number, 65010u);  // the node's own AS wins
  EXPECT_EQ(bgp.listen_port, 1791);
  EXPECT_TRUE(bgp.bind_node_ip);
  EXPECT_EQ(bgp.log_severity, "Debug");
  EXPECT_EQ(bgp.router_id, ip("10.0.0.2"));
  EXPECT_EQ(bgp.address_v6, ip("fd00::2"));
  EXPECT_EQ(bgp.subnet_v4, prefix("10.0.0.0/24"));
  EXPECT_THAT(bgp.service_cluster_ips, ElementsAre(prefix("10.96.0.0/12")));
  EXPECT_THAT(bgp.service_external_ips, ElementsAre(prefix("192.0.2.0/24")));
  ASSERT_EQ(bgp.prefix_advertisements.size(), 1u);
  EXPECT_THAT(bgp.prefix_advertisements[0].communities, ElementsAre("1:2:3", "65000:100"));

  // CALICO_ROUTER_ID given explicitly; an IPv6-only node without one has none.
  EXPECT_EQ(calc(snapshot, {.router_id = ip("1.2.3.4")}).router_id, ip("1.2.3.4"));
  EXPECT_EQ(calc(snapshot, {.router_id_from_hash = true}).router_id, hashed_router_id("a"));
  snapshot.nodes = {node("a", "ipv6Address: fd00::2/64")};
  bgp = calc(snapshot);
  EXPECT_FALSE(bgp.router_id);
  EXPECT_FALSE(bgp.warnings.empty());

  // No default BGPConfiguration: AS 64512, mesh on, port 179.
  snapshot.bgp_configurations.clear();
  bgp = calc(snapshot);
  EXPECT_EQ(bgp.as_number, 64512u);
  EXPECT_TRUE(bgp.node_to_node_mesh);
  EXPECT_EQ(bgp.listen_port, 179);

  snapshot.node_name = "missing";
  auto missing = desired_bgp(snapshot);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().message, HasSubstr("no Node resource named \"missing\""));
}

TEST(DesiredBgpTest, NodeLevelPrefixAdvertisementsReplaceTheDefaultList) {
  std::vector<api::Resource> configurations = {
      bgp_config("default",
                 "communities: [{name: gold, value: '65000:100'}], "
                 "prefixAdvertisements: [{cidr: 192.168.0.0/16, communities: [gold]}]"),
      bgp_config("node.b",
                 "communities: [{name: gold, value: '65000:200'}], "
                 "prefixAdvertisements: [{cidr: 192.168.1.0/24, communities: [gold]}]")};
  EXPECT_THAT(prefix_advertisements(configurations, "a"),
              ElementsAre(PrefixAdvertisement{prefix("192.168.0.0/16"), {"65000:100"}}));
  EXPECT_THAT(prefix_advertisements(configurations, "b"),
              ElementsAre(PrefixAdvertisement{prefix("192.168.1.0/24"), {"65000:200"}}));
}

struct PeerCase {
  std::string name;
  std::vector<api::Resource> peers;
  std::string self;
  std::vector<std::string> expected;
  std::vector<api::Resource> configurations = {
      bgp_config("default", "nodeToNodeMeshEnabled: false")};
};
void PrintTo(const PeerCase& c, std::ostream* os) {
  *os << c.name;
}

class BgpPeerTest : public ::testing::TestWithParam<PeerCase> {};

TEST_P(BgpPeerTest, Expansion) {
  const auto& c = GetParam();
  auto nodes = three_nodes();
  nodes.push_back(
      node("rr1", "ipv4Address: 10.0.1.1/24, routeReflectorClusterID: 224.0.0.1", "rr: 'true'"));
  nodes.push_back(
      node("rr2", "ipv4Address: 10.0.1.2/24, routeReflectorClusterID: 224.0.0.1", "rr: 'true'"));
  ClusterSnapshot snapshot{.node_name = c.self,
                           .nodes = nodes,
                           .bgp_peers = c.peers,
                           .bgp_configurations = c.configurations};
  EXPECT_THAT(summaries(calc(snapshot)), ElementsAreArray(c.expected));
}

INSTANTIATE_TEST_SUITE_P(
    Peers, BgpPeerTest,
    ::testing::Values(
        PeerCase{"global_peer_ip",
                 {peer("tor", "peerIP: 10.0.0.254, asNumber: 65100")},
                 "a",
                 {"Global_10_0_0_254 global 10.0.0.254:179 as 64512->65100"}},
        PeerCase{"peer_ip_with_port",
                 {peer("tor", "peerIP: '10.0.0.254:1790', asNumber: 65100"),
                  peer("tor6", "peerIP: '[fd00::fe]:1790', asNumber: 65100")},
                 "a",
                 // fd00::fe is skipped: a has no IPv6 address.
                 {"Global_10_0_0_254_port_1790 global 10.0.0.254:1790 as 64512->65100"}},
        PeerCase{"node_specific",
                 {peer("for-b", "node: b, peerIP: 10.0.0.254, asNumber: 65100"),
                  peer("rack1", "nodeSelector: rack == 'r1', peerIP: 10.0.0.253, asNumber: 65100"),
                  peer("rack2", "nodeSelector: rack == 'r2', peerIP: 10.0.0.252, asNumber: 65100")},
                 "b",
                 {"Node_10_0_0_253 node specific 10.0.0.253:179 as 64512->65100",
                  "Node_10_0_0_254 node specific 10.0.0.254:179 as 64512->65100"}},
        // A global peerSelector: Global_ sessions to the selected nodes (passive by the
        // address rule); the selected node peers back with everyone instead.
        PeerCase{"global_peer_selector",
                 {peer("sel", "peerSelector: rack == 'r2'")},
                 "b",
                 {"Global_10_0_0_10 global 10.0.0.10:179 as 64512->64512"}},
        PeerCase{"global_peer_selector_target",
                 {peer("sel", "peerSelector: rack == 'r2'")},
                 "c",
                 {"Node_10_0_0_2 node specific 10.0.0.2:179 as 64512->64512",
                  "Node_10_0_0_3 node specific 10.0.0.3:179 as 64512->64512",
                  "Node_10_0_1_1 node specific 10.0.1.1:179 as 64512->64512",
                  "Node_10_0_1_2 node specific 10.0.1.2:179 as 64512->64512"}},
        // The same address+port from a global and a node-specific BGPPeer: the global one.
        PeerCase{"global_wins_over_node_specific",
                 {peer("a-node", "node: a, peerIP: 10.0.0.254, asNumber: 65200"),
                  peer("z-global", "peerIP: 10.0.0.254, asNumber: 65100")},
                 "a",
                 {"Global_10_0_0_254 global 10.0.0.254:179 as 64512->65100"}},
        // peerIP of a Calico node: its listen port; passive by the address rule; and the
        // target peers back automatically.
        PeerCase{"global_peer_to_calico_node",
                 {peer("to-b", "peerIP: 10.0.0.3, asNumber: 64512")},
                 "a",
                 {"Global_10_0_0_3 global 10.0.0.3:1790 as 64512->64512 passive"},
                 {bgp_config("default", "nodeToNodeMeshEnabled: false, listenPort: 1790")}},
        PeerCase{"reverse_of_peer_ip",
                 {peer("to-b", "node: a, peerIP: 10.0.0.3, asNumber: 64512")},
                 "b",
                 {"Node_10_0_0_2 node specific 10.0.0.2:179 as 64512->64512"}},
        PeerCase{"no_reverse_when_manual",
                 {peer("to-b",
                       "node: a, peerIP: 10.0.0.3, asNumber: 64512, "
                       "reversePeering: Manual")},
                 "b",
                 {}},
        // Route reflection as Calico documents it: every node peers with the RRs; the RRs
        // get the reverse sessions and treat non-RR iBGP peers as clients; the RRs of one
        // cluster peer as ordinary iBGP.
        PeerCase{"rr_client_side",
                 {peer("to-rr", "nodeSelector: all(), peerSelector: rr == 'true'")},
                 "a",
                 {"Node_10_0_1_1 node specific 10.0.1.1:179 as 64512->64512",
                  "Node_10_0_1_2 node specific 10.0.1.2:179 as 64512->64512"}},
        PeerCase{"rr_side",
                 {peer("to-rr", "nodeSelector: all(), peerSelector: rr == 'true'")},
                 "rr1",
                 {"Node_10_0_0_10 node specific 10.0.0.10:179 as 64512->64512 rr-client 224.0.0.1",
                  "Node_10_0_0_2 node specific 10.0.0.2:179 as 64512->64512 rr-client 224.0.0.1",
                  "Node_10_0_0_3 node specific 10.0.0.3:179 as 64512->64512 rr-client 224.0.0.1",
                  "Node_10_0_1_2 node specific 10.0.1.2:179 as 64512->64512"}},
        // Mesh on for the others: clients still mesh among themselves, never with RRs.
        PeerCase{"rr_with_mesh",
                 {peer("to-rr", "nodeSelector: '!has(rr)', peerSelector: rr == 'true'")},
                 "a",
                 {"Mesh_10_0_0_10 node-to-node mesh 10.0.0.10:179 as 64512->64512",
                  "Mesh_10_0_0_3 node-to-node mesh 10.0.0.3:179 as 64512->64512 passive",
                  "Node_10_0_1_1 node specific 10.0.1.1:179 as 64512->64512",
                  "Node_10_0_1_2 node specific 10.0.1.2:179 as 64512->64512"},
                 {}},
        // An external iBGP router peered with an RR is a client; an eBGP one is not.
        PeerCase{"rr_external_peers",
                 {peer("tor", "node: rr1, peerIP: 10.0.0.254, asNumber: 64512"),
                  peer("tor2", "node: rr1, peerIP: 10.0.0.253, asNumber: 65100")},
                 "rr1",
                 {"Node_10_0_0_253 node specific 10.0.0.253:179 as 64512->65100",
                  "Node_10_0_0_254 node specific 10.0.0.254:179 as 64512->64512 rr-client "
                  "224.0.0.1"}},
        // An explicit BGPPeer to a meshed node replaces the mesh session to it.
        PeerCase{"explicit_peer_replaces_mesh_session",
                 {peer("to-b", "node: a, peerIP: 10.0.0.3, asNumber: 64512")},
                 "a",
                 {"Mesh_10_0_0_10 node-to-node mesh 10.0.0.10:179 as 64512->64512",
                  "Node_10_0_0_3 node specific 10.0.0.3:179 as 64512->64512"},
                 {}},
        // A global BGPPeer whose peerIP is this node: no session to itself, but, as its
        // target, sessions back to every node the BGPPeer applies to.
        PeerCase{"never_to_itself",
                 {peer("self", "peerIP: 10.0.0.2, asNumber: 64512")},
                 "a",
                 {"Node_10_0_0_10 node specific 10.0.0.10:179 as 64512->64512",
                  "Node_10_0_0_3 node specific 10.0.0.3:179 as 64512->64512",
                  "Node_10_0_1_1 node specific 10.0.1.1:179 as 64512->64512",
                  "Node_10_0_1_2 node specific 10.0.1.2:179 as 64512->64512"}}),
    [](const auto& test) { return test.param.name; });

TEST(DesiredBgpTest, PeerOptions) {
  ClusterSnapshot snapshot{
      .node_name = "a",
      .nodes = three_nodes(),
      .bgp_peers = {peer("ebgp-keep",
                         "peerIP: 10.0.0.250, asNumber: 65100, keepOriginalNextHop: true, "
                         "password: {secretKeyRef: {name: bgp, key: tor}}, "
                         "maxRestartTime: 10m, keepaliveTime: 20s, sourceAddress: None, "
                         "ttlSecurity: 2, numAllowedLocalASNumbers: 3, localASNumber: 65005, "
                         "reachableBy: 10.0.0.1"),
                    peer("ibgp-keep",
                         "peerIP: 10.0.0.251, asNumber: 64512, keepOriginalNextHop: true"),
                    peer("self", "peerIP: 10.0.0.252, asNumber: 64512, nextHopMode: Self"),
                    peer("keep", "peerIP: 10.0.0.253, asNumber: 64512, nextHopMode: Keep")},
      .bgp_configurations = {bgp_config("default", "nodeToNodeMeshEnabled: false")},
      .secrets = {{{"bgp", "tor"}, "md5pw"}}};
  auto bgp = calc(snapshot);
  const auto& ebgp = find(bgp, "Global_10_0_0_250");
  EXPECT_EQ(ebgp.local_as, 65005u);
  EXPECT_FALSE(ebgp.ibgp());
  EXPECT_EQ(ebgp.next_hop, NextHopMode::kKeep);
  EXPECT_EQ(ebgp.password, "md5pw");
  EXPECT_EQ(ebgp.restart_time, std::chrono::seconds(600));
  EXPECT_EQ(ebgp.keepalive_time, std::chrono::seconds(20));
  EXPECT_FALSE(ebgp.source_address);
  EXPECT_EQ(ebgp.ttl_security, 2);
  EXPECT_EQ(ebgp.allowed_local_as, 3);
  EXPECT_EQ(ebgp.reachable_by, ip("10.0.0.1"));
  EXPECT_EQ(ebgp.origin, "BGPPeer \"ebgp-keep\"");
  EXPECT_FALSE(ebgp.passive);
  // keepOriginalNextHop only acts on eBGP sessions; nextHopMode on any.
  EXPECT_EQ(find(bgp, "Global_10_0_0_251").next_hop, NextHopMode::kAuto);
  EXPECT_EQ(find(bgp, "Global_10_0_0_251").source_address, ip("10.0.0.2"));
  EXPECT_EQ(find(bgp, "Global_10_0_0_252").next_hop, NextHopMode::kSelf);
  EXPECT_EQ(find(bgp, "Global_10_0_0_253").next_hop, NextHopMode::kKeep);
}

TEST(DesiredBgpTest, FiltersResolvedPerFamily) {
  ClusterSnapshot snapshot{
      .node_name = "a",
      .nodes = {node("a", "ipv4Address: 10.0.0.2/24, ipv6Address: fd00::2/64")},
      .bgp_peers = {peer("tor", "peerIP: 10.0.0.254, asNumber: 65100, filters: [f1, missing]"),
                    peer("tor6", "peerIP: fd00::fe, asNumber: 65100, filters: [f1]")},
      .bgp_filters = {read(
          "kind: BGPFilter\nmetadata: {name: f1}\nspec:\n"
          "  exportV4:\n"
          "  - {action: Accept, cidr: 10.10.0.0/16, matchOperator: In, prefixLength: {max: 24},"
          " operations: [{addCommunity: {value: '65000:1'}}, {prependASPath: {prefix: [65000, "
          "65000]}},"
          " {setPriority: {value: 200}}]}\n"
          "  - {action: Reject}\n"
          "  importV4:\n"
          "  - {action: Reject, cidr: 0.0.0.0/0, matchOperator: Equal}\n"
          "  - {action: Accept, source: RemotePeers, peerType: eBGP, interface: 'eth*',"
          " communities: {values: ['65000:7']}, asPathPrefix: [65100], priority: 512}\n"
          "  importV6:\n"
          "  - {action: Reject, cidr: 'fd00:1::/48', matchOperator: NotIn}\n")}};
  auto bgp = calc(snapshot);
  const auto& v4 = find(bgp, "Global_10_0_0_254");
  ASSERT_EQ(v4.filters.size(), 1u);  // "missing" does not exist: warned about, skipped
  EXPECT_THAT(bgp.warnings, ElementsAre(HasSubstr("BGPFilter \"missing\", which does not exist")));
  const auto& f = v4.filters[0];
  EXPECT_EQ(f.name, "f1");
  ASSERT_EQ(f.export_rules.size(), 2u);
  const auto& first = f.export_rules[0];
  EXPECT_TRUE(first.accept);
  EXPECT_EQ(first.cidr, prefix("10.10.0.0/16"));
  EXPECT_EQ(first.max_length, 24);
  ASSERT_EQ(first.operations.size(), 3u);
  EXPECT_EQ(first.operations[0].community, "65000:1");
  EXPECT_THAT(first.operations[1].prepend, ElementsAre(65000u, 65000u));
  EXPECT_EQ(first.operations[2].priority, 200);
  EXPECT_TRUE(first.matches_prefix(prefix("10.10.1.0/24")));
  EXPECT_FALSE(first.matches_prefix(prefix("10.10.1.0/25")));  // longer than max
  EXPECT_FALSE(first.matches_prefix(prefix("10.11.0.0/24")));
  EXPECT_FALSE(f.export_rules[1].accept);
  EXPECT_TRUE(f.export_rules[1].matches_prefix(prefix("1.2.3.0/24")));  // no conditions

  ASSERT_EQ(f.import_rules.size(), 2u);
  EXPECT_TRUE(f.import_rules[0].matches_prefix(prefix("0.0.0.0/0")));
  EXPECT_FALSE(f.import_rules[0].matches_prefix(prefix("10.0.0.0/8")));
  const auto& second = f.import_rules[1];
  EXPECT_TRUE(second.only_from_remote_peers);
  EXPECT_EQ(second.ibgp, false);
  EXPECT_EQ(second.interface, "eth*");
  EXPECT_EQ(second.community, "65000:7");
  EXPECT_THAT(second.as_path_prefix, ElementsAre(65100u));
  EXPECT_EQ(second.priority, 512);

  const auto& v6 = find(bgp, "Global_fd00__fe");
  ASSERT_EQ(v6.filters.size(), 1u);
  EXPECT_TRUE(v6.filters[0].export_rules.empty());
  ASSERT_EQ(v6.filters[0].import_rules.size(), 1u);
  EXPECT_TRUE(v6.filters[0].import_rules[0].matches_prefix(prefix("fd00:2::/64")));
  EXPECT_FALSE(v6.filters[0].import_rules[0].matches_prefix(prefix("fd00:1:0:1::/64")));
}

TEST(DesiredBgpTest, HashedRouterIdIsConfds) {
  // SHA-256("node1") starts ca 12 f3 1b; SHA-256("n13") starts f4 f5 0d ed (244 > 223).
  EXPECT_EQ(hashed_router_id("node1"), ip("202.18.243.27"));
  EXPECT_EQ(hashed_router_id("n13"), ip("212.245.13.237"));
}

TEST(PeerDiffTest, OnlyWhatChangedIsTouched) {
  ClusterSnapshot snapshot{.node_name = "a",
                           .nodes = three_nodes(),
                           .bgp_peers = {peer("tor", "peerIP: 10.0.0.254, asNumber: 65100")}};
  const auto before = calc(snapshot).peers;
  EXPECT_TRUE(diff_peers(before, before).empty());

  // A new password on the ToR session, node c gone, a new node d.
  snapshot.bgp_peers = {peer(
      "tor", "peerIP: 10.0.0.254, asNumber: 65100, password: {secretKeyRef: {name: s, key: k}}")};
  snapshot.secrets = {{{"s", "k"}, "pw"}};
  snapshot.nodes = {three_nodes()[0], three_nodes()[1], node("d", "ipv4Address: 10.0.0.4/24")};
  auto changes = diff_peers(before, calc(snapshot).peers);
  auto keys = [](const std::vector<DesiredPeer>& peers) {
    std::vector<std::string> out;
    for (const auto& p : peers)
      out.push_back(p.key);
    return out;
  };
  EXPECT_THAT(keys(changes.added), ElementsAre("Mesh_10_0_0_4"));
  EXPECT_THAT(keys(changes.removed), ElementsAre("Mesh_10_0_0_10"));
  EXPECT_THAT(keys(changes.changed), ElementsAre("Global_10_0_0_254"));
  EXPECT_EQ(changes.changed[0].password, "pw");
}

TEST(DesiredBgpTest, PeerKeys) {
  EXPECT_EQ(peer_key(PeerType::kNodeMesh, ip("10.0.0.2"), std::nullopt), "Mesh_10_0_0_2");
  EXPECT_EQ(peer_key(PeerType::kGlobal, ip("fd00::1"), 1790), "Global_fd00__1_port_1790");
  EXPECT_EQ(peer_key(PeerType::kNodeSpecific, ip("10.0.0.1"), std::nullopt), "Node_10_0_0_1");
  EXPECT_EQ(peer_type_name(PeerType::kNodeSpecific), "node specific");
}

}  // namespace
}  // namespace tabby::agent
