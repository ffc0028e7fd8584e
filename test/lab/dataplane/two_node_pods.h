#pragma once
// Two nodes on one underlay link, one pod on each, wired the way Calico wires them: the pod
// has a /32 and a default route via 169.254.1.1 on eth0, which the node answers by proxy ARP
// on its cali* end; the node has a /32 route to its pod, a blackhole for its block, and a
// route to the other node's block — direct, through tunl0 (IPIP) or through vxlan.calico.
// Everything on the nodes is done by the dataplane library; the lab only makes namespaces
// and veths (what the CNI plugin will do later).

#include <gmock/gmock.h>

#include <memory>

#include "tabby/dataplane/ipip_tunnel.h"
#include "tabby/dataplane/libnl_netlink.h"
#include "tabby/dataplane/route_reconciler.h"
#include "tabby/dataplane/sysctls.h"
#include "tabby/dataplane/vxlan_tunnel.h"
#include "tabby/lab/lab.h"

namespace tabby::dataplane::lab_topology {

enum class Encapsulation { kNone, kIpip, kVxlan };

struct Node {
  std::string name;
  lab::Netns* ns = nullptr;
  lab::Netns* pod = nullptr;
  IpAddress underlay;
  IpPrefix block;
  IpAddress tunnel_address;  // first address of the block, as Calico allocates it
  IpAddress pod_address;
  std::string pod_interface;
  std::unique_ptr<LibnlNetlink> netlink;
  std::unique_ptr<RouteReconciler> reconciler;
};

inline IpAddress address(const char* text) {
  return *IpAddress::parse(text);
}

class TwoNodePods {
 public:
  TwoNodePods(lab::Lab& lab, Encapsulation encapsulation) : encapsulation_(encapsulation) {
    nodes_[0] = make_node(lab, "a", "192.168.50.1", "10.244.1.0/26", "cali0a000000001");
    nodes_[1] = make_node(lab, "b", "192.168.50.2", "10.244.2.0/26", "cali0b000000001");
    lab.link(*nodes_[0].ns, "eth0", "192.168.50.1/24", *nodes_[1].ns, "eth0", "192.168.50.2/24");
    // Real nodes have a default route; proxy ARP answers a pod's request for 169.254.1.1 only
    // because the node can route that address out of another interface.
    for (auto& node : nodes_)
      node.ns->must("ip route add default via 192.168.50.254 dev eth0 onlink");
    for (int i = 0; i < 2; ++i)
      wire(nodes_[i], nodes_[1 - i]);
  }

  Node& a() { return nodes_[0]; }
  Node& b() { return nodes_[1]; }

  // The routes the agent would want on `self`.
  std::vector<Route> desired_routes(const Node& self, const Node& peer) const {
    std::vector<Route> routes = {workload_route(self.pod_address, self.pod_interface),
                                 blackhole_route(self.block)};
    switch (encapsulation_) {
      case Encapsulation::kNone:
        routes.push_back(direct_route(peer.block, peer.underlay, "eth0"));
        break;
      case Encapsulation::kIpip:
        routes.push_back(ipip_route(peer.block, peer.underlay, 1480));
        break;
      case Encapsulation::kVxlan:
        routes.push_back(vxlan_route(peer.block, peer.tunnel_address, 1450));
        break;
    }
    return routes;
  }

 private:
  Node make_node(lab::Lab& lab, const std::string& name, const char* underlay, const char* block,
                 const char* pod_interface) {
    Node node;
    node.name = name;
    node.ns = &lab.add_node("node-" + name);
    node.pod = &lab.add_pod("pod-" + name);
    node.underlay = address(underlay);
    node.block = *IpPrefix::parse(block);
    node.tunnel_address = node.block.address();
    node.pod_address = node.block.address().plus(5);
    node.pod_interface = pod_interface;
    auto netlink = LibnlNetlink::open("/run/netns/" + node.ns->name());
    if (!netlink) throw lab::LabError(netlink.error().message);
    node.netlink = std::move(*netlink);
    node.reconciler = std::make_unique<RouteReconciler>(*node.netlink);
    // The pod side, as the CNI plugin sets it up.
    lab.link(*node.ns, node.pod_interface, "", *node.pod, "eth0",
             node.pod_address.to_string() + "/32");
    node.pod->must(
        "ip route add 169.254.1.1 dev eth0 scope link && "
        "ip route add default via 169.254.1.1 dev eth0");
    return node;
  }

  void wire(Node& self, const Node& peer) {
    auto& netlink = *self.netlink;
    const auto check = [&](const Status& status) {
      if (!status) throw lab::LabError(self.name + ": " + status.error().message);
    };
    check(apply_sysctls(netlink, global_sysctls(false)));
    check(apply_sysctls(netlink, workload_interface_sysctls(self.pod_interface, true, false, "1")));
    if (encapsulation_ == Encapsulation::kIpip) {
      check(ensure_ipip_tunnel(netlink, {.enabled = true, .tunnel_address = self.tunnel_address}));
    }
    if (encapsulation_ == Encapsulation::kVxlan) {
      check(ensure_vxlan_tunnel(netlink, {.enabled = true,
                                          .node_address = self.underlay,
                                          .mac = vtep_mac(self.name),
                                          .tunnel_address = self.tunnel_address,
                                          .remotes = {{.node_address = peer.underlay,
                                                       .tunnel_address = peer.tunnel_address,
                                                       .mac = vtep_mac(peer.name)}}}));
    }
    check(self.reconciler->set_desired(desired_routes(self, peer)));
  }

  Encapsulation encapsulation_;
  Node nodes_[2];
};

}  // namespace tabby::dataplane::lab_topology
