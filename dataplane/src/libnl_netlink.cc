#include "tabby/dataplane/libnl_netlink.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/if.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/cache.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/ipip.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/link/vxlan.h>
#include <netlink/route/neighbour.h>
#include <netlink/socket.h>
#include <sched.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "libnl_convert.h"

namespace tabby::dataplane {

using libnl::Addr;
using libnl::errno_text;

namespace {

// Runs the calling thread in another network namespace for the guard's lifetime.
class NetnsGuard {
 public:
  explicit NetnsGuard(const UniqueFd& target) {
    if (!target.valid()) return;
    original_ = UniqueFd(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    if (!original_.valid() || setns(target.get(), CLONE_NEWNET) != 0) {
      error_ = errno_text(errno);
      original_.reset();
    }
  }
  ~NetnsGuard() {
    if (original_.valid()) setns(original_.get(), CLONE_NEWNET);
  }
  NetnsGuard(const NetnsGuard&) = delete;
  NetnsGuard& operator=(const NetnsGuard&) = delete;
  const std::string& error() const { return error_; }

 private:
  UniqueFd original_;
  std::string error_;
};

struct CacheFree {
  void operator()(nl_cache* cache) const { nl_cache_free(cache); }
};
using Cache = std::unique_ptr<nl_cache, CacheFree>;

template <typename T, void (*Put)(T*)>
struct ObjectPut {
  void operator()(T* object) const { Put(object); }
};
using LinkPtr = std::unique_ptr<rtnl_link, ObjectPut<rtnl_link, rtnl_link_put>>;
using AddrObj = std::unique_ptr<rtnl_addr, ObjectPut<rtnl_addr, rtnl_addr_put>>;
using NeighPtr = std::unique_ptr<rtnl_neigh, ObjectPut<rtnl_neigh, rtnl_neigh_put>>;

Status status_of(int libnl_error, const std::string& what) {
  if (libnl_error >= 0) return {};
  return Error{fmt::format("{}: {}", what, nl_geterror(libnl_error))};
}

// Asks for the kernel's receive buffer beyond rmem_max when we are allowed to (root): a
// burst of notifications or acknowledgements must not be dropped.
void grow_receive_buffer(nl_sock* sock, int bytes) {
  const int fd = nl_socket_get_fd(sock);
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) != 0) {
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
  }
}

// Requests per sendmsg. Their acknowledgements queue on our socket while the kernel works
// through the batch, so a batch must fit the receive buffer.
constexpr std::size_t kBatchSize = 512;
constexpr int kReceiveBuffer = 32 << 20;

}  // namespace

void LibnlNetlink::SocketFree::operator()(nl_sock* sock) const {
  nl_socket_free(sock);
}

Result<std::unique_ptr<LibnlNetlink>> LibnlNetlink::open(const std::string& netns_path) {
  std::unique_ptr<LibnlNetlink> layer(new LibnlNetlink());
  if (!netns_path.empty()) {
    layer->netns_ = UniqueFd(::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!layer->netns_.valid()) {
      return Error{fmt::format("network namespace {}: {}", netns_path, errno_text(errno))};
    }
  }
  NetnsGuard in_namespace(layer->netns_);
  if (!in_namespace.error().empty()) {
    return Error{
        fmt::format("entering network namespace {}: {}", netns_path, in_namespace.error())};
  }
  layer->request_.reset(nl_socket_alloc());
  layer->events_.reset(nl_socket_alloc());
  if (!layer->request_ || !layer->events_) return Error{"netlink: out of memory"};
  for (nl_sock* sock : {layer->request_.get(), layer->events_.get()}) {
    if (int err = nl_connect(sock, NETLINK_ROUTE); err < 0) {
      return Error{fmt::format("netlink: connect: {}", nl_geterror(err))};
    }
    grow_receive_buffer(sock, kReceiveBuffer);
  }
  // Acknowledgements without a copy of the request: we match them by sequence number.
  const int one = 1;
  setsockopt(nl_socket_get_fd(layer->request_.get()), SOL_NETLINK, NETLINK_CAP_ACK, &one,
             sizeof(one));
  // Route writes read their own acknowledgements (matched by sequence number) behind
  // libnl's back, so libnl's strict next-sequence check would misfire afterwards.
  nl_socket_disable_seq_check(layer->request_.get());
  nl_socket_disable_seq_check(layer->events_.get());
  if (int err = nl_socket_add_memberships(layer->events_.get(), RTNLGRP_IPV4_ROUTE,
                                          RTNLGRP_IPV6_ROUTE, RTNLGRP_LINK, 0);
      err < 0) {
    return Error{fmt::format("netlink: subscribe to route events: {}", nl_geterror(err))};
  }
  nl_socket_set_nonblocking(layer->events_.get());
  if (auto status = layer->refresh_link_names(); !status) return status.error();
  return layer;
}

