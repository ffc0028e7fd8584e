#include "tabby/api/codec.h"

#include <gmock/gmock.h>

namespace tabby::api {
namespace {

using ::testing::HasSubstr;

Resource parse_ok(std::string_view text) {
  auto resource = parse_resource(text);
  EXPECT_TRUE(resource.ok()) << (resource.ok() ? "" : resource.error().message);
  return resource.ok() ? *resource : Resource{};
}

TEST(CodecTest, FillsIpPoolDefaultsInCalicoOrder) {
  auto pool = parse_ok(R"(
apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: p1
spec:
  cidr: 10.0.0.0/16
)");
  EXPECT_EQ(pool.kind, Kind::kIPPool);
  EXPECT_EQ(pool.metadata.name, "p1");
  EXPECT_EQ(pool.spec.dump(),
            R"({"cidr":"10.0.0.0/16","vxlanMode":"Never","ipipMode":"Never","blockSize":26,)"
            R"~("nodeSelector":"all()","allowedUses":["Workload","Tunnel"],)~"
            R"("assignmentMode":"Automatic"})");

  auto v6 = parse_ok(R"({"apiVersion": "projectcalico.org/v3", "kind": "IPPool",
                         "metadata": {"name": "p6"}, "spec": {"cidr": "fd00:10::/48"}})");
  EXPECT_EQ(v6.spec["blockSize"], 122);
}

TEST(CodecTest, PrintsYamlAsCalicoctlDoes) {
  auto pool = parse_ok(R"~(
apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: default-ipv4-ippool
  resourceVersion: "1234"
  uid: 5f1b2c3d-0000-4000-8000-000000000001
  creationTimestamp: "2024-05-01T10:00:00Z"
  labels: {tier: "1"}
spec:
  cidr: 192.168.0.0/16
  ipipMode: Always
  natOutgoing: true
  nodeSelector: "!has(edge)"
)~");
  EXPECT_EQ(to_yaml(pool), R"~(apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  creationTimestamp: "2024-05-01T10:00:00Z"
  labels:
    tier: "1"
  name: default-ipv4-ippool
  resourceVersion: "1234"
  uid: 5f1b2c3d-0000-4000-8000-000000000001
spec:
  allowedUses:
  - Workload
  - Tunnel
  assignmentMode: Automatic
  blockSize: 26
  cidr: 192.168.0.0/16
  ipipMode: Always
  natOutgoing: true
  nodeSelector: "!has(edge)"
  vxlanMode: Never
)~");
  EXPECT_EQ(to_json_text(pool), R"~({
  "kind": "IPPool",
  "apiVersion": "projectcalico.org/v3",
  "metadata": {
    "name": "default-ipv4-ippool",
    "uid": "5f1b2c3d-0000-4000-8000-000000000001",
    "resourceVersion": "1234",
    "creationTimestamp": "2024-05-01T10:00:00Z",
    "labels": {
      "tier": "1"
    }
  },
  "spec": {
    "cidr": "192.168.0.0/16",
    "vxlanMode": "Never",
    "ipipMode": "Always",
    "natOutgoing": true,
    "blockSize": 26,
    "nodeSelector": "!has(edge)",
    "allowedUses": [
      "Workload",
      "Tunnel"
    ],
    "assignmentMode": "Automatic"
  }
}
)~");
}

// Every kind, written the way users write it, survives YAML -> resource -> YAML/JSON ->
// resource unchanged.
const char* const kGoodDocuments[] = {
    R"~(apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: lb-pool}
spec: {cidr: 10.200.0.0/24, allowedUses: [LoadBalancer], disableBGPExport: false, blockSize: 28}
)~",
    R"~(apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: v6, labels: {family: v6}}
spec: {cidr: "fd00:1::/112", vxlanMode: CrossSubnet, blockSize: 122, disabled: true, assignmentMode: Manual}
)~",
    R"~(apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: {name: rack1-tor}
spec:
  peerIP: 10.0.1.1
  asNumber: 65001
  nodeSelector: rack == 'rack1'
  password: {secretKeyRef: {name: bgp-secrets, key: rack1}}
  sourceAddress: None
  maxRestartTime: 90s
  keepaliveTime: 30s
  filters: [export-only-pods]
  ttlSecurity: 1
  numAllowedLocalASNumbers: 2
  reachableBy: 10.0.1.254
  nextHopMode: Self
  localASNumber: 1.10
)~",
    R"~(apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: {name: mesh-rr}
spec: {peerSelector: has(route-reflector), nodeSelector: "!has(route-reflector)"}
)~",
    R"~(apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: {name: v6-peer}
