#include "kinds.h"

#include <fmt/format.h>

#include <limits>
#include <set>

#include "tabby/api/values.h"
#include "tabby/common/ip.h"

namespace tabby::api::detail {
namespace {

constexpr std::int64_t kInt32Max = std::numeric_limits<std::int32_t>::max();

// Compact constructors for the tables below.
Field str(std::string_view name, Check check = {}, Emit emit = Emit::kOmitEmpty) {
  return Field{.name = name, .type = Type::kString, .emit = emit, .check = std::move(check)};
}
Field boolean(std::string_view name, Emit emit = Emit::kOmitEmpty) {
  return Field{.name = name, .type = Type::kBool, .emit = emit};
}
Field integer(std::string_view name, std::int64_t min, std::int64_t max,
              Emit emit = Emit::kOmitEmpty) {
  return Field{.name = name, .type = Type::kInt, .emit = emit, .min = min, .max = max};
}
Field asn(std::string_view name, Emit emit = Emit::kOmitEmpty) {
  return Field{.name = name, .type = Type::kAsNumber, .emit = emit};
}
Field duration(std::string_view name) {
  return Field{.name = name, .type = Type::kDuration, .emit = Emit::kIfSet};
}
Field strings(std::string_view name, Check check = {}) {
  return Field{.name = name, .type = Type::kStringList, .check = std::move(check)};
}
Field string_map(std::string_view name, Check check = {}) {
  return Field{.name = name, .type = Type::kStringMap, .check = std::move(check)};
}
Field object(std::string_view name, const Schema& schema, Emit emit = Emit::kIfSet) {
  return Field{.name = name, .type = Type::kObject, .emit = emit, .schema = &schema};
}
Field objects(std::string_view name, const Schema& schema) {
  return Field{.name = name, .type = Type::kObjectList, .schema = &schema};
}
Field asns(std::string_view name) {
  return Field{.name = name, .type = Type::kAsNumberList};
}
Field required(Field field) {
  field.required = true;
  if (field.emit == Emit::kOmitEmpty) field.emit = Emit::kAlways;
  return field;
}

std::string quote_text(std::string_view text) {
  return show(Node{Node::Type::kScalar, std::string(text)});
}

// Kubernetes label rules: an optional DNS-subdomain prefix and '/', then a name of at most
// 63 of [A-Za-z0-9_.-] starting and ending alphanumeric; values the same or empty.
bool is_label_name(std::string_view text, bool allow_empty) {
  if (text.empty()) return allow_empty;
  if (text.size() > 63) return false;
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (!alnum(text.front()) || !alnum(text.back())) return false;
  return std::all_of(text.begin(), text.end(),
                     [&](char c) { return alnum(c) || c == '-' || c == '_' || c == '.'; });
}

std::string check_label(std::string_view key_value) {
  const auto equals = key_value.find('=');
  const std::string_view key = key_value.substr(0, equals);
  const std::string_view value = key_value.substr(equals + 1);
  const auto slash = key.find('/');
  const bool key_ok = slash == std::string_view::npos
                          ? is_label_name(key, false)
                          : dns1123_subdomain_problem(key.substr(0, slash)).empty() &&
                                is_label_name(key.substr(slash + 1), false);
  if (!key_ok) return fmt::format("{} is not a valid label key", quote_text(key));
  if (!is_label_name(value, true))
    return fmt::format("{} is not a valid label value", quote_text(value));
  return "";
}

std::string check_annotation(std::string_view) {
  return "";
}

std::string check_log_level(std::string_view text) {
  return one_of({"Trace", "Debug", "Info", "Warning", "Error", "Fatal"}, true)(text);
}

std::string check_community(std::string_view text) {
  return is_community_value(text)
             ? ""
             : fmt::format(
                   "{} is not a valid community (aa:nn with 16-bit parts or aa:nn:mm with "
                   "32-bit parts)",
                   quote_text(text));
}

std::string check_peer_ip(std::string_view text) {
  auto peer = parse_peer_ip(text);
  return peer ? "" : peer.error().message;
}

std::string check_ipv4_cidr_or_ip(std::string_view text) {
  if (auto problem = check_cidr_or_ip(text); !problem.empty()) return problem;
  const bool v4 = text.find(':') == std::string_view::npos;
  return v4 ? "" : fmt::format("{} is not an IPv4 address", quote_text(text));
}

std::string check_ipv6_cidr_or_ip(std::string_view text) {
  if (auto problem = check_cidr_or_ip(text); !problem.empty()) return problem;
  const bool v6 = text.find(':') != std::string_view::npos;
  return v6 ? "" : fmt::format("{} is not an IPv6 address", quote_text(text));
}

Check cidr_of_family(IpFamily family) {
  return [family](std::string_view text) -> std::string {
    auto prefix = IpPrefix::parse(text);
    if (!prefix) return prefix.error().message;
    if (prefix->family() != family) {
      return fmt::format("{} is not an IPv{} CIDR", quote_text(text), static_cast<int>(family));
    }
    return "";
  };
}

// BGPFilter.interface: an interface name that may hold '*' globs.
std::string check_interface_glob(std::string_view text) {
  bool ok = !text.empty() && text.size() <= 15;
  for (char c : text) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' ||
                c == '*');
  }
  return ok ? "" : fmt::format("{} is not a valid interface name or glob", quote_text(text));
}

