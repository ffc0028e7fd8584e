// A table of 100,000 learned routes through tabby-node into the kernel, as a ToR feed sends
// it: one node peered with BIRD 2, whose static protocol originates the routes. The node's
// kernel must hold exactly the expected set (every prefix, no other, each via the feeder)
// after the load, after the feeder withdraws half, after a route is deleted by hand, and
// after an agent restart during which the feeder withdrew more (the routes kept across the
// restart go once the feeder's table is in again).

#include <gmock/gmock.h>

#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "cluster.h"
#include "tabby/lab/lab_test.h"

namespace tabby::e2e {
namespace {

using lab::eventually;
using namespace std::chrono_literals;

constexpr int kRoutes = 100000;
constexpr const char* kFeederAddress = "10.0.0.5";

// The i-th prefix: /24s from 20.0.0.0 on (inside the lab's own namespaces only).
std::string prefix(int i) {
  return std::to_string(20 + i / 65536) + "." + std::to_string(i / 256 % 256) + "." +
         std::to_string(i % 256) + ".0/24";
}

std::set<std::string> prefixes(int count) {
  std::set<std::string> out;
  for (int i = 0; i < count; ++i)
    out.insert(prefix(i));
  return out;
}

class LearnedRoutesTest : public lab::LabTest {
 protected:
  // BIRD's configuration with static routes for the first `count` prefixes (its `include`
  // does not work inside a protocol block, so the routes are written in).
  static std::string feeder_config(int count) {
    std::string config = std::string("router id ") + kFeederAddress +
                         ";\nprotocol device {}\nprotocol static feed {\n  ipv4;\n";
    for (int i = 0; i < count; ++i)
      config += "  route " + prefix(i) + " blackhole;\n";
    config += std::string("}\nprotocol bgp node1 {\n  local ") + kFeederAddress +
              " as 65200;\n  neighbor 10.0.0.11 as 64512;\n"
              "  ipv4 { import none; export all; };\n}\n";
    return config;
  }
  // The feeder now sends only the first `count` prefixes (`birdc configure`).
  static void feed(const lab::Bird& feeder, int count) {
    std::ofstream(feeder.dir() / "bird.conf") << feeder_config(count);
    const auto configured = feeder.birdc("configure");
    ASSERT_TRUE(configured.ok()) << configured.output;
  }

  // The learned routes in the node's kernel: the feed's prefixes (20.0.0.0/7), each line as
  // `ip route` prints it. A route of the feed that is not via the feeder is a failure.
  std::set<std::string> kernel_feed_routes(const Cluster& cluster, std::string& wrong) {
    const std::string shown = cluster.node(1).must("ip -4 route show proto bird");
    std::set<std::string> found;
    std::istringstream lines(shown);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.rfind("20.", 0) != 0 && line.rfind("21.", 0) != 0) continue;
      const std::string destination = line.substr(0, line.find(' '));
      if (line.find(std::string("via ") + kFeederAddress + " dev eth0") == std::string::npos &&
          wrong.empty())
        wrong = line;
      found.insert(destination);
    }
    return found;
  }
  // Waits until the kernel holds exactly `expected`; describes the difference if it never does.
  ::testing::AssertionResult kernel_holds(const Cluster& cluster,
                                          const std::set<std::string>& expected,
                                          std::chrono::seconds timeout = 120s) {
    std::set<std::string> found;
    std::string wrong;
    const bool exact = eventually(
        [&] {
          wrong.clear();
          found = kernel_feed_routes(cluster, wrong);
          return found == expected && wrong.empty();
        },
        timeout, 500ms);
    if (exact) return ::testing::AssertionSuccess();
    std::vector<std::string> missing, extra;
    std::set_difference(expected.begin(), expected.end(), found.begin(), found.end(),
                        std::back_inserter(missing));
    std::set_difference(found.begin(), found.end(), expected.begin(), expected.end(),
                        std::back_inserter(extra));
    return ::testing::AssertionFailure()
           << "the kernel holds " << found.size() << " of the feed's routes, expected "
           << expected.size() << ": " << missing.size() << " missing (first "
           << (missing.empty() ? "-" : missing.front()) << "), " << extra.size() << " extra (first "
           << (extra.empty() ? "-" : extra.front()) << ")"
           << (wrong.empty() ? "" : "; not via the feeder: " + wrong);
  }
};

TEST_F(LearnedRoutesTest, TheKernelHoldsExactlyTheLearnedTableThroughLoadWithdrawalAndRestart) {
  Cluster cluster(lab(), {.nodes = 1, .pods_per_node = 0},
                  Binaries{TABBY_NODE_BINARY, TABBYCTL_BINARY, TABBY_CNI_DIR}, std::cout);
  cluster.start();
  auto& feeder_ns = lab().add_router("feed");
  lab().attach(feeder_ns, "eth0", cluster.rack(), {.address = std::string(kFeederAddress) + "/24"});
  lab::Bird& feeder = lab().start_bird(feeder_ns, "feed", feeder_config(kRoutes));
  const auto peer = lab().dir() / "feed-peer.yaml";
  std::ofstream(peer) << "apiVersion: projectcalico.org/v3\nkind: BGPPeer\n"
                         "metadata: {name: feed}\nspec: {peerIP: "
                      << kFeederAddress << ", asNumber: 65200}\n";
  const auto applied = cluster.tabbyctl({"apply", "-f", peer.string()});
  ASSERT_TRUE(applied.ok()) << applied.output;
  const auto established = [&] {
    return feeder.birdc("show protocols node1").output.find("Established") != std::string::npos;
  };
  ASSERT_TRUE(eventually(established, 60s)) << feeder.birdc("show protocols all node1").output;

  // The load: every prefix, via the feeder; the status socket answers meanwhile.
  EXPECT_THAT(cluster.node_status(1), ::testing::HasSubstr(kFeederAddress));
  EXPECT_TRUE(kernel_holds(cluster, prefixes(kRoutes)));
  EXPECT_TRUE(established()) << "the session survived the load";

  // Half withdrawn.
  feed(feeder, kRoutes / 2);
  EXPECT_TRUE(kernel_holds(cluster, prefixes(kRoutes / 2)));

  // A route deleted by hand is put back.
  cluster.node(1).must("ip route del " + prefix(1234));
  EXPECT_TRUE(kernel_holds(cluster, prefixes(kRoutes / 2), 30s));

  // The agent stops (its routes stay, the node keeps forwarding), the feeder withdraws more
  // meanwhile, the agent comes back: what the feeder no longer sends goes, the rest stays.
  cluster.stop_agent(1);
  feed(feeder, kRoutes / 4);
  std::string wrong;
  EXPECT_EQ(kernel_feed_routes(cluster, wrong).size(), static_cast<std::size_t>(kRoutes / 2))
      << "the stopped agent's routes stay in the kernel";
  cluster.start_agent(1);
  EXPECT_TRUE(kernel_holds(cluster, prefixes(kRoutes / 4)));
  EXPECT_TRUE(eventually(established, 60s));
}

}  // namespace
}  // namespace tabby::e2e
