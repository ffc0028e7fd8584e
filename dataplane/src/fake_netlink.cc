#include "tabby/dataplane/fake_netlink.h"

#include <fmt/format.h>
#include <sys/eventfd.h>

#include <algorithm>
#include <cstring>

namespace tabby::dataplane {
namespace {

Error kernel_error(const std::string& what, int error) {
  return Error{fmt::format("{}: {} ({})", what, std::strerror(error), strerrorname_np(error))};
}

// Interface sysctls exist only while the interface does; these globals always do.
const std::map<std::string, std::string> kGlobalSysctls = {
    {"net/ipv4/ip_forward", "0"},
    {"net/ipv6/conf/all/forwarding", "0"},
    {"net/ipv4/conf/default/rp_filter", "1"},
    {"net/ipv4/conf/all/rp_filter", "0"},
};

}  // namespace

FakeNetlink::FakeNetlink() : event_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  links_["lo"] =
      LinkInfo{.index = 1, .name = "lo", .mtu = 65536, .admin_up = true, .oper_up = true};
  sysctls_ = kGlobalSysctls;
}

void FakeNetlink::notify(bool deleted, const Route& route) {
  pending_routes_.push_back({deleted, route});
  const std::uint64_t one = 1;
  (void)!write(event_fd_.get(), &one, sizeof(one));
}

void FakeNetlink::notify_link() {
  links_changed_ = true;
  const std::uint64_t one = 1;
  (void)!write(event_fd_.get(), &one, sizeof(one));
}

LinkInfo* FakeNetlink::find_link(const std::string& name) {
  auto it = links_.find(name);
  return it == links_.end() ? nullptr : &it->second;
}

void FakeNetlink::add_interface(const std::string& name, bool up, std::uint32_t mtu,
                                const std::string& kind) {
  links_[name] = LinkInfo{.index = next_index_++,
                          .name = name,
                          .kind = kind,
                          .mtu = mtu,
                          .admin_up = up,
                          .oper_up = up};
  notify_link();
}

void FakeNetlink::remove_interface(const std::string& name) {
  (void)delete_link(name);
}

// The kernel flushes every route through a link that goes away (or down, for IPv4).
void FakeNetlink::drop_routes_on(const std::string& name) {
  for (auto it = routes_.begin(); it != routes_.end();) {
    const auto& hops = it->second.next_hops;
    if (std::any_of(hops.begin(), hops.end(), [&](const NextHop& h) { return h.device == name; })) {
      notify(true, it->second);
      it = routes_.erase(it);
    } else {
      ++it;
    }
  }
  std::erase_if(addresses_, [&](const InterfaceAddress& a) { return a.link == name; });
  std::erase_if(neighbours_, [&](const Neighbour& n) { return n.link == name; });
}

void FakeNetlink::add_foreign_route(const Route& route) {
  const Route normal = route.normalized();
  routes_[normal.key()] = normal;
  notify(false, normal);
}

void FakeNetlink::delete_route_behind_our_back(const RouteKey& key) {
  if (auto it = routes_.find(key); it != routes_.end()) {
    notify(true, it->second);
    routes_.erase(it);
  }
}

Result<std::vector<Route>> FakeNetlink::dump_routes() {
  std::vector<Route> routes;
  for (const auto& [key, route] : routes_)
    routes.push_back(route);
  return routes;
}

Status FakeNetlink::check_route(const Route& route) const {
  const std::string what = "route " + route.to_string();
  for (const auto& hop : route.next_hops) {
    if (hop.device.empty()) continue;
    auto link = links_.find(hop.device);
    if (link == links_.end()) return kernel_error(what, ENODEV);
    if (!hop.gateway) continue;
    if (hop.onlink) {
      if (!link->second.admin_up) return kernel_error(what, ENETDOWN);
      continue;
    }
    // Without onlink the gateway must sit in a subnet connected to that device.
    const bool connected = std::any_of(addresses_.begin(), addresses_.end(), [&](const auto& a) {
      return a.link == hop.device && IpPrefix(a.address, a.prefix_length).contains(*hop.gateway);
    });
    if (!connected) return kernel_error(what, ENETUNREACH);
  }
  return {};
}

Status FakeNetlink::write_route(const RouteOp& op) {
  const Route route = op.route.normalized();
  const auto existing = routes_.find(route.key());
  switch (op.kind) {
    case RouteOp::Kind::kDelete:
      if (existing == routes_.end()) return {};  // as LibnlNetlink: already gone is fine
      notify(true, existing->second);
      routes_.erase(existing);
      return {};
    case RouteOp::Kind::kAdd:
      if (existing != routes_.end()) return kernel_error("add route " + route.to_string(), EEXIST);
      [[fallthrough]];
    case RouteOp::Kind::kReplace:
      if (auto status = check_route(route); !status) return status;
      routes_[route.key()] = route;
      notify(false, route);
      return {};
  }
  return {};
}

std::vector<Status> FakeNetlink::apply_routes(std::span<const RouteOp> ops) {
  std::vector<Status> results;
  results.reserve(ops.size());
  for (const auto& op : ops)
    results.push_back(write_route(op));
  return results;
}

Result<std::vector<LinkInfo>> FakeNetlink::dump_links() {
  std::vector<LinkInfo> links;
  for (const auto& [name, link] : links_)
    links.push_back(link);
  return links;
}