// ---- shared sub-objects ----------------------------------------------------------------

const Schema& secret_key_ref() {
  static const Schema schema{
      {required(str("name")), required(str("key")), boolean("optional", Emit::kIfSet)}};
  return schema;
}

const Schema& bgp_password() {
  static const Schema schema{{object("secretKeyRef", secret_key_ref())}};
  return schema;
}

const Schema& cidr_block() {
  static const Schema schema{{str("cidr", check_cidr_or_ip)}};
  return schema;
}

// ---- IPPool ------------------------------------------------------------------------------

const Schema& ippool_spec() {
  static const Schema schema{{
      required(str("cidr", check_cidr, Emit::kAlways)),
      str("vxlanMode", one_of({"Never", "Always", "CrossSubnet"})),
      str("ipipMode", one_of({"Never", "Always", "CrossSubnet"})),
      boolean("natOutgoing"),
      boolean("disabled"),
      boolean("disableBGPExport"),
      integer("blockSize", 0, 128),
      str("nodeSelector", check_selector),
      str("namespaceSelector", check_selector),
      strings("allowedUses", one_of({"Workload", "Tunnel", "LoadBalancer"})),
      str("assignmentMode", one_of({"Automatic", "Manual"}), Emit::kIfSet),
  }};
  return schema;
}

void ippool_defaults(Json& spec) {
  auto prefix = IpPrefix::parse(spec.value("cidr", ""));
  if (!spec.contains("blockSize") && prefix)
    spec["blockSize"] = prefix->family() == IpFamily::kV4 ? 26 : 122;
  if (!spec.contains("ipipMode")) spec["ipipMode"] = "Never";
  if (!spec.contains("vxlanMode")) spec["vxlanMode"] = "Never";
  if (!spec.contains("nodeSelector")) spec["nodeSelector"] = "all()";
  if (!spec.contains("allowedUses")) spec["allowedUses"] = Json::array({"Workload", "Tunnel"});
  if (!spec.contains("assignmentMode")) spec["assignmentMode"] = "Automatic";
}

