// calico-node's start-up sequence on the in-memory datastore: addresses, conflicts, the Node
// resource, default pools and objects, tunnel addresses.

#include "tabby/agent/startup.h"

#include <gmock/gmock.h>

#include "tabby/api/codec.h"
#include "tabby/api/datastore_memory.h"
#include "tabby/api/resource_store.h"
#include "tabby/api/views.h"

namespace tabby::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Mode = AddressSetting::Mode;

IpPrefix prefix(const char* text) {
  return *IpPrefix::parse(text);
}
HostAddress host_address(const char* address, int length) {
  return {.address = *IpAddress::parse(address), .prefix_length = length};
}
DetectedAddress detected(const char* interface, const char* address, int length) {
  return {.interface = interface, .address = *IpAddress::parse(address), .prefix_length = length};
}
AddressSetting explicit_address(const char* address, std::optional<int> length = std::nullopt) {
  return {.mode = Mode::kExplicit, .address = *IpAddress::parse(address), .prefix_length = length};
}

class StartupTest : public ::testing::Test {
 protected:
  StartupTest()
      : memory_(api::make_memory_store()), datastore_(api::open_memory_datastore(memory_)) {
    settings_.node_name = "node-a";
    const HostInterface eth0{
        .index = 2,
        .name = "eth0",
        .up = true,
        .addresses = {host_address("10.0.0.5", 24), host_address("fd00::5", 64)}};
    host_.all_interfaces = {{.index = 1,
                             .name = "lo",
                             .up = true,
                             .loopback = true,
                             .addresses = {host_address("127.0.0.1", 8)}},
                            eth0};
    host_.node_interfaces = {eth0};
    host_.autodetect =
        [this](IpFamily family,
               const std::vector<NodeAddress>& node_addresses) -> Result<DetectedAddress> {
      ++autodetections_;
      node_addresses_seen_ = node_addresses;
      if (family == IpFamily::kV4 && detected_v4_) return *detected_v4_;
      if (family == IpFamily::kV6 && detected_v6_) return *detected_v6_;
      return Error{"no interface matches first-found"};
    };
    host_.sleep = [this](std::chrono::milliseconds) { ++sleeps_; };
    host_.random_byte = [] { return std::uint8_t{0xab}; };
  }

  api::ResourceStore store() { return api::ResourceStore(*datastore_); }
  void apply(const std::string& yaml) {
    auto applied = store().apply(*api::parse_resource(yaml));
    ASSERT_TRUE(applied.ok()) << applied.error().message;
  }
  api::Resource node(const std::string& name = "node-a") {
    return store().get(api::Kind::kNode, "", name).value();
  }
  std::vector<std::string> pool_names() {
    std::vector<std::string> names;
    const api::ResourceList pools = store().list(api::Kind::kIPPool).value();
    for (const auto& pool : pools.items)
      names.push_back(pool.metadata.name + "=" + api::ip_pool_view(pool).cidr.to_string());
    return names;
  }

  std::shared_ptr<api::MemoryStore> memory_;
  std::unique_ptr<api::Datastore> datastore_;
  StartupSettings settings_;
  StartupHost host_;
  std::optional<DetectedAddress> detected_v4_ = detected("eth0", "10.0.0.5", 24);
  std::optional<DetectedAddress> detected_v6_ = detected("eth0", "fd00::5", 64);
  int autodetections_ = 0;
  std::vector<NodeAddress> node_addresses_seen_;
  int sleeps_ = 0;
};

TEST_F(StartupTest, AFirstStartDetectsTheAddressWritesTheNodeAndCreatesTheDefaults) {
  auto outcome = run_startup(*datastore_, settings_, host_);
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  const api::Resource stored = node();
  EXPECT_EQ(stored.spec["bgp"]["ipv4Address"], "10.0.0.5/24");
  EXPECT_FALSE(stored.spec["bgp"].contains("ipv6Address"));  // IP6 unset: never autodetected
  EXPECT_EQ(stored.spec["interfaces"][0]["name"], "eth0");
  EXPECT_EQ(stored.spec["interfaces"][0]["addresses"], api::Json::array({"10.0.0.5"}));
  EXPECT_THAT(outcome->created_pools, ElementsAre("default-ipv4-ippool", "default-ipv6-ippool"));
  EXPECT_THAT(pool_names(), ElementsAre("default-ipv4-ippool=192.168.0.0/16",
                                        "default-ipv6-ippool=fdab:abab:abab::/48"));
  const auto v4_pool = store().get(api::Kind::kIPPool, "", "default-ipv4-ippool").value();
  EXPECT_EQ(v4_pool.spec["natOutgoing"], true);
  EXPECT_EQ(v4_pool.spec["blockSize"], 26);
  EXPECT_TRUE(store().get(api::Kind::kBGPConfiguration, "", "default").ok());
  EXPECT_EQ(store().get(api::Kind::kFelixConfiguration, "", "default")->spec["reportingInterval"],
            "0s");
  EXPECT_FALSE(outcome->ipip_tunnel_address);  // the default pool has ipipMode Never
}