LibnlNetlink::~LibnlNetlink() = default;

// ---- link names ------------------------------------------------------------------------

Status LibnlNetlink::refresh_link_names() {
  nl_cache* raw = nullptr;
  if (int err = rtnl_link_alloc_cache(request_.get(), AF_UNSPEC, &raw); err < 0) {
    return Error{fmt::format("netlink: dump links: {}", nl_geterror(err))};
  }
  Cache cache(raw);
  index_by_name_.clear();
  name_by_index_.clear();
  for (nl_object* obj = nl_cache_get_first(raw); obj; obj = nl_cache_get_next(obj)) {
    auto* link = reinterpret_cast<rtnl_link*>(obj);
    const int index = rtnl_link_get_ifindex(link);
    const std::string name = rtnl_link_get_name(link);
    index_by_name_[name] = index;
    name_by_index_[index] = name;
  }
  return {};
}

Result<int> LibnlNetlink::link_index(const std::string& name) {
  if (auto it = index_by_name_.find(name); it != index_by_name_.end()) return it->second;
  if (auto status = refresh_link_names(); !status) return status.error();
  if (auto it = index_by_name_.find(name); it != index_by_name_.end()) return it->second;
  return Error{fmt::format("no interface named {}", name)};
}

std::string LibnlNetlink::link_name(int index) {
  if (auto it = name_by_index_.find(index); it != name_by_index_.end()) return it->second;
  (void)refresh_link_names();
  if (auto it = name_by_index_.find(index); it != name_by_index_.end()) return it->second;
  return fmt::format("if{}", index);
}

// ---- routes ----------------------------------------------------------------------------

namespace {

struct ParseContext {
  const libnl::NameOf* name_of;
  std::vector<Route>* routes;
};

void collect_route(nl_object* obj, void* arg) {
  auto* context = static_cast<ParseContext*>(arg);
  if (auto route = libnl::from_libnl_route(reinterpret_cast<rtnl_route*>(obj), *context->name_of)) {
    context->routes->push_back(std::move(*route));
  }
}

int on_route_message(nl_msg* msg, void* arg) {
  nl_msg_parse(msg, collect_route, arg);
  return NL_OK;
}

}  // namespace

Result<std::vector<Route>> LibnlNetlink::dump_routes() {
  if (auto status = refresh_link_names(); !status) return status.error();
  std::vector<Route> routes;
  const libnl::NameOf name_of = [this](int index) { return link_name(index); };
  ParseContext context{&name_of, &routes};
  rtmsg request{};
  request.rtm_family = AF_UNSPEC;
  if (int err = nl_send_simple(request_.get(), RTM_GETROUTE, NLM_F_DUMP, &request, sizeof(request));
      err < 0) {
    return Error{fmt::format("netlink: dump routes: {}", nl_geterror(err))};
  }
  nl_cb* cb = nl_cb_clone(nl_socket_get_cb(request_.get()));
  nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_route_message, &context);
  const int err = nl_recvmsgs(request_.get(), cb);
  nl_cb_put(cb);
  if (err < 0) return Error{fmt::format("netlink: dump routes: {}", nl_geterror(err))};
  return routes;
}

std::vector<Status> LibnlNetlink::apply_routes(std::span<const RouteOp> ops) {
  std::vector<Status> results(ops.size());
  for (std::size_t begin = 0; begin < ops.size(); begin += kBatchSize) {
    apply_batch(ops, begin, std::min(ops.size(), begin + kBatchSize), results);
  }
  return results;
}

namespace {

const char* verb(RouteOp::Kind kind) {
  switch (kind) {
    case RouteOp::Kind::kAdd:
      return "add";
    case RouteOp::Kind::kReplace:
      return "replace";
    case RouteOp::Kind::kDelete:
      return "delete";
  }
  return "?";
}

}  // namespace