void ippool_check(const Json& spec, const ObjectMeta&, Errors& errors) {
  auto prefix = IpPrefix::parse(spec.value("cidr", ""));
  if (!prefix) return;  // already reported
  const std::string cidr = spec["cidr"];
  const bool v4 = prefix->family() == IpFamily::kV4;
  // Calico rejects link-local pools; loopback and multicast pools could never carry pod
  // traffic either, so tabby refuses them too.
  const char* reserved[] = {"169.254.0.0/16", "fe80::/10",   "127.0.0.0/8",
                            "::1/128",        "224.0.0.0/4", "ff00::/8"};
  const char* names[] = {"link-local", "link-local", "loopback",
                         "loopback",   "multicast",  "multicast"};
  for (std::size_t i = 0; i < std::size(reserved); ++i) {
    const auto range = *IpPrefix::parse(reserved[i]);
    if (range.family() == prefix->family() && range.overlaps(*prefix)) {
      errors.add("spec.cidr", fmt::format("{} overlaps with the {} range {}", quote_text(cidr),
                                          names[i], reserved[i]));
    }
  }
  const int block_size = spec.value("blockSize", v4 ? 26 : 122);
  const int min = v4 ? 20 : 116, max = v4 ? 32 : 128;
  if (block_size < min || block_size > max) {
    errors.add("spec.blockSize", fmt::format("{} must be between {} and {} for an IPv{} pool",
                                             block_size, min, max, v4 ? 4 : 6));
  } else if (prefix->length() > block_size && !spec.value("disabled", false)) {
    errors.add("spec.cidr", fmt::format("{} is smaller than its blocks (/{}): the pool's prefix "
                                        "length must be at most the block size",
                                        quote_text(cidr), block_size));
  }
  const std::string ipip = spec.value("ipipMode", "Never");
  const std::string vxlan = spec.value("vxlanMode", "Never");
  if (!v4 && ipip != "Never") {
    errors.add("spec.ipipMode", fmt::format("{} is not allowed on an IPv6 pool (IPIP is IPv4 only)",
                                            quote_text(ipip)));
  }
  if (ipip != "Never" && vxlan != "Never") {
    errors.add("spec.vxlanMode", fmt::format("{} cannot be combined with ipipMode {}: use one "
                                             "encapsulation",
                                             quote_text(vxlan), quote_text(ipip)));
  }
  const Json uses = spec.value("allowedUses", Json::array());
  const bool load_balancer = std::find(uses.begin(), uses.end(), "LoadBalancer") != uses.end();
  if (load_balancer) {
    if (uses.size() > 1) {
      errors.add("spec.allowedUses", "LoadBalancer cannot be combined with other uses");
    }
    if (spec.value("disableBGPExport", false)) {
      errors.add("spec.disableBGPExport", "true is not allowed on a LoadBalancer pool");
    }
    if (ipip != "Never" || vxlan != "Never") {
      errors.add("spec.allowedUses", "a LoadBalancer pool cannot use IPIP or VXLAN");
    }
    const std::string selector = spec.value("nodeSelector", "all()");
    if (selector != "all()" && !selector.empty()) {
      errors.add("spec.nodeSelector",
                 fmt::format("{} is not allowed on a LoadBalancer pool (must be all())",
                             quote_text(selector)));
    }
  }
}

// ---- BGPPeer -----------------------------------------------------------------------------

const Schema& bgppeer_spec() {
  static const Schema schema{{
      str("node", check_name),
      str("nodeSelector", check_selector),
      str("peerIP", check_peer_ip),
      asn("asNumber"),
      str("peerSelector", check_selector),
      boolean("keepOriginalNextHop"),
      object("password", bgp_password()),
      str("sourceAddress", one_of({"UseNodeIP", "None"})),
      str("failureDetectionMode", one_of({"None", "BFDIfDirectlyConnected"})),
      str("restartMode", one_of({"GracefulRestart", "LongLivedGracefulRestart"})),
      duration("maxRestartTime"),
      str("birdGatewayMode", one_of({"Recursive", "DirectIfDirectlyConnected"})),
      Field{.name = "numAllowedLocalASNumbers",
            .type = Type::kInt,
            .emit = Emit::kIfSet,
            .min = 0,
            .max = kInt32Max},
      Field{.name = "ttlSecurity", .type = Type::kInt, .emit = Emit::kIfSet, .min = 0, .max = 255},
      strings("filters", check_name),
      str("reachableBy", check_ip),
      str("localWorkloadSelector", check_selector),
      str("reversePeering", one_of({"Auto", "Manual"})),
      duration("keepaliveTime"),
      str("nextHopMode", one_of({"Auto", "Self", "Keep"})),
      asn("localASNumber", Emit::kIfSet),
  }};
  return schema;
}

