#include "tabby/dataplane/vxlan_tunnel.h"

#include <fmt/format.h>

#include <algorithm>

#include "tabby/common/sha1.h"
#include "tabby/dataplane/route.h"

namespace tabby::dataplane {

std::string vtep_mac(std::string_view node_name, IpFamily family) {
  const auto digest =
      sha1(family == IpFamily::kV4 ? std::string(node_name) : std::string(node_name) + "-v6");
  return fmt::format("66:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", digest[0], digest[1], digest[2],
                     digest[3], digest[4]);
}

namespace {

Result<std::string> find_parent(NetlinkLayer& netlink, const IpAddress& node_address) {
  auto addresses = netlink.dump_addresses();
  if (!addresses) return addresses.error();
  for (const auto& address : *addresses) {
    if (address.address == node_address) return address.link;
  }
  return Error{fmt::format("no interface holds the node address {} (the VXLAN parent)",
                           node_address.to_string())};
}

}  // namespace

Status ensure_vxlan_tunnel(NetlinkLayer& netlink, const VxlanTunnelSettings& settings) {
  const std::string device = settings.family == IpFamily::kV4 ? kVxlanDevice : kVxlanV6Device;
  auto links = netlink.dump_links();
  if (!links) return links.error();
  const auto existing = std::find_if(links->begin(), links->end(),
                                     [&](const LinkInfo& link) { return link.name == device; });
  if (!settings.enabled) {
    return existing == links->end() ? Status{} : netlink.delete_link(device);
  }

  std::string parent = settings.parent;
  if (parent.empty()) {
    auto found = find_parent(netlink, settings.node_address);
    if (!found) return found.error();
    parent = *found;
  }
  const VxlanSettings wanted{.vni = settings.vni,
                             .local = settings.node_address,
                             .port = settings.port,
                             .parent = parent,
                             .learning = false};
  const bool compatible = existing != links->end() && existing->kind == "vxlan" &&
                          existing->vxlan && *existing->vxlan == wanted &&
                          existing->mac == settings.mac;
  if (existing != links->end() && !compatible) {
    if (auto status = netlink.delete_link(device); !status) return status;
  }
  if (!compatible) {
    auto status = netlink.add_link({.name = device,
                                    .kind = "vxlan",
                                    .mtu = settings.mtu,
                                    .mac = settings.mac,
                                    .vxlan = wanted});
    if (!status) return status;
  } else if (existing->mtu != settings.mtu) {
    if (auto status = netlink.set_link_mtu(device, settings.mtu); !status) return status;
  }

  // Exactly the tunnel address.
  auto addresses = netlink.dump_addresses();
  if (!addresses) return addresses.error();
  std::optional<InterfaceAddress> wanted_address;
  if (settings.tunnel_address) {
    wanted_address =
        InterfaceAddress{device, *settings.tunnel_address, settings.tunnel_address->bit_length()};
  }
  bool have_address = false;
  for (const auto& address : *addresses) {
    if (address.link != device) continue;
    // IPv6 link-local addresses belong to the kernel.
    if (address.address.is_v6() &&
        IpPrefix(*IpAddress::parse("fe80::"), 10).contains(address.address)) {
      continue;
    }
    if (wanted_address && address == *wanted_address) {
      have_address = true;
    } else if (auto status = netlink.delete_address(address); !status) {
      return status;
    }
  }
  if (wanted_address && !have_address) {
    if (auto status = netlink.add_address(*wanted_address); !status) return status;
  }
  if (auto status = netlink.set_link_up(device, true); !status) return status;

  // Neighbours and FDB entries: exactly one of each per remote VTEP.
  std::vector<Neighbour> wanted_entries;
  for (const auto& remote : settings.remotes) {
    wanted_entries.push_back(
        {.link = device, .fdb = false, .destination = remote.tunnel_address, .mac = remote.mac});
    wanted_entries.push_back(
        {.link = device, .fdb = true, .destination = remote.node_address, .mac = remote.mac});
  }
  auto present = netlink.dump_neighbours();
  if (!present) return present.error();
  for (const auto& entry : *present) {
    if (entry.link != device) continue;
    if (std::find(wanted_entries.begin(), wanted_entries.end(), entry) == wanted_entries.end()) {
      if (auto status = netlink.delete_neighbour(entry); !status) return status;
    }
  }
  for (const auto& entry : wanted_entries) {
    if (std::find(present->begin(), present->end(), entry) != present->end()) continue;
    if (auto status = netlink.set_neighbour(entry); !status) return status;
  }
  return {};
}

}  // namespace tabby::dataplane
