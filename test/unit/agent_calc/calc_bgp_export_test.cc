#include "tabby/agent/calc_bgp_export.h"

#include <gmock/gmock.h>

#include "calc_test_support.h"

namespace tabby::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using namespace testing;  // NOLINT: the test helpers

std::string summary(const OriginatedPrefix& p) {
  static const char* const kOrigins[] = {"block", "borrowed", "cluster-ips", "external-ips",
                                         "lb-ips"};
  std::string out = p.prefix.to_string() + " " + kOrigins[static_cast<int>(p.origin)];
  for (const auto& community : p.communities)
    out += " " + community;
  return out;
}

struct ExportCase {
  std::string name;
  std::vector<api::Resource> pools;
  std::vector<AffinityRecord> affinities;
  std::vector<api::AllocationBlock> blocks;
  std::vector<api::Resource> configurations;
  std::vector<std::string> advertised;
  std::vector<std::string> blackholes;
  std::string node_labels = "";
};
void PrintTo(const ExportCase& c, std::ostream* os) {
  *os << c.name;
}

class ExportTest : public ::testing::TestWithParam<ExportCase> {};

TEST_P(ExportTest, AdvertisedPrefixes) {
  const auto& c = GetParam();
  ClusterSnapshot snapshot{
      .node_name = "a",
      .nodes = {node("a", "ipv4Address: 10.0.0.2/24, ipv6Address: fd00::2/64", c.node_labels),
                node("b", "ipv4Address: 10.0.0.3/24")},
      .ip_pools = c.pools,
      .bgp_configurations = c.configurations,
      .affinities = c.affinities,
      .blocks = c.blocks};
  auto bgp = desired_bgp(snapshot).value();
  auto exports = bgp_export(snapshot, bgp);
  std::vector<std::string> advertised, blackholes;
  for (const auto& p : exports.advertised)
    advertised.push_back(summary(p));
  for (const auto& b : exports.blackholes)
    blackholes.push_back(b.to_string());
  EXPECT_THAT(advertised, ElementsAreArray(c.advertised));
  EXPECT_THAT(blackholes, ElementsAreArray(c.blackholes));
}

const AffinityRecord kConfirmed{"a", prefix("192.168.1.0/26"), api::AffinityState::kConfirmed};

