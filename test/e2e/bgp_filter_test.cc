// BGPFilter against a real router: one tabby node peered with an FRR top-of-rack router
// through a BGPPeer that carries a BGPFilter, checked as a user checks it. On export the
// filter tags the node's block with communities and prepends to its AS path, which FRR's
// `show bgp ... json` must show; on import it matches on FRR's communities and AS path, which
// decides which of FRR's routes reach the node's kernel.

#include <gmock/gmock.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cluster.h"
#include "tabby/lab/lab_test.h"

namespace tabby::e2e {
namespace {

using lab::eventually;
using nlohmann::json;
using namespace std::chrono_literals;

// The ToR (AS 65000) originates two prefixes tagged with different communities (network
// statements without the import check: the lab runs bgpd alone, no zebra routes to check).
const std::vector<std::string> kTorRoutes = {
    "route-map tag-666 permit 10",
    " set community 65000:666",
    "route-map tag-large permit 10",
    " set community 65000:100",
    " set large-community 65000:1:100",
    "router bgp 65000",
    " no bgp network import-check",
    " address-family ipv4 unicast",
    "  network 198.51.100.0/24 route-map tag-666",
    "  network 203.0.113.0/24 route-map tag-large",
};

// Export: the node's pool routes get two communities and a prepend, only toward eBGP and only
// at the normal priority (which is what the node's own routes carry). Import: a rule whose
// AS path does not match must not fire; then routes from AS 65000 with 65000:666 are refused
// and those with the large community accepted.
constexpr const char* kFilters = R"(apiVersion: projectcalico.org/v3
kind: BGPFilter
metadata: {name: tor-policy}
spec:
  exportV4:
  - cidr: 10.244.0.0/16
    matchOperator: In
    peerType: eBGP
    priority: 1024
    action: Accept
    operations:
    - addCommunity: {value: "64512:42"}
    - prependASPath: {prefix: [64512, 64999]}
    - addCommunity: {value: "64512:1:2"}
  importV4:
  - asPathPrefix: [65099]
    action: Reject
  - asPathPrefix: [65000]
    communities: {values: ["65000:666"]}
    action: Reject
  - communities: {values: ["65000:1:100"]}
    peerType: eBGP
    action: Accept
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: {name: tor}
spec: {peerIP: 10.0.0.1, asNumber: 65000, filters: [tor-policy]}
)";

class BgpFilterTest : public lab::LabTest {};

// FRR's best path for `prefix`, or null.
json tor_path(const Cluster& cluster, const std::string& prefix) {
  const auto shown = cluster.tor_router()->vtysh("show bgp ipv4 unicast " + prefix + " json");
  if (!shown.ok()) return nullptr;
  const json route = json::parse(shown.output, nullptr, false);
  if (route.is_discarded() || !route.contains("paths") || route["paths"].empty()) return nullptr;
  return route["paths"][0];
}

TEST_F(BgpFilterTest, ExportOperationsAndImportMatchesWithFrr) {
  Cluster cluster(lab(), {.nodes = 1, .pods_per_node = 1},
                  Binaries{TABBY_NODE_BINARY, TABBYCTL_BINARY, TABBY_CNI_DIR}, std::cout);
  cluster.start();
  cluster.add_pods();
  const std::string pod = cluster.pods().at(0).address;
  // The pod's /26: the address with the last octet's low 6 bits cleared.
  const int last = std::stoi(pod.substr(pod.rfind('.') + 1));
  const std::string block_prefix =
      pod.substr(0, pod.rfind('.') + 1) + std::to_string(last & ~63) + "/26";
  ASSERT_TRUE(eventually([&] { return !tor_path(cluster, block_prefix).is_null(); }, 30s))
      << "FRR never learned " << block_prefix << "\n"
      << cluster.tor_router()->vtysh("show bgp ipv4 unicast").output;
  // Without a filter: Calico's export as is, the path just our AS, no communities.
  json before = tor_path(cluster, block_prefix);
  EXPECT_EQ(before["aspath"]["string"], "64512") << before.dump();
  EXPECT_FALSE(before.contains("community")) << before.dump();

  const auto configured = cluster.tor_router()->configure(kTorRoutes);
  ASSERT_TRUE(configured.ok()) << configured.output;
  const auto file = lab().dir() / "filters.yaml";
  std::ofstream(file) << kFilters;
  const auto applied = cluster.tabbyctl({"apply", "-f", file.string()});
  ASSERT_TRUE(applied.ok()) << applied.output;

  // Export: FRR sees the communities and the path the operations made (our AS in front, as
  // it goes to an eBGP peer, then the prepended ASNs in the order listed).
  json after;
  const bool tagged = eventually(
      [&] {
        after = tor_path(cluster, block_prefix);
        return !after.is_null() && after.contains("community") && after.contains("largeCommunity");
      },
      30s, 500ms);
  ASSERT_TRUE(tagged) << after.dump() << "\n"
                      << cluster.tor_router()->vtysh("show bgp ipv4 unicast").output;
  EXPECT_EQ(after["aspath"]["string"], "64512 64512 64999") << after.dump();
  EXPECT_EQ(after["community"]["string"], "64512:42") << after.dump();
  EXPECT_EQ(after["largeCommunity"]["string"], "64512:1:2") << after.dump();

  // Import: 203.0.113.0/24 (large community 65000:1:100) reaches the kernel, 198.51.100.0/24
  // (65000:666 from AS 65000) does not.
  std::string routes;
  const bool decided = eventually(
      [&] {
        routes = cluster.node(1).routes();
        return routes.find("203.0.113.0/24 via 10.0.0.1") != std::string::npos &&
               routes.find("198.51.100.0/24") == std::string::npos;
      },
      30s, 500ms);
  EXPECT_TRUE(decided) << routes;
  // FRR did advertise both (the node refused one).
  const auto advertised =
      cluster.tor_router()->vtysh("show bgp ipv4 unicast neighbors 10.0.0.11 advertised-routes");
  EXPECT_THAT(advertised.output, ::testing::HasSubstr("198.51.100.0/24"));
  EXPECT_THAT(advertised.output, ::testing::HasSubstr("203.0.113.0/24"));
}

}  // namespace
}  // namespace tabby::e2e
