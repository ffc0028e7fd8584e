#pragma once
// The fixture the CNI lab tests share: a SQLite datastore file in the lab's directory, and a
// node namespace with an uplink. The uplink gives the node an address to ping its pods from,
// and its default route lets the host side's proxy ARP answer for the pods' gateway
// (169.254.1.1: the kernel proxies only for an address it has a route to).

#include <filesystem>
#include <string>

#include "tabby/api/codec.h"
#include "tabby/api/resource_store.h"
#include "tabby/api/sqlite_datastore.h"
#include "tabby/lab/lab_test.h"

namespace tabby::lab {

class CniLabTest : public LabTest {
 protected:
  // Call from SetUp after LabTest::SetUp: the node, its uplink on 192.168.<subnet>.0/24.
  void set_up_node(int subnet) {
    database_ = (lab().dir() / "datastore.db").string();
    node_ = &lab().add_node("node");
    auto& peer = lab().add_namespace("upstream");
    const std::string prefix = "192.168." + std::to_string(subnet) + ".";
    lab().link(*node_, "eth0", prefix + "1/24", peer, "eth0", prefix + "2/24");
    node_->must("ip route add default via " + prefix + "2");
  }
  void apply(const std::string& yaml) const {
    auto store = api::open_sqlite_datastore({.path = database_}).value();
    auto applied = api::ResourceStore(*store).apply(*api::parse_resource(yaml));
    ASSERT_TRUE(applied.ok()) << applied.error().message;
  }
  // IPAM handles in the datastore: one per sandbox holding addresses.
  std::size_t handles() const {
    auto store = api::open_sqlite_datastore({.path = database_}).value();
    return store->list("/calico/ipam/v2/handle/").value().entries.size();
  }

  std::string database_;
  Netns* node_ = nullptr;
};

}  // namespace tabby::lab
