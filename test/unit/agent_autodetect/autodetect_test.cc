// Every autodetection method over crafted interface snapshots: Calico's interface order
// (reverse kernel order), its default exclusions, which address of an interface it takes,
// regex and CIDR lists, IPv6, the outside-sourced methods and the errors.
#include "tabby/agent/autodetect.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tabby::agent {
namespace {

using ::testing::HasSubstr;

HostAddress addr(std::string_view text, int scope = 0) {
  auto prefix = IpPrefix::parse_interface(text);
  EXPECT_TRUE(prefix) << text;
  const auto slash = text.find('/');
  return HostAddress{*IpAddress::parse(text.substr(0, slash)), prefix->length(), scope};
}

HostInterface iface(int index, std::string name, std::vector<HostAddress> addresses,
                    bool up = true) {
  return HostInterface{index, std::move(name), up, false, std::move(addresses)};
}

AutodetectionMethod method(std::string_view text, IpFamily family = IpFamily::kV4) {
  auto parsed = parse_autodetection_method(text, family);
  EXPECT_TRUE(parsed) << text;
  return parsed ? *parsed : AutodetectionMethod{};
}

std::string detect(std::string_view text, const std::vector<HostInterface>& interfaces,
                   IpFamily family = IpFamily::kV4, const DetectionInputs& inputs = {}) {
  auto result = detect_address(method(text, family), family, interfaces, inputs);
  if (!result) return "error: " + result.error().message;
  return result->interface + " " + result->to_string();
}

// A typical host: lo, two NICs, docker0, a pod veth, Calico's tunnels. Kernel order is
// ascending ifindex.
std::vector<HostInterface> typical_host() {
  return {
      iface(1, "lo", {addr("127.0.0.1/8", 254), addr("::1/128", 254)}),
      iface(2, "eth0", {addr("10.0.1.10/24"), addr("fd00:1::10/64"), addr("fe80::1/64", 253)}),
      iface(3, "eth1", {addr("10.0.2.10/24"), addr("fe80::2/64", 253)}),
      iface(4, "docker0", {addr("172.17.0.1/16")}),
      iface(5, "cali1234567890a", {addr("fe80::ecee:eeff:feee:eeee/64", 253)}),
      iface(6, "tunl0", {addr("192.168.10.0/32")}),
      iface(7, "vxlan.calico", {addr("192.168.10.1/32")}),
  };
}

TEST(DefaultExclusions, AreCalicosAnchoredList) {
  const auto& list = default_interface_exclusions();
  EXPECT_EQ(list.size(), 19u);
  EXPECT_EQ(list.front(), "^docker.*");
  for (const auto& name :
       {"docker0",    "cbr0",        "dummy0", "podman1",      "virbr0",          "lxcbr0",
        "veth12",     "lo",          "loopy",  "br-abc",       "cali123",         "tunl0",
        "flannel.1",  "kube-ipvs0",  "cni0",   "vxlan.calico", "vxlan-v6.calico", "wireguard.cali",
        "wg-v6.cali", "nodelocaldns"}) {
    const std::vector<HostInterface> only = {iface(10, name, {addr("10.9.9.9/24")})};
    EXPECT_THAT(detect("first-found", only), HasSubstr("no valid host interfaces found")) << name;
  }
  // Anchored: the names only count at the start.
  const std::vector<HostInterface> inner = {iface(10, "mydocker0", {addr("10.9.9.9/24")}),
                                            iface(11, "vxlanXcalico", {addr("10.9.9.8/24")})};
  EXPECT_EQ(detect("first-found", inner), "vxlanXcalico 10.9.9.8/24");
}

TEST(FirstFound, TakesTheHighestIfindexInterfaceNotExcluded) {
  // Reverse kernel order: eth1 (index 3) before eth0 (index 2); docker0, cali*, tunl0 and
  // vxlan.calico are excluded.
  EXPECT_EQ(detect("first-found", typical_host()), "eth1 10.0.2.10/24");
  EXPECT_EQ(detect("", typical_host()), "eth1 10.0.2.10/24");
}

TEST(FirstFound, OrderIsTheSnapshotsNotTheNames) {
  // The walk follows the kernel order it is given (reversed), whatever the names or indexes
  // say: the lister hands it over sorted by ifindex.
  std::vector<HostInterface> host = {iface(9, "ens33", {addr("10.0.2.5/24")}),
                                     iface(3, "ens32", {addr("10.0.1.5/24")})};
  EXPECT_EQ(detect("first-found", host), "ens32 10.0.1.5/24");
}

TEST(FirstFound, DownInterfacesCount) {
  // Calico does not look at the link state.
  std::vector<HostInterface> host = {iface(2, "eth0", {addr("10.0.1.10/24")}),
                                     iface(3, "eth1", {addr("10.0.2.10/24")}, /*up=*/false)};
  EXPECT_EQ(detect("first-found", host), "eth1 10.0.2.10/24");
}

TEST(FirstFound, SkipsInterfacesWithoutAUsableAddress) {
  std::vector<HostInterface> host = {
      iface(2, "eth0", {addr("10.0.1.10/24")}),
      iface(3, "eth1", {addr("169.254.3.3/16"), addr("fe80::3/64", 253)}),
      iface(4, "eth2", {}),
  };
  EXPECT_EQ(detect("first-found", host), "eth0 10.0.1.10/24");
}

TEST(FirstFound, TakesTheFirstUsableAddressOfAnInterfaceInKernelOrder) {
  // Primary first; a later VIP on the same NIC is not taken. Link-local goes.
  std::vector<HostInterface> host = {
      iface(2, "eth0", {addr("169.254.1.1/16"), addr("10.0.1.10/24"), addr("10.0.1.100/32")}),
  };
  EXPECT_EQ(detect("first-found", host), "eth0 10.0.1.10/24");
  std::vector<HostInterface> vip_first = {
      iface(2, "eth0", {addr("10.0.1.100/32"), addr("10.0.1.10/24")}),
  };
  EXPECT_EQ(detect("first-found", vip_first), "eth0 10.0.1.100/32");
}

TEST(FirstFound, Ipv6SkipsLinkLocalAndTakesUlaOrGlobal) {
  EXPECT_EQ(detect("first-found", typical_host(), IpFamily::kV6), "eth0 fd00:1::10/64");
  std::vector<HostInterface> host = {
      iface(2, "eth0", {addr("fe80::1/64", 253), addr("2001:db8::7/64"), addr("fd00::7/64")})};
  EXPECT_EQ(detect("first-found", host, IpFamily::kV6), "eth0 2001:db8::7/64");
}

TEST(FirstFound, NoAddressIsAClearError) {
  std::vector<HostInterface> host = {iface(1, "lo", {addr("127.0.0.1/8")}),
                                     iface(2, "eth0", {addr("fe80::1/64", 253)}),
                                     iface(3, "eth1", {})};
  EXPECT_EQ(detect("first-found", host),
            "error: no valid IPv4 addresses found on the host interfaces (method first-found; "
            "interfaces tried: eth1,eth0)");
  EXPECT_EQ(detect("first-found", host, IpFamily::kV6),
            "error: no valid IPv6 addresses found on the host interfaces (method first-found; "
            "interfaces tried: eth1,eth0)");
  EXPECT_EQ(detect("first-found", {iface(1, "lo", {addr("127.0.0.1/8")})}),
            "error: no valid host interfaces found (method first-found; interfaces tried: none)");
}

TEST(GlobalUnicast, IsGosDefinition) {
  for (auto text : {"10.0.0.1", "192.168.1.1", "172.16.0.1", "8.8.8.8", "100.64.0.1", "fd00::1",
                    "2001:db8::1", "fec0::1"}) {
    EXPECT_TRUE(is_global_unicast(*IpAddress::parse(text))) << text;
  }
  for (auto text :
       {"0.0.0.0", "127.0.0.1", "127.1.2.3", "169.254.0.1", "224.0.0.1", "239.255.255.255",
        "255.255.255.255", "::", "::1", "fe80::1", "febf::1", "ff02::1"}) {
    EXPECT_FALSE(is_global_unicast(*IpAddress::parse(text))) << text;
  }
}

TEST(InterfaceMethod, MatchesAnyRegexUnanchoredWithoutTheDefaultExclusions) {
  EXPECT_EQ(detect("interface=eth0", typical_host()), "eth0 10.0.1.10/24");
  // A list: the walk order decides, not the list order.
  EXPECT_EQ(detect("interface=eth0,eth1", typical_host()), "eth1 10.0.2.10/24");
  EXPECT_EQ(detect("interface=eth1,eth0", typical_host()), "eth1 10.0.2.10/24");
  // Unanchored: "th0" matches eth0.
  EXPECT_EQ(detect("interface=th0", typical_host()), "eth0 10.0.1.10/24");
  // No default exclusions: docker0 can be chosen when asked for.
  EXPECT_EQ(detect("interface=docker.*", typical_host()), "docker0 172.17.0.1/16");
  EXPECT_EQ(detect("interface=^eth[0-9]$", typical_host()), "eth1 10.0.2.10/24");
  EXPECT_EQ(detect("interface=nomatch", typical_host()),
            "error: no valid host interfaces found (method interface=nomatch; interfaces tried: "
            "none)");
  EXPECT_EQ(detect("interface=lo", typical_host()),
            "error: no valid IPv4 addresses found on the host interfaces (method interface=lo; "
            "interfaces tried: lo)");
}

TEST(InterfaceMethod, Ipv6) {
  EXPECT_EQ(detect("interface=eth0", typical_host(), IpFamily::kV6), "eth0 fd00:1::10/64");
  EXPECT_THAT(detect("interface=eth1", typical_host(), IpFamily::kV6),
              HasSubstr("no valid IPv6 addresses found"));
}

TEST(SkipInterfaceMethod, AddsToTheDefaultExclusions) {
  EXPECT_EQ(detect("skip-interface=eth1", typical_host()), "eth0 10.0.1.10/24");
  EXPECT_EQ(detect("skip-interface=eth1,eth0", typical_host()),
            "error: no valid host interfaces found (method skip-interface=eth1,eth0; interfaces "
            "tried: none)");
  // The default list still applies: skipping eth.* leaves nothing (docker0 is excluded too).
  EXPECT_THAT(detect("skip-interface=eth.*", typical_host()),
              HasSubstr("no valid host interfaces found"));
}

TEST(CidrMethod, TakesTheFirstAddressInsideAnyCidrOnAnyInterface) {
  EXPECT_EQ(detect("cidr=10.0.1.0/24", typical_host()), "eth0 10.0.1.10/24");
  EXPECT_EQ(detect("cidr=10.0.0.0/8", typical_host()), "eth1 10.0.2.10/24");
  // A list: the first interface in walk order with an address inside any of them.
  EXPECT_EQ(detect("cidr=10.0.1.0/24,10.0.2.0/24", typical_host()), "eth1 10.0.2.10/24");
  // No default exclusions: docker0's address counts.
  EXPECT_EQ(detect("cidr=172.17.0.0/16", typical_host()), "docker0 172.17.0.1/16");
  // The matching address of an interface, not its first one.
  std::vector<HostInterface> host = {
      iface(2, "eth0", {addr("10.0.1.10/24"), addr("192.168.50.5/24")})};
  EXPECT_EQ(detect("cidr=192.168.50.0/24", host), "eth0 192.168.50.5/24");
  EXPECT_EQ(detect("cidr=10.99.0.0/16", typical_host()),
            "error: no valid IPv4 addresses found on the host interfaces (method "
            "cidr=10.99.0.0/16; interfaces tried: vxlan.calico,tunl0,cali1234567890a,docker0,"
            "eth1,eth0,lo)");
  // Still global unicast only.
  EXPECT_THAT(detect("cidr=127.0.0.0/8", typical_host()), HasSubstr("no valid IPv4 addresses"));
}

TEST(CidrMethod, Ipv6) {
  EXPECT_EQ(detect("cidr=fd00:1::/64", typical_host(), IpFamily::kV6), "eth0 fd00:1::10/64");
  EXPECT_THAT(detect("cidr=fe80::/10", typical_host(), IpFamily::kV6),
              HasSubstr("no valid IPv6 addresses"));
}

TEST(CanReachMethod, FindsTheSourceAddressOnAnyInterface) {
  DetectionInputs inputs;
  inputs.can_reach_source = Result<IpAddress>(*IpAddress::parse("10.0.1.10"));
  EXPECT_EQ(detect("can-reach=10.0.1.1", typical_host(), IpFamily::kV4, inputs),
            "eth0 10.0.1.10/24");
  // No exclusions: the source may be on an interface first-found would skip.
  inputs.can_reach_source = Result<IpAddress>(*IpAddress::parse("172.17.0.1"));
  EXPECT_EQ(detect("can-reach=172.17.0.2", typical_host(), IpFamily::kV4, inputs),
            "docker0 172.17.0.1/16");
  inputs.can_reach_source = Result<IpAddress>(*IpAddress::parse("fd00:1::10"));
  EXPECT_EQ(detect("can-reach=fd00:1::1", typical_host(), IpFamily::kV6, inputs),
            "eth0 fd00:1::10/64");
}

TEST(CanReachMethod, Errors) {
  DetectionInputs inputs;
  inputs.can_reach_source = Result<IpAddress>(Error{"connect: Network is unreachable"});
  EXPECT_EQ(detect("can-reach=10.99.0.1", typical_host(), IpFamily::kV4, inputs),
            "error: Unable to auto-detect IPv4 address by connecting to 10.99.0.1: connect: "
            "Network is unreachable");
  inputs.can_reach_source = Result<IpAddress>(*IpAddress::parse("10.5.5.5"));
  EXPECT_EQ(detect("can-reach=10.99.0.1", typical_host(), IpFamily::kV4, inputs),
            "error: autodetected IPv4 address does not match any addresses found on local "
            "interfaces: 10.5.5.5");
  EXPECT_EQ(detect("can-reach=10.99.0.1", typical_host()),
            "error: can-reach=10.99.0.1: no connection attempt was made");
}

TEST(KubernetesInternalIp, TakesTheFirstInternalIpOfTheFamily) {
  DetectionInputs inputs;
  inputs.kubernetes_addresses = std::vector<NodeAddress>{
      {"Hostname", "node-a"},      {"ExternalIP", "10.0.1.10"}, {"InternalIP", "fd00:1::10"},
      {"InternalIP", "10.0.2.10"}, {"InternalIP", "10.0.1.10"},
  };
  EXPECT_EQ(detect("kubernetes-internal-ip", typical_host(), IpFamily::kV4, inputs),
            "eth1 10.0.2.10/24");
  EXPECT_EQ(detect("kubernetes-internal-ip", typical_host(), IpFamily::kV6, inputs),
            "eth0 fd00:1::10/64");
}

TEST(KubernetesInternalIp, Errors) {
  EXPECT_EQ(detect("kubernetes-internal-ip", typical_host()),
            "error: Cannot use method 'kubernetes-internal-ip' when not running on a Kubernetes "
            "cluster");
  DetectionInputs inputs;
  inputs.kubernetes_addresses = std::vector<NodeAddress>{{"InternalIP", "10.7.7.7"}};
  EXPECT_EQ(detect("kubernetes-internal-ip", typical_host(), IpFamily::kV4, inputs),
            "error: kubernetes-internal-ip: the Node's InternalIP 10.7.7.7 is not on any local "
            "interface");
  inputs.kubernetes_addresses = std::vector<NodeAddress>{{"ExternalIP", "10.0.1.10"}};
  EXPECT_EQ(detect("kubernetes-internal-ip", typical_host(), IpFamily::kV4, inputs),
            "error: kubernetes-internal-ip: the Node has no IPv4 InternalIP address");
}

TEST(FindLocalAddress, LooksEverywhereAndKeepsThePrefix) {
  auto found = find_local_address(*IpAddress::parse("192.168.10.0"), typical_host());
  ASSERT_TRUE(found);
  EXPECT_EQ(found->interface, "tunl0");
  EXPECT_EQ(found->to_string(), "192.168.10.0/32");
  EXPECT_EQ(found->subnet().to_string(), "192.168.10.0/32");
  auto eth = find_local_address(*IpAddress::parse("10.0.2.10"), typical_host());
  EXPECT_EQ(eth->subnet().to_string(), "10.0.2.0/24");
  EXPECT_FALSE(find_local_address(*IpAddress::parse("10.0.2.11"), typical_host()));
}

}  // namespace
}  // namespace tabby::agent
