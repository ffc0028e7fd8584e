// The classic two-NIC experiment, on the real kernel: two nodes, each with one NIC on S1 and
// one on S2, the NIC names differing between them (node A: ens32 on S1, ens33 on S2; node B:
// eth1 on S1, eth0 on S2). For each method the test runs the agent's detection (netlink
// lister, UDP connect for can-reach) inside each node's namespace and checks the address and
// subnet it finds. A router joins both segments and is the nodes' default gateway via S1.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <thread>

#include "tabby/agent/autodetect_host.h"
#include "tabby/lab/lab_test.h"

namespace tabby::agent {
namespace {

using ::testing::HasSubstr;

// Runs `work` on a thread that has entered the lab namespace (setns only moves the calling
// thread; the thread ends there, so the test's own thread never leaves its namespace).
template <typename F>
auto in_namespace(const lab::Netns& ns, F work) -> decltype(work()) {
  std::packaged_task<decltype(work())()> task([&] {
    const int fd = ::open(("/run/netns/" + ns.name()).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
      if (fd >= 0) ::close(fd);
      throw std::runtime_error("cannot enter network namespace " + ns.name());
    }
    ::close(fd);
    return work();
  });
  auto result = task.get_future();
  std::thread(std::move(task)).join();
  return result.get();
}

std::string detect_in(const lab::Netns& ns, std::string_view method_text,
                      IpFamily family = IpFamily::kV4) {
  auto method = parse_autodetection_method(method_text, family);
  if (!method) return "bad method: " + method.error().message;
  return in_namespace(ns, [&]() -> std::string {
    auto detected = detect_host_address(*method, family);
    if (!detected) return "error: " + detected.error().message;
    return detected->interface + " " + detected->to_string() + " subnet " +
           detected->subnet().to_string();
  });
}

class TwoNicAutodetectTest : public lab::LabTest {
 protected:
  void SetUp() override {
    lab::LabTest::SetUp();
    auto& s1 = lab().add_segment("s1");
    auto& s2 = lab().add_segment("s2");
    auto& router = lab().add_router("router");
    lab().attach(router, "eth0", s1, {.address = "10.0.1.1/24"});
    lab().attach(router, "eth1", s2, {.address = "10.0.2.1/24"});
    a_ = &lab().add_node("a");
    b_ = &lab().add_node("b");
    // NICs in the same order on both nodes (S1 first), so ifindex order agrees.
    lab().attach(*a_, "ens32", s1, {.address = "10.0.1.11/24", .gateway = "10.0.1.1"});
    lab().attach(*a_, "ens33", s2, {.address = "10.0.2.11/24"});
    lab().attach(*b_, "eth1", s1, {.address = "10.0.1.12/24", .gateway = "10.0.1.1"});
    lab().attach(*b_, "eth0", s2, {.address = "10.0.2.12/24"});
    a_->must(
        "ip addr add fd00:1::11/64 dev ens32 nodad; ip addr add fd00:2::11/64 dev ens33 nodad");
    b_->must("ip addr add fd00:1::12/64 dev eth1 nodad; ip addr add fd00:2::12/64 dev eth0 nodad");
  }