INSTANTIATE_TEST_SUITE_P(
    Export, ExportTest,
    ::testing::Values(
        // Confirmed blocks are advertised whole; pending ones are not; pending deletion
        // keeps its blackhole; a host-size block gets no blackhole; other nodes' blocks no.
        ExportCase{"affine_blocks",
                   {pool("p", "cidr: 192.168.0.0/16, ipipMode: Always")},
                   {kConfirmed,
                    {"a", prefix("192.168.1.64/26"), api::AffinityState::kPending},
                    {"a", prefix("192.168.1.128/26"), api::AffinityState::kPendingDeletion},
                    {"a", prefix("192.168.2.7/32"), api::AffinityState::kConfirmed},
                    {"b", prefix("192.168.3.0/26"), api::AffinityState::kConfirmed}},
                   {},
                   {},
                   {"192.168.1.0/26 block", "192.168.2.7/32 block"},
                   {"192.168.1.0/26", "192.168.1.128/26"}},
        // Our own pods' addresses are never advertised alone; an address borrowed from
        // b's block is, as a /32; tunnel addresses are not workload routes.
        ExportCase{"borrowed",
                   {pool("p", "cidr: 192.168.0.0/16")},
                   {kConfirmed},
                   {block("192.168.1.0/26", "a", {{1, "a"}}),
                    block("192.168.3.0/26", "b", {{1, "b"}, {5, "a"}}),
                    block("192.168.4.0/26", "b", {{9, "a"}}, "ipipTunnelAddress")},
                   {},
                   {"192.168.1.0/26 block", "192.168.3.5/32 borrowed"},
                   {"192.168.1.0/26"}},
        // A disabled pool still exports (only disableBGPExport stops it, as in Calico).
        ExportCase{"disabled_pool_still_exports",
                   {pool("p", "cidr: 192.168.0.0/16, disabled: true")},
                   {kConfirmed},
                   {block("192.168.3.0/26", "b", {{5, "a"}})},
                   {},
                   {"192.168.1.0/26 block", "192.168.3.5/32 borrowed"},
                   {"192.168.1.0/26"}},
        ExportCase{"disable_bgp_export",
                   {pool("p", "cidr: 192.168.0.0/16, disableBGPExport: true"),
                    pool("q", "cidr: 172.16.0.0/16")},
                   {kConfirmed, {"a", prefix("172.16.0.0/26"), api::AffinityState::kConfirmed}},
                   {block("192.168.3.0/26", "b", {{5, "a"}})},
                   {},
                   {"172.16.0.0/26 block"},
                   {"172.16.0.0/26", "192.168.1.0/26"}},
        // A borrowed address outside every pool is not Calico's to advertise.
        ExportCase{"borrowed_outside_pools",
                   {},
                   {},
                   {block("192.168.3.0/26", "b", {{5, "a"}})},
                   {},
                   {},
                   {}},
        // Service ranges: cluster IPs; external and LB ranges but not single addresses.
        ExportCase{
            "service_ranges",
            {},
            {},
            {},
            {bgp_config("default",
                        "serviceClusterIPs: [{cidr: 10.96.0.0/12}, {cidr: 'fd00:96::/108'}], "
                        "serviceExternalIPs: [{cidr: 192.0.2.0/24}, {cidr: 192.0.3.1}], "
                        "serviceLoadBalancerIPs: [{cidr: 198.51.100.0/24}]")},
            {"10.96.0.0/12 cluster-ips", "192.0.2.0/24 external-ips", "198.51.100.0/24 lb-ips",
             "fd00:96::/108 cluster-ips"},
            {"10.96.0.0/12", "192.0.2.0/24", "198.51.100.0/24", "fd00:96::/108"}},
        ExportCase{"service_lb_without_aggregation",
                   {},
                   {},
                   {},
                   {bgp_config("default",
                               "serviceLoadBalancerIPs: [{cidr: 198.51.100.0/24}], "
                               "serviceLoadBalancerAggregation: Disabled")},
                   {},
                   {}},
        ExportCase{"excluded_node_advertises_no_services",
                   {},
                   {},
                   {},
                   {bgp_config("default", "serviceClusterIPs: [{cidr: 10.96.0.0/12}]")},
                   {},
                   {},
                   "'node.kubernetes.io/exclude-from-external-load-balancers': 'true'"},
        // Communities from every prefixAdvertisement containing the prefix.
        ExportCase{
            "communities",
            {pool("p", "cidr: 192.168.0.0/16")},
            {kConfirmed},
            {block("192.168.3.0/26", "b", {{5, "a"}})},
            {bgp_config("default",
                        "communities: [{name: pods, value: '65000:100'}], "
                        "prefixAdvertisements: [{cidr: 192.168.0.0/16, communities: [pods]},"
                        " {cidr: 192.168.1.0/24, communities: ['65000:1:1']}]")},
            {"192.168.1.0/26 block 65000:100 65000:1:1", "192.168.3.5/32 borrowed 65000:100"},
            {"192.168.1.0/26"}}),
    [](const auto& test) { return test.param.name; });

TEST(ExportTest, ServiceRangesAreNeverProgrammedFromBgp) {
  ClusterSnapshot snapshot{
      .node_name = "a",
      .nodes = {node("a", "ipv4Address: 10.0.0.2/24",
                     "'node.kubernetes.io/exclude-from-external-load-balancers': 'true'")},
      .bgp_configurations = {bgp_config("default", "serviceClusterIPs: [{cidr: 10.96.0.0/12}]")}};
  auto exports = bgp_export(snapshot, desired_bgp(snapshot).value());
  EXPECT_THAT(exports.kernel_reject, ElementsAre(prefix("10.96.0.0/12")));
}

// The device a BGPFilter `interface` rule sees: a borrowed address's pod interface; blocks
// and service ranges are blackholes, without one.
TEST(ExportTest, BorrowedAddressesCarryTheirPodsInterface) {
  ClusterSnapshot snapshot{
      .node_name = "a",
      .nodes = {node("a", "ipv4Address: 10.0.0.2/24"), node("b", "ipv4Address: 10.0.0.3/24")},
      .ip_pools = {pool("p", "cidr: 192.168.0.0/16")},
      .bgp_configurations = {bgp_config("default", "serviceClusterIPs: [{cidr: 10.96.0.0/12}]")},
      .affinities = {kConfirmed},
      .blocks = {block("192.168.1.0/26", "a", {{1, "a"}}),
                 block("192.168.3.0/26", "b", {{5, "a"}})},
      .workload_interfaces = {{prefix("192.168.1.1/32"), "cali1111111111a"},
                              {prefix("192.168.3.5/32"), "cali3333333333b"}}};
  auto exports = bgp_export(snapshot, desired_bgp(snapshot).value());
  std::vector<std::string> tagged;
  for (const auto& p : exports.advertised)
    tagged.push_back(p.prefix.to_string() + " [" + p.interface + "]");
  EXPECT_THAT(tagged, ElementsAre("10.96.0.0/12 []", "192.168.1.0/26 []",
                                  "192.168.3.5/32 [cali3333333333b]"));
}

