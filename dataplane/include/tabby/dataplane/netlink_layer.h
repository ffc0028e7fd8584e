#pragma once
// The netlink layer: everything the dataplane asks of the kernel, as one narrow interface.
// LibnlNetlink implements it with libnl-3 for real; FakeNetlink in memory for the agent's
// unit tests. The same test cases run against both (test/unit/dataplane with the fake,
// test/lab/dataplane in a real namespace), which keeps the fake honest.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tabby/common/ip.h"
#include "tabby/common/result.h"
#include "tabby/dataplane/route.h"

namespace tabby::dataplane {

struct VxlanSettings {
  std::uint32_t vni = 4096;
  IpAddress local;            // the node's underlay address
  std::uint16_t port = 4789;  // UDP destination port
  std::string parent;         // underlay interface; empty for none
  bool learning = false;

  friend bool operator==(const VxlanSettings&, const VxlanSettings&) = default;
};

struct LinkInfo {
  int index = 0;
  std::string name;
  std::string kind;  // "ipip", "vxlan", "veth", "bridge", ... ; empty for plain devices
  std::uint32_t mtu = 0;
  bool admin_up = false;
  bool oper_up = false;  // carrier (IFF_RUNNING/LOWER_UP)
  std::string mac;       // "aa:bb:cc:dd:ee:ff"; empty if none
  std::optional<VxlanSettings> vxlan;
};

// A new device: a tunnel, or a veth pair for a pod.
struct LinkSpec {
  std::string name;
  std::string kind;  // "ipip", "vxlan" or "veth"
  std::uint32_t mtu = 0;
  std::string mac;  // empty: the kernel's choice
  std::optional<VxlanSettings> vxlan;
  // veth only: the other end's name, and the network namespace (a /run/netns or /proc path)
  // it is created in; empty for this namespace.
  std::string peer_name;
  std::string peer_netns;
  std::string peer_mac;  // empty: the kernel's choice (a pod's hwAddr annotation sets it)
};

struct InterfaceAddress {
  std::string link;
  IpAddress address;
  int prefix_length = 32;

  friend bool operator==(const InterfaceAddress&, const InterfaceAddress&) = default;
};

// An ARP/NDP entry (family IPv4/IPv6) or a bridge FDB entry (fdb = true: `mac` is reached
// at the underlay address `destination`, as `bridge fdb append ... dst` writes).
struct Neighbour {
  std::string link;
  bool fdb = false;
  IpAddress destination;
  std::string mac;
  bool permanent = true;

  friend bool operator==(const Neighbour&, const Neighbour&) = default;
};

struct RouteOp {
  enum class Kind { kAdd, kReplace, kDelete } kind;
  Route route;
};

// A route change the kernel told us about (ours or anyone's).
struct RouteEvent {
  bool deleted = false;
  Route route;
};

struct NetlinkEvents {
  std::vector<RouteEvent> routes;
  bool links_changed = false;
  // The kernel dropped notifications (ENOBUFS): the caller must dump everything again.
  bool overflowed = false;
};

class NetlinkLayer {
 public:
  virtual ~NetlinkLayer() = default;

  // Every route of both families in every table, normalized.
  virtual Result<std::vector<Route>> dump_routes() = 0;
  // Applies the operations in order, batched and pipelined; one status per operation. A
  // failed operation does not stop the ones after it.
  virtual std::vector<Status> apply_routes(std::span<const RouteOp> ops) = 0;

  virtual Result<std::vector<LinkInfo>> dump_links() = 0;
  virtual Status add_link(const LinkSpec& spec) = 0;
  virtual Status delete_link(const std::string& name) = 0;
  virtual Status set_link_mtu(const std::string& name, std::uint32_t mtu) = 0;
  virtual Status set_link_up(const std::string& name, bool up) = 0;

  virtual Result<std::vector<InterfaceAddress>> dump_addresses() = 0;
  virtual Status add_address(const InterfaceAddress& address) = 0;
  virtual Status delete_address(const InterfaceAddress& address) = 0;

  // Permanent ARP/NDP and FDB entries on every link.
  virtual Result<std::vector<Neighbour>> dump_neighbours() = 0;
  // Creates or replaces.
  virtual Status set_neighbour(const Neighbour& neighbour) = 0;
  virtual Status delete_neighbour(const Neighbour& neighbour) = 0;

  // Paths below /proc/sys, e.g. "net/ipv4/conf/cali1234/proxy_arp" (slashes, because
  // interface names such as vxlan.calico contain dots). Values without the trailing newline.
  virtual Result<std::string> read_sysctl(const std::string& path) = 0;
  virtual Status write_sysctl(const std::string& path, const std::string& value) = 0;

  // Readable when events are waiting (for an event loop); -1 if the layer has none.
  virtual int event_fd() const = 0;
  // Drains pending notifications without blocking.
  virtual NetlinkEvents read_events() = 0;
};

}  // namespace tabby::dataplane