  lab::Netns* a_ = nullptr;
  lab::Netns* b_ = nullptr;
};

TEST_F(TwoNicAutodetectTest, InterfaceS2Names) {
  EXPECT_EQ(detect_in(*a_, "interface=ens33,eth0"), "ens33 10.0.2.11/24 subnet 10.0.2.0/24");
  EXPECT_EQ(detect_in(*b_, "interface=ens33,eth0"), "eth0 10.0.2.12/24 subnet 10.0.2.0/24");
}

TEST_F(TwoNicAutodetectTest, InterfaceS1Names) {
  EXPECT_EQ(detect_in(*a_, "interface=ens32,eth1"), "ens32 10.0.1.11/24 subnet 10.0.1.0/24");
  EXPECT_EQ(detect_in(*b_, "interface=ens32,eth1"), "eth1 10.0.1.12/24 subnet 10.0.1.0/24");
}

TEST_F(TwoNicAutodetectTest, SkipInterfaceS1Names) {
  EXPECT_EQ(detect_in(*a_, "skip-interface=eth1,ens32"), "ens33 10.0.2.11/24 subnet 10.0.2.0/24");
  EXPECT_EQ(detect_in(*b_, "skip-interface=eth1,ens32"), "eth0 10.0.2.12/24 subnet 10.0.2.0/24");
}

TEST_F(TwoNicAutodetectTest, CanReachAnAddressOnS2) {
  // The connected route to S2 wins over the default route via S1.
  EXPECT_EQ(detect_in(*a_, "can-reach=10.0.2.1"), "ens33 10.0.2.11/24 subnet 10.0.2.0/24");
  EXPECT_EQ(detect_in(*b_, "can-reach=10.0.2.1"), "eth0 10.0.2.12/24 subnet 10.0.2.0/24");
  // Anything else follows the default route, out of S1.
  EXPECT_EQ(detect_in(*a_, "can-reach=192.0.2.1"), "ens32 10.0.1.11/24 subnet 10.0.1.0/24");
  EXPECT_EQ(detect_in(*b_, "can-reach=192.0.2.1"), "eth1 10.0.1.12/24 subnet 10.0.1.0/24");
}

TEST_F(TwoNicAutodetectTest, CidrS1) {
  EXPECT_EQ(detect_in(*a_, "cidr=10.0.1.0/24"), "ens32 10.0.1.11/24 subnet 10.0.1.0/24");
  EXPECT_EQ(detect_in(*b_, "cidr=10.0.1.0/24"), "eth1 10.0.1.12/24 subnet 10.0.1.0/24");
}

TEST_F(TwoNicAutodetectTest, FirstFoundTakesTheLastNicAndSkipsLoopback) {
  // Reverse ifindex order: the NIC attached last (S2) on both nodes.
  EXPECT_EQ(detect_in(*a_, "first-found"), "ens33 10.0.2.11/24 subnet 10.0.2.0/24");
  EXPECT_EQ(detect_in(*b_, "first-found"), "eth0 10.0.2.12/24 subnet 10.0.2.0/24");
}

TEST_F(TwoNicAutodetectTest, Ipv6SkipsTheKernelsLinkLocalAddresses) {
  // Each veth also has an fe80:: address the kernel gave it; it is never chosen.
  EXPECT_EQ(detect_in(*a_, "interface=ens32,eth1", IpFamily::kV6),
            "ens32 fd00:1::11/64 subnet fd00:1::/64");
  EXPECT_EQ(detect_in(*b_, "skip-interface=eth1,ens32", IpFamily::kV6),
            "eth0 fd00:2::12/64 subnet fd00:2::/64");
  EXPECT_EQ(detect_in(*b_, "cidr=fd00:1::/64", IpFamily::kV6),
            "eth1 fd00:1::12/64 subnet fd00:1::/64");
  EXPECT_EQ(detect_in(*a_, "can-reach=fd00:2::12", IpFamily::kV6),
            "ens33 fd00:2::11/64 subnet fd00:2::/64");
}

TEST_F(TwoNicAutodetectTest, NothingMatchingIsAClearError) {
  EXPECT_THAT(detect_in(*a_, "interface=eth.*"), HasSubstr("no valid host interfaces found"));
  EXPECT_THAT(detect_in(*b_, "cidr=10.0.3.0/24"),
              HasSubstr("no valid IPv4 addresses found on the host interfaces"));
  // No route at all: the UDP connect itself fails.
  EXPECT_THAT(detect_in(*a_, "can-reach=fd00:9::1", IpFamily::kV6),
              HasSubstr("Unable to auto-detect IPv6 address by connecting to fd00:9::1"));
}

TEST_F(TwoNicAutodetectTest, ListerReportsKernelOrderFlagsAndScopes) {
  auto interfaces = in_namespace(*a_, [] { return dataplane::list_interface_addresses(); });
  ASSERT_TRUE(interfaces) << interfaces.error().message;
  std::vector<std::string> names;
  for (const auto& host : *interfaces)
    names.push_back(host.name);
  EXPECT_EQ(names, (std::vector<std::string>{"lo", "ens32", "ens33"}));
  EXPECT_TRUE(std::is_sorted(interfaces->begin(), interfaces->end(),
                             [](const auto& x, const auto& y) { return x.index < y.index; }));
  EXPECT_TRUE(interfaces->at(0).loopback);
  EXPECT_TRUE(interfaces->at(0).up);
  const auto& ens33 = interfaces->at(2);
  EXPECT_FALSE(ens33.loopback);
  EXPECT_TRUE(ens33.up);
  ASSERT_FALSE(ens33.addresses.empty());
  EXPECT_EQ(ens33.addresses[0].address.to_string(), "10.0.2.11");
  EXPECT_EQ(ens33.addresses[0].prefix_length, 24);
  EXPECT_EQ(ens33.addresses[0].scope, 0);
  // The kernel adds the fe80:: address once the link has carrier; give it a moment.
  const auto has_link_local = [](const HostInterface& host) {
    return std::any_of(host.addresses.begin(), host.addresses.end(), [](const HostAddress& a) {
      return a.address.is_v6() && a.address.bytes()[0] == 0xfe && a.scope == 253;
    });
  };
  bool seen = has_link_local(ens33);
  for (int attempt = 0; attempt < 50 && !seen; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto again = in_namespace(*a_, [] { return dataplane::list_interface_addresses(); });
    seen = again && again->size() == 3 && has_link_local(again->at(2));
  }
  EXPECT_TRUE(seen) << "no link-scope fe80:: address on ens33";
}

}  // namespace
}  // namespace tabby::agent
