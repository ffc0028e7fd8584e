#include "tabby/dataplane/ipip_tunnel.h"

#include <fmt/format.h>

#include "tabby/dataplane/route.h"

namespace tabby::dataplane {
namespace {

// Makes `wanted` the link's only addresses of that family (all of them when wanted is empty).
Status set_only_address(NetlinkLayer& netlink, const std::string& link,
                        const std::optional<InterfaceAddress>& wanted) {
  auto addresses = netlink.dump_addresses();
  if (!addresses) return addresses.error();
  bool present = false;
  for (const auto& address : *addresses) {
    if (address.link != link) continue;
    if (wanted && address == *wanted) {
      present = true;
      continue;
    }
    if (auto status = netlink.delete_address(address); !status) return status;
  }
  if (wanted && !present) return netlink.add_address(*wanted);
  return {};
}

}  // namespace

Status ensure_ipip_tunnel(NetlinkLayer& netlink, const IpipSettings& settings) {
  auto links = netlink.dump_links();
  if (!links) return links.error();
  const LinkInfo* tunl0 = nullptr;
  for (const auto& link : *links) {
    if (link.name == kIpipDevice) tunl0 = &link;
  }
  if (!settings.enabled) {
    if (!tunl0) return {};
    return set_only_address(netlink, kIpipDevice, std::nullopt);
  }
  if (tunl0 && tunl0->kind != "ipip") {
    return Error{fmt::format("{} exists but is a {} device, not ipip", kIpipDevice,
                             tunl0->kind.empty() ? "plain" : tunl0->kind)};
  }
  if (!tunl0) {
    auto status = netlink.add_link({.name = kIpipDevice, .kind = "ipip", .mtu = settings.mtu});
    // Creating any ipip device loads the module, which makes tunl0 itself: that is fine.
    if (!status && status.error().message.find("exists") == std::string::npos) return status;
  } else if (tunl0->mtu != settings.mtu) {
    if (auto status = netlink.set_link_mtu(kIpipDevice, settings.mtu); !status) return status;
  }
  if (settings.tunnel_address && !settings.tunnel_address->is_v4()) {
    return Error{
        fmt::format("IPIP tunnel address {} is not IPv4", settings.tunnel_address->to_string())};
  }
  std::optional<InterfaceAddress> address;
  if (settings.tunnel_address)
    address = InterfaceAddress{kIpipDevice, *settings.tunnel_address, 32};
  if (auto status = set_only_address(netlink, kIpipDevice, address); !status) return status;
  return netlink.set_link_up(kIpipDevice, true);
}

}  // namespace tabby::dataplane