void LibnlNetlink::apply_batch(std::span<const RouteOp> ops, std::size_t begin, std::size_t end,
                               std::vector<Status>& results) {
  std::vector<char> buffer;
  buffer.reserve((end - begin) * 128);
  std::map<std::uint32_t, std::size_t> op_by_seq;
  const libnl::IndexOf index_of = [this](const std::string& name) { return link_index(name); };

  for (std::size_t i = begin; i < end; ++i) {
    const RouteOp& op = ops[i];
    const std::string what = fmt::format("{} route {}", verb(op.kind), op.route.to_string());
    auto route = libnl::to_libnl_route(op.route, index_of);
    if (!route) {
      results[i] = Error{fmt::format("{}: {}", what, route.error().message)};
      continue;
    }
    nl_msg* msg = nullptr;
    int err = 0;
    switch (op.kind) {
      case RouteOp::Kind::kAdd:
        err = rtnl_route_build_add_request(route->get(), NLM_F_CREATE | NLM_F_EXCL, &msg);
        break;
      case RouteOp::Kind::kReplace:
        err = rtnl_route_build_add_request(route->get(), NLM_F_CREATE | NLM_F_REPLACE, &msg);
        break;
      case RouteOp::Kind::kDelete:
        err = rtnl_route_build_del_request(route->get(), 0, &msg);
        break;
    }
    if (err < 0) {
      results[i] = Error{fmt::format("{}: {}", what, nl_geterror(err))};
      continue;
    }
    nl_complete_msg(request_.get(), msg);  // our port id, the next sequence number, ACK
    nlmsghdr* header = nlmsg_hdr(msg);
    op_by_seq[header->nlmsg_seq] = i;
    const std::size_t length = NLMSG_ALIGN(header->nlmsg_len);
    const auto* bytes = reinterpret_cast<const char*>(header);
    buffer.insert(buffer.end(), bytes, bytes + length);
    nlmsg_free(msg);
  }
  if (op_by_seq.empty()) return;

  const int fd = nl_socket_get_fd(request_.get());
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  auto fail_pending = [&](const std::string& why) {
    for (const auto& [seq, i] : op_by_seq) {
      results[i] =
          Error{fmt::format("{} route {}: {}", verb(ops[i].kind), ops[i].route.to_string(), why)};
    }
  };
  if (sendto(fd, buffer.data(), buffer.size(), 0, reinterpret_cast<sockaddr*>(&kernel),
             sizeof(kernel)) < 0) {
    fail_pending("netlink send: " + errno_text(errno));
    return;
  }

  // The kernel handled every request inside sendto(); their acknowledgements are queued.
  std::vector<char>& reply = reply_buffer_;  // allocated once, as read_events' buffer
  if (reply.empty()) reply.resize(1 << 20);
  while (!op_by_seq.empty()) {
    const ssize_t n = recv(fd, reply.data(), reply.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_pending("netlink receive: " + errno_text(errno));
      return;
    }
    int remaining = static_cast<int>(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(reply.data()); nlmsg_ok(h, remaining);
         h = nlmsg_next(h, &remaining)) {
      if (h->nlmsg_type != NLMSG_ERROR) continue;
      const auto it = op_by_seq.find(h->nlmsg_seq);
      if (it == op_by_seq.end()) continue;
      const int error = static_cast<nlmsgerr*>(nlmsg_data(h))->error;
      const std::size_t i = it->second;
      op_by_seq.erase(it);
      // Deleting what is already gone leaves the kernel as wanted.
      if (error == 0 || (error == -ESRCH && ops[i].kind == RouteOp::Kind::kDelete)) {
        results[i] = {};
      } else {
        results[i] = Error{fmt::format("{} route {}: {}", verb(ops[i].kind),
                                       ops[i].route.to_string(), errno_text(error))};
      }
    }
  }
}

// ---- links -----------------------------------------------------------------------------

