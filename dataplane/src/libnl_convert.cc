#include "libnl_convert.h"

#include <fmt/format.h>
#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <netlink/route/nexthop.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace tabby::dataplane::libnl {

int address_family(IpFamily family) {
  return family == IpFamily::kV4 ? AF_INET : AF_INET6;
}

Addr to_nl_addr(const IpAddress& address, int prefix_length) {
  Addr addr(
      nl_addr_build(address_family(address.family()), address.bytes(), address.byte_length()));
  if (addr) nl_addr_set_prefixlen(addr.get(), prefix_length);
  return addr;
}

Addr to_nl_addr(const IpPrefix& prefix) {
  return to_nl_addr(prefix.address(), prefix.length());
}

std::optional<IpAddress> from_nl_addr(const nl_addr* addr) {
  if (!addr) return std::nullopt;
  const int family = nl_addr_get_family(addr);
  const unsigned length = nl_addr_get_len(addr);
  const auto* bytes = static_cast<const std::uint8_t*>(nl_addr_get_binary_addr(addr));
  if (family == AF_INET && length == 4) return IpAddress::from_bytes(IpFamily::kV4, bytes);
  if (family == AF_INET6 && length == 16) return IpAddress::from_bytes(IpFamily::kV6, bytes);
  return std::nullopt;
}

Result<Addr> mac_to_nl_addr(const std::string& mac) {
  nl_addr* addr = nullptr;
  if (nl_addr_parse(mac.c_str(), AF_LLC, &addr) != 0 || nl_addr_get_len(addr) != 6) {
    if (addr) nl_addr_put(addr);
    return Error{fmt::format("\"{}\" is not a MAC address", mac)};
  }
  return Addr(addr);
}

std::string mac_from_nl_addr(const nl_addr* addr) {
  if (!addr || nl_addr_get_len(addr) != 6) return "";
  const auto* b = static_cast<const std::uint8_t*>(nl_addr_get_binary_addr(addr));
  return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", b[0], b[1], b[2], b[3], b[4],
                     b[5]);
}

Result<RoutePtr> to_libnl_route(const Route& route, const IndexOf& index_of) {
  RoutePtr out(rtnl_route_alloc());
  if (!out) return Error{"out of memory"};
  rtnl_route* r = out.get();
  rtnl_route_set_family(r, static_cast<std::uint8_t>(address_family(route.destination.family())));
  rtnl_route_set_table(r, route.table);
  Addr dst = to_nl_addr(route.destination);
  rtnl_route_set_dst(r, dst.get());
  rtnl_route_set_type(r, route.type == RouteType::kBlackhole ? RTN_BLACKHOLE : RTN_UNICAST);
  rtnl_route_set_protocol(r, route.protocol);
  rtnl_route_set_scope(r, route.scope == RouteScope::kLink ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE);
  rtnl_route_set_priority(r, route.metric);
  if (route.mtu) rtnl_route_set_metric(r, RTAX_MTU, route.mtu);
  if (route.source) {
    Addr source = to_nl_addr(*route.source, route.source->bit_length());
    rtnl_route_set_pref_src(r, source.get());
  }
  for (const auto& hop : route.next_hops) {
    rtnl_nexthop* nh = rtnl_route_nh_alloc();
    if (!nh) return Error{"out of memory"};
    rtnl_route_add_nexthop(r, nh);  // the route owns it from here on
    if (!hop.device.empty()) {
      auto index = index_of(hop.device);
      if (!index) return index.error();
      rtnl_route_nh_set_ifindex(nh, *index);
    }
    if (hop.gateway) {
      Addr gateway = to_nl_addr(*hop.gateway, hop.gateway->bit_length());
      rtnl_route_nh_set_gateway(nh, gateway.get());
    }
    if (hop.onlink) {
      rtnl_route_nh_set_flags(nh, RTNH_F_ONLINK);
      // A single-path route carries its next hop's flags in rtm_flags.
      if (route.next_hops.size() == 1) rtnl_route_set_flags(r, RTNH_F_ONLINK);
    }
    // libnl passes the weight through as rtnh_hops, which the kernel reads as weight - 1.
    if (route.next_hops.size() > 1) {
      rtnl_route_nh_set_weight(nh, static_cast<std::uint8_t>(hop.weight - 1));
    }
  }
  return out;
}

std::optional<Route> from_libnl_route(rtnl_route* r, const NameOf& name_of) {
  const int type = rtnl_route_get_type(r);
  if (type != RTN_UNICAST && type != RTN_BLACKHOLE) return std::nullopt;
  const int family = rtnl_route_get_family(r);
  if (family != AF_INET && family != AF_INET6) return std::nullopt;

  Route route;
  nl_addr* dst = rtnl_route_get_dst(r);
  const auto dst_address = from_nl_addr(dst);
  const IpAddress base = dst_address         ? *dst_address
                         : family == AF_INET ? IpAddress()
                                             : *IpAddress::parse("::");
  const int length = dst ? static_cast<int>(nl_addr_get_prefixlen(dst)) : 0;
  route.destination = IpPrefix(base, length);
  route.table = rtnl_route_get_table(r);
  route.metric = rtnl_route_get_priority(r);
  route.type = type == RTN_BLACKHOLE ? RouteType::kBlackhole : RouteType::kUnicast;
  route.protocol = rtnl_route_get_protocol(r);
  route.scope =
      rtnl_route_get_scope(r) == RT_SCOPE_LINK ? RouteScope::kLink : RouteScope::kUniverse;
  std::uint32_t mtu = 0;
  if (rtnl_route_get_metric(r, RTAX_MTU, &mtu) == 0) route.mtu = mtu;
  route.source = from_nl_addr(rtnl_route_get_pref_src(r));
  const int hops = rtnl_route_get_nnexthops(r);
  const bool route_onlink = rtnl_route_get_flags(r) & RTNH_F_ONLINK;
  for (int i = 0; i < hops; ++i) {
    rtnl_nexthop* nh = rtnl_route_nexthop_n(r, i);
    NextHop hop;
    hop.gateway = from_nl_addr(rtnl_route_nh_get_gateway(nh));
    const int index = rtnl_route_nh_get_ifindex(nh);
    if (index > 0) hop.device = name_of(index);
    hop.onlink = (rtnl_route_nh_get_flags(nh) & RTNH_F_ONLINK) || (hops == 1 && route_onlink);
    hop.weight = hops > 1 ? rtnl_route_nh_get_weight(nh) + 1 : 1;
    route.next_hops.push_back(std::move(hop));
  }
  return route.normalized();
}

std::string errno_text(int error) {
  if (error < 0) error = -error;
  const char* name = strerrorname_np(error);
  return fmt::format("{} ({})", std::strerror(error), name ? name : "?");
}

}  // namespace tabby::dataplane::libnl
