// The shared reconciler cases (test/unit/dataplane/reconciler_cases.h) against the real
// kernel: a fresh network namespace, veths with carrier, changes "by hand" made with
// iproute2 — so FakeNetlink has to behave as the kernel does.

#include <unistd.h>

#include "reconciler_cases.h"
#include "tabby/dataplane/libnl_netlink.h"
#include "tabby/lab/lab.h"

namespace tabby::dataplane::cases {
namespace {

class RealEnv {
 public:
  RealEnv() {
    if (geteuid() != 0) throw lab::LabError("this lab test needs root (network namespaces)");
    node_ = &lab_.add_node("node");
    peer_ = &lab_.add_namespace("peer");
    auto layer = LibnlNetlink::open("/run/netns/" + node_->name());
    if (!layer) throw lab::LabError(layer.error().message);
    layer_ = std::move(*layer);
  }
  NetlinkLayer& netlink() { return *layer_; }
  lab::Netns& node() { return *node_; }

  // A veth whose other end is up in the peer namespace, so this end has carrier.
  void make_interface(const std::string& name, const std::string& cidr) {
    lab_.link(*node_, name, cidr, *peer_, "peer" + std::to_string(++peers_), "");
  }
  void by_hand_add(const Route& route) { node_->must("ip route replace " + route.to_string()); }
  void by_hand_delete(const Route& route) { node_->must("ip route del " + route.to_string()); }

 private:
  lab::Lab lab_{"dataplane"};
  lab::Netns* node_ = nullptr;
  lab::Netns* peer_ = nullptr;
  std::unique_ptr<LibnlNetlink> layer_;
  int peers_ = 0;
};

INSTANTIATE_TYPED_TEST_SUITE_P(Kernel, ReconcilerCases, RealEnv);

// What the kernel holds is what `ip route` shows: the libnl translation is checked
// against an independent reader.
TEST(KernelRoutesTest, InstalledRoutesReadBackThroughIproute2) {
  RealEnv env;
  env.make_interface("eth0", "10.0.0.1/24");
  env.make_interface("cali1234567890a", "");
  RouteReconciler reconciler(env.netlink());
  ASSERT_TRUE(
      reconciler
          .set_desired(
              {workload_route(ip("10.244.1.5"), "cali1234567890a"),
               blackhole_route(net("10.244.1.0/26")),
               direct_route(net("10.244.2.0/26"), ip("10.0.0.2"), "eth0", kProtoBird),
               ecmp_route(net("10.244.4.0/26"),
                          {NextHop{.gateway = ip("10.0.0.4"), .device = "eth0"},
                           NextHop{.gateway = ip("10.0.0.5"), .device = "eth0", .weight = 3}})})
          .ok());
  auto& node = env.node();
  // `ip route` hides proto boot, the kernel's default; -d shows it.
  EXPECT_THAT(node.must("ip -d route show 10.244.1.5"),
              ::testing::HasSubstr("dev cali1234567890a proto boot scope link"));
  EXPECT_THAT(node.routes("10.244.1.0/26"),
              ::testing::HasSubstr("blackhole 10.244.1.0/26 proto 80"));
  EXPECT_THAT(node.routes("10.244.2.0/26"),
              ::testing::HasSubstr("via 10.0.0.2 dev eth0 proto bird"));
  const std::string ecmp = node.must("ip route show 10.244.4.0/26");
  EXPECT_THAT(ecmp, ::testing::HasSubstr("nexthop via 10.0.0.4 dev eth0 weight 1"));
  EXPECT_THAT(ecmp, ::testing::HasSubstr("nexthop via 10.0.0.5 dev eth0 weight 3"));
}

}  // namespace
}  // namespace tabby::dataplane::cases