TEST_F(StartupTest, AnIpipPoolGivesTheNodeATunnelAddress) {
  settings_.ipv4_pool.ipip = EncapsulationMode::kAlways;
  settings_.ipv4_pool.cidr_source = PoolSettings::CidrSource::kEnvironment;
  settings_.ipv4_pool.cidr = prefix("10.244.0.0/16");
  auto outcome = run_startup(*datastore_, settings_, host_);
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  ASSERT_TRUE(outcome->ipip_tunnel_address);
  EXPECT_TRUE(prefix("10.244.0.0/16").contains(*outcome->ipip_tunnel_address));
  EXPECT_EQ(outcome->node.spec["bgp"]["ipv4IPIPTunnelAddr"],
            outcome->ipip_tunnel_address->to_string());
}

TEST_F(StartupTest, TheVxlanBackendGetsAVxlanTunnelAddressAndMac) {
  settings_.backend = NetworkingBackend::kVxlan;
  settings_.ipv4_pool.vxlan = EncapsulationMode::kAlways;
  auto outcome = run_startup(*datastore_, settings_, host_);
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  ASSERT_TRUE(outcome->vxlan_tunnel_address);
  EXPECT_EQ(outcome->node.spec["ipv4VXLANTunnelAddr"], outcome->vxlan_tunnel_address->to_string());
}

TEST_F(StartupTest, TheDefaultPoolMovesOutOfTheWayOfAHostAddress) {
  host_.all_interfaces.push_back({.name = "eth1", .addresses = {host_address("192.168.1.4", 24)}});
  host_.all_interfaces.push_back({.name = "eth2", .addresses = {host_address("172.16.9.1", 24)}});
  EXPECT_EQ(default_ipv4_pool_cidr(host_.all_interfaces), prefix("172.17.0.0/16"));
  ASSERT_TRUE(run_startup(*datastore_, settings_, host_).ok());
  EXPECT_THAT(pool_names()[0], "default-ipv4-ippool=172.17.0.0/16");
}

TEST_F(StartupTest, NoPoolIsCreatedForAFamilyThatHasOneAlready) {
  apply(
      "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: mine}\n"
      "spec: {cidr: 10.10.0.0/16}\n");
  settings_.ipv6_supported = false;
  auto outcome = run_startup(*datastore_, settings_, host_);
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_TRUE(outcome->created_pools.empty());
  EXPECT_THAT(pool_names(), ElementsAre("mine=10.10.0.0/16"));
}

TEST_F(StartupTest, NoDefaultPoolsWithAPoolCidrIsAnError) {
  settings_.no_default_pools = true;
  EXPECT_TRUE(run_startup(*datastore_, settings_, host_).ok());
  EXPECT_TRUE(pool_names().empty());
  settings_.ipv4_pool.cidr_source = PoolSettings::CidrSource::kEnvironment;
  settings_.ipv4_pool.cidr = prefix("10.1.0.0/16");
  auto outcome = run_startup(*datastore_, settings_, host_);
  ASSERT_FALSE(outcome.ok());
  EXPECT_THAT(outcome.error().message, HasSubstr("NO_DEFAULT_POOLS"));
}

TEST_F(StartupTest, AnInvalidPoolSettingIsReportedWithTheResourceAndField) {
  settings_.ipv4_pool.ipip = EncapsulationMode::kAlways;
  settings_.ipv4_pool.vxlan = EncapsulationMode::kAlways;
  auto outcome = run_startup(*datastore_, settings_, host_);
  ASSERT_FALSE(outcome.ok());
  EXPECT_THAT(outcome.error().message, HasSubstr("IPPool \"default-ipv4-ippool\""));
}