Result<std::vector<LinkInfo>> LibnlNetlink::dump_links() {
  nl_cache* raw = nullptr;
  if (int err = rtnl_link_alloc_cache(request_.get(), AF_UNSPEC, &raw); err < 0) {
    return Error{fmt::format("netlink: dump links: {}", nl_geterror(err))};
  }
  Cache cache(raw);
  std::vector<LinkInfo> links;
  for (nl_object* obj = nl_cache_get_first(raw); obj; obj = nl_cache_get_next(obj)) {
    auto* link = reinterpret_cast<rtnl_link*>(obj);
    LinkInfo info;
    info.index = rtnl_link_get_ifindex(link);
    info.name = rtnl_link_get_name(link);
    const char* type = rtnl_link_get_type(link);
    info.kind = type ? type : "";
    info.mtu = rtnl_link_get_mtu(link);
    const unsigned flags = rtnl_link_get_flags(link);
    info.admin_up = flags & IFF_UP;
    info.oper_up = (flags & IFF_RUNNING) || (flags & IFF_LOWER_UP);
    info.mac = libnl::mac_from_nl_addr(rtnl_link_get_addr(link));
    if (info.kind == "vxlan") {
      VxlanSettings vxlan;
      rtnl_link_vxlan_get_id(link, &vxlan.vni);
      nl_addr* local = nullptr;
      if (rtnl_link_vxlan_get_local(link, &local) == 0) {
        if (auto address = libnl::from_nl_addr(local)) vxlan.local = *address;
        nl_addr_put(local);
      }
      std::uint32_t port = 0;
      if (rtnl_link_vxlan_get_port(link, &port) == 0) vxlan.port = static_cast<std::uint16_t>(port);
      vxlan.learning = rtnl_link_vxlan_get_learning(link) > 0;
      // The underlay device is IFLA_VXLAN_LINK (what `ip link ... dev X` sets), not IFLA_LINK.
      std::uint32_t parent = 0;
      if (rtnl_link_vxlan_get_link(link, &parent) == 0 && parent > 0) {
        nl_object* parent_obj = nullptr;
        if (rtnl_link* parent_link = rtnl_link_get(raw, static_cast<int>(parent))) {
          vxlan.parent = rtnl_link_get_name(parent_link);
          parent_obj = reinterpret_cast<nl_object*>(parent_link);
          nl_object_put(parent_obj);
        }
      }
      info.vxlan = vxlan;
    }
    links.push_back(std::move(info));
  }
  return links;
}

Status LibnlNetlink::add_link(const LinkSpec& spec) {
  const std::string what = fmt::format("create {} link {}", spec.kind, spec.name);
  // libnl cuts names at IFNAMSIZ - 1 without a word: refuse instead of creating another name.
  for (const std::string& name : {spec.name, spec.peer_name}) {
    if (name.size() > IFNAMSIZ - 1)
      return Error{fmt::format("{}: interface name \"{}\" is longer than 15", what, name)};
  }
  LinkPtr link;
  if (spec.kind == "ipip") {
    link.reset(rtnl_link_ipip_alloc());
  } else if (spec.kind == "vxlan") {
    if (!spec.vxlan) return Error{what + ": no VXLAN settings"};
    link.reset(rtnl_link_vxlan_alloc());
    if (!link) return Error{what + ": out of memory"};
    const VxlanSettings& vxlan = *spec.vxlan;
    rtnl_link_vxlan_set_id(link.get(), vxlan.vni);
    Addr local = libnl::to_nl_addr(vxlan.local, vxlan.local.bit_length());
    rtnl_link_vxlan_set_local(link.get(), local.get());
    rtnl_link_vxlan_set_port(link.get(), vxlan.port);
    rtnl_link_vxlan_set_learning(link.get(), vxlan.learning ? 1 : 0);
    if (!vxlan.parent.empty()) {
      auto parent = link_index(vxlan.parent);
      if (!parent) return Error{what + ": parent: " + parent.error().message};
      rtnl_link_vxlan_set_link(link.get(), static_cast<std::uint32_t>(*parent));
    }
  } else if (spec.kind == "veth") {
    link.reset(rtnl_link_veth_alloc());
    if (!link) return Error{what + ": out of memory"};
    rtnl_link* peer = rtnl_link_veth_get_peer(link.get());
    rtnl_link_set_name(peer, spec.peer_name.c_str());
    if (spec.mtu) rtnl_link_set_mtu(peer, spec.mtu);
    if (!spec.peer_mac.empty()) {
      auto mac = libnl::mac_to_nl_addr(spec.peer_mac);
      if (!mac) {
        rtnl_link_put(peer);
        return Error{what + ": peer: " + mac.error().message};
      }
      rtnl_link_set_addr(peer, mac->get());
    }
    UniqueFd peer_netns;
    if (!spec.peer_netns.empty()) {
      peer_netns = UniqueFd(::open(spec.peer_netns.c_str(), O_RDONLY | O_CLOEXEC));
      if (!peer_netns.valid()) {
        rtnl_link_put(peer);
        return Error{
            fmt::format("{}: network namespace {}: {}", what, spec.peer_netns, errno_text(errno))};
      }
      rtnl_link_set_ns_fd(peer, peer_netns.get());
    }
    rtnl_link_put(peer);
    rtnl_link_set_name(link.get(), spec.name.c_str());
    if (spec.mtu) rtnl_link_set_mtu(link.get(), spec.mtu);
    if (!spec.mac.empty()) {
      auto mac = libnl::mac_to_nl_addr(spec.mac);
      if (!mac) return Error{what + ": " + mac.error().message};
      rtnl_link_set_addr(link.get(), mac->get());
    }
    const int err = rtnl_link_add(request_.get(), link.get(), NLM_F_CREATE | NLM_F_EXCL);
    (void)refresh_link_names();
    return status_of(err, what);
  } else {
    return Error{fmt::format("{}: unsupported link kind", what)};
  }
  if (!link) return Error{what + ": out of memory"};
  rtnl_link_set_name(link.get(), spec.name.c_str());
  if (spec.mtu) rtnl_link_set_mtu(link.get(), spec.mtu);
  if (!spec.mac.empty()) {
    auto mac = libnl::mac_to_nl_addr(spec.mac);
    if (!mac) return Error{what + ": " + mac.error().message};
    rtnl_link_set_addr(link.get(), mac->get());
  }
  const int err = rtnl_link_add(request_.get(), link.get(), NLM_F_CREATE | NLM_F_EXCL);
  (void)refresh_link_names();
  return status_of(err, what);
}

