// decide_node_address (calico-node's IP / IP6 rules) and the default pool CIDRs.
#include "tabby/agent/node_address.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tabby::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Mode = AddressSetting::Mode;

HostAddress addr(std::string_view text) {
  auto value = NodeAddressValue::parse(text);
  EXPECT_TRUE(value) << text;
  return HostAddress{value->address, value->prefix_length, 0};
}

std::vector<HostInterface> host() {
  return {HostInterface{1, "lo", true, true, {addr("127.0.0.1/8")}},
          HostInterface{2, "eth0", true, false, {addr("10.0.1.10/24"), addr("fd00:1::10/64")}}};
}

NodeAddressValue value(std::string_view text) {
  return *NodeAddressValue::parse(text);
}

AddressSetting setting(Mode mode, std::string_view address = "", std::optional<int> length = {}) {
  AddressSetting result;
  result.mode = mode;
  if (!address.empty()) result.address = *IpAddress::parse(address);
  result.prefix_length = length;
  return result;
}

// A detector that records whether it was asked.
struct FakeDetector {
  Result<DetectedAddress> answer = DetectedAddress{"eth0", *IpAddress::parse("10.0.1.10"), 24};
  int calls = 0;
  Detector get() {
    return [this] {
      ++calls;
      return answer;
    };
  }
};

TEST(DecideNodeAddress, Ipv4AutodetectDetects) {
  FakeDetector detector;
  auto decision = decide_node_address(setting(Mode::kAutodetect), IpFamily::kV4,
                                      value("10.0.9.9/24"), host(), detector.get());
  ASSERT_TRUE(decision);
  EXPECT_EQ(decision->address->to_string(), "10.0.1.10/24");
  EXPECT_TRUE(decision->autodetected);
  EXPECT_EQ(detector.calls, 1);
}

TEST(DecideNodeAddress, Ipv4UnsetDetectsOnlyWhenTheNodeHasNone) {
  FakeDetector detector;
  auto fresh = decide_node_address(setting(Mode::kUnset), IpFamily::kV4, std::nullopt, host(),
                                   detector.get());
  EXPECT_EQ(fresh->address->to_string(), "10.0.1.10/24");
  EXPECT_EQ(detector.calls, 1);
  auto kept = decide_node_address(setting(Mode::kUnset), IpFamily::kV4, value("10.0.1.10/16"),
                                  host(), detector.get());
  EXPECT_EQ(kept->address->to_string(), "10.0.1.10/16");
  EXPECT_FALSE(kept->autodetected);
  EXPECT_TRUE(kept->warnings.empty());
  EXPECT_EQ(detector.calls, 1);
}

TEST(DecideNodeAddress, FailedDetectionKeepsTheOldValueOrFails) {
  FakeDetector detector;
  detector.answer = Error{"no valid host interfaces found"};
  auto kept = decide_node_address(setting(Mode::kAutodetect), IpFamily::kV4, value("10.0.1.10/24"),
                                  host(), detector.get());
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->address->to_string(), "10.0.1.10/24");
  EXPECT_THAT(kept->warnings,
              ElementsAre("Unable to auto-detect an IPv4 address (no valid host interfaces "
                          "found); keeping 10.0.1.10/24"));
  auto failed = decide_node_address(setting(Mode::kAutodetect), IpFamily::kV4, std::nullopt, host(),
                                    detector.get());
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().message,
            "Couldn't autodetect an IPv4 address (no valid host interfaces found). If "
            "auto-detecting, choose a different autodetection method. Otherwise provide an "
            "explicit address.");
}

TEST(DecideNodeAddress, NoneKeepsTheNodesValue) {
  FakeDetector detector;
  auto kept = decide_node_address(setting(Mode::kNone), IpFamily::kV4, value("10.0.1.10/24"),
                                  host(), detector.get());
  EXPECT_EQ(kept->address->to_string(), "10.0.1.10/24");
  auto nothing = decide_node_address(setting(Mode::kNone), IpFamily::kV4, std::nullopt, host(),
                                     detector.get());
  EXPECT_FALSE(nothing->address);
  EXPECT_EQ(detector.calls, 0);
}

TEST(DecideNodeAddress, ExplicitIpv4TakesThePrefixFromTheInterface) {
  FakeDetector detector;
  auto looked_up = decide_node_address(setting(Mode::kExplicit, "10.0.1.10"), IpFamily::kV4,
                                       std::nullopt, host(), detector.get());
  EXPECT_EQ(looked_up->address->to_string(), "10.0.1.10/24");
  EXPECT_TRUE(looked_up->warnings.empty());
  auto given = decide_node_address(setting(Mode::kExplicit, "10.0.1.10", 16), IpFamily::kV4,
                                   std::nullopt, host(), detector.get());
  EXPECT_EQ(given->address->to_string(), "10.0.1.10/16");
  auto absent = decide_node_address(setting(Mode::kExplicit, "10.0.7.7"), IpFamily::kV4,
                                    value("10.0.1.10/24"), host(), detector.get());
  EXPECT_EQ(absent->address->to_string(), "10.0.7.7/32");
  EXPECT_THAT(absent->warnings,
              ElementsAre("10.0.7.7 is not on any local interface, so its prefix length is "
                          "unknown: using /32"));
  auto absent_with_prefix =
      decide_node_address(setting(Mode::kExplicit, "10.0.7.7", 24), IpFamily::kV4, std::nullopt,
                          host(), detector.get());
  EXPECT_THAT(absent_with_prefix->warnings,
              ElementsAre("the node's address 10.0.7.7/24 is not on any local interface"));
  EXPECT_EQ(detector.calls, 0);
}

