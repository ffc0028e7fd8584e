// The other daemons the lab runs: GoBGP peering with BIRD, and etcd serving clients, each
// started, queried through its own CLI and stopped by the lab.

#include <gmock/gmock.h>

#include "tabby/lab/lab_test.h"

namespace tabby::lab {
namespace {

using ::testing::HasSubstr;

constexpr const char* kBirdConfig = R"(
log stderr all;
router id 10.78.0.1;
protocol device { scan time 2; }
protocol static announced { ipv4; route 10.211.0.0/24 blackhole; }
protocol bgp gobgp {
  local 10.78.0.1 as 65011;
  neighbor 10.78.0.3 as 65013;
  connect delay time 1;
  connect retry time 2;
  ipv4 { import all; export where proto = "announced"; };
}
)";

constexpr const char* kGobgpConfig = R"(
[global.config]
  as = 65013
  router-id = "10.78.0.3"
  port = 179

[[neighbors]]
  [neighbors.config]
    neighbor-address = "10.78.0.1"
    peer-as = 65011
  [neighbors.timers.config]
    connect-retry = 2
)";

class GobgpEtcdTest : public LabTest {};

TEST_F(GobgpEtcdTest, GobgpAndBirdExchangeRoutes) {
  auto& segment = lab().add_segment("peering");
  auto& r1 = lab().add_router("r1");
  auto& r3 = lab().add_router("r3");
  lab().attach(r1, "eth0", segment, {.address = "10.78.0.1/24"});
  lab().attach(r3, "eth0", segment, {.address = "10.78.0.3/24"});
  auto& bird = lab().start_bird(r1, "bird", kBirdConfig);
  auto& gobgp = lab().start_gobgp(r3, "gobgp", kGobgpConfig);

  ASSERT_TRUE(eventually(
      [&] { return gobgp.gobgp({"neighbor"}).output.find("Establ") != std::string::npos; }, 30s))
      << gobgp.gobgp({"neighbor"}).output << bird.birdc("show protocols all gobgp").output
      << gobgp.log();
  ASSERT_TRUE(gobgp.gobgp({"global", "rib", "add", "10.213.0.0/24", "origin", "igp"}).ok());

  EXPECT_TRUE(eventually(
      [&] {
        return gobgp.gobgp({"global", "rib"}).output.find("10.211.0.0/24") != std::string::npos;
      },
      20s))
      << gobgp.gobgp({"global", "rib"}).output;
  EXPECT_TRUE(eventually(
      [&] {
        return bird.birdc("show route 10.213.0.0/24").output.find("10.213.0.0/24") !=
               std::string::npos;
      },
      20s))
      << bird.birdc("show route all").output;
  EXPECT_THAT(bird.birdc("show route 10.213.0.0/24 all").output, HasSubstr("65013"));
}

TEST_F(GobgpEtcdTest, EtcdServesAClientInsideItsNamespace) {
  auto& store = lab().add_node("store");
  auto& etcd = lab().start_etcd(store, "etcd", "127.0.0.1");
  ASSERT_TRUE(etcd.etcdctl({"put", "/calico/test", "hello"}).ok());
  auto got = etcd.etcdctl({"get", "/calico/test", "--print-value-only"});
  ASSERT_TRUE(got.ok()) << got.output;
  EXPECT_EQ(got.output, "hello\n");

  // Stopped by the lab's helper, it no longer answers.
  etcd.stop();
  EXPECT_FALSE(etcd.running());
  EXPECT_FALSE(etcd.etcdctl({"get", "/calico/test"}).ok());
}

}  // namespace
}  // namespace tabby::lab
