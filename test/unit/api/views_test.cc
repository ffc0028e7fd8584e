#include "tabby/api/views.h"

#include <gmock/gmock.h>

#include "tabby/api/codec.h"

namespace tabby::api {
namespace {

Resource read(const std::string& text) {
  auto resource = parse_resource("apiVersion: projectcalico.org/v3\n" + text);
  if (!resource) ADD_FAILURE() << resource.error().message;
  return resource.ok() ? *resource : Resource{};
}

TEST(ViewsTest, IpPoolWithDefaults) {
  auto pool = ip_pool_view(read("kind: IPPool\nmetadata: {name: p}\nspec: {cidr: 10.0.0.0/16}"));
  EXPECT_EQ(pool.cidr.to_string(), "10.0.0.0/16");
  EXPECT_EQ(pool.block_size, 26);
  EXPECT_EQ(pool.ipip_mode, EncapMode::kNever);
  EXPECT_TRUE(pool.workload && pool.tunnel && !pool.load_balancer);
  EXPECT_TRUE(pool.node_selector.matches({}));
  EXPECT_FALSE(pool.manual_assignment);

  auto custom = ip_pool_view(
      read("kind: IPPool\nmetadata: {name: p}\nspec: {cidr: 10.0.0.0/16, ipipMode: CrossSubnet, "
           "natOutgoing: true, nodeSelector: rack == 'a', allowedUses: [Tunnel], blockSize: 28}"));
  EXPECT_EQ(custom.ipip_mode, EncapMode::kCrossSubnet);
  EXPECT_TRUE(custom.nat_outgoing);
  EXPECT_EQ(custom.block_size, 28);
  EXPECT_TRUE(custom.node_selector.matches({{"rack", "a"}}));
  EXPECT_FALSE(custom.node_selector.matches({{"rack", "b"}}));
  EXPECT_TRUE(custom.tunnel && !custom.workload);

  EXPECT_THROW(ip_pool_view(read("kind: BGPPeer\nmetadata: {name: p}\nspec: {}")),
               std::logic_error);
}

TEST(ViewsTest, BgpPeer) {
  auto peer = bgp_peer_view(
      read("kind: BGPPeer\nmetadata: {name: p}\nspec: {peerIP: \"[fd00::1]:1790\", asNumber: 1.10, "
           "maxRestartTime: 5m, password: {secretKeyRef: {name: s, key: k}}, filters: [f1]}"));
  EXPECT_TRUE(peer.global());
  ASSERT_TRUE(peer.peer_ip.has_value());
  EXPECT_EQ(peer.peer_ip->port, 1790);
  EXPECT_EQ(peer.as_number, 65546u);
  EXPECT_EQ(peer.max_restart_time, std::chrono::seconds(300));
  EXPECT_EQ(peer.password_secret_key, "k");
  EXPECT_TRUE(peer.source_address_node_ip);
  EXPECT_THAT(peer.filters, ::testing::ElementsAre("f1"));

  auto selected = bgp_peer_view(read(
      "kind: BGPPeer\nmetadata: {name: p}\nspec: {nodeSelector: has(rr), peerSelector: has(rr)}"));
  EXPECT_FALSE(selected.global());
  EXPECT_EQ(selected.max_restart_time, std::chrono::seconds(120));
  ASSERT_TRUE(selected.peer_selector.has_value());
  EXPECT_TRUE(selected.peer_selector->matches({{"rr", ""}}));
}

TEST(ViewsTest, BgpConfigurationLayersDefaultAndNode) {
  EXPECT_EQ(bgp_configuration_view({}, "n1").as_number, 64512u);
  EXPECT_TRUE(bgp_configuration_view({}, "n1").node_to_node_mesh);
  EXPECT_EQ(bgp_configuration_view({}, "n1").listen_port, 179);

  const std::vector<Resource> configurations = {
      read("kind: BGPConfiguration\nmetadata: {name: default}\nspec: {asNumber: 65000, "
           "nodeToNodeMeshEnabled: false, listenPort: 1179, logSeverityScreen: Debug, "
           "serviceClusterIPs: [{cidr: 10.96.0.0/12}]}"),
      read("kind: BGPConfiguration\nmetadata: {name: node.n1}\nspec: {listenPort: 2179}"),
      read("kind: BGPConfiguration\nmetadata: {name: node.n2}\nspec: {logSeverityScreen: Error}"),
  };
  auto n1 = bgp_configuration_view(configurations, "n1");
  EXPECT_EQ(n1.as_number, 65000u);
  EXPECT_FALSE(n1.node_to_node_mesh);
  EXPECT_EQ(n1.listen_port, 2179);
  EXPECT_EQ(n1.log_severity, "Debug");
  ASSERT_EQ(n1.service_cluster_ips.size(), 1u);
  EXPECT_EQ(n1.service_cluster_ips[0].to_string(), "10.96.0.0/12");
  auto n2 = bgp_configuration_view(configurations, "n2");
  EXPECT_EQ(n2.listen_port, 1179);
  EXPECT_EQ(n2.log_severity, "Error");
}

TEST(ViewsTest, NodeBgpAddressesAndSubnets) {
  auto node = node_bgp_view(
      read("kind: Node\nmetadata: {name: n1}\nspec: {bgp: {ipv4Address: 10.0.0.11/24, "
           "ipv6Address: \"fd00::11\", routeReflectorClusterID: 224.0.0.1}, "
           "ipv4VXLANTunnelAddr: 192.168.1.0}"));
  EXPECT_EQ(node.ipv4_address->to_string(), "10.0.0.11");
  EXPECT_EQ(node.ipv4_subnet->to_string(), "10.0.0.0/24");
  EXPECT_EQ(node.ipv6_address->to_string(), "fd00::11");
  EXPECT_FALSE(node.ipv6_subnet.has_value());
  EXPECT_FALSE(node.as_number.has_value());
  EXPECT_EQ(node.route_reflector_cluster_id->to_string(), "224.0.0.1");
  EXPECT_EQ(node.ipv4_vxlan_tunnel_addr->to_string(), "192.168.1.0");

  auto bare = node_bgp_view(read("kind: Node\nmetadata: {name: n2}\nspec: {}"));
  EXPECT_FALSE(bare.ipv4_address.has_value());
}

TEST(ViewsTest, ReservedPrefixes) {
  auto prefixes = reserved_prefixes(read(
      "kind: IPReservation\nmetadata: {name: r}\nspec: {reservedCIDRs: [10.0.0.0/30, 10.0.0.9, "
      "\"fd00::1/120\"]}"));
  ASSERT_EQ(prefixes.size(), 3u);
  EXPECT_EQ(prefixes[0].to_string(), "10.0.0.0/30");
  EXPECT_EQ(prefixes[1].to_string(), "10.0.0.9/32");
  EXPECT_EQ(prefixes[2].to_string(), "fd00::/120");
}

}  // namespace
}  // namespace tabby::api