TEST_F(StartupTest, AnAddressAnotherNodeUsesStopsTheStart) {
  apply(
      "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: node-b}\n"
      "spec: {bgp: {ipv4Address: 10.0.0.5/24}}\n");
  auto outcome = run_startup(*datastore_, settings_, host_);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().message,
            "IPv4 address conflict: node \"node-b\" already uses 10.0.0.5");
  settings_.disable_node_ip_check = true;
  EXPECT_TRUE(run_startup(*datastore_, settings_, host_).ok());
}

// With no Kubernetes API, kubernetes-internal-ip reads the stored Node's InternalIP entries:
// start-up passes them to autodetection (here the real method over the fixture's host).
TEST_F(StartupTest, KubernetesInternalIpTakesTheStoredNodesInternalIp) {
  const HostInterface eth1{
      .index = 3, .name = "eth1", .up = true, .addresses = {host_address("10.1.0.7", 16)}};
  host_.all_interfaces.push_back(eth1);
  host_.node_interfaces.push_back(eth1);
  const auto method = parse_autodetection_method("kubernetes-internal-ip", IpFamily::kV4);
  ASSERT_TRUE(method.ok());
  host_.autodetect = [&](IpFamily family, const std::vector<NodeAddress>& node_addresses) {
    return detect_address(*method, family, host_.all_interfaces,
                          {.kubernetes_addresses = node_addresses});
  };
  apply(
      "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: node-a}\n"
      "spec: {addresses: [{address: 10.0.0.5/24, type: CalicoNodeIP}, "
      "{address: 10.1.0.7, type: InternalIP}]}\n");
  auto outcome = run_startup(*datastore_, settings_, host_);
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(node().spec["bgp"]["ipv4Address"], "10.1.0.7/16");
}

// The fixture's detector sees what configure_node passed: the Node's spec.addresses.
TEST_F(StartupTest, AutodetectionIsGivenTheStoredNodesAddresses) {
  apply(
      "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: node-a}\n"
      "spec: {addresses: [{address: 10.0.0.5, type: InternalIP}]}\n");
  ASSERT_TRUE(configure_node(*datastore_, settings_, host_).ok());
  ASSERT_EQ(node_addresses_seen_.size(), 1U);
  EXPECT_EQ(node_addresses_seen_[0].address, "10.0.0.5");
  EXPECT_EQ(node_addresses_seen_[0].type, "InternalIP");
}

// monitor-addresses: a re-detected address another node has clears ours and stops the agent
// (calico-node exits); a failed detection only warns and keeps the address.
TEST_F(StartupTest, ReDetectingAnotherNodesAddressStopsTheAgent) {
  settings_.ipv4.mode = Mode::kAutodetect;
  ASSERT_TRUE(run_startup(*datastore_, settings_, host_).ok());
  EXPECT_EQ(redetect_node_address(*datastore_, settings_, host_).message, "");
  apply(
      "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: node-b}\n"
      "spec: {bgp: {ipv4Address: 10.0.0.7/24}}\n");

  detected_v4_.reset();
  const AddressRedetection failed = redetect_node_address(*datastore_, settings_, host_);
  EXPECT_FALSE(failed.stop);
  EXPECT_EQ(failed.message, "");  // logged as a warning by configure_node
  EXPECT_EQ(node().spec["bgp"]["ipv4Address"], "10.0.0.5/24");

  detected_v4_ = detected("eth0", "10.0.0.7", 24);
  const AddressRedetection clash = redetect_node_address(*datastore_, settings_, host_);
  EXPECT_TRUE(clash.stop);
  EXPECT_THAT(clash.message,
              HasSubstr("this node's new IPv4 address 10.0.0.7 is already used by node "
                        "\"node-b\": stopping"));
  EXPECT_FALSE(node().spec.contains("bgp") && node().spec["bgp"].contains("ipv4Address"));
}

TEST_F(StartupTest, AFailedAutodetectionKeepsTheStoredAddressOrStopsWithoutOne) {
  detected_v4_.reset();
  auto first = run_startup(*datastore_, settings_, host_);
  ASSERT_FALSE(first.ok());
  EXPECT_THAT(first.error().message,
              HasSubstr("failed to autodetect an IPv4 address: no interface matches"));
  apply(
      "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: node-a}\n"
      "spec: {bgp: {ipv4Address: 10.0.0.9/24}}\n");
  auto second = run_startup(*datastore_, settings_, host_);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(node().spec["bgp"]["ipv4Address"], "10.0.0.9/24");
}