TEST(DecideNodeAddress, Ipv6IsDetectedOnlyWhenAsked) {
  FakeDetector detector;
  detector.answer = DetectedAddress{"eth0", *IpAddress::parse("fd00:1::10"), 64};
  auto unset = decide_node_address(setting(Mode::kUnset), IpFamily::kV6, std::nullopt, host(),
                                   detector.get());
  EXPECT_FALSE(unset->address);
  EXPECT_EQ(detector.calls, 0);
  auto kept = decide_node_address(setting(Mode::kUnset), IpFamily::kV6, value("fd00:1::10/64"),
                                  host(), detector.get());
  EXPECT_EQ(kept->address->to_string(), "fd00:1::10/64");
  auto detected = decide_node_address(setting(Mode::kAutodetect), IpFamily::kV6, std::nullopt,
                                      host(), detector.get());
  EXPECT_EQ(detected->address->to_string(), "fd00:1::10/64");
  EXPECT_EQ(detector.calls, 1);
  auto explicit_v6 = decide_node_address(setting(Mode::kExplicit, "fd00:1::10", 128), IpFamily::kV6,
                                         std::nullopt, host(), detector.get());
  EXPECT_EQ(explicit_v6->address->to_string(), "fd00:1::10/128");
}

TEST(NodeAddressValue, ParsesNodeForms) {
  EXPECT_EQ(value("10.0.0.5/24").to_string(), "10.0.0.5/24");
  EXPECT_EQ(value("10.0.0.5").to_string(), "10.0.0.5/32");
  EXPECT_EQ(value("fd00::5").to_string(), "fd00::5/128");
  EXPECT_FALSE(NodeAddressValue::parse("10.0.0.5/40"));
  EXPECT_FALSE(NodeAddressValue::parse("node-a"));
}

TEST(NodeResourceAddresses, FeedKubernetesInternalIp) {
  api::Resource node;
  node.kind = api::Kind::kNode;
  node.spec = api::Json::parse(R"({"addresses": [
      {"address": "192.0.2.1", "type": "ExternalIP"},
      {"address": "10.0.1.10/24", "type": "InternalIP"},
      {"address": "10.0.1.99"}]})");
  const auto addresses = node_resource_addresses(node);
  ASSERT_EQ(addresses.size(), 3u);
  EXPECT_EQ(addresses[1].type, "InternalIP");
  EXPECT_EQ(addresses[1].address, "10.0.1.10/24");
  EXPECT_EQ(addresses[2].type, "");
  DetectionInputs inputs;
  inputs.kubernetes_addresses = addresses;
  auto method = parse_autodetection_method("kubernetes-internal-ip", IpFamily::kV4);
  auto detected = detect_address(*method, IpFamily::kV4, host(), inputs);
  ASSERT_TRUE(detected) << detected.error().message;
  EXPECT_EQ(detected->to_string(), "10.0.1.10/24");
  EXPECT_TRUE(node_resource_addresses(api::Resource{}).empty());
}

TEST(DefaultPools, Ipv4AvoidsHostAddresses) {
  EXPECT_EQ(default_ipv4_pool_cidr(host()).to_string(), "192.168.0.0/16");
  std::vector<HostInterface> clash = {
      HostInterface{2, "eth0", true, false, {addr("192.168.1.10/24"), addr("172.16.5.5/24")}}};
  EXPECT_EQ(default_ipv4_pool_cidr(clash).to_string(), "172.17.0.0/16");
  std::vector<HostInterface> everything = {
      HostInterface{2, "eth0", true, false, {addr("192.168.1.1/24")}}};
  for (int second = 16; second <= 31; ++second) {
    everything[0].addresses.push_back(addr("172." + std::to_string(second) + ".0.1/24"));
  }
  EXPECT_EQ(default_ipv4_pool_cidr(everything).to_string(), "192.168.0.0/16");
}

TEST(DefaultPools, Ipv6IsAUla48FromTheRandomBytes) {
  EXPECT_EQ(default_ipv6_pool_cidr({0x12, 0x34, 0x56, 0x78, 0x9a}).to_string(),
            "fd12:3456:789a::/48");
}

}  // namespace
}  // namespace tabby::agent
