// The shared reconciler cases against the fake netlink layer.

#include "reconciler_cases.h"
#include "tabby/dataplane/fake_netlink.h"

namespace tabby::dataplane::cases {
namespace {

class FakeEnv {
 public:
  NetlinkLayer& netlink() { return fake_; }
  void make_interface(const std::string& name, const std::string& cidr) {
    fake_.add_interface(name);
    if (cidr.empty()) return;
    auto prefix = *IpPrefix::parse_interface(cidr);
    const auto address = *IpAddress::parse(cidr.substr(0, cidr.find('/')));
    ASSERT_TRUE(fake_.add_address({name, address, prefix.length()}).ok());
  }
  void by_hand_add(const Route& route) { fake_.add_foreign_route(route); }
  void by_hand_delete(const Route& route) {
    fake_.delete_route_behind_our_back(route.normalized().key());
  }

 private:
  FakeNetlink fake_;
};

INSTANTIATE_TYPED_TEST_SUITE_P(Fake, ReconcilerCases, FakeEnv);

}  // namespace
}  // namespace tabby::dataplane::cases
