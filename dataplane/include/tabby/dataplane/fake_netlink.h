#pragma once
// An in-memory netlink layer for unit tests of the dataplane and the agent. It models the
// kernel behaviours tabby relies on (ENODEV, EEXIST, ESRCH, onlink needing an up device, a
// gateway needing a connected subnet, routes dying with their link, IPv6's default metric,
// notifications for every change) — and the same test cases run against it and against a
// real namespace, so it cannot drift from the kernel unnoticed.

#include <deque>
#include <map>
#include <string>
#include <vector>

#include "tabby/common/unique_fd.h"
#include "tabby/dataplane/netlink_layer.h"

namespace tabby::dataplane {

class FakeNetlink final : public NetlinkLayer {
 public:
  FakeNetlink();  // with lo (index 1), up

  // Test set-up, as something other than tabby would do it (each raises notifications).
  void add_interface(const std::string& name, bool up = true, std::uint32_t mtu = 1500,
                     const std::string& kind = "veth");
  void remove_interface(const std::string& name);
  void add_foreign_route(const Route& route);  // as `ip route replace` would
  void delete_route_behind_our_back(const RouteKey& key);
  // Pretends the kernel dropped notifications (ENOBUFS).
  void overflow_events() { overflowed_ = true; }
  std::size_t route_count() const { return routes_.size(); }

  Result<std::vector<Route>> dump_routes() override;
  std::vector<Status> apply_routes(std::span<const RouteOp> ops) override;

  Result<std::vector<LinkInfo>> dump_links() override;
  Status add_link(const LinkSpec& spec) override;
  Status delete_link(const std::string& name) override;
  Status set_link_mtu(const std::string& name, std::uint32_t mtu) override;
  Status set_link_up(const std::string& name, bool up) override;

  Result<std::vector<InterfaceAddress>> dump_addresses() override;
  Status add_address(const InterfaceAddress& address) override;
  Status delete_address(const InterfaceAddress& address) override;

  Result<std::vector<Neighbour>> dump_neighbours() override;
  Status set_neighbour(const Neighbour& neighbour) override;
  Status delete_neighbour(const Neighbour& neighbour) override;

  Result<std::string> read_sysctl(const std::string& path) override;
  Status write_sysctl(const std::string& path, const std::string& value) override;

  int event_fd() const override { return event_fd_.get(); }
  NetlinkEvents read_events() override;

 private:
  Status check_route(const Route& route) const;
  Status write_route(const RouteOp& op);
  void notify(bool deleted, const Route& route);
  void notify_link();
  void drop_routes_on(const std::string& name);
  LinkInfo* find_link(const std::string& name);

  std::map<std::string, LinkInfo> links_;
  int next_index_ = 2;
  std::map<RouteKey, Route> routes_;
  std::vector<InterfaceAddress> addresses_;
  std::vector<Neighbour> neighbours_;
  std::map<std::string, std::string> sysctls_;
  std::deque<RouteEvent> pending_routes_;
  bool links_changed_ = false;
  bool overflowed_ = false;
  UniqueFd event_fd_;  // an eventfd, readable while notifications wait
};

}  // namespace tabby::dataplane
