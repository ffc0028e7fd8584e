// The lab with no tabby code in the path: a BIRD 2 router and an FRR router in separate
// namespaces peer over eBGP, each announces a prefix, and each installs the other's route
// in its kernel table — and traffic follows those routes.

#include <gmock/gmock.h>

#include "tabby/lab/lab_test.h"

namespace tabby::lab {
namespace {

using ::testing::HasSubstr;

constexpr const char* kBirdConfig = R"(
log stderr all;
router id 10.77.0.1;
protocol device { scan time 2; }
protocol direct { ipv4; interface "lo"; }
protocol static announced { ipv4; route 10.201.0.0/24 blackhole; }
protocol kernel {
  ipv4 { import none; export where source = RTS_BGP; };
}
protocol bgp frr {
  local 10.77.0.1 as 65001;
  neighbor 10.77.0.2 as 65002;
  connect delay time 1;
  connect retry time 2;
  error wait time 1, 5;
  ipv4 { import all; export where proto = "announced"; };
}
)";

constexpr const char* kFrrConfig = R"(
frr defaults traditional
hostname r2
log stdout
!
router bgp 65002
 bgp router-id 10.77.0.2
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 10.77.0.1 remote-as 65001
 neighbor 10.77.0.1 timers connect 2
 address-family ipv4 unicast
  network 10.202.0.0/24
 exit-address-family
!
)";

class BirdFrrEbgpTest : public LabTest {};

TEST_F(BirdFrrEbgpTest, EachRouterInstallsThePrefixTheOtherAnnounces) {
  auto& peering = lab().add_segment("peering");
  auto& r1 = lab().add_router("r1");
  auto& r2 = lab().add_router("r2");
  lab().attach(r1, "eth0", peering, {.address = "10.77.0.1/24"});
  lab().attach(r2, "eth0", peering, {.address = "10.77.0.2/24"});
  // Hosts behind each router, inside the announced prefixes, to send traffic between.
  r1.must("ip addr add 10.201.0.1/32 dev lo");
  r2.must("ip addr add 10.202.0.1/32 dev lo");

  auto& bird = lab().start_bird(r1, "bird", kBirdConfig);
  auto& frr = lab().start_frr(r2, "frr", kFrrConfig);

  ASSERT_TRUE(eventually(
      [&] {
        return bird.birdc("show protocols frr").output.find("Established") != std::string::npos;
      },
      30s))
      << bird.birdc("show protocols all frr").output << frr.vtysh("show bgp summary").output
      << bird.log() << frr.log();
  EXPECT_TRUE(eventually(
      [&] {
        return frr.vtysh("show bgp summary json").output.find("\"Established\"") !=
               std::string::npos;
      },
      10s))
      << frr.vtysh("show bgp summary").output;

  // BIRD learned FRR's prefix and its kernel protocol installed it (BIRD's protocol: bird).
  ASSERT_TRUE(eventually(
      [&] { return r1.routes("10.202.0.0/24").find("via 10.77.0.2") != std::string::npos; }, 20s))
      << bird.birdc("show route all").output << r1.routes();
  EXPECT_THAT(r1.routes("10.202.0.0/24"), HasSubstr("proto bird"));

  // FRR learned BIRD's prefix and zebra installed it (FRR's protocol: bgp).
  ASSERT_TRUE(eventually(
      [&] { return r2.routes("10.201.0.0/24").find("via 10.77.0.1") != std::string::npos; }, 20s))
      << frr.vtysh("show ip bgp").output << r2.routes();
  EXPECT_THAT(r2.routes("10.201.0.0/24"), HasSubstr("proto bgp"));
  EXPECT_THAT(frr.vtysh("show ip bgp 10.201.0.0/24").output, HasSubstr("65001"));
  EXPECT_THAT(bird.birdc("show route 10.202.0.0/24 all").output, HasSubstr("65002"));

  // The routes carry traffic: from a host address behind r1 to one behind r2 and back.
  EXPECT_TRUE(r1.ping("10.202.0.1", 2, "10.201.0.1"));

  // A withdrawal reaches the other kernel too.
  ASSERT_TRUE(
      frr.configure({"router bgp 65002", "address-family ipv4 unicast", "no network 10.202.0.0/24"})
          .ok());
  EXPECT_TRUE(eventually([&] { return r1.routes("10.202.0.0/24").empty(); }, 20s)) << r1.routes();
}

}  // namespace
}  // namespace tabby::lab
