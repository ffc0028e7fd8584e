#pragma once
// Translation between tabby's values and libnl objects. Private to dataplane/.

#include <netlink/addr.h>
#include <netlink/route/route.h>

#include <functional>
#include <memory>
#include <string>

#include "tabby/common/ip.h"
#include "tabby/common/result.h"
#include "tabby/dataplane/route.h"

namespace tabby::dataplane::libnl {

struct AddrPut {
  void operator()(nl_addr* addr) const { nl_addr_put(addr); }
};
using Addr = std::unique_ptr<nl_addr, AddrPut>;

struct RoutePut {
  void operator()(rtnl_route* route) const { rtnl_route_put(route); }
};
using RoutePtr = std::unique_ptr<rtnl_route, RoutePut>;

int address_family(IpFamily family);
Addr to_nl_addr(const IpAddress& address, int prefix_length);
Addr to_nl_addr(const IpPrefix& prefix);
// nullopt for anything but an IPv4/IPv6 address.
std::optional<IpAddress> from_nl_addr(const nl_addr* addr);
// "aa:bb:cc:dd:ee:ff" <-> link-layer nl_addr.
Result<Addr> mac_to_nl_addr(const std::string& mac);
std::string mac_from_nl_addr(const nl_addr* addr);

using IndexOf = std::function<Result<int>(const std::string&)>;
using NameOf = std::function<std::string(int)>;

Result<RoutePtr> to_libnl_route(const Route& route, const IndexOf& index_of);
// nullopt for route types tabby does not model (local, broadcast, unreachable, ...).
std::optional<Route> from_libnl_route(rtnl_route* route, const NameOf& name_of);

// "Operation not permitted (EPERM)" from a negative errno or libnl error.
std::string errno_text(int error);

}  // namespace tabby::dataplane::libnl
