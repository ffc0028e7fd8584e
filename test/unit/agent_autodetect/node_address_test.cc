// The Node resource's addresses for kubernetes-internal-ip, and the default pool CIDRs.
#include "tabby/agent/node_address.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tabby::agent {
namespace {

using ::testing::ElementsAre;

HostAddress addr(std::string_view text) {
  auto prefix = IpPrefix::parse_interface(text);
  EXPECT_TRUE(prefix) << text;
  return HostAddress{*IpAddress::parse(text.substr(0, text.find('/'))), prefix->length(), 0};
}

std::vector<HostInterface> host() {
  return {HostInterface{1, "lo", true, true, {addr("127.0.0.1/8")}},
          HostInterface{2, "eth0", true, false, {addr("10.0.1.10/24"), addr("fd00:1::10/64")}}};
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