void bgppeer_check(const Json& spec, const ObjectMeta&, Errors& errors) {
  auto has = [&](const char* field) { return spec.contains(field); };
  if (has("node") && has("nodeSelector")) {
    errors.add("spec.nodeSelector", "cannot be set together with spec.node");
  }
  if (has("peerIP") && has("peerSelector")) {
    errors.add("spec.peerSelector", "cannot be set together with spec.peerIP");
  }
  if (has("peerSelector") && has("asNumber")) {
    errors.add("spec.asNumber",
               "must be empty when spec.peerSelector is set (the remote node's AS is used)");
  }
  if (has("keepOriginalNextHop") && has("nextHopMode")) {
    errors.add("spec.nextHopMode", "cannot be set together with spec.keepOriginalNextHop");
  }
  if (has("localWorkloadSelector")) {
    if (!has("asNumber"))
      errors.add("spec.asNumber", "is required with spec.localWorkloadSelector");
    if (has("peerIP") || has("peerSelector")) {
      errors.add("spec.localWorkloadSelector",
                 "cannot be set together with spec.peerIP or spec.peerSelector");
    }
  }
  if (has("reachableBy")) {
    auto peer = parse_peer_ip(spec.value("peerIP", ""));
    auto gateway = IpAddress::parse(spec["reachableBy"].get<std::string>());
    if (!has("peerIP")) {
      errors.add("spec.reachableBy", "requires spec.peerIP");
    } else if (peer && gateway && peer->address.family() != gateway->family()) {
      errors.add("spec.reachableBy",
                 fmt::format("{} is not of the same IP family as spec.peerIP",
                             quote_text(spec["reachableBy"].get<std::string>())));
    }
  }
}

// ---- BGPConfiguration ----------------------------------------------------------------------

const Schema& community() {
  static const Schema schema{
      {required(str("name", check_name)), required(str("value", check_community))}};
  return schema;
}

const Schema& prefix_advertisement() {
  static const Schema schema{
      {required(str("cidr", check_cidr_or_ip)), required(strings("communities"))}};
  return schema;
}

const Schema& bgpconfig_spec() {
  static const Schema schema{{
      str("logSeverityScreen", check_log_level),
      boolean("nodeToNodeMeshEnabled", Emit::kIfSet),
      asn("asNumber", Emit::kIfSet),
      objects("serviceLoadBalancerIPs", cidr_block()),
      objects("serviceExternalIPs", cidr_block()),
      objects("serviceClusterIPs", cidr_block()),
      objects("communities", community()),
      objects("prefixAdvertisements", prefix_advertisement()),
      integer("listenPort", 1, 65535),
      object("nodeMeshPassword", bgp_password()),
      duration("nodeMeshMaxRestartTime"),
      str("bindMode", one_of({"None", "NodeIP"}), Emit::kIfSet),
      strings("ignoredInterfaces", check_interface_glob),
      str("localWorkloadPeeringIPV4", check_ipv4),
      str("localWorkloadPeeringIPV6", check_ipv6),
      str("serviceLoadBalancerAggregation", one_of({"Enabled", "Disabled"}), Emit::kIfSet),
      str("programClusterRoutes",
          one_of({"Enabled", "Disabled", "EnabledIPIPOnly", "EnabledNoEncapOnly"}), Emit::kIfSet),
      Field{.name = "ipv4NormalRoutePriority",
            .type = Type::kInt,
            .emit = Emit::kIfSet,
            .min = 1,
            .max = 2147483646},
      Field{.name = "ipv6NormalRoutePriority",
            .type = Type::kInt,
            .emit = Emit::kIfSet,
            .min = 1,
            .max = 2147483646},
  }};
  return schema;
}