spec: {node: node-1, peerIP: "[fd00::1]:1790", asNumber: "64512", keepOriginalNextHop: true}
)~",
    R"~(apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata: {name: default}
spec:
  logSeverityScreen: Info
  nodeToNodeMeshEnabled: false
  asNumber: 63400
  serviceClusterIPs: [{cidr: 10.96.0.0/12}]
  serviceExternalIPs: [{cidr: 104.244.42.129/32}, {cidr: 172.217.3.0/24}]
  serviceLoadBalancerIPs: [{cidr: 192.0.2.0/24}]
  listenPort: 178
  bindMode: NodeIP
  communities: [{name: bgp-large-community, value: "63400:300:100"}]
  prefixAdvertisements:
  - cidr: 172.218.4.0/26
    communities: [bgp-large-community, "63400:120"]
  ignoredInterfaces: [iface-1, "veth*"]
  programClusterRoutes: Enabled
  ipv4NormalRoutePriority: 1024
)~",
    R"~(apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata: {name: node.node-1}
spec: {listenPort: 1790, logSeverityScreen: debug}
)~",
    R"~(apiVersion: projectcalico.org/v3
kind: BGPFilter
metadata: {name: export-only-pods}
spec:
  exportV4:
  - {action: Accept, matchOperator: In, cidr: 10.0.0.0/8, prefixLength: {min: 16, max: 26}}
  - action: Accept
    source: RemotePeers
    peerType: eBGP
    communities: {values: ["65000:100"]}
    asPathPrefix: [65001, "65002"]
    priority: 512
    operations:
    - addCommunity: {value: "65000:200"}
    - prependASPath: {prefix: [65000, 65000]}
    - setPriority: {value: 100}
  - {action: Reject, interface: "eth*"}
  importV6:
  - {action: Reject, matchOperator: NotIn, cidr: "fd00::/8"}
)~",
    R"~(apiVersion: projectcalico.org/v3
kind: Node
metadata: {name: node-1, labels: {rack: rack1, kubernetes.io/hostname: node-1}}
spec:
  bgp: {ipv4Address: 10.0.0.11/24, ipv6Address: "fd00::11/64", asNumber: 65010,
        routeReflectorClusterID: 224.0.0.1, ipv4IPIPTunnelAddr: 192.168.10.0}
  ipv4VXLANTunnelAddr: 192.168.10.1
  vxlanTunnelMACAddr: "66:8a:1b:2c:3d:4e"
  orchRefs: [{nodeName: node-1, orchestrator: k8s}]
  addresses: [{address: 10.0.0.11/24, type: CalicoNodeIP}, {address: 10.0.0.11, type: InternalIP}]
  interfaces: [{name: eth0, addresses: [10.0.0.11]}]
  wireguard: {interfaceIPv4Address: 192.168.10.2}
status: {podCIDRs: [192.168.10.0/24]}
)~",
    R"~(apiVersion: projectcalico.org/v3
kind: FelixConfiguration
metadata: {name: default}
spec:
  ipipEnabled: true
  ipipMTU: 1480
  vxlanEnabled: false
  vxlanVNI: 4096
  vxlanPort: 4789
  vxlanMTU: 1450
  healthEnabled: true
  healthPort: 9099
  prometheusMetricsEnabled: true
  prometheusMetricsPort: 9091
  logSeverityScreen: Info
  routeRefreshInterval: 90s
  reportingInterval: 0s
  deviceRouteProtocol: 3
  removeExternalRoutes: true
  routeSource: CalicoIPAM
  defaultEndpointToHostAction: ACCEPT
  routeTableRange: {min: 1, max: 250}
  bpfLogLevel: ""
  floatingIPs: Disabled
)~",
    R"~(apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata:
  name: node--1-k8s-nginx-eth0
  namespace: web
  labels: {app: nginx, projectcalico.org/namespace: web}
spec:
  orchestrator: k8s
  node: node-1
  containerID: 9f3c2a
  pod: nginx
  endpoint: eth0
  serviceAccountName: default
  ipNetworks: [192.168.10.5/32, "fd00::5"]
  ipNATs: [{internalIP: 192.168.10.5, externalIP: 203.0.113.5}]
  profiles: [kns.web, ksa.web.default]
  interfaceName: cali12345abcdef
  mac: "ee:ee:ee:ee:ee:ee"
  ports: [{name: http, protocol: TCP, port: 80}]
)~",
    R"~(apiVersion: projectcalico.org/v3
