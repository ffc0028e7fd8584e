// FelixConfiguration end to end, as a Calico user changes it (`calicoctl apply` of the
// default object): a new vxlanVNI reaches vxlan.calico on every node while the agents run and
// the pods keep reaching each other over it; a setting that needs a restart (the metrics port)
// makes every agent exit with Felix's "config changed, restarting", and started again it
// serves on the new port.

#include <gmock/gmock.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>

#include "cluster.h"
#include "tabby/lab/lab_test.h"

namespace tabby::e2e {
namespace {

using lab::eventually;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using namespace std::chrono_literals;

class FelixConfigurationTest : public lab::LabTest {
 protected:
  Cluster& make() {
    cluster_ = std::make_unique<Cluster>(
        lab(), ClusterSpec{.nodes = 2, .encapsulation = Encapsulation::kVxlan},
        Binaries{TABBY_NODE_BINARY, TABBYCTL_BINARY, TABBY_CNI_DIR}, std::cout);
    cluster_->start();
    cluster_->add_pods();
    expect_pods_reach_each_other();
    return *cluster_;
  }

  void expect_pods_reach_each_other() {
    std::vector<std::string> failures;
    eventually([&] { return (failures = cluster_->ping_all()).empty(); }, 20s, 500ms);
    EXPECT_THAT(failures, IsEmpty());
  }

  // The FelixConfiguration "default" with `spec` over what start-up wrote into it.
  void apply_default(const std::string& spec) {
    const std::string yaml =
        "apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\n"
        "metadata: {name: default}\nspec:\n  reportingInterval: 0s\n"
        "  logSeverityScreen: Info\n" +
        spec;
    const auto file = lab().dir() / "felixconfiguration.yaml";
    std::ofstream(file) << yaml;
    const lab::CommandResult applied = cluster_->tabbyctl({"apply", "-f", file.string()});
    ASSERT_TRUE(applied.ok()) << yaml << applied.output;
    std::cout << "tabbyctl apply -f " << file.filename().string() << ":\n" << yaml;
  }

  // The VNI of node i's vxlan.calico ("vxlan id 4096 ..." in `ip -d link`), -1 without one.
  int vni(int node) const {
    const lab::CommandResult link = cluster_->node(node).sh("ip -d link show vxlan.calico");
    std::smatch match;
    static const std::regex kVni("vxlan id ([0-9]+)");
    if (!link.ok() || !std::regex_search(link.output, match, kVni)) return -1;
    return std::stoi(match[1].str());
  }

  std::unique_ptr<Cluster> cluster_;
};

TEST_F(FelixConfigurationTest, VxlanVniChangesLiveOnEveryNode) {
  Cluster& cluster = make();
  for (int i = 1; i <= 2; ++i)
    ASSERT_EQ(vni(i), 4096) << cluster.node(i).must("ip -d link show");

  // With the VNI, a field tabby accepts but does not act on: every agent says so, live.
  apply_default("  vxlanVNI: 4242\n  wireguardEnabled: true\n");
  for (int i = 1; i <= 2; ++i) {
    EXPECT_TRUE(eventually([&] { return vni(i) == 4242; }, 10s, 200ms))
        << cluster.node(i).must("ip -d link show vxlan.calico") << cluster.agent(i).log();
    EXPECT_TRUE(cluster.agent(i).running()) << cluster.agent(i).log();
    EXPECT_THAT(cluster.agent(i).log(), HasSubstr("vxlanVNI changed from 4096 to 4242"));
    EXPECT_THAT(cluster.agent(i).log(),
                HasSubstr("spec.wireguardEnabled=true is accepted but not acted on: tabby has no "
                          "WireGuard, so pod traffic between nodes is NOT encrypted"));
  }
  // Both ends on the new VNI: the pods still reach each other, through the tunnel.
  expect_pods_reach_each_other();
  EXPECT_THAT(cluster.node(1).routes(), HasSubstr("dev vxlan.calico"));

  // Removing the field brings the built-in default back, live too.
  apply_default("");
  for (int i = 1; i <= 2; ++i)
    EXPECT_TRUE(eventually([&] { return vni(i) == 4096; }, 10s, 200ms)) << cluster.agent(i).log();
  expect_pods_reach_each_other();
}

TEST_F(FelixConfigurationTest, MetricsPortChangeRestartsTheAgent) {
  Cluster& cluster = make();
  apply_default("  prometheusMetricsPort: 9300\n");
  for (int i = 1; i <= 2; ++i) {
    EXPECT_TRUE(eventually([&] { return !cluster.agent(i).running(); }, 10s, 200ms))
        << cluster.agent(i).log();
    const std::string log = cluster.agent(i).log();
    EXPECT_THAT(log, HasSubstr("prometheusMetricsPort changed from 9091 to 9300"));
    EXPECT_THAT(log, HasSubstr("config changed, restarting (exit code 129)"));
  }
  // The DaemonSet would start it again; here the test does, and it serves on the new port.
  for (int i = 1; i <= 2; ++i) {
    cluster.start_agent(i);
    EXPECT_TRUE(eventually(
        [&] {
          return cluster.node(i).sh("ss -ltnH 'sport = :9300'").output.find("9300") !=
                 std::string::npos;
        },
        10s, 200ms))
        << cluster.node(i).must("ss -ltn") << cluster.agent(i).log();
    EXPECT_THAT(cluster.agent(i).log(),
                HasSubstr("FelixConfiguration sets prometheusMetricsPort=9300"));
  }
  expect_pods_reach_each_other();
}

}  // namespace
}  // namespace tabby::e2e
