// Invalid resources, one rule each, with the exact message a user sees.

#include <gmock/gmock.h>

#include "tabby/api/codec.h"

namespace tabby::api {
namespace {

struct Invalid {
  const char* kind;
  const char* name;
  const char* spec;  // flow-style YAML mapping (or other top-level text, see below)
  const char* message;
};

std::string document(const Invalid& c) {
  return std::string("apiVersion: projectcalico.org/v3\nkind: ") + c.kind +
         "\nmetadata: {name: " + c.name + "}\nspec: " + c.spec + "\n";
}

const Invalid kInvalid[] = {
    // IPPool
    {"IPPool", "p1", "{cidr: 10.0.0.0/33}",
     R"(IPPool "p1": spec.cidr: "10.0.0.0/33" is not a valid CIDR: prefix length must be 0-32)"},
    {"IPPool", "p1", "{cdir: 10.0.0.0/16, cidr: 10.0.0.0/16}",
     R"(IPPool "p1": spec.cdir: unknown field)"},
    {"IPPool", "p1", "{}", R"(IPPool "p1": spec.cidr: is required)"},
    {"IPPool", "p1", "{cidr: 10.0.0.1/16}",
     R"(IPPool "p1": spec.cidr: "10.0.0.1/16" is not a valid CIDR: host bits are set (did you mean 10.0.0.0/16?))"},
    {"IPPool", "p1", "{cidr: 169.254.0.0/24}",
     R"(IPPool "p1": spec.cidr: "169.254.0.0/24" overlaps with the link-local range 169.254.0.0/16)"},
    {"IPPool", "p1", "{cidr: \"fe80::/64\"}",
     R"(IPPool "p1": spec.cidr: "fe80::/64" overlaps with the link-local range fe80::/10)"},
    {"IPPool", "p1", "{cidr: 127.0.0.0/16}",
     R"(IPPool "p1": spec.cidr: "127.0.0.0/16" overlaps with the loopback range 127.0.0.0/8)"},
    {"IPPool", "p1", "{cidr: 10.0.0.0/16, blockSize: 19}",
     R"(IPPool "p1": spec.blockSize: 19 must be between 20 and 32 for an IPv4 pool)"},
    {"IPPool", "p1", "{cidr: \"fd00::/64\", blockSize: 26}",
     R"(IPPool "p1": spec.blockSize: 26 must be between 116 and 128 for an IPv6 pool)"},
    {"IPPool", "p1", "{cidr: 10.0.0.0/28}",
     R"(IPPool "p1": spec.cidr: "10.0.0.0/28" is smaller than its blocks (/26): the pool's prefix length must be at most the block size)"},
    {"IPPool", "p1", "{cidr: 10.0.0.0/16, ipipMode: Sometimes}",
     R"(IPPool "p1": spec.ipipMode: "Sometimes" is not one of Never, Always, CrossSubnet)"},
    {"IPPool", "p1", "{cidr: \"fd00::/64\", ipipMode: Always}",
     R"(IPPool "p1": spec.ipipMode: "Always" is not allowed on an IPv6 pool (IPIP is IPv4 only))"},
    {"IPPool", "p1", "{cidr: 10.0.0.0/16, ipipMode: Always, vxlanMode: Always}",
     R"(IPPool "p1": spec.vxlanMode: "Always" cannot be combined with ipipMode "Always": use one encapsulation)"},
    {"IPPool", "p1", "{cidr: 10.0.0.0/16, natOutgoing: yes please}",
     R"(IPPool "p1": spec.natOutgoing: "yes please" is not a boolean (true or false))"},
    {"IPPool", "p1", "{cidr: 10.0.0.0/16, natOutgoing: \"true\"}",
     R"(IPPool "p1": spec.natOutgoing: "true" is not a boolean (true or false))"},
    {"IPPool", "p1", "{cidr: 10.0.0.0/16, blockSize: big}",
     R"(IPPool "p1": spec.blockSize: "big" is not an integer)"},
    {"IPPool", "p1", "{cidr: [10.0.0.0/16]}",
     R"(IPPool "p1": spec.cidr: expected a string, got a list)"},
    {"IPPool", "p1", "{cidr: 10.0.0.0/16, nodeSelector: \"rack == 'a' &&\"}",
     R"(IPPool "p1": spec.nodeSelector: selector "rack == 'a' &&": unexpected end at position 14)"},
    {"IPPool", "p1", "{cidr: 10.0.0.0/16, allowedUses: [Workload, Pods]}",
     R"(IPPool "p1": spec.allowedUses[1]: "Pods" is not one of Workload, Tunnel, LoadBalancer)"},
    {"IPPool", "p1", "{cidr: 10.0.0.0/16, allowedUses: [LoadBalancer, Workload]}",
     R"(IPPool "p1": spec.allowedUses: LoadBalancer cannot be combined with other uses)"},
    {"IPPool", "p1", "{cidr: 10.0.0.0/16, allowedUses: [LoadBalancer], nodeSelector: rack == 'a'}",
     R"(IPPool "p1": spec.nodeSelector: "rack == 'a'" is not allowed on a LoadBalancer pool (must be all()))"},
    {"IPPool", "p1", "{cidr: 10.0.0.0/16, assignmentMode: Auto}",
     R"(IPPool "p1": spec.assignmentMode: "Auto" is not one of Automatic, Manual)"},
    {"IPPool", "P1", "{cidr: 10.0.0.0/16}",
     R"(IPPool "P1": metadata.name: "P1" is not a valid name: must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character)"},
    {"IPPool", "p1", "{cidr: 10.0.0.0/16}\nstatus: {}", R"(IPPool "p1": status: unknown field)"},
    // BGPPeer
    {"BGPPeer", "p", "{peerIP: 10.0.0.1, asNumber: 0}",
     R"(BGPPeer "p": spec.asNumber: "0" is not a valid AS number)"},
    {"BGPPeer", "p", "{peerIP: 10.0.0.1, asNumber: 4294967296}",
     R"(BGPPeer "p": spec.asNumber: "4294967296" is not a valid AS number)"},
    {"BGPPeer", "p", "{peerIP: 10.0.0.1, asNumber: \"1.65536\"}",
     R"(BGPPeer "p": spec.asNumber: "1.65536" is not a valid AS number)"},
    {"BGPPeer", "p", "{peerIP: 10.0.0.300, asNumber: 65001}",
     R"(BGPPeer "p": spec.peerIP: "10.0.0.300" is not a valid IP address or IP:port)"},
    {"BGPPeer", "p", "{peerIP: \"10.0.0.1:99999\", asNumber: 65001}",
     R"(BGPPeer "p": spec.peerIP: "10.0.0.1:99999" is not a valid IP address or IP:port)"},
    {"BGPPeer", "p", "{peerIP: \"[10.0.0.1]:179\", asNumber: 65001}",
     R"(BGPPeer "p": spec.peerIP: "[10.0.0.1]:179" is not a valid IP address or IP:port)"},
    {"BGPPeer", "p", "{node: node-1, nodeSelector: all(), peerIP: 10.0.0.1, asNumber: 65001}",
     R"(BGPPeer "p": spec.nodeSelector: cannot be set together with spec.node)"},
    {"BGPPeer", "p", "{peerIP: 10.0.0.1, peerSelector: all()}",
     R"(BGPPeer "p": spec.peerSelector: cannot be set together with spec.peerIP)"},
    {"BGPPeer", "p", "{peerSelector: all(), asNumber: 65001}",
     R"(BGPPeer "p": spec.asNumber: must be empty when spec.peerSelector is set (the remote node's AS is used))"},
    {"BGPPeer", "p",
     "{peerIP: 10.0.0.1, asNumber: 65001, keepOriginalNextHop: true, nextHopMode: Self}",
     R"(BGPPeer "p": spec.nextHopMode: cannot be set together with spec.keepOriginalNextHop)"},
    {"BGPPeer", "p", "{peerIP: 10.0.0.1, asNumber: 65001, reachableBy: \"fd00::1\"}",
     R"(BGPPeer "p": spec.reachableBy: "fd00::1" is not of the same IP family as spec.peerIP)"},
    {"BGPPeer", "p", "{peerSelector: all(), reachableBy: 10.0.0.1}",
     R"(BGPPeer "p": spec.reachableBy: requires spec.peerIP)"},
    {"BGPPeer", "p", "{localWorkloadSelector: app == 'bgp'}",
     R"(BGPPeer "p": spec.asNumber: is required with spec.localWorkloadSelector)"},
    {"BGPPeer", "p", "{peerIP: 10.0.0.1, asNumber: 65001, ttlSecurity: 256}",
     R"(BGPPeer "p": spec.ttlSecurity: 256 must be between 0 and 255)"},
    {"BGPPeer", "p", "{peerIP: 10.0.0.1, asNumber: 65001, maxRestartTime: 2 minutes}",
     R"(BGPPeer "p": spec.maxRestartTime: "2 minutes" is not a valid duration)"},
    {"BGPPeer", "p", "{peerIP: 10.0.0.1, asNumber: 65001, maxRestartTime: -1s}",
     R"(BGPPeer "p": spec.maxRestartTime: "-1s" must not be negative)"},
    {"BGPPeer", "p", "{peerIP: 10.0.0.1, asNumber: 65001, sourceAddress: NodeIP}",
     R"(BGPPeer "p": spec.sourceAddress: "NodeIP" is not one of UseNodeIP, None)"},
    {"BGPPeer", "p", "{peerIP: 10.0.0.1, asNumber: 65001, password: {secretKeyRef: {name: s}}}",
     R"(BGPPeer "p": spec.password.secretKeyRef.key: is required)"},
    {"BGPPeer", "p", "{peerIP: 10.0.0.1, asNumber: 65001, filters: [Bad_Name]}",
     R"(BGPPeer "p": spec.filters[0]: "Bad_Name" is not a valid name)"},
    {"BGPPeer", "p", "{node: Node_1, peerIP: 10.0.0.1, asNumber: 65001}",
     R"(BGPPeer "p": spec.node: "Node_1" is not a valid name)"},
    // BGPConfiguration
    {"BGPConfiguration", "node.n1", "{asNumber: 65000}",
     R"(BGPConfiguration "node.n1": spec.asNumber: Cannot set asNumber on a non default BGP Configuration.)"},
    {"BGPConfiguration", "node.n1", "{nodeToNodeMeshEnabled: true}",
     R"(BGPConfiguration "node.n1": spec.nodeToNodeMeshEnabled: Cannot set nodeToNodeMeshEnabled on a non default BGP Configuration.)"},
    {"BGPConfiguration", "default", "{logSeverityScreen: Verbose}",
     R"(BGPConfiguration "default": spec.logSeverityScreen: "Verbose" is not one of Trace, Debug, Info, Warning, Error, Fatal)"},
    {"BGPConfiguration", "default", "{listenPort: 0}",
     R"(BGPConfiguration "default": spec.listenPort: 0 must be between 1 and 65535)"},
    {"BGPConfiguration", "default", "{listenPort: 65536}",
     R"(BGPConfiguration "default": spec.listenPort: 65536 must be between 1 and 65535)"},
    {"BGPConfiguration", "default", "{serviceClusterIPs: [{cidr: 10.96.0.0/40}]}",
     R"(BGPConfiguration "default": spec.serviceClusterIPs[0].cidr: "10.96.0.0/40" is not a valid IP address or CIDR)"},
    {"BGPConfiguration", "default",
     "{communities: [{name: c1, value: \"70000:1\"}], prefixAdvertisements: [{cidr: 10.0.0.0/8, "
     "communities: [c1]}]}",
     R"(BGPConfiguration "default": spec.communities[0].value: "70000:1" is not a valid community)"},
    {"BGPConfiguration", "default",
     "{prefixAdvertisements: [{cidr: 10.0.0.0/8, communities: [nope]}]}",
     R"(BGPConfiguration "default": spec.prefixAdvertisements[0].communities[0]: "nope" is neither a community defined in spec.communities nor a community value (aa:nn or aa:nn:mm))"},
    {"BGPConfiguration", "default", "{communities: [{name: c1, value: \"1:1\"}]}",
     R"(BGPConfiguration "default": spec.communities: defining communities requires spec.prefixAdvertisements)"},
    {"BGPConfiguration", "default", "{nodeToNodeMeshEnabled: false, nodeMeshMaxRestartTime: 60s}",
     R"(BGPConfiguration "default": spec.nodeMeshMaxRestartTime: requires the node-to-node mesh (nodeToNodeMeshEnabled is false))"},
    {"BGPConfiguration", "default", "{bindMode: All}",
     R"(BGPConfiguration "default": spec.bindMode: "All" is not one of None, NodeIP)"},
    {"BGPConfiguration", "default", "{localWorkloadPeeringIPV4: \"fe80::1\"}",
     R"(BGPConfiguration "default": spec.localWorkloadPeeringIPV4: "fe80::1" is not an IPv4 address)"},
    // BGPFilter
    {"BGPFilter", "f", "{exportV4: [{cidr: 10.0.0.0/8, action: Accept}]}",
     R"(BGPFilter "f": spec.exportV4[0]: cidr and matchOperator must both be set or both be empty)"},
    {"BGPFilter", "f", "{exportV4: [{cidr: \"fd00::/8\", matchOperator: In, action: Accept}]}",
     R"(BGPFilter "f": spec.exportV4[0].cidr: "fd00::/8" is not an IPv4 CIDR)"},
    {"BGPFilter", "f", "{importV4: [{matchOperator: In}]}",
     R"(BGPFilter "f": spec.importV4[0].action: is required)"},
    {"BGPFilter", "f", "{importV4: [{action: Drop}]}",
     R"(BGPFilter "f": spec.importV4[0].action: "Drop" is not one of Accept, Reject)"},
    {"BGPFilter", "f", "{exportV6: [{action: Reject, prefixLength: {min: 64}}]}",
     R"(BGPFilter "f": spec.exportV6[0].prefixLength: requires cidr)"},
    {"BGPFilter", "f",
     "{exportV4: [{action: Accept, cidr: 10.0.0.0/8, matchOperator: In, prefixLength: {min: 24, "
     "max: 16}}]}",
     R"(BGPFilter "f": spec.exportV4[0].prefixLength: min 24 is greater than max 16)"},
    {"BGPFilter", "f",
     "{exportV4: [{action: Accept, cidr: 10.0.0.0/8, matchOperator: In, prefixLength: {max: 33}}]}",
     R"(BGPFilter "f": spec.exportV4[0].prefixLength.max: 33 must be between 0 and 32)"},
    {"BGPFilter", "f", "{exportV4: [{action: Reject, operations: [{setPriority: {value: 5}}]}]}",
     R"(BGPFilter "f": spec.exportV4[0].operations: may only be used with action Accept)"},
    {"BGPFilter", "f",
     "{exportV4: [{action: Accept, operations: [{setPriority: {value: 5}, addCommunity: {value: "
     "\"1:1\"}}]}]}",
     R"(BGPFilter "f": spec.exportV4[0].operations[0]: exactly one of addCommunity, prependASPath, setPriority must be set)"},
    {"BGPFilter", "f", "{exportV4: [{action: Accept, communities: {values: [\"1:1\", \"2:2\"]}}]}",
     R"(BGPFilter "f": spec.exportV4[0].communities.values: must hold exactly one community)"},
    {"BGPFilter", "f", "{exportV4: [{action: Accept, interface: \"this-name-is-far-too-long\"}]}",
     R"(BGPFilter "f": spec.exportV4[0].interface: "this-name-is-far-too-long" is not a valid interface name or glob)"},
    {"BGPFilter", "f", "{exportV4: [{action: Accept, interface: \"cali+\"}]}",
     R"(BGPFilter "f": spec.exportV4[0].interface: "cali+" is not a valid interface name or glob)"},
    {"BGPFilter", "f",
     "{exportV4: [{action: Accept, operations: [{setPriority: {value: 1}}, {setPriority: {value: "
     "2}}, {setPriority: {value: 3}}, {setPriority: {value: 4}}, {setPriority: {value: 5}}, "
     "{setPriority: {value: 6}}, {setPriority: {value: 7}}, {setPriority: {value: 8}}, "
     "{setPriority: {value: 9}}, {setPriority: {value: 10}}, {setPriority: {value: 11}}]}]}",
     R"(BGPFilter "f": spec.exportV4[0].operations: must hold at most 10 operations, not 11)"},
    {"BGPFilter", "f",
     "{importV6: [{action: Accept, operations: [{prependASPath: {prefix: []}}]}]}",
     R"(BGPFilter "f": spec.importV6[0].operations[0].prependASPath.prefix: is required)"},
    {"BGPFilter", "f",
     "{importV4: [{action: Accept, operations: [{prependASPath: {prefix: [1, 2, 3, 4, 5, 6, 7, 8, "
     "9, 10, 11]}}]}]}",
     R"(BGPFilter "f": spec.importV4[0].operations[0].prependASPath.prefix: must hold at most 10 AS numbers, not 11)"},
    {"BGPFilter", "f",
     "{importV4: [{action: Accept, operations: [{addCommunity: {value: \"65536:1\"}}]}]}",
     R"(BGPFilter "f": spec.importV4[0].operations[0].addCommunity.value: "65536:1" is not a valid community (aa:nn with 16-bit parts or aa:nn:mm with 32-bit parts))"},
    {"BGPFilter", "f", "{importV4: [{action: Reject, communities: {values: [\"1:2:3:4\"]}}]}",
     R"(BGPFilter "f": spec.importV4[0].communities.values[0]: "1:2:3:4" is not a valid community (aa:nn with 16-bit parts or aa:nn:mm with 32-bit parts))"},
    {"BGPFilter", "f", "{importV4: [{action: Reject, priority: 0}]}",
     R"(BGPFilter "f": spec.importV4[0].priority: 0 must be between 1 and 2147483646)"},
    {"BGPFilter", "f",
     "{importV4: [{action: Accept, operations: [{setPriority: {value: 2147483647}}]}]}",
     R"(BGPFilter "f": spec.importV4[0].operations[0].setPriority.value: 2147483647 must be between 1 and 2147483646)"},
    {"BGPFilter", "f", "{importV4: [{action: Reject, peerType: ebgp}]}",
     R"(BGPFilter "f": spec.importV4[0].peerType: "ebgp" is not one of eBGP, iBGP)"},
    // Node
    {"Node", "n", "{bgp: {}}", R"(Node "n": spec.bgp: must not be empty (leave it out instead))"},
    {"Node", "n", "{bgp: {ipv4Address: \"fd00::1/64\"}}",
     R"(Node "n": spec.bgp.ipv4Address: "fd00::1/64" is not an IPv4 address)"},
    {"Node", "n", "{bgp: {ipv4Address: 10.0.0.1/40}}",
     R"(Node "n": spec.bgp.ipv4Address: "10.0.0.1/40" is not a valid IP address or CIDR)"},
    {"Node", "n", "{bgp: {ipv4Address: 10.0.0.1/24, routeReflectorClusterID: rr1}}",
     R"(Node "n": spec.bgp.routeReflectorClusterID: "rr1" is not a valid IP address)"},
    {"Node", "n", "{vxlanTunnelMACAddr: \"66:8a:1b\"}",
     R"(Node "n": spec.vxlanTunnelMACAddr: "66:8a:1b" is not a valid MAC address)"},
    {"Node", "n", "{bgp: {ipv4Address: 10.0.0.1/24, asNumber: nope}}",
     R"(Node "n": spec.bgp.asNumber: "nope" is not a valid AS number)"},
    // FelixConfiguration
    {"FelixConfiguration", "default", "{vxlanVNI: 0}",
     R"(FelixConfiguration "default": spec.vxlanVNI: 0 must be between 1 and 16777215)"},
    {"FelixConfiguration", "default", "{healthPort: 70000}",
     R"(FelixConfiguration "default": spec.healthPort: 70000 must be between 0 and 65535)"},
    {"FelixConfiguration", "default", "{routeRefreshInterval: 90}",
     R"(FelixConfiguration "default": spec.routeRefreshInterval: "90" is not a valid duration)"},
    {"FelixConfiguration", "default", "{ipipEnabled: maybe}",
     R"(FelixConfiguration "default": spec.ipipEnabled: "maybe" is not a boolean (true or false))"},
    {"FelixConfiguration", "default", "{bpfMapSizeRoute: 1000}",
     R"(FelixConfiguration "default": spec.bpfMapSizeRoute: unknown field)"},
    {"FelixConfiguration", "default", "{routeSource: Kernel}",
     R"(FelixConfiguration "default": spec.routeSource: "Kernel" is not one of CalicoIPAM, WorkloadIPs)"},
    // WorkloadEndpoint
    {"WorkloadEndpoint", "w", "{ipNetworks: [10.0.0.0/24]}",
     R"(WorkloadEndpoint "w": spec.ipNetworks[0]: "10.0.0.0/24" holds more than one address (use /32))"},
    {"WorkloadEndpoint", "w",
     "{ipNetworks: [10.0.0.5/32], ipNATs: [{internalIP: 10.0.0.6, externalIP: 1.2.3.4}]}",
     R"(WorkloadEndpoint "w": spec.ipNATs[0].internalIP: "10.0.0.6" is not one of spec.ipNetworks)"},
    {"WorkloadEndpoint", "w", "{interfaceName: cali0, ipNetworks: [10.0.0.5/33]}",
     R"(WorkloadEndpoint "w": spec.ipNetworks[0]: "10.0.0.5/33" is not a valid IP address or CIDR)"},
    {"WorkloadEndpoint", "w", "{interfaceName: cali0, ports: [{name: http, port: 0}]}",
     R"(WorkloadEndpoint "w": spec.ports[0].port: 0 must be between 1 and 65535)"},
    {"WorkloadEndpoint", "w", "{interfaceName: cali0123456789abc}",
     R"(WorkloadEndpoint "w": spec.interfaceName: "cali0123456789abc" is not a valid interface name)"},
    // IPReservation
    {"IPReservation", "r", "{reservedCIDRs: [10.0.0.0/8, not-an-ip]}",
     R"(IPReservation "r": spec.reservedCIDRs[1]: "not-an-ip" is not a valid IP address or CIDR)"},
    {"IPReservation", "r", "{reservedCIDRs: 10.0.0.0/8}",
     R"(IPReservation "r": spec.reservedCIDRs: expected a list, got "10.0.0.0/8")"},
};

TEST(ValidationTest, RejectsEachInvalidResourceWithItsMessage) {
  ASSERT_GE(std::size(kInvalid), 40u);
  for (const auto& c : kInvalid) {
    const std::string text = document(c);
    auto resources = parse_resources(text);
    ASSERT_FALSE(resources.ok()) << text;
    EXPECT_THAT(resources.error().message, ::testing::HasSubstr(c.message)) << text;
  }
}

TEST(ValidationTest, ChecksTheEnvelope) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"kind: IPPool\nmetadata: {name: p}\nspec: {cidr: 10.0.0.0/16}",
       "IPPool \"p\": apiVersion: is required"},
      {"apiVersion: projectcalico.org/v2\nkind: IPPool\nmetadata: {name: p}\nspec: {cidr: "
       "10.0.0.0/16}",
       "IPPool \"p\": apiVersion: \"projectcalico.org/v2\" is not projectcalico.org/v3"},
      {"apiVersion: projectcalico.org/v3\nmetadata: {name: p}", "resource: kind: is required"},
      {"apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: p}",
       "NetworkPolicy \"p\": kind: \"NetworkPolicy\" is not a supported kind"},
      {"apiVersion: projectcalico.org/v3\nkind: IPPool\nspec: {cidr: 10.0.0.0/16}",
       "IPPool: metadata.name: is required"},
      {"apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p, namespace: x}\nspec: "
       "{cidr: 10.0.0.0/16}",
       "IPPool \"p\": metadata.namespace: \"x\" is not allowed: IPPool is cluster-scoped"},
      {"apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p, owner: me}\nspec: "
       "{cidr: 10.0.0.0/16}",
       "IPPool \"p\": metadata.owner: unknown field"},
      {"apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p, labels: {\"bad key!\": "
       "x}}\nspec: {cidr: 10.0.0.0/16}",
       "IPPool \"p\": metadata.labels.bad key!: \"bad key!\" is not a valid label key"},
      {"apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p, labels: {a: "
       "[x]}}\nspec: {cidr: 10.0.0.0/16}",
       "IPPool \"p\": metadata.labels.a: expected a string, got a list"},
      {"apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p}\nspec: {cidr: "
       "10.0.0.0/16}\nextra: 1",
       "IPPool \"p\": extra: unknown field"},
      {"apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p}\nspec: {cidr: "
       "10.0.0.0/16, cidr: 10.1.0.0/16}",
       "IPPool \"p\": spec.cidr: duplicate field"},
      {"apiVersion: projectcalico.org/v3\nkind: WorkloadEndpoint\nmetadata: {name: w, namespace: "
       "Bad_NS}\nspec: {interfaceName: cali0}",
       "WorkloadEndpoint \"w\": metadata.namespace: \"Bad_NS\" is not a valid namespace"},
      {"- a\n- b", "expected a resource (a mapping), got a list"},
      {"just text", "expected a resource (a mapping), got \"just text\""},
      {"apiVersion: projectcalico.org/v3\nkind: IPPoolList\nitems: [{kind: BGPPeer, metadata: "
       "{name: x}}]",
       "items[0]: kind: \"BGPPeer\" in a IPPoolList (expected IPPool)"},
      {"apiVersion: projectcalico.org/v3\nkind: IPPoolList\nitems: {a: b}",
       "IPPoolList: items: expected a list, got a mapping"},
      {"a: [b", "invalid YAML at line"},
      {"{\"kind\": ", "invalid JSON at byte"},
  };
  for (const auto& c : cases) {
    auto resources = parse_resources(c.text);
    ASSERT_FALSE(resources.ok()) << c.text;
    EXPECT_THAT(resources.error().message, ::testing::HasSubstr(c.message)) << c.text;
  }
}

TEST(ValidationTest, ReportsEveryProblemOfADocument) {
  auto resources = parse_resources(R"(
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: {name: p}
spec: {peerIP: 10.0.0.300, asNumber: 0, sourceAddress: x, colour: blue}
)");
  ASSERT_FALSE(resources.ok());
  EXPECT_EQ(resources.error().message,
            "BGPPeer \"p\": spec.colour: unknown field\n"
            "BGPPeer \"p\": spec.peerIP: \"10.0.0.300\" is not a valid IP address or IP:port\n"
            "BGPPeer \"p\": spec.asNumber: \"0\" is not a valid AS number\n"
            "BGPPeer \"p\": spec.sourceAddress: \"x\" is not one of UseNodeIP, None");
}

}  // namespace
}  // namespace tabby::api
