// The main job in IPIP mode (CALICO_IPV4POOL_IPIP=Always): the host kernel has no ipip, so
// this runs inside User-Mode Linux (tabby_uml_test). Pod traffic between nodes goes through
// tunl0 to the other node's address.

#include <gmock/gmock.h>

#include <iostream>

#include "cluster.h"
#include "tabby/lab/lab_test.h"

namespace tabby::e2e {
namespace {

using namespace std::chrono_literals;

class IpipClusterTest : public lab::LabTest {};

TEST_F(IpipClusterTest, PodsReachEachOtherThroughTunl0) {
  Cluster cluster(lab(), {.encapsulation = Encapsulation::kIpip},
                  Binaries{TABBY_NODE_BINARY, TABBYCTL_BINARY, TABBY_CNI_DIR}, std::cout);
  cluster.start();
  cluster.add_pods();
  std::vector<std::string> failures;
  lab::eventually([&] { return (failures = cluster.ping_all()).empty(); }, 30s, 500ms);
  EXPECT_THAT(failures, ::testing::IsEmpty());
  EXPECT_THAT(cluster.node(1).routes(), ::testing::HasSubstr("via 10.0.0.12 dev tunl0 proto bird"));
  // The pods got tunl0's MTU (1500 less IPIP's 20) from the agent's MTU file.
  EXPECT_THAT(cluster.pods().at(0).netns->must("ip -o link show eth0"),
              ::testing::HasSubstr("mtu 1480 "));
  for (int i = 1; i <= 3; ++i)
    EXPECT_TRUE(cluster.all_peers_established(i)) << cluster.node_status(i);
}

}  // namespace
}  // namespace tabby::e2e