Status LibnlNetlink::delete_link(const std::string& name) {
  LinkPtr link(rtnl_link_alloc());
  rtnl_link_set_name(link.get(), name.c_str());
  const int err = rtnl_link_delete(request_.get(), link.get());
  (void)refresh_link_names();
  if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV) return {};
  return status_of(err, "delete link " + name);
}

namespace {

Status change_link(nl_sock* sock, const std::string& name, const std::string& what,
                   const std::function<void(rtnl_link*)>& edit) {
  rtnl_link* raw = nullptr;
  if (int err = rtnl_link_get_kernel(sock, 0, name.c_str(), &raw); err < 0) {
    return status_of(err, what);
  }
  LinkPtr current(raw);
  LinkPtr change(rtnl_link_alloc());
  edit(change.get());
  return status_of(rtnl_link_change(sock, current.get(), change.get(), 0), what);
}

}  // namespace

Status LibnlNetlink::set_link_mtu(const std::string& name, std::uint32_t mtu) {
  return change_link(request_.get(), name, fmt::format("set mtu {} on {}", mtu, name),
                     [mtu](rtnl_link* change) { rtnl_link_set_mtu(change, mtu); });
}

Status LibnlNetlink::set_link_up(const std::string& name, bool up) {
  return change_link(request_.get(), name, fmt::format("set {} {}", name, up ? "up" : "down"),
                     [up](rtnl_link* change) {
                       if (up) {
                         rtnl_link_set_flags(change, IFF_UP);
                       } else {
                         rtnl_link_unset_flags(change, IFF_UP);
                       }
                     });
}

// ---- addresses -------------------------------------------------------------------------

Result<std::vector<InterfaceAddress>> LibnlNetlink::dump_addresses() {
  nl_cache* raw = nullptr;
  if (int err = rtnl_addr_alloc_cache(request_.get(), &raw); err < 0) {
    return Error{fmt::format("netlink: dump addresses: {}", nl_geterror(err))};
  }
  Cache cache(raw);
  (void)refresh_link_names();
  std::vector<InterfaceAddress> addresses;
  for (nl_object* obj = nl_cache_get_first(raw); obj; obj = nl_cache_get_next(obj)) {
    auto* addr = reinterpret_cast<rtnl_addr*>(obj);
    auto local = libnl::from_nl_addr(rtnl_addr_get_local(addr));
    if (!local) continue;
    addresses.push_back(
        {link_name(rtnl_addr_get_ifindex(addr)), *local, rtnl_addr_get_prefixlen(addr)});
  }
  return addresses;
}