void bgpconfig_check(const Json& spec, const ObjectMeta& metadata, Errors& errors) {
  if (metadata.name != "default") {
    for (const char* field :
         {"nodeToNodeMeshEnabled", "asNumber", "serviceClusterIPs", "serviceExternalIPs",
          "serviceLoadBalancerIPs", "nodeMeshPassword", "nodeMeshMaxRestartTime"}) {
      if (spec.contains(field)) {
        errors.add(fmt::format("spec.{}", field),
                   fmt::format("Cannot set {} on a non default BGP Configuration.", field));
      }
    }
  } else if (!spec.value("nodeToNodeMeshEnabled", true)) {
    for (const char* field : {"nodeMeshPassword", "nodeMeshMaxRestartTime"}) {
      if (spec.contains(field)) {
        errors.add(fmt::format("spec.{}", field),
                   "requires the node-to-node mesh (nodeToNodeMeshEnabled is false)");
      }
    }
  }
  std::set<std::string> names;
  const Json communities = spec.value("communities", Json::array());
  if (communities.size() > 500) errors.add("spec.communities", "more than 500 communities");
  for (const auto& entry : communities)
    names.insert(entry.value("name", ""));
  const Json adverts = spec.value("prefixAdvertisements", Json::array());
  if (!communities.empty() && adverts.empty()) {
    errors.add("spec.communities", "defining communities requires spec.prefixAdvertisements");
  }
  for (std::size_t i = 0; i < adverts.size(); ++i) {
    const Json list = adverts[i].value("communities", Json::array());
    for (std::size_t j = 0; j < list.size(); ++j) {
      const std::string value = list[j];
      if (!names.count(value) && !is_community_value(value)) {
        errors.add(fmt::format("spec.prefixAdvertisements[{}].communities[{}]", i, j),
                   fmt::format("{} is neither a community defined in spec.communities nor a "
                               "community value (aa:nn or aa:nn:mm)",
                               quote_text(value)));
      }
    }
  }
}

// ---- BGPFilter ---------------------------------------------------------------------------

const Schema& prefix_length(int max) {
  static const Schema v4{
      {Field{.name = "min", .type = Type::kInt, .emit = Emit::kIfSet, .min = 0, .max = 32},
       Field{.name = "max", .type = Type::kInt, .emit = Emit::kIfSet, .min = 0, .max = 32}}};
  static const Schema v6{
      {Field{.name = "min", .type = Type::kInt, .emit = Emit::kIfSet, .min = 0, .max = 128},
       Field{.name = "max", .type = Type::kInt, .emit = Emit::kIfSet, .min = 0, .max = 128}}};
  return max == 32 ? v4 : v6;
}

const Schema& community_match() {
  static const Schema schema{{required(strings("values", check_community))}};
  return schema;
}

const Schema& filter_operation() {
  static const Schema add_community{{required(str("value", check_community))}};
  static const Schema prepend{{required(asns("prefix"))}};
  static const Schema set_priority{{required(integer("value", 1, 2147483646))}};
  static const Schema schema{{object("addCommunity", add_community),
                              object("prependASPath", prepend),
                              object("setPriority", set_priority)}};
  return schema;
}

const Schema& filter_rule(IpFamily family) {
  auto make = [](IpFamily f) {
    return Schema{{
        str("cidr", cidr_of_family(f)),
        object("prefixLength", prefix_length(f == IpFamily::kV4 ? 32 : 128)),
        str("source", one_of({"RemotePeers"})),
        str("interface", check_interface_glob),
        str("matchOperator", one_of({"Equal", "NotEqual", "In", "NotIn"})),
        str("peerType", one_of({"eBGP", "iBGP"})),
        object("communities", community_match()),
        asns("asPathPrefix"),
        Field{.name = "priority",
              .type = Type::kInt,
              .emit = Emit::kIfSet,
              .min = 1,
              .max = 2147483646},
        required(str("action", one_of({"Accept", "Reject"}), Emit::kAlways)),
        objects("operations", filter_operation()),
    }};
  };
  static const Schema v4 = make(IpFamily::kV4);
  static const Schema v6 = make(IpFamily::kV6);
  return family == IpFamily::kV4 ? v4 : v6;
}

const Schema& bgpfilter_spec() {
  static const Schema schema{{
      objects("exportV4", filter_rule(IpFamily::kV4)),
      objects("importV4", filter_rule(IpFamily::kV4)),
      objects("exportV6", filter_rule(IpFamily::kV6)),
      objects("importV6", filter_rule(IpFamily::kV6)),
  }};
  return schema;
}