kind: IPReservation
metadata: {name: reserved}
spec: {reservedCIDRs: [192.168.10.0/30, 192.168.10.9, "fd00::/120"]}
)~",
};

TEST(CodecTest, RoundTripsEveryKindThroughYamlAndJson) {
  for (const char* text : kGoodDocuments) {
    auto parsed = parse_resource(text);
    ASSERT_TRUE(parsed.ok()) << text << "\n" << parsed.error().message;
    auto from_yaml = parse_resource(to_yaml(*parsed));
    ASSERT_TRUE(from_yaml.ok()) << to_yaml(*parsed) << "\n" << from_yaml.error().message;
    EXPECT_EQ(*from_yaml, *parsed) << to_yaml(*parsed);
    EXPECT_EQ(to_yaml(*from_yaml), to_yaml(*parsed));
    auto from_json = parse_resource(to_json_text(*parsed));
    ASSERT_TRUE(from_json.ok()) << to_json_text(*parsed) << "\n" << from_json.error().message;
    EXPECT_EQ(*from_json, *parsed);
    auto from_value = resource_from_json(to_json(*parsed));
    ASSERT_TRUE(from_value.ok());
    EXPECT_EQ(*from_value, *parsed);
  }
}

TEST(CodecTest, NormalizesValuesAsCalicoStoresThem) {
  auto peer = parse_ok(R"(
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: {name: p}
spec: {peerIP: 10.0.0.1, asNumber: "1.10", maxRestartTime: 120s, keepaliveTime: 1h30m}
)");
  EXPECT_EQ(peer.spec["asNumber"], 65546);
  EXPECT_EQ(peer.spec["maxRestartTime"], "2m0s");
  EXPECT_EQ(peer.spec["keepaliveTime"], "1h30m0s");

  // Go's omitempty: false and 0 on plain fields vanish, but pointer fields keep them.
  auto config = parse_ok(R"(
apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata: {name: default}
spec: {nodeToNodeMeshEnabled: false, logSeverityScreen: ""}
)");
  EXPECT_EQ(config.spec.dump(), R"({"nodeToNodeMeshEnabled":false})");

  // A plain scalar given to a string field stays the text that was written.
  auto node = parse_ok(R"(
apiVersion: projectcalico.org/v3
kind: Node
metadata: {name: "1234", labels: {rack: 01}}
spec: {orchRefs: [{orchestrator: 1.10}]}
)");
  EXPECT_EQ(node.metadata.labels.at("rack"), "01");
  EXPECT_EQ(node.spec["orchRefs"][0]["orchestrator"], "1.10");
  EXPECT_THAT(to_yaml(node), HasSubstr("rack: \"01\""));
  EXPECT_THAT(to_yaml(node), HasSubstr("name: \"1234\""));
  EXPECT_THAT(to_yaml(node), HasSubstr("status: {}"));
}

TEST(CodecTest, ReadsMultiDocumentFilesAndLists) {
  auto resources = parse_resources(R"(
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: a}
spec: {cidr: 10.1.0.0/16}
---
---
apiVersion: projectcalico.org/v3
kind: IPPoolList
items:
- metadata: {name: b}
  spec: {cidr: 10.2.0.0/16}
- apiVersion: projectcalico.org/v3
  kind: IPPool
  metadata: {name: c}
  spec: {cidr: 10.3.0.0/16}
---
apiVersion: v1
kind: List
items:
- apiVersion: projectcalico.org/v3
  kind: BGPPeer
  metadata: {name: d}
  spec: {peerIP: 10.0.0.1, asNumber: 65001}
)");
  ASSERT_TRUE(resources.ok()) << resources.error().message;
  ASSERT_EQ(resources->size(), 4u);
  EXPECT_EQ((*resources)[0].metadata.name, "a");
  EXPECT_EQ((*resources)[1].metadata.name, "b");
  EXPECT_EQ((*resources)[2].metadata.name, "c");
  EXPECT_EQ((*resources)[3].kind, Kind::kBGPPeer);

  EXPECT_TRUE(parse_resources("").ok());
  EXPECT_TRUE(parse_resources("---\n---\n")->empty());
  EXPECT_THAT(parse_resource("").error().message,
              HasSubstr("expected exactly one resource, got 0"));
}