namespace {

Result<AddrObj> build_address(const InterfaceAddress& address, const Result<int>& index) {
  if (!index) return index.error();
  AddrObj addr(rtnl_addr_alloc());
  rtnl_addr_set_ifindex(addr.get(), *index);
  Addr local = libnl::to_nl_addr(address.address, address.prefix_length);
  rtnl_addr_set_local(addr.get(), local.get());
  rtnl_addr_set_prefixlen(addr.get(), address.prefix_length);
  // Usable at once: no duplicate address detection for addresses we assign.
  if (address.address.is_v6()) rtnl_addr_set_flags(addr.get(), IFA_F_NODAD);
  return addr;
}

std::string describe(const InterfaceAddress& address) {
  return fmt::format("{}/{} on {}", address.address.to_string(), address.prefix_length,
                     address.link);
}

}  // namespace

Status LibnlNetlink::add_address(const InterfaceAddress& address) {
  auto addr = build_address(address, link_index(address.link));
  if (!addr) return Error{"add address " + describe(address) + ": " + addr.error().message};
  const int err = rtnl_addr_add(request_.get(), addr->get(), NLM_F_REPLACE);
  return status_of(err, "add address " + describe(address));
}

Status LibnlNetlink::delete_address(const InterfaceAddress& address) {
  auto addr = build_address(address, link_index(address.link));
  if (!addr) return Error{"delete address " + describe(address) + ": " + addr.error().message};
  const int err = rtnl_addr_delete(request_.get(), addr->get(), 0);
  if (err == -NLE_NOADDR) return {};
  return status_of(err, "delete address " + describe(address));
}

// ---- neighbours and FDB ------------------------------------------------------------------

Result<std::vector<Neighbour>> LibnlNetlink::dump_neighbours() {
  std::vector<Neighbour> neighbours;
  (void)refresh_link_names();
  nl_cache* raw = nullptr;
  if (int err = rtnl_neigh_alloc_cache_flags(request_.get(), &raw, NL_CACHE_AF_ITER); err < 0) {
    return Error{fmt::format("netlink: dump neighbours: {}", nl_geterror(err))};
  }
  Cache cache(raw);
  for (nl_object* obj = nl_cache_get_first(raw); obj; obj = nl_cache_get_next(obj)) {
    auto* neigh = reinterpret_cast<rtnl_neigh*>(obj);
    if (!(rtnl_neigh_get_state(neigh) & NUD_PERMANENT)) continue;
    auto destination = libnl::from_nl_addr(rtnl_neigh_get_dst(neigh));
    if (!destination) continue;
    Neighbour n;
    n.link = link_name(rtnl_neigh_get_ifindex(neigh));
    n.fdb = rtnl_neigh_get_family(neigh) == AF_BRIDGE;
    n.destination = *destination;
    n.mac = libnl::mac_from_nl_addr(rtnl_neigh_get_lladdr(neigh));
    neighbours.push_back(std::move(n));
  }
  return neighbours;
}

namespace {

std::string describe(const Neighbour& n) {
  return n.fdb ? fmt::format("fdb {} dst {} on {}", n.mac, n.destination.to_string(), n.link)
               : fmt::format("neighbour {} lladdr {} on {}", n.destination.to_string(), n.mac,
                             n.link);
}

Result<NeighPtr> build_neighbour(const Neighbour& n, const Result<int>& index) {
  if (!index) return index.error();
  NeighPtr neigh(rtnl_neigh_alloc());
  rtnl_neigh_set_ifindex(neigh.get(), *index);
  Addr destination = libnl::to_nl_addr(n.destination, n.destination.bit_length());
  rtnl_neigh_set_dst(neigh.get(), destination.get());
  if (!n.mac.empty()) {
    auto mac = libnl::mac_to_nl_addr(n.mac);
    if (!mac) return mac.error();
    rtnl_neigh_set_lladdr(neigh.get(), mac->get());
  }
  rtnl_neigh_set_state(neigh.get(), NUD_PERMANENT);
  if (n.fdb) {
    rtnl_neigh_set_family(neigh.get(), AF_BRIDGE);
    rtnl_neigh_set_flags(neigh.get(), NTF_SELF);
  } else {
    rtnl_neigh_set_family(neigh.get(), libnl::address_family(n.destination.family()));
  }
  return neigh;
}

}  // namespace

