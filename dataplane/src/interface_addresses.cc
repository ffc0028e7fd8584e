#include "tabby/dataplane/interface_addresses.h"

#include <fmt/format.h>
#include <linux/if.h>
#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>

#include <algorithm>
#include <memory>

#include "libnl_convert.h"

namespace tabby::dataplane {

namespace {

struct SocketFree {
  void operator()(nl_sock* sock) const { nl_socket_free(sock); }
};
struct CacheFree {
  void operator()(nl_cache* cache) const { nl_cache_free(cache); }
};
using Socket = std::unique_ptr<nl_sock, SocketFree>;
using Cache = std::unique_ptr<nl_cache, CacheFree>;

}  // namespace

Result<std::vector<HostInterface>> list_interface_addresses() {
  // A socket of its own: this runs at start-up and on re-detection, not on a hot path, and
  // is opened in whatever namespace the calling thread is in.
  Socket sock(nl_socket_alloc());
  if (!sock) return Error{"netlink: out of memory"};
  if (int err = nl_connect(sock.get(), NETLINK_ROUTE); err < 0) {
    return Error{fmt::format("netlink: connect: {}", nl_geterror(err))};
  }
  nl_cache* raw_links = nullptr;
  if (int err = rtnl_link_alloc_cache(sock.get(), AF_UNSPEC, &raw_links); err < 0) {
    return Error{fmt::format("netlink: dump links: {}", nl_geterror(err))};
  }
  Cache links(raw_links);
  nl_cache* raw_addresses = nullptr;
  if (int err = rtnl_addr_alloc_cache(sock.get(), &raw_addresses); err < 0) {
    return Error{fmt::format("netlink: dump addresses: {}", nl_geterror(err))};
  }
  Cache addresses(raw_addresses);

  // libnl keeps each cache in the order the kernel sent it.
  std::vector<HostInterface> interfaces;
  for (nl_object* obj = nl_cache_get_first(raw_links); obj; obj = nl_cache_get_next(obj)) {
    auto* link = reinterpret_cast<rtnl_link*>(obj);
    HostInterface host;
    host.index = rtnl_link_get_ifindex(link);
    host.name = rtnl_link_get_name(link);
    const unsigned flags = rtnl_link_get_flags(link);
    host.up = flags & IFF_UP;
    host.loopback = flags & IFF_LOOPBACK;
    interfaces.push_back(std::move(host));
  }
  std::sort(interfaces.begin(), interfaces.end(),
            [](const HostInterface& a, const HostInterface& b) { return a.index < b.index; });
  for (nl_object* obj = nl_cache_get_first(raw_addresses); obj; obj = nl_cache_get_next(obj)) {
    auto* addr = reinterpret_cast<rtnl_addr*>(obj);
    auto local = libnl::from_nl_addr(rtnl_addr_get_local(addr));
    if (!local) continue;
    const int index = rtnl_addr_get_ifindex(addr);
    auto owner = std::find_if(interfaces.begin(), interfaces.end(),
                              [&](const HostInterface& host) { return host.index == index; });
    if (owner == interfaces.end()) continue;  // the link went between the two dumps
    owner->addresses.push_back(
        {*local, static_cast<int>(rtnl_addr_get_prefixlen(addr)), rtnl_addr_get_scope(addr)});
  }
  return interfaces;
}

}  // namespace tabby::dataplane