TEST(CodecTest, PrintsListsAsCalicoctlGetDoes) {
  auto resources = parse_resources(R"(
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: a}
spec: {cidr: 10.1.0.0/16}
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: b}
spec: {cidr: 10.2.0.0/16}
)");
  ASSERT_TRUE(resources.ok());
  const std::string yaml = to_yaml_list(*resources, "99");
  EXPECT_THAT(yaml, HasSubstr("apiVersion: projectcalico.org/v3\nitems:\n- apiVersion: "
                              "projectcalico.org/v3\n  kind: IPPool\n  metadata:\n    name: a\n"));
  EXPECT_THAT(yaml, HasSubstr("kind: IPPoolList\nmetadata:\n  resourceVersion: \"99\"\n"));
  auto again = parse_resources(yaml);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*again, *resources);
  auto from_json = parse_resources(to_json_list_text(*resources));
  ASSERT_TRUE(from_json.ok()) << from_json.error().message;
  EXPECT_EQ(*from_json, *resources);
}

TEST(CodecTest, NumbersErrorsByDocumentAndListItem) {
  auto resources = parse_resources(R"(
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: good}
spec: {cidr: 10.1.0.0/16}
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: p1}
spec: {cidr: 10.0.0.0/33, cdir: x}
---
apiVersion: projectcalico.org/v3
kind: IPPoolList
items:
- metadata: {name: ok}
  spec: {cidr: 10.3.0.0/16}
- metadata: {name: bad}
  spec: {cidr: 10.4.0.0/16, blockSize: 40}
)");
  ASSERT_FALSE(resources.ok());
  EXPECT_EQ(resources.error().message,
            "document 2: IPPool \"p1\": spec.cdir: unknown field\n"
            "document 2: IPPool \"p1\": spec.cidr: \"10.0.0.0/33\" is not a valid CIDR: prefix "
            "length must be 0-32\n"
            "document 3: items[1]: IPPool \"bad\": spec.blockSize: 40 must be between 20 and 32 "
            "for an IPv4 pool");
}

TEST(CodecTest, StoresTheEtcdValueWithoutResourceVersion) {
  auto wep = parse_ok(kGoodDocuments[10]);
  wep.metadata.resource_version = "42";
  wep.metadata.uid = "u-1";
  EXPECT_EQ(resource_key(wep),
            "/calico/resources/v3/projectcalico.org/workloadendpoints/web/node--1-k8s-nginx-eth0");
  const std::string value = encode_stored_value(wep);
  EXPECT_THAT(value,
              ::testing::StartsWith(
                  R"({"kind":"WorkloadEndpoint","apiVersion":"projectcalico.org/v3",)"
                  R"("metadata":{"name":"node--1-k8s-nginx-eth0","namespace":"web","uid":"u-1",)"));
  EXPECT_THAT(value, ::testing::Not(HasSubstr("resourceVersion")));

  auto back = decode_stored_value(resource_key(wep), value, "43");
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->metadata.resource_version, "43");
  back->metadata.resource_version = "42";
  EXPECT_EQ(*back, wep);

  auto wrong_key =
      decode_stored_value("/calico/resources/v3/projectcalico.org/ippools/x", value, "1");
  ASSERT_FALSE(wrong_key.ok());
  EXPECT_THAT(wrong_key.error().message,
              HasSubstr("key \"/calico/resources/v3/projectcalico.org/ippools/x\": holds "
                        "WorkloadEndpoint \"web/node--1-k8s-nginx-eth0\""));
  EXPECT_FALSE(decode_stored_value("k", "kind: IPPool", "1").ok());
  EXPECT_FALSE(decode_stored_value("k", "{\"kind\":", "1").ok());
}

TEST(CodecTest, AStoredValueFromANewerCalicoKeepsWhatThisBuildKnows) {
  const std::string key = "/calico/resources/v3/projectcalico.org/ippools/p1";
  const std::string value =
      R"({"kind":"IPPool","apiVersion":"projectcalico.org/v3","futureTopLevel":1,)"
      R"("metadata":{"name":"p1","labels":{"zone":"a"},"managedFields":[{}]},)"
      R"("spec":{"cidr":"10.244.0.0/16","ipipMode":"Always","futureMode":"Fast",)"
      R"("allowedUses":["Workload"],"natOutgoing":true}})";
  std::vector<std::string> ignored;
  auto decoded = decode_stored_value(key, value, "9", &ignored);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->spec["cidr"], "10.244.0.0/16");
  EXPECT_EQ(decoded->spec["ipipMode"], "Always");
  EXPECT_EQ(decoded->spec["natOutgoing"], true);
  EXPECT_EQ(decoded->metadata.labels.at("zone"), "a");
  EXPECT_FALSE(decoded->spec.contains("futureMode"));
  EXPECT_EQ(ignored, (std::vector<std::string>{"futureTopLevel", "metadata.managedFields",
                                               "spec.futureMode"}));
  // Without the list the value still decodes.
  EXPECT_TRUE(decode_stored_value(key, value, "9").ok());
  // A known field with a bad value is an error still, and the same text as input is refused.
  std::string bad = value;
  bad.replace(bad.find("10.244.0.0/16"), 13, "10.244.0.0/99");
  EXPECT_FALSE(decode_stored_value(key, bad, "9", &ignored).ok());
  auto input = parse_resources(value);
  ASSERT_FALSE(input.ok());
  EXPECT_THAT(input.error().message, HasSubstr("spec.futureMode: unknown field"));
}