Status FakeNetlink::add_link(const LinkSpec& spec) {
  const std::string what = fmt::format("create {} link {}", spec.kind, spec.name);
  if (spec.kind != "ipip" && spec.kind != "vxlan" && spec.kind != "veth") {
    return Error{what + ": unsupported link kind"};
  }
  if (links_.contains(spec.name)) return kernel_error(what, EEXIST);
  if (spec.vxlan && !spec.vxlan->parent.empty() && !links_.contains(spec.vxlan->parent)) {
    return kernel_error(what, ENODEV);
  }
  LinkInfo link{.index = next_index_++,
                .name = spec.name,
                .kind = spec.kind,
                .mtu = spec.mtu ? spec.mtu : (spec.kind == "ipip" ? 1480u : 1450u),
                .mac = spec.mac,
                .vxlan = spec.vxlan};
  links_[spec.name] = link;
  notify_link();
  return {};
}

Status FakeNetlink::delete_link(const std::string& name) {
  if (!links_.contains(name)) return {};
  drop_routes_on(name);
  links_.erase(name);
  notify_link();
  return {};
}

Status FakeNetlink::set_link_mtu(const std::string& name, std::uint32_t mtu) {
  LinkInfo* link = find_link(name);
  if (!link) return kernel_error(fmt::format("set mtu {} on {}", mtu, name), ENODEV);
  link->mtu = mtu;
  notify_link();
  return {};
}

Status FakeNetlink::set_link_up(const std::string& name, bool up) {
  LinkInfo* link = find_link(name);
  if (!link) return kernel_error(fmt::format("set {} {}", name, up ? "up" : "down"), ENODEV);
  link->admin_up = link->oper_up = up;
  if (!up) {
    for (auto it = routes_.begin(); it != routes_.end();) {
      const bool v4_through_link =
          it->second.destination.family() == IpFamily::kV4 &&
          std::any_of(it->second.next_hops.begin(), it->second.next_hops.end(),
                      [&](const NextHop& h) { return h.device == name; });
      if (v4_through_link) {
        notify(true, it->second);
        it = routes_.erase(it);
      } else {
        ++it;
      }
    }
  }
  notify_link();
  return {};
}

Result<std::vector<InterfaceAddress>> FakeNetlink::dump_addresses() {
  return addresses_;
}

Status FakeNetlink::add_address(const InterfaceAddress& address) {
  if (!links_.contains(address.link)) {
    return kernel_error("add address " + address.address.to_string() + " on " + address.link,
                        ENODEV);
  }
  std::erase_if(addresses_, [&](const auto& a) {
    return a.link == address.link && a.address == address.address;
  });
  addresses_.push_back(address);
  return {};
}

Status FakeNetlink::delete_address(const InterfaceAddress& address) {
  std::erase(addresses_, address);
  return {};
}

Result<std::vector<Neighbour>> FakeNetlink::dump_neighbours() {
  return neighbours_;
}

Status FakeNetlink::set_neighbour(const Neighbour& neighbour) {
  if (!links_.contains(neighbour.link)) {
    return kernel_error("set neighbour on " + neighbour.link, ENODEV);
  }
  // Keyed as the kernel keys them: an FDB entry by MAC (one dst per MAC with replace), a
  // neighbour by its IP.
  std::erase_if(neighbours_, [&](const Neighbour& n) {
    return n.link == neighbour.link && n.fdb == neighbour.fdb &&
           (neighbour.fdb ? n.mac == neighbour.mac : n.destination == neighbour.destination);
  });
  neighbours_.push_back(neighbour);
  return {};
}

Status FakeNetlink::delete_neighbour(const Neighbour& neighbour) {
  std::erase_if(neighbours_, [&](const Neighbour& n) {
    return n.link == neighbour.link && n.fdb == neighbour.fdb &&
           (neighbour.fdb ? n.mac == neighbour.mac : n.destination == neighbour.destination);
  });
  return {};
}

namespace {

// "net/ipv4/conf/cali1/proxy_arp" -> "cali1"; empty for global keys.
std::string interface_of(const std::string& path) {
  for (const char* section : {"/conf/", "/neigh/"}) {
    const auto at = path.find(section);
    if (at == std::string::npos) continue;
    const auto start = at + std::strlen(section);
    const auto end = path.find('/', start);
    const std::string name = path.substr(start, end - start);
    if (name != "all" && name != "default") return name;
  }
  return "";
}

}  // namespace

Result<std::string> FakeNetlink::read_sysctl(const std::string& path) {
  if (auto it = sysctls_.find(path); it != sysctls_.end()) return it->second;
  const std::string link = interface_of(path);
  if (!link.empty() && links_.contains(link)) return std::string("0");
  return kernel_error("sysctl " + path + ": cannot read", ENOENT);
}

Status FakeNetlink::write_sysctl(const std::string& path, const std::string& value) {
  const std::string link = interface_of(path);
  if (!link.empty() && !links_.contains(link)) {
    return kernel_error(fmt::format("sysctl {}={}", path, value), ENOENT);
  }
  if (link.empty() && !sysctls_.contains(path)) {
    return kernel_error(fmt::format("sysctl {}={}", path, value), ENOENT);
  }
  sysctls_[path] = value;
  return {};
}

NetlinkEvents FakeNetlink::read_events() {
  std::uint64_t count = 0;
  (void)!read(event_fd_.get(), &count, sizeof(count));
  NetlinkEvents events;
  events.routes.assign(pending_routes_.begin(), pending_routes_.end());
  pending_routes_.clear();
  events.links_changed = std::exchange(links_changed_, false);
  events.overflowed = std::exchange(overflowed_, false);
  return events;
}

}  // namespace tabby::dataplane