void bgpfilter_check(const Json& spec, const ObjectMeta&, Errors& errors) {
  for (const char* list : {"exportV4", "importV4", "exportV6", "importV6"}) {
    const Json rules = spec.value(list, Json::array());
    for (std::size_t i = 0; i < rules.size(); ++i) {
      const Json& rule = rules[i];
      const std::string path = fmt::format("spec.{}[{}]", list, i);
      if (rule.contains("cidr") != rule.contains("matchOperator")) {
        errors.add(path, "cidr and matchOperator must both be set or both be empty");
      }
      if (rule.contains("prefixLength")) {
        if (!rule.contains("cidr")) errors.add(path + ".prefixLength", "requires cidr");
        const Json& length = rule["prefixLength"];
        if (length.contains("min") && length.contains("max") && length["min"] > length["max"]) {
          errors.add(path + ".prefixLength",
                     fmt::format("min {} is greater than max {}", length["min"].get<int>(),
                                 length["max"].get<int>()));
        }
      }
      if (rule.contains("communities") && rule["communities"]["values"].size() != 1) {
        errors.add(path + ".communities.values", "must hold exactly one community");
      }
      if (rule.contains("operations")) {
        const Json& operations = rule["operations"];
        if (rule.value("action", "") != "Accept") {
          errors.add(path + ".operations", "may only be used with action Accept");
        }
        if (operations.size() > 10) {
          errors.add(path + ".operations",
                     fmt::format("must hold at most 10 operations, not {}", operations.size()));
        }
        for (std::size_t j = 0; j < operations.size(); ++j) {
          const std::string at = fmt::format("{}.operations[{}]", path, j);
          if (operations[j].size() != 1) {
            errors.add(at, "exactly one of addCommunity, prependASPath, setPriority must be set");
          }
          if (operations[j].contains("prependASPath")) {
            const std::size_t count =
                operations[j]["prependASPath"].value("prefix", Json::array()).size();
            if (count > 10) {  // an empty one is refused as missing
              errors.add(at + ".prependASPath.prefix",
                         fmt::format("must hold at most 10 AS numbers, not {}", count));
            }
          }
        }
      }
    }
  }
}

// ---- Node --------------------------------------------------------------------------------

const Schema& node_bgp() {
  static const Schema schema{{
      asn("asNumber", Emit::kIfSet),
      str("ipv4Address", check_ipv4_cidr_or_ip),
      str("ipv6Address", check_ipv6_cidr_or_ip),
      str("ipv4IPIPTunnelAddr", check_ipv4),
      str("routeReflectorClusterID", check_ipv4),
  }};
  return schema;
}

const Schema& orch_ref() {
  static const Schema schema{{str("nodeName"), str("orchestrator", {}, Emit::kAlways)}};
  return schema;
}

const Schema& node_wireguard() {
  static const Schema schema{
      {str("interfaceIPv4Address", check_ipv4), str("interfaceIPv6Address", check_ipv6)}};
  return schema;
}

const Schema& node_address() {
  static const Schema schema{{required(str("address", check_cidr_or_ip, Emit::kAlways)),
                              str("type", one_of({"CalicoNodeIP", "InternalIP", "ExternalIP"}))}};
  return schema;
}

const Schema& node_interface() {
  static const Schema schema{{str("name", check_interface_name), strings("addresses", check_ip)}};
  return schema;
}

const Schema& node_spec() {
  static const Schema schema{{
      object("bgp", node_bgp()),
      str("ipv4VXLANTunnelAddr", check_ipv4),
      str("vxlanTunnelMACAddr", check_mac),
      str("ipv6VXLANTunnelAddr", check_ipv6),
      str("vxlanTunnelMACAddrV6", check_mac),
      objects("orchRefs", orch_ref()),
      object("wireguard", node_wireguard()),
      objects("addresses", node_address()),
      objects("interfaces", node_interface()),
  }};
  return schema;
}

const Schema& node_status() {
  static const Schema schema{{str("wireguardPublicKey"), str("wireguardPublicKeyV6"),
                              strings("podCIDRs", check_cidr_or_ip)}};
  return schema;
}

void node_check(const Json& spec, const ObjectMeta&, Errors& errors) {
  if (spec.contains("bgp") && spec["bgp"].empty()) {
    errors.add("spec.bgp", "must not be empty (leave it out instead)");
  }
}

// ---- FelixConfiguration (what a routing agent reads) -----------------------------------------