TEST(CodecTest, KeysFollowCalicosEtcdLayout) {
  EXPECT_EQ(resource_key(Kind::kIPPool, "", "p1"),
            "/calico/resources/v3/projectcalico.org/ippools/p1");
  EXPECT_EQ(resource_key(Kind::kBGPConfiguration, "", "default"),
            "/calico/resources/v3/projectcalico.org/bgpconfigurations/default");
  EXPECT_EQ(resource_prefix(Kind::kBGPPeer), "/calico/resources/v3/projectcalico.org/bgppeers/");
  EXPECT_EQ(resource_prefix(Kind::kWorkloadEndpoint, "ns1"),
            "/calico/resources/v3/projectcalico.org/workloadendpoints/ns1/");
  for (const auto& info : all_kinds()) {
    EXPECT_EQ(kind_from_name(info.name), info.kind);
    EXPECT_EQ(kind_info(info.kind).plural, info.plural);
  }
  EXPECT_FALSE(kind_from_name("ippool").has_value());
}

TEST(CodecTest, DefaultsTheNamespaceOfNamespacedKinds) {
  auto wep = parse_ok(R"(
apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata: {name: w}
spec: {interfaceName: cali0}
)");
  EXPECT_EQ(wep.metadata.namespace_, "default");
  EXPECT_EQ(describe(wep), "WorkloadEndpoint \"default/w\"");
}

TEST(CodecTest, SurvivesHostileInput) {
  // Deep nesting, alias bombs and junk are refused with a message, never a crash.
  EXPECT_FALSE(parse_resources(std::string(100000, '[')).ok());
  EXPECT_FALSE(parse_resources(std::string(5000, '{')).ok());
  std::string block;
  for (int i = 0; i < 3000; ++i)
    block += std::string(i, ' ') + "a:\n";
  EXPECT_FALSE(parse_resources(block).ok());
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    bomb += std::string(1, c) + ": &" + c + " [*" + std::string(1, c - 1) + ", *" +
            std::string(1, c - 1) + ", *" + std::string(1, c - 1) + ", *" + std::string(1, c - 1) +
            ", *" + std::string(1, c - 1) + ", *" + std::string(1, c - 1) + "]\n";
  }
  auto exploded = parse_resources(bomb);
  ASSERT_FALSE(exploded.ok());
  EXPECT_THAT(exploded.error().message, HasSubstr("too large"));
  EXPECT_FALSE(parse_resources("\x01\xff: [").ok());
  // Strings must be UTF-8 (a JSON printer could not reproduce anything else).
  const std::string pool =
      "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p}\n"
      "spec: {cidr: 10.0.0.0/16, nodeSelector: \"a == '";
  EXPECT_TRUE(parse_resources(pool + "caf\xc3\xa9'\"}").ok());
  for (const char* bad : {"\xcd'\"}", "\xc3'\"}", "\xed\xa0\x80'\"}", "\xc0\xaf'\"}"}) {
    auto resources = parse_resources(pool + bad);
    ASSERT_FALSE(resources.ok()) << bad;
    EXPECT_THAT(resources.error().message, HasSubstr("not valid UTF-8"));
  }
  EXPECT_THAT(parse_resources("{\"kind\": \"\\udc00\"}").error().message,
              HasSubstr("invalid JSON"));
  EXPECT_FALSE(parse_resources("{\"a\": }").ok());
  // yaml-cpp, left to itself, loops forever on a stray ',' where a document may start.
  for (const char* stray : {",", "- a\n,", "--- ,", "&a ,", "a: b\n---\n,", "\"x\"\n,"}) {
    auto resources = parse_resources(stray);
    ASSERT_FALSE(resources.ok()) << stray;
    EXPECT_THAT(resources.error().message, HasSubstr("invalid YAML")) << stray;
  }
  EXPECT_THAT(parse_resources("a: *nowhere").error().message, HasSubstr("invalid YAML"));
  EXPECT_THAT(parse_resources("? [a]\n: b").error().message, HasSubstr("keys must be strings"));
}

}  // namespace
}  // namespace tabby::api