TEST_F(StartupTest, AnUnsetIpKeepsTheStoredAddressWithoutDetecting) {
  apply(
      "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: node-a, labels: {r: x}}\n"
      "spec: {bgp: {ipv4Address: 10.0.0.9/24, routeReflectorClusterID: 1.0.0.1}}\n");
  settings_.ipv4.mode = Mode::kUnset;
  ASSERT_TRUE(run_startup(*datastore_, settings_, host_).ok());
  EXPECT_EQ(autodetections_, 0);
  const api::Resource stored = node();
  EXPECT_EQ(stored.spec["bgp"]["ipv4Address"], "10.0.0.9/24");
  EXPECT_EQ(stored.spec["bgp"]["routeReflectorClusterID"], "1.0.0.1");  // merged, not replaced
  EXPECT_EQ(stored.metadata.labels.at("r"), "x");
}

TEST_F(StartupTest, AnExplicitAddressTakesItsInterfacePrefixOrBecomesAHostRoute) {
  settings_.ipv4 = explicit_address("10.0.0.5");
  ASSERT_TRUE(run_startup(*datastore_, settings_, host_).ok());
  EXPECT_EQ(node().spec["bgp"]["ipv4Address"], "10.0.0.5/24");
  settings_.ipv4 = explicit_address("10.9.9.9");
  ASSERT_TRUE(run_startup(*datastore_, settings_, host_).ok());
  EXPECT_EQ(node().spec["bgp"]["ipv4Address"], "10.9.9.9/32");
  settings_.ipv4 = explicit_address("10.9.9.9", 16);
  ASSERT_TRUE(run_startup(*datastore_, settings_, host_).ok());
  EXPECT_EQ(node().spec["bgp"]["ipv4Address"], "10.9.9.9/16");
}

TEST_F(StartupTest, Ip6AutodetectAndAsAreStored) {
  settings_.ipv6.mode = Mode::kAutodetect;
  settings_.as_number = 65001;
  ASSERT_TRUE(run_startup(*datastore_, settings_, host_).ok());
  const api::Resource stored = node();
  EXPECT_EQ(stored.spec["bgp"]["ipv6Address"], "fd00::5/64");
  EXPECT_EQ(stored.spec["bgp"]["asNumber"], 65001);
  EXPECT_EQ(stored.spec["interfaces"][0]["addresses"], api::Json::array({"10.0.0.5", "fd00::5"}));
}

TEST_F(StartupTest, NoAddressAtAllStopsTheStartUnlessTheBackendIsNone) {
  settings_.ipv4.mode = Mode::kNone;
  auto outcome = run_startup(*datastore_, settings_, host_);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().message, "no IPv4 or IPv6 addresses configured or detected");
  settings_.backend = NetworkingBackend::kNone;
  EXPECT_TRUE(run_startup(*datastore_, settings_, host_).ok());
}

TEST_F(StartupTest, ARestartWithNothingChangedWritesNothing) {
  ASSERT_TRUE(run_startup(*datastore_, settings_, host_).ok());
  const std::string version = node().metadata.resource_version;
  ASSERT_TRUE(run_startup(*datastore_, settings_, host_).ok());
  EXPECT_EQ(node().metadata.resource_version, version);
}

TEST_F(StartupTest, EtcdGetsAPerNodeFelixConfiguration) {
  settings_.etcd_datastore = true;
  ASSERT_TRUE(run_startup(*datastore_, settings_, host_).ok());
  EXPECT_EQ(store()
                .get(api::Kind::kFelixConfiguration, "", "node.node-a")
                ->spec["defaultEndpointToHostAction"],
            "Return");
}

TEST_F(StartupTest, AnEmptyNodeNameIsRefused) {
  settings_.node_name.clear();
  auto outcome = run_startup(*datastore_, settings_, host_);
  ASSERT_FALSE(outcome.ok());
  EXPECT_THAT(outcome.error().message, HasSubstr("NODENAME"));
}

}  // namespace
}  // namespace tabby::agent