const Schema& route_table_range() {
  static const Schema schema{
      {required(integer("min", 1, 4294967295)), required(integer("max", 1, 4294967295))}};
  return schema;
}

const Schema& felix_spec() {
  auto port = [](std::string_view name) {
    return Field{.name = name, .type = Type::kInt, .emit = Emit::kIfSet, .min = 0, .max = 65535};
  };
  auto mtu = [](std::string_view name) {
    return Field{.name = name, .type = Type::kInt, .emit = Emit::kIfSet, .min = 0, .max = 65535};
  };
  auto flag = [](std::string_view name) { return boolean(name, Emit::kIfSet); };
  auto enabled_disabled = [](std::string_view name) {
    return str(name, one_of({"Enabled", "Disabled"}), Emit::kIfSet);
  };
  static const Schema schema{{
      flag("useInternalDataplaneDriver"),
      str("dataplaneDriver"),
      enabled_disabled("ipForwarding"),
      flag("ipv6Support"),
      duration("routeRefreshInterval"),
      duration("iptablesRefreshInterval"),
      duration("reportingInterval"),
      duration("reportingTTL"),
      duration("netlinkTimeout"),
      str("logFilePath"),
      str("logSeverityFile", check_log_level),
      str("logSeverityScreen", check_log_level),
      str("logSeveritySys", check_log_level),
      str("interfacePrefix"),
      str("interfaceExclude"),
      str("defaultEndpointToHostAction", one_of({"Drop", "Accept", "Return"}, true)),
      flag("ipipEnabled"),
      mtu("ipipMTU"),
      flag("vxlanEnabled"),
      mtu("vxlanMTU"),
      mtu("vxlanMTUV6"),
      port("vxlanPort"),
      Field{
          .name = "vxlanVNI", .type = Type::kInt, .emit = Emit::kIfSet, .min = 1, .max = 16777215},
      str("mtuIfacePattern"),
      str("natOutgoingAddress", check_ipv4),
      str("natPortRange"),
      flag("healthEnabled"),
      str("healthHost"),
      port("healthPort"),
      flag("prometheusMetricsEnabled"),
      str("prometheusMetricsHost"),
      port("prometheusMetricsPort"),
      Field{.name = "deviceRouteProtocol",
            .type = Type::kInt,
            .emit = Emit::kIfSet,
            .min = 0,
            .max = 255},
      str("deviceRouteSourceAddress", check_ipv4),
      str("deviceRouteSourceAddressIPv6", check_ipv6),
      flag("removeExternalRoutes"),
      str("routeSource", one_of({"CalicoIPAM", "WorkloadIPs"})),
      object("routeTableRange", route_table_range()),
      flag("routeSyncDisabled"),
      str("programClusterRoutes",
          one_of({"Enabled", "Disabled", "EnabledIPIPOnly", "EnabledNoEncapOnly"}), Emit::kIfSet),
      flag("wireguardEnabled"),
      flag("wireguardEnabledV6"),
      mtu("wireguardMTU"),
      mtu("wireguardMTUV6"),
      flag("bpfEnabled"),
      str("bpfLogLevel"),
      enabled_disabled("floatingIPs"),
      str("bpfConnectTimeLoadBalancing", one_of({"TCP", "Enabled", "Disabled"})),
      str("bpfHostNetworkedNATWithoutCTLB", one_of({"Enabled", "Disabled"})),
  }};
  return schema;
}

// ---- WorkloadEndpoint --------------------------------------------------------------------

const Schema& ip_nat() {
  static const Schema schema{{required(str("internalIP", check_ip, Emit::kAlways)),
                              required(str("externalIP", check_ip, Emit::kAlways))}};
  return schema;
}

const Schema& endpoint_port() {
  static const Schema schema{{
      required(str("name", {}, Emit::kAlways)),
      str("protocol", one_of({"TCP", "UDP", "SCTP"}, true)),
      required(integer("port", 1, 65535, Emit::kAlways)),
      integer("hostPort", 0, 65535),
      str("hostIP", check_ip),
  }};
  return schema;
}