Status LibnlNetlink::set_neighbour(const Neighbour& neighbour) {
  auto neigh = build_neighbour(neighbour, link_index(neighbour.link));
  if (!neigh) return Error{"set " + describe(neighbour) + ": " + neigh.error().message};
  return status_of(rtnl_neigh_add(request_.get(), neigh->get(), NLM_F_CREATE | NLM_F_REPLACE),
                   "set " + describe(neighbour));
}

Status LibnlNetlink::delete_neighbour(const Neighbour& neighbour) {
  auto neigh = build_neighbour(neighbour, link_index(neighbour.link));
  if (!neigh) return Error{"delete " + describe(neighbour) + ": " + neigh.error().message};
  const int err = rtnl_neigh_delete(request_.get(), neigh->get(), 0);
  if (err == -NLE_OBJ_NOTFOUND) return {};
  return status_of(err, "delete " + describe(neighbour));
}

// ---- sysctls ---------------------------------------------------------------------------

namespace {

bool valid_sysctl_path(const std::string& path) {
  return !path.empty() && path.front() != '/' && path.find("..") == std::string::npos;
}

}  // namespace

Result<std::string> LibnlNetlink::read_sysctl(const std::string& path) {
  if (!valid_sysctl_path(path))
    return Error{fmt::format("sysctl \"{}\": not a /proc/sys path", path)};
  NetnsGuard in_namespace(netns_);  // /proc/sys/net shows the namespace of whoever opens it
  std::ifstream in("/proc/sys/" + path);
  std::string value;
  if (!in || !std::getline(in, value)) {
    return Error{fmt::format("sysctl {}: cannot read: {}", path, errno_text(errno))};
  }
  return value;
}

Status LibnlNetlink::write_sysctl(const std::string& path, const std::string& value) {
  if (!valid_sysctl_path(path))
    return Error{fmt::format("sysctl \"{}\": not a /proc/sys path", path)};
  NetnsGuard in_namespace(netns_);
  const std::string file = "/proc/sys/" + path;
  UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid() || ::write(fd.get(), value.data(), value.size()) < 0) {
    return Error{fmt::format("sysctl {}={}: {}", path, value, errno_text(errno))};
  }
  return {};
}

// ---- notifications -----------------------------------------------------------------------

int LibnlNetlink::event_fd() const {
  return nl_socket_get_fd(events_.get());
}

NetlinkEvents LibnlNetlink::read_events() {
  NetlinkEvents events;
  const int fd = nl_socket_get_fd(events_.get());
  // Allocated once: a megabyte cleared on every wake-up cost more than the events it read.
  std::vector<char>& buffer = event_buffer_;
  if (buffer.empty()) buffer.resize(1 << 20);
  const libnl::NameOf name_of = [this](int index) { return link_name(index); };
  while (true) {
    const ssize_t n = recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOBUFS) {  // the kernel dropped some: only a full dump can tell what
        events.overflowed = true;
        continue;
      }
      break;  // EAGAIN: drained
    }
    int remaining = static_cast<int>(n);
    bool names_stale = false;  // a link came or went: refresh names before the next route
    for (auto* h = reinterpret_cast<nlmsghdr*>(buffer.data()); nlmsg_ok(h, remaining);
         h = nlmsg_next(h, &remaining)) {
      if (h->nlmsg_type == RTM_NEWLINK || h->nlmsg_type == RTM_DELLINK) {
        events.links_changed = names_stale = true;
        continue;
      }
      if (h->nlmsg_type != RTM_NEWROUTE && h->nlmsg_type != RTM_DELROUTE) continue;
      if (std::exchange(names_stale, false)) (void)refresh_link_names();
      nl_msg* msg = nlmsg_convert(h);
      if (!msg) continue;
      nlmsg_set_proto(msg, NETLINK_ROUTE);  // or libnl cannot tell which parser applies
      std::vector<Route> parsed;
      ParseContext context{&name_of, &parsed};
      nl_msg_parse(msg, collect_route, &context);
      nlmsg_free(msg);
      for (auto& route : parsed) {
        events.routes.push_back({h->nlmsg_type == RTM_DELROUTE, std::move(route)});
      }
    }
  }
  return events;
}

}  // namespace tabby::dataplane