struct DecisionCase {
  std::string name;
  ExportCandidate candidate;
  bool accept;
  std::string reason;
};
void PrintTo(const DecisionCase& c, std::ostream* os) {
  *os << c.name;
}

class DecideExportTest : public ::testing::TestWithParam<DecisionCase> {};

TEST_P(DecideExportTest, CalicosExportFilter) {
  ExportPolicy policy{
      .export_disabled_pools = {prefix("172.16.0.0/16")},
      .prefix_advertisements = {},
      .aggregated_blocks = {prefix("192.168.1.0/26")},
      .static_routes = {prefix("10.96.0.0/12")},
      .reflected_service_ranges = {prefix("198.51.100.0/24")},
      .pools = {prefix("192.168.0.0/16")},
  };
  const auto& c = GetParam();
  auto decision = decide_export(policy, c.candidate);
  EXPECT_EQ(decision.accept, c.accept);
  EXPECT_EQ(decision.reason, c.reason);
}

INSTANTIATE_TEST_SUITE_P(
    Rules, DecideExportTest,
    ::testing::Values(
        DecisionCase{"disabled_export",
                     {.prefix = prefix("172.16.1.0/26")},
                     false,
                     "inside a pool with disableBGPExport"},
        DecisionCase{"tunnel_route_ibgp",
                     {.prefix = prefix("192.168.5.0/26"), .interface = "vxlan.calico"},
                     false,
                     "through a tunnel device, not re-advertised inside the AS"},
        DecisionCase{
            "tunnel_route_ebgp",
            {.prefix = prefix("192.168.5.0/26"), .interface = "tunl0", .ibgp_session = false},
            true,
            "inside an IP pool"},
        DecisionCase{"own_block",
                     {.prefix = prefix("192.168.1.0/26")},
                     true,
                     "an affine block of this node"},
        DecisionCase{"own_pod",
                     {.prefix = prefix("192.168.1.5/32")},
                     false,
                     "inside an affine block of this node, which is advertised whole"},
        DecisionCase{"elevated_own_pod",
                     {.prefix = prefix("192.168.1.5/32"), .metric = 512},
                     true,
                     "an elevated-priority route inside an affine block"},
        DecisionCase{"service_range", {.prefix = prefix("10.96.0.0/12")}, true, "a service range"},
        DecisionCase{"reflected_lb_ip",
                     {.prefix = prefix("198.51.100.7/32"), .learned_from_bgp = true},
                     true,
                     "a service address reflected by this route reflector"},
        DecisionCase{"reflected_block",
                     {.prefix = prefix("192.168.9.0/26"), .learned_from_bgp = true},
                     true,
                     "inside an IP pool"},
        DecisionCase{"tor_default_route",
                     {.prefix = prefix("0.0.0.0/0"), .learned_from_bgp = true},
                     false,
                     "not Calico's to advertise"},
        DecisionCase{
            "host_subnet", {.prefix = prefix("10.0.0.0/24")}, false, "not Calico's to advertise"}),
    [](const auto& test) { return test.param.name; });

TEST(BorrowedAddressesTest, FromOtherNodesBlocksOnly) {
  std::vector<api::AllocationBlock> blocks = {
      block("192.168.1.0/26", "a", {{1, "a"}, {2, "b"}}),
      block("192.168.2.0/26", "", {{3, "a"}}),  // no affinity at all
      block("fd00:1::/122", "b", {{4, "a"}})};
  EXPECT_THAT(borrowed_addresses(blocks, "a"),
              ElementsAre(prefix("192.168.2.3/32"), prefix("fd00:1::4/128")));
  EXPECT_THAT(borrowed_addresses(blocks, "b"), ElementsAre(prefix("192.168.1.2/32")));
}

TEST(AllocationsTest, AddressesNodesAndTunnels) {
  auto b = block("192.168.1.0/30", "a", {{0, "a"}, {2, "b"}}, "vxlanTunnelAddress");
  b.allocations[1] = 7;  // a dangling attribute index: skipped, not a crash
  auto list = allocations(b);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].address, ip("192.168.1.0"));
  EXPECT_EQ(list[0].node, "a");
  EXPECT_TRUE(list[0].tunnel);
  EXPECT_EQ(list[1].address, ip("192.168.1.2"));
  EXPECT_EQ(list[1].node, "b");
}

}  // namespace
}  // namespace tabby::agent