const Schema& wep_spec() {
  static const Schema schema{{
      str("orchestrator"),
      str("workload"),
      str("node", check_name),
      str("containerID"),
      str("pod"),
      str("endpoint"),
      str("serviceAccountName"),
      strings("ipNetworks", check_cidr_or_ip),
      objects("ipNATs", ip_nat()),
      str("ipv4Gateway", check_ipv4),
      str("ipv6Gateway", check_ipv6),
      strings("profiles"),
      str("interfaceName", check_interface_name),
      str("mac", check_mac),
      objects("ports", endpoint_port()),
      strings("allowSpoofedSourcePrefixes", check_cidr),
  }};
  return schema;
}

// The address part of "10.0.0.5/32", already known to parse.
IpAddress valid_address(const std::string& text) {
  return IpAddress::parse(text.substr(0, text.find('/'))).value();
}

// Calico: each ipNetworks entry is one address (a /32 or /128, or a bare address), and each
// NAT's internal IP is one of them.
void wep_check(const Json& spec, const ObjectMeta&, Errors& errors) {
  std::vector<IpAddress> addresses;
  const Json networks = spec.value("ipNetworks", Json::array());
  for (std::size_t i = 0; i < networks.size(); ++i) {
    const std::string text = networks[i];
    if (auto address = IpAddress::parse(text)) {
      addresses.push_back(*address);
    } else if (auto prefix = IpPrefix::parse_interface(text)) {
      if (prefix->length() != prefix->address().bit_length()) {
        errors.add(fmt::format("spec.ipNetworks[{}]", i),
                   fmt::format("{} holds more than one address (use /{})", quote_text(text),
                               prefix->address().bit_length()));
      }
      addresses.push_back(valid_address(text));
    }
  }
  const Json nats = spec.value("ipNATs", Json::array());
  for (std::size_t i = 0; i < nats.size(); ++i) {
    auto internal = IpAddress::parse(nats[i].value("internalIP", ""));
    if (internal && std::find(addresses.begin(), addresses.end(), *internal) == addresses.end()) {
      errors.add(fmt::format("spec.ipNATs[{}].internalIP", i),
                 fmt::format("{} is not one of spec.ipNetworks",
                             quote_text(nats[i].value("internalIP", ""))));
    }
  }
}

// ---- IPReservation -----------------------------------------------------------------------

const Schema& ipreservation_spec() {
  static const Schema schema{{strings("reservedCIDRs", check_cidr_or_ip)}};
  return schema;
}

void no_defaults(Json&) {}
void no_check(const Json&, const ObjectMeta&, Errors&) {}

}  // namespace

const Schema& metadata_schema() {
  static const Schema schema{{
      str("name"),
      str("namespace"),
      string_map("labels", check_label),
      string_map("annotations", check_annotation),
      str("resourceVersion"),
      str("uid"),
      str("creationTimestamp"),
  }};
  return schema;
}

const KindSchema& kind_schema(Kind kind) {
  static const KindSchema ippool{&ippool_spec(), nullptr, ippool_defaults, ippool_check};
  static const KindSchema node{&node_spec(), &node_status(), no_defaults, node_check};
  static const KindSchema bgppeer{&bgppeer_spec(), nullptr, no_defaults, bgppeer_check};
  static const KindSchema bgpconfig{&bgpconfig_spec(), nullptr, no_defaults, bgpconfig_check};
  static const KindSchema bgpfilter{&bgpfilter_spec(), nullptr, no_defaults, bgpfilter_check};
  static const KindSchema felix{&felix_spec(), nullptr, no_defaults, no_check};
  static const KindSchema wep{&wep_spec(), nullptr, no_defaults, wep_check};
  static const KindSchema reservation{&ipreservation_spec(), nullptr, no_defaults, no_check};
  switch (kind) {
    case Kind::kIPPool:
      return ippool;
    case Kind::kNode:
      return node;
    case Kind::kBGPPeer:
      return bgppeer;
    case Kind::kBGPConfiguration:
      return bgpconfig;
    case Kind::kBGPFilter:
      return bgpfilter;
    case Kind::kFelixConfiguration:
      return felix;
    case Kind::kWorkloadEndpoint:
      return wep;
    case Kind::kIPReservation:
      return reservation;
  }
  return ippool;
}

}  // namespace tabby::api::detail
