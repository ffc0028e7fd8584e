// Tunnel addresses kept in line with the pools and recorded in the Node, on the in-memory
// datastore.

#include "tabby/ipam/tunnel_addresses.h"

#include <gmock/gmock.h>

#include "tabby/api/codec.h"
#include "tabby/api/datastore_memory.h"
#include "tabby/api/resource_store.h"
#include "tabby/ipam/ipam_inspect.h"

namespace tabby::ipam {
namespace {

using ::testing::HasSubstr;

class TunnelAddressesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    datastore_ = api::open_memory_datastore(api::make_memory_store());
    apply(
        "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: n1, labels: {rack: r1}}\n"
        "spec: {bgp: {ipv4Address: 192.168.1.10/24}}\n");
  }
  void apply(const std::string& yaml) {
    api::ResourceStore store(*datastore_);
    auto applied = store.apply(*api::parse_resource(yaml));
    ASSERT_TRUE(applied.ok()) << applied.error().message;
  }
  void pool(const std::string& name, const std::string& cidr, const std::string& extra) {
    apply("apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: " + name +
          "}\nspec: {cidr: '" + cidr + "'" + extra + "}\n");
  }
  api::Resource node() {
    api::ResourceStore store(*datastore_);
    return store.get(api::Kind::kNode, "", "n1").value();
  }

  std::unique_ptr<api::Datastore> datastore_;
};

TEST_F(TunnelAddressesTest, AnIpipPoolGivesTheNodeATunnelAddressRecordedInItsNode) {
  pool("plain", "10.1.0.0/16", "");
  pool("ipip", "10.2.0.0/16", ", ipipMode: Always");
  auto address = ensure_tunnel_address(*datastore_, "n1", TunnelType::kIpip);
  ASSERT_TRUE(address.ok()) << address.error().message;
  ASSERT_TRUE(address->has_value());
  EXPECT_TRUE(IpPrefix::parse("10.2.0.0/16")->contains(**address));
  EXPECT_EQ(node().spec["bgp"]["ipv4IPIPTunnelAddr"], (*address)->to_string());
  EXPECT_EQ(node().spec["bgp"]["ipv4Address"], "192.168.1.10/24");  // the rest is untouched
  auto owner = address_owner(*datastore_, **address).value();
  ASSERT_TRUE(owner.has_value());
  EXPECT_EQ(owner->handle_id, std::optional<std::string>("ipip-tunnel-addr-n1"));
  EXPECT_EQ(owner->attributes.at("type"), "ipipTunnelAddress");

  // Again: the same address, nothing new allocated.
  EXPECT_EQ(*ensure_tunnel_address(*datastore_, "n1", TunnelType::kIpip), *address);
  EXPECT_EQ(datastore_->list("/calico/ipam/v2/handle/").value().entries.size(), 1u);
}

TEST_F(TunnelAddressesTest, NoEligiblePoolClearsTheFieldAndGivesTheAddressBack) {
  pool("ipip", "10.2.0.0/16", ", ipipMode: CrossSubnet");
  auto address = ensure_tunnel_address(*datastore_, "n1", TunnelType::kIpip).value();
  ASSERT_TRUE(address.has_value());
  pool("ipip", "10.2.0.0/16", ", ipipMode: Never");
  EXPECT_EQ(ensure_tunnel_address(*datastore_, "n1", TunnelType::kIpip).value(), std::nullopt);
  EXPECT_FALSE(node().spec["bgp"].contains("ipv4IPIPTunnelAddr"));
  EXPECT_FALSE(address_owner(*datastore_, *address).value().has_value());
}

TEST_F(TunnelAddressesTest, AnAddressInAPoolThatNoLongerQualifiesIsReplaced) {
  pool("a", "10.2.0.0/16", ", vxlanMode: Always");
  auto first = ensure_tunnel_address(*datastore_, "n1", TunnelType::kVxlan).value();
  ASSERT_TRUE(first.has_value());
  pool("a", "10.2.0.0/16", ", vxlanMode: Always, nodeSelector: \"rack == 'r2'\"");
  pool("b", "10.3.0.0/16", ", vxlanMode: Always");
  auto second = ensure_tunnel_address(*datastore_, "n1", TunnelType::kVxlan).value();
  ASSERT_TRUE(second.has_value());
  EXPECT_TRUE(IpPrefix::parse("10.3.0.0/16")->contains(*second));
  EXPECT_EQ(node().spec["ipv4VXLANTunnelAddr"], second->to_string());
  EXPECT_FALSE(address_owner(*datastore_, *first).value().has_value())
      << "the old one was not given back";
}

TEST_F(TunnelAddressesTest, Ipv6VxlanAndAMissingNode) {
  pool("v6", "fd00:10::/112", ", vxlanMode: Always");
  auto v6 = ensure_tunnel_address(*datastore_, "n1", TunnelType::kVxlanV6);
  ASSERT_TRUE(v6.ok()) << v6.error().message;
  ASSERT_TRUE(v6->has_value());
  EXPECT_EQ(node().spec["ipv6VXLANTunnelAddr"], (*v6)->to_string());
  auto missing = ensure_tunnel_address(*datastore_, "nobody", TunnelType::kIpip);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().message, HasSubstr("Node(nobody)"));
}

}  // namespace
}  // namespace tabby::ipam
