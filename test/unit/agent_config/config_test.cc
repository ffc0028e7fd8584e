// load_config: every variable the calico-node DaemonSet sets, its default, a valid value and
// an invalid one (with the exact line the agent stops with), and the flags over them.
#include "tabby/agent/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

namespace tabby::agent {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

Environment base() {
  return {{"NODENAME", "node-a"}};
}

AgentConfig load(Environment environment, std::vector<std::string> flags = {}) {
  flags.insert(flags.begin(), "tabby-node");
  auto loaded = load_config(environment, flags, HostFacts{});
  EXPECT_TRUE(loaded) << (loaded ? "" : loaded.error().message);
  return loaded ? loaded->config : AgentConfig{};
}

AgentConfig load_with(const std::string& name, const std::string& value) {
  auto environment = base();
  environment[name] = value;
  return load(environment);
}

std::string error_for(Environment environment, std::vector<std::string> flags = {}) {
  flags.insert(flags.begin(), "tabby-node");
  auto loaded = load_config(environment, flags, HostFacts{});
  return loaded ? "loaded without error" : loaded.error().message;
}

std::string error_with(const std::string& name, const std::string& value) {
  auto environment = base();
  environment[name] = value;
  return error_for(environment);
}

TEST(AgentConfigDefaults, AreCalicos) {
  const AgentConfig config = load(base());
  EXPECT_EQ(config.nodename, "node-a");
  EXPECT_FALSE(config.nodename_autodetected);
  EXPECT_EQ(config.ipv4.mode, AddressSetting::Mode::kUnset);
  EXPECT_EQ(config.ipv6.mode, AddressSetting::Mode::kUnset);
  EXPECT_EQ(config.ipv4_method.kind, AutodetectionMethod::Kind::kFirstFound);
  EXPECT_EQ(config.ipv6_method.kind, AutodetectionMethod::Kind::kFirstFound);
  EXPECT_EQ(config.autodetect_poll_interval, 60s);
  EXPECT_FALSE(config.disable_node_ip_check);
  EXPECT_FALSE(config.as_number);
  EXPECT_EQ(config.router_id.mode, RouterIdSetting::Mode::kNodeIpv4);
  EXPECT_EQ(config.ipv4_pool.cidr_source, PoolSettings::CidrSource::kDefault);
  EXPECT_EQ(config.ipv4_pool.cidr->to_string(), "192.168.0.0/16");
  EXPECT_EQ(config.ipv4_pool.block_size, 26);
  EXPECT_EQ(config.ipv4_pool.ipip, EncapsulationMode::kNever);
  EXPECT_EQ(config.ipv4_pool.vxlan, EncapsulationMode::kNever);
  EXPECT_TRUE(config.ipv4_pool.nat_outgoing);
  EXPECT_EQ(config.ipv4_pool.node_selector, "");
  EXPECT_FALSE(config.ipv4_pool.disable_bgp_export);
  EXPECT_EQ(config.ipv6_pool.cidr_source, PoolSettings::CidrSource::kDefault);
  EXPECT_FALSE(config.ipv6_pool.cidr);  // a random ULA, chosen at start-up
  EXPECT_EQ(config.ipv6_pool.block_size, 122);
  EXPECT_FALSE(config.ipv6_pool.nat_outgoing);
  EXPECT_FALSE(config.no_default_pools);
  EXPECT_TRUE(config.ipv6_support);
  EXPECT_EQ(config.backend, NetworkingBackend::kBird);
  EXPECT_EQ(config.datastore.type, api::DatastoreConfig::Type::Sqlite);
  EXPECT_FALSE(config.wait_for_datastore);
  EXPECT_EQ(config.ipip_mtu, 0u);
  EXPECT_EQ(config.vxlan_mtu, 0u);
  EXPECT_EQ(config.vxlan_mtu_v6, 0u);
  EXPECT_EQ(config.vxlan_vni, 4096u);
  EXPECT_EQ(config.vxlan_port, 4789);
  EXPECT_EQ(config.route_refresh_interval, 90s);
  EXPECT_FALSE(config.health_enabled);
  EXPECT_EQ(config.health_host, "localhost");
  EXPECT_EQ(config.health_port, 9099);
  EXPECT_FALSE(config.prometheus_metrics_enabled);
  EXPECT_EQ(config.prometheus_metrics_host, "");
  EXPECT_EQ(config.prometheus_metrics_port, 9091);
  EXPECT_EQ(config.log_severity, spdlog::level::info);
  EXPECT_EQ(config.status_socket, "/var/run/tabby/status.sock");
  EXPECT_FALSE(config.cleanup_on_exit);
}

TEST(AgentConfigNodename, FallsBackInCalicosOrder) {
  auto loaded = load_config({{"NODENAME", "  explicit  "}, {"HOSTNAME", "Host"}}, {"tabby-node"},
                            {"from-file\n", "machine"});
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->config.nodename, "explicit");
  loaded = load_config({{"HOSTNAME", "Host"}}, {"tabby-node"}, {"from-file\n", "machine"});
  EXPECT_EQ(loaded->config.nodename, "from-file");
  EXPECT_FALSE(loaded->config.nodename_autodetected);
  loaded = load_config({{"HOSTNAME", " Host-B "}}, {"tabby-node"}, {std::nullopt, "machine"});
  EXPECT_EQ(loaded->config.nodename, "host-b");
  EXPECT_TRUE(loaded->config.nodename_autodetected);
  loaded = load_config({{"NODENAME", ""}}, {"tabby-node"}, {"  ", "Machine.Example"});
  EXPECT_EQ(loaded->config.nodename, "machine.example");
  EXPECT_TRUE(loaded->config.nodename_autodetected);
  auto none = load_config({}, {"tabby-node"}, {});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().message, "NODENAME is not set and the host name is unknown: set NODENAME");
}

TEST(AgentConfigAddress, Ipv4Forms) {
  EXPECT_EQ(load_with("IP", "autodetect").ipv4.mode, AddressSetting::Mode::kAutodetect);
  EXPECT_EQ(load_with("IP", "none").ipv4.mode, AddressSetting::Mode::kNone);
  auto bare = load_with("IP", "10.0.0.5").ipv4;
  EXPECT_EQ(bare.mode, AddressSetting::Mode::kExplicit);
  EXPECT_EQ(bare.address.to_string(), "10.0.0.5");
  EXPECT_FALSE(bare.prefix_length);  // looked up on the host's interfaces at start-up
  auto with_prefix = load_with("IP", "10.0.0.5/24").ipv4;
  EXPECT_EQ(with_prefix.address.to_string(), "10.0.0.5");
  EXPECT_EQ(with_prefix.prefix_length, 24);
  const std::string allowed =
      "is not valid: use autodetect, none or an IPv4 address (10.0.0.5 or 10.0.0.5/24)";
  EXPECT_EQ(error_with("IP", "Autodetect"), "IP=\"Autodetect\" " + allowed);
  EXPECT_EQ(error_with("IP", "10.0.0.256"), "IP=\"10.0.0.256\" " + allowed);
  EXPECT_EQ(error_with("IP", "10.0.0.5/33"), "IP=\"10.0.0.5/33\" " + allowed);
  EXPECT_EQ(error_with("IP", "fd00::1"), "IP=\"fd00::1\" " + allowed);
}

TEST(AgentConfigAddress, Ipv6Forms) {
  EXPECT_EQ(load_with("IP6", "autodetect").ipv6.mode, AddressSetting::Mode::kAutodetect);
  EXPECT_EQ(load_with("IP6", "none").ipv6.mode, AddressSetting::Mode::kNone);
  auto bare = load_with("IP6", "fd00::5").ipv6;
  EXPECT_EQ(bare.mode, AddressSetting::Mode::kExplicit);
  EXPECT_EQ(bare.prefix_length, 128);  // Calico: a bare IPv6 address is a /128
  EXPECT_EQ(load_with("IP6", "fd00::5/64").ipv6.prefix_length, 64);
  EXPECT_EQ(error_with("IP6", "10.0.0.5"),
            "IP6=\"10.0.0.5\" is not valid: use autodetect, none or an IPv6 address (fd00::5 or "
            "fd00::5/64)");
}

TEST(AgentConfigAutodetection, MethodsPerFamily) {
  auto config = load_with("IP_AUTODETECTION_METHOD", "interface=ens33,eth0");
  EXPECT_EQ(config.ipv4_method.kind, AutodetectionMethod::Kind::kInterface);
  EXPECT_EQ(config.ipv4_method.interface_regexes, (std::vector<std::string>{"ens33", "eth0"}));
  config = load_with("IP6_AUTODETECTION_METHOD", "cidr=fd00:1::/64");
  EXPECT_EQ(config.ipv6_method.kind, AutodetectionMethod::Kind::kCidr);
  EXPECT_EQ(error_with("IP_AUTODETECTION_METHOD", "interfaces=eth0"),
            "IP_AUTODETECTION_METHOD=\"interfaces=eth0\" is not valid: use first-found, "
            "interface=REGEX[,REGEX], skip-interface=REGEX[,REGEX], can-reach=DESTINATION, "
            "cidr=CIDR[,CIDR] or kubernetes-internal-ip");
  EXPECT_EQ(error_with("IP6_AUTODETECTION_METHOD", "cidr=10.0.0.0/8"),
            "IP6_AUTODETECTION_METHOD=\"cidr=10.0.0.0/8\" is not valid: cidr=: \"10.0.0.0/8\" is "
            "not an IPv6 CIDR");
}

TEST(AgentConfigAutodetection, PollIntervalAndIpCheck) {
  EXPECT_EQ(load_with("AUTODETECT_POLL_INTERVAL", "5m").autodetect_poll_interval, 300s);
  EXPECT_EQ(error_with("AUTODETECT_POLL_INTERVAL", "5"),
            "AUTODETECT_POLL_INTERVAL=\"5\" is not valid: use a duration such as 60s, 1m30s, 500ms "
            "or 2h (more than zero)");
  EXPECT_TRUE(load_with("DISABLE_NODE_IP_CHECK", "true").disable_node_ip_check);
  EXPECT_FALSE(load_with("DISABLE_NODE_IP_CHECK", "yes").disable_node_ip_check);
}

TEST(AgentConfigBgp, AsNumber) {
  EXPECT_EQ(load_with("AS", "64512").as_number, 64512u);
  EXPECT_EQ(load_with("AS", "1.10").as_number, 65546u);
  EXPECT_EQ(error_with("AS", "65536.1"),
            "AS=\"65536.1\" is not valid: use an AS number such as 64512 (up to 4294967295) or "
            "asdot such as 1.10");
}

TEST(AgentConfigBgp, RouterId) {
  EXPECT_EQ(load_with("CALICO_ROUTER_ID", "hash").router_id.mode, RouterIdSetting::Mode::kHash);
  auto explicit_id = load_with("CALICO_ROUTER_ID", "10.9.8.7").router_id;
  EXPECT_EQ(explicit_id.mode, RouterIdSetting::Mode::kExplicit);
  EXPECT_EQ(explicit_id.address.to_string(), "10.9.8.7");
  EXPECT_EQ(error_with("CALICO_ROUTER_ID", "fd00::1"),
            "CALICO_ROUTER_ID=\"fd00::1\" is not valid: use an IPv4 address, or hash (derived "
            "from the node name)");
}

TEST(AgentConfigPools, Ipv4Pool) {
  auto environment = base();
  environment["CALICO_IPV4POOL_CIDR"] = "10.244.0.0/16";
  environment["CALICO_IPV4POOL_BLOCK_SIZE"] = "24";
  environment["CALICO_IPV4POOL_IPIP"] = "CrossSubnet";
  environment["CALICO_IPV4POOL_NAT_OUTGOING"] = "false";
  environment["CALICO_IPV4POOL_NODE_SELECTOR"] = "zone == 'a'";
  environment["CALICO_IPV4POOL_DISABLE_BGP_EXPORT"] = "true";
  const auto pool = load(environment).ipv4_pool;
  EXPECT_EQ(pool.cidr_source, PoolSettings::CidrSource::kEnvironment);
  EXPECT_EQ(pool.cidr->to_string(), "10.244.0.0/16");
  EXPECT_EQ(pool.block_size, 24);
  EXPECT_EQ(pool.ipip, EncapsulationMode::kCrossSubnet);
  EXPECT_EQ(pool.vxlan, EncapsulationMode::kNever);
  EXPECT_FALSE(pool.nat_outgoing);
  EXPECT_EQ(pool.node_selector, "zone == 'a'");
  EXPECT_TRUE(pool.disable_bgp_export);
  EXPECT_EQ(load_with("CALICO_IPV4POOL_VXLAN", "Always").ipv4_pool.vxlan,
            EncapsulationMode::kAlways);
  EXPECT_EQ(load_with("CALICO_IPV4POOL_CIDR", "10.1.2.3/16").ipv4_pool.cidr->to_string(),
            "10.1.0.0/16");
  auto disabled = load_with("CALICO_IPV4POOL_CIDR", "none").ipv4_pool;
  EXPECT_EQ(disabled.cidr_source, PoolSettings::CidrSource::kDisabled);
  EXPECT_FALSE(disabled.cidr);
  EXPECT_TRUE(load_with("CALICO_IPV4POOL_NAT_OUTGOING", "whatever").ipv4_pool.nat_outgoing);
}

TEST(AgentConfigPools, Ipv4PoolErrors) {
  EXPECT_EQ(error_with("CALICO_IPV4POOL_IPIP", "Sometimes"),
            "CALICO_IPV4POOL_IPIP=\"Sometimes\" is not valid: use Always, CrossSubnet or Never");
  EXPECT_EQ(error_with("CALICO_IPV4POOL_VXLAN", "yes"),
            "CALICO_IPV4POOL_VXLAN=\"yes\" is not valid: use Always, CrossSubnet or Never");
  EXPECT_EQ(error_with("CALICO_IPV4POOL_CIDR", "10.0.0.0"),
            "CALICO_IPV4POOL_CIDR=\"10.0.0.0\" is not valid: use an IPv4 CIDR such as "
            "192.168.0.0/16, or none");
  EXPECT_EQ(error_with("CALICO_IPV4POOL_CIDR", "fd00::/48"),
            "CALICO_IPV4POOL_CIDR=\"fd00::/48\" is not valid: use an IPv4 CIDR such as "
            "192.168.0.0/16, or none");
  EXPECT_EQ(error_with("CALICO_IPV4POOL_BLOCK_SIZE", "19"),
            "CALICO_IPV4POOL_BLOCK_SIZE=\"19\" is not valid: use a whole number from 20 to 32");
  EXPECT_EQ(error_with("CALICO_IPV4POOL_BLOCK_SIZE", "33"),
            "CALICO_IPV4POOL_BLOCK_SIZE=\"33\" is not valid: use a whole number from 20 to 32");
  EXPECT_EQ(error_with("CALICO_IPV4POOL_CIDR", "10.0.0.0/28"),
            "CALICO_IPV4POOL_CIDR=\"10.0.0.0/28\" is not valid: the pool 10.0.0.0/28 is smaller "
            "than one /26 block");
  EXPECT_EQ(error_with("CALICO_IPV4POOL_NODE_SELECTOR", "zone == 'a' &&"),
            "CALICO_IPV4POOL_NODE_SELECTOR=\"zone == 'a' &&\" is not valid: selector \"zone == 'a' "
            "&&\": unexpected end at position 14");
  EXPECT_EQ(error_with("CALICO_IPV4POOL_DISABLE_BGP_EXPORT", "sure"),
            "CALICO_IPV4POOL_DISABLE_BGP_EXPORT=\"sure\" is not valid: use true or false");
  auto environment = base();
  environment["CALICO_IPV4POOL_IPIP"] = "Always";
  environment["CALICO_IPV4POOL_VXLAN"] = "CrossSubnet";
  EXPECT_EQ(error_for(environment),
            "CALICO_IPV4POOL_IPIP=\"Always\" and CALICO_IPV4POOL_VXLAN=\"CrossSubnet\" cannot both "
            "be enabled: set one of them to Never");
}

TEST(AgentConfigPools, Ipv6Pool) {
  auto environment = base();
  environment["CALICO_IPV6POOL_CIDR"] = "fd00:10:244::/48";
  environment["CALICO_IPV6POOL_BLOCK_SIZE"] = "120";
  environment["CALICO_IPV6POOL_VXLAN"] = "CrossSubnet";
  environment["CALICO_IPV6POOL_NAT_OUTGOING"] = "true";
  environment["CALICO_IPV6POOL_NODE_SELECTOR"] = "all()";
  environment["CALICO_IPV6POOL_DISABLE_BGP_EXPORT"] = "1";
  const auto pool = load(environment).ipv6_pool;
  EXPECT_EQ(pool.cidr->to_string(), "fd00:10:244::/48");
  EXPECT_EQ(pool.block_size, 120);
  EXPECT_EQ(pool.vxlan, EncapsulationMode::kCrossSubnet);
  EXPECT_EQ(pool.ipip, EncapsulationMode::kNever);
  EXPECT_TRUE(pool.nat_outgoing);
  EXPECT_EQ(pool.node_selector, "all()");
  EXPECT_TRUE(pool.disable_bgp_export);
  EXPECT_EQ(load_with("CALICO_IPV6POOL_CIDR", "none").ipv6_pool.cidr_source,
            PoolSettings::CidrSource::kDisabled);
  EXPECT_EQ(error_with("CALICO_IPV6POOL_CIDR", "10.0.0.0/8"),
            "CALICO_IPV6POOL_CIDR=\"10.0.0.0/8\" is not valid: use an IPv6 CIDR such as "
            "fd00:10:244::/48, or none");
  EXPECT_EQ(error_with("CALICO_IPV6POOL_BLOCK_SIZE", "64"),
            "CALICO_IPV6POOL_BLOCK_SIZE=\"64\" is not valid: use a whole number from 116 to 128");
  EXPECT_EQ(error_with("CALICO_IPV6POOL_VXLAN", "on"),
            "CALICO_IPV6POOL_VXLAN=\"on\" is not valid: use Always, CrossSubnet or Never");
  EXPECT_THAT(error_with("CALICO_IPV6POOL_NODE_SELECTOR", "("),
              HasSubstr("CALICO_IPV6POOL_NODE_SELECTOR=\"(\" is not valid: selector"));
  EXPECT_EQ(error_with("CALICO_IPV6POOL_DISABLE_BGP_EXPORT", "maybe"),
            "CALICO_IPV6POOL_DISABLE_BGP_EXPORT=\"maybe\" is not valid: use true or false");
}

TEST(AgentConfigPools, NoDefaultPools) {
  EXPECT_TRUE(load_with("NO_DEFAULT_POOLS", "TRUE").no_default_pools);
  EXPECT_FALSE(load_with("NO_DEFAULT_POOLS", "1").no_default_pools);
  auto environment = base();
  environment["NO_DEFAULT_POOLS"] = "true";
  environment["CALICO_IPV6POOL_CIDR"] = "fd00::/48";
  EXPECT_EQ(error_for(environment),
            "NO_DEFAULT_POOLS=\"true\" is not valid: no default pools is contradicted by "
            "CALICO_IPV6POOL_CIDR=\"fd00::/48\": unset one of them");
  environment["NO_DEFAULT_POOLS"] = "false";
  EXPECT_FALSE(load(environment).no_default_pools);
}

TEST(AgentConfigBackend, Values) {
  EXPECT_EQ(load_with("CALICO_NETWORKING_BACKEND", "bird").backend, NetworkingBackend::kBird);
  EXPECT_EQ(load_with("CALICO_NETWORKING_BACKEND", "vxlan").backend, NetworkingBackend::kVxlan);
  EXPECT_EQ(load_with("CALICO_NETWORKING_BACKEND", "none").backend, NetworkingBackend::kNone);
  EXPECT_EQ(load_with("CALICO_NETWORKING", "false").backend, NetworkingBackend::kNone);
  EXPECT_EQ(load_with("CALICO_NETWORKING", "true").backend, NetworkingBackend::kBird);
  // The legacy variable, when set, replaces the backend (as rc.local does); --backend wins.
  Environment legacy = {
      {"NODENAME", "n"}, {"CALICO_NETWORKING", "false"}, {"CALICO_NETWORKING_BACKEND", "vxlan"}};
  EXPECT_EQ(load(legacy).backend, NetworkingBackend::kNone);
  legacy["CALICO_NETWORKING"] = "yes";
  EXPECT_EQ(load(legacy).backend, NetworkingBackend::kBird);
  EXPECT_EQ(load(legacy, {"--backend", "vxlan"}).backend, NetworkingBackend::kVxlan);
  EXPECT_EQ(error_with("CALICO_NETWORKING_BACKEND", "gobgp"),
            "CALICO_NETWORKING_BACKEND=\"gobgp\" is not valid: use bird, vxlan or none");
}

TEST(AgentConfigDatastore, ReadsTheFactorysVariables) {
  auto environment = base();
  environment["DATASTORE_TYPE"] = "etcdv3";
  environment["ETCD_ENDPOINTS"] = "http://10.0.0.1:2379,https://10.0.0.2:2379";
  environment["ETCD_CA_CERT_FILE"] = "/ca.pem";
  environment["ETCD_CERT_FILE"] = "/cert.pem";
  environment["ETCD_KEY_FILE"] = "/key.pem";
  environment["ETCD_USERNAME"] = "user";
  environment["ETCD_PASSWORD"] = "secret";
  environment["WAIT_FOR_DATASTORE"] = "true";
  const auto config = load(environment);
  EXPECT_EQ(config.datastore.type, api::DatastoreConfig::Type::Etcdv3);
  EXPECT_EQ(config.datastore.etcd.endpoints,
            (std::vector<std::string>{"http://10.0.0.1:2379", "https://10.0.0.2:2379"}));
  EXPECT_EQ(config.datastore.etcd.ca_cert_file, "/ca.pem");
  EXPECT_EQ(config.datastore.etcd.cert_file, "/cert.pem");
  EXPECT_EQ(config.datastore.etcd.key_file, "/key.pem");
  EXPECT_EQ(config.datastore.etcd.username, "user");
  EXPECT_EQ(config.datastore.etcd.password, "secret");
  EXPECT_TRUE(config.wait_for_datastore);
  EXPECT_FALSE(load_with("WAIT_FOR_DATASTORE", "True").wait_for_datastore);  // exactly "true"
  EXPECT_EQ(load_with("TABBY_DATASTORE_PATH", "/tmp/x.db").datastore.sqlite.path, "/tmp/x.db");
  EXPECT_EQ(error_with("DATASTORE_TYPE", "consul"),
            "datastore configuration: DATASTORE_TYPE \"consul\" is not one of sqlite, etcdv3");
}

TEST(AgentConfigDatastore, CalicoPrefixedNamesWin) {
  auto environment = base();
  environment["TABBY_DATASTORE_PATH"] = "/plain.db";
  environment["CALICO_TABBY_DATASTORE_PATH"] = "/prefixed.db";
  environment["CALICO_DATASTORE_TYPE"] = "sqlite";
  environment["DATASTORE_TYPE"] = "etcdv3";
  const auto config = load(environment);
  EXPECT_EQ(config.datastore.type, api::DatastoreConfig::Type::Sqlite);
  EXPECT_EQ(config.datastore.sqlite.path, "/prefixed.db");
}

// Calico's etcd manifests set ETCD_ENDPOINTS and no DATASTORE_TYPE: that means etcd.
TEST(AgentConfigDatastore, EtcdEndpointsWithoutATypeMeanEtcdv3) {
  const auto config = load_with("ETCD_ENDPOINTS", "http://10.0.0.1:2379");
  EXPECT_EQ(config.datastore.type, api::DatastoreConfig::Type::Etcdv3);
  EXPECT_EQ(config.datastore.type_reason, "DATASTORE_TYPE is not set and ETCD_ENDPOINTS is");
  EXPECT_EQ(load_with("CALICO_ETCD_ENDPOINTS", "http://10.0.0.1:2379").datastore.type_reason,
            "DATASTORE_TYPE is not set and CALICO_ETCD_ENDPOINTS is");
  auto sqlite = base();
  sqlite["DATASTORE_TYPE"] = "sqlite";
  sqlite["ETCD_ENDPOINTS"] = "http://10.0.0.1:2379";
  EXPECT_EQ(load(sqlite).datastore.type, api::DatastoreConfig::Type::Sqlite);  // as asked
  EXPECT_EQ(error_with("ETCD_DISCOVERY_SRV", "example.com"),
            "datastore configuration: ETCD_DISCOVERY_SRV \"example.com\" is not supported by "
            "tabby: list the etcd members in ETCD_ENDPOINTS");
}

// An error names what the user set: the flag, or the CALICO_-prefixed variable.
TEST(AgentConfigDatastore, ErrorsNameTheFlagOrVariableGiven) {
  EXPECT_EQ(error_for(base(), {"--datastore-type", "consul"}),
            "datastore configuration: --datastore-type \"consul\" is not one of sqlite, etcdv3");
  EXPECT_EQ(error_with("CALICO_DATASTORE_TYPE", "consul"),
            "datastore configuration: CALICO_DATASTORE_TYPE \"consul\" is not one of sqlite, "
            "etcdv3");
  EXPECT_EQ(error_for(base(), {"--datastore-type", "etcdv3"}),
            "datastore configuration: --datastore-type is etcdv3 but ETCD_ENDPOINTS is not set");
  EXPECT_EQ(error_with("CALICO_ETCD_ENDPOINTS", "10.0.0.1:2379"),
            "datastore configuration: CALICO_ETCD_ENDPOINTS entry \"10.0.0.1:2379\" is not of "
            "the form http://HOST:PORT or https://HOST:PORT");
}

TEST(AgentConfigFelix, Values) {
  auto environment = base();
  environment["FELIX_IPINIPMTU"] = "1440";
  environment["FELIX_VXLANMTU"] = "1410";
  environment["FELIX_VXLANMTUV6"] = "1390";
  environment["FELIX_VXLANVNI"] = "4097";
  environment["FELIX_VXLANPORT"] = "8472";
  environment["FELIX_ROUTEREFRESHINTERVAL"] = "30";
  environment["FELIX_HEALTHENABLED"] = "true";
  environment["FELIX_HEALTHHOST"] = "0.0.0.0";
  environment["FELIX_HEALTHPORT"] = "9199";
  environment["FELIX_PROMETHEUSMETRICSENABLED"] = "yes";
  environment["FELIX_PROMETHEUSMETRICSHOST"] = "127.0.0.1";
  environment["FELIX_PROMETHEUSMETRICSPORT"] = "9191";
  environment["FELIX_LOGSEVERITYSCREEN"] = "Debug";
  environment["FELIX_IPV6SUPPORT"] = "false";
  environment["TABBY_STATUS_SOCKET"] = "/run/x.sock";
  const auto config = load(environment);
  EXPECT_EQ(config.ipip_mtu, 1440u);
  EXPECT_EQ(config.vxlan_mtu, 1410u);
  EXPECT_EQ(config.vxlan_mtu_v6, 1390u);
  EXPECT_EQ(config.vxlan_vni, 4097u);
  EXPECT_EQ(config.vxlan_port, 8472);
  EXPECT_EQ(config.route_refresh_interval, 30s);
  EXPECT_TRUE(config.health_enabled);
  EXPECT_EQ(config.health_host, "0.0.0.0");
  EXPECT_EQ(config.health_port, 9199);
  EXPECT_TRUE(config.prometheus_metrics_enabled);
  EXPECT_EQ(config.prometheus_metrics_host, "127.0.0.1");
  EXPECT_EQ(config.prometheus_metrics_port, 9191);
  EXPECT_EQ(config.log_severity, spdlog::level::debug);
  EXPECT_FALSE(config.ipv6_support);
  EXPECT_EQ(config.status_socket, "/run/x.sock");
  EXPECT_EQ(load_with("FELIX_LOGSEVERITYSCREEN", "warning").log_severity, spdlog::level::warn);
  EXPECT_EQ(load_with("FELIX_ROUTEREFRESHINTERVAL", "0").route_refresh_interval, 0s);
}

TEST(AgentConfigFelix, Errors) {
  EXPECT_EQ(error_with("FELIX_IPINIPMTU", "big"),
            "FELIX_IPINIPMTU=\"big\" is not valid: use 0 (automatic) or 68 to 65535");
  EXPECT_EQ(error_with("FELIX_VXLANMTU", "70000"),
            "FELIX_VXLANMTU=\"70000\" is not valid: use 0 (automatic) or 68 to 65535");
  EXPECT_EQ(error_with("FELIX_VXLANMTUV6", "-1"),
            "FELIX_VXLANMTUV6=\"-1\" is not valid: use 0 (automatic) or 68 to 65535");
  // Below IPv4's minimum the pod MTU file could not be used.
  EXPECT_EQ(error_with("FELIX_VXLANMTU", "40"),
            "FELIX_VXLANMTU=\"40\" is not valid: use 0 (automatic) or 68 to 65535");
  EXPECT_EQ(error_with("FELIX_VXLANVNI", "16777216"),
            "FELIX_VXLANVNI=\"16777216\" is not valid: use a whole number from 0 to 16777215");
  EXPECT_EQ(error_with("FELIX_VXLANPORT", "0"),
            "FELIX_VXLANPORT=\"0\" is not valid: use a whole number from 1 to 65535");
  EXPECT_EQ(error_with("FELIX_ROUTEREFRESHINTERVAL", "90s"),
            "FELIX_ROUTEREFRESHINTERVAL=\"90s\" is not valid: use a number of seconds (0 or more, "
            "e.g. 90 or 2.5)");
  EXPECT_EQ(error_with("FELIX_HEALTHENABLED", "on"),
            "FELIX_HEALTHENABLED=\"on\" is not valid: use true or false");
  EXPECT_EQ(error_with("FELIX_HEALTHPORT", "65536"),
            "FELIX_HEALTHPORT=\"65536\" is not valid: use a whole number from 1 to 65535");
  EXPECT_EQ(error_with("FELIX_PROMETHEUSMETRICSENABLED", "enabled"),
            "FELIX_PROMETHEUSMETRICSENABLED=\"enabled\" is not valid: use true or false");
  EXPECT_EQ(error_with("FELIX_PROMETHEUSMETRICSPORT", "x"),
            "FELIX_PROMETHEUSMETRICSPORT=\"x\" is not valid: use a whole number from 1 to 65535");
  EXPECT_EQ(error_with("FELIX_LOGSEVERITYSCREEN", "loud"),
            "FELIX_LOGSEVERITYSCREEN=\"loud\" is not valid: use Trace, Debug, Info, Warning, "
            "Error, Fatal or None");
  EXPECT_EQ(error_with("FELIX_IPV6SUPPORT", "perhaps"),
            "FELIX_IPV6SUPPORT=\"perhaps\" is not valid: use true or false");
}

TEST(AgentConfigFelix, MtuIfacePatternIsARegex) {
  EXPECT_EQ(load(base()).mtu_iface_pattern, "^((en|wl|ww|sl|ib)[Pcopsvx].*|(eth|wlan|wwan).*)");
  EXPECT_EQ(load_with("FELIX_MTUIFACEPATTERN", "^bond0$").mtu_iface_pattern, "^bond0$");
  EXPECT_THAT(error_with("FELIX_MTUIFACEPATTERN", "^(eth"),
              HasSubstr("FELIX_MTUIFACEPATTERN=\"^(eth\" is not valid: use a regular expression "
                        "over interface names"));
}

TEST(AgentConfigTabby, SecretsDirAndMtuFile) {
  EXPECT_EQ(load(base()).secrets_dir, "/etc/tabby/secrets");
  EXPECT_EQ(load_with("TABBY_SECRETS_DIR", "/run/secrets").secrets_dir, "/run/secrets");
  EXPECT_EQ(load(base()).mtu_file, "/var/lib/calico/mtu");
  EXPECT_EQ(load_with("TABBY_MTU_FILE", "/run/mtu").mtu_file, "/run/mtu");
}

// Felix logs the settings it ignores; tabby warns once per FELIX_ variable it does not read.
TEST(UnknownFelixVariables, GetOneWarningEach) {
  const Environment environment = {{"NODENAME", "a"},
                                   {"FELIX_IPV6SUPPORT", "false"},
                                   {"FELIX_DEFAULTENDPOINTTOHOSTACTION", "ACCEPT"},
                                   {"FELIX_BPFENABLED", "true"},
                                   {"felix_vxlanvni", "4097"},
                                   {"CALICO_DISABLE_FILE_LOGGING", "true"}};
  EXPECT_EQ(unknown_felix_variable_warnings(environment),
            (std::vector<std::string>{
                "FELIX_BPFENABLED is ignored: tabby does not read this Felix setting "
                "(docs/agent-config.md lists the ones it does)",
                "FELIX_DEFAULTENDPOINTTOHOSTACTION is ignored: tabby does not read this Felix "
                "setting (docs/agent-config.md lists the ones it does)",
                "felix_vxlanvni is ignored: tabby reads it as FELIX_VXLANVNI (upper case)"}));
  auto loaded = load_config(environment, {"tabby-node"});
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->config.warnings.size(), 3U);
  EXPECT_TRUE(load(base()).warnings.empty());
}

TEST(AgentConfigEnvironment, EmptyValuesCountAsUnsetAndBlanksAreTrimmed) {
  auto environment = base();
  environment["CALICO_IPV4POOL_IPIP"] = "";
  environment["FELIX_HEALTHPORT"] = "  ";
  environment["AS"] = " 64513 ";
  const auto config = load(environment);
  EXPECT_EQ(config.ipv4_pool.ipip, EncapsulationMode::kNever);
  EXPECT_EQ(config.health_port, 9099);
  EXPECT_EQ(config.as_number, 64513u);
}

TEST(AgentConfigFlags, OverrideTheEnvironment) {
  Environment environment = {
      {"NODENAME", "env-node"},
      {"IP", "10.0.0.1/24"},
      {"IP6", "none"},
      {"IP_AUTODETECTION_METHOD", "first-found"},
      {"IP6_AUTODETECTION_METHOD", "first-found"},
      {"AS", "64512"},
      {"DATASTORE_TYPE", "etcdv3"},
      {"ETCD_ENDPOINTS", "http://10.0.0.1:2379"},
      {"TABBY_DATASTORE_PATH", "/env.db"},
      {"CALICO_NETWORKING_BACKEND", "bird"},
      {"FELIX_HEALTHPORT", "9099"},
      {"FELIX_PROMETHEUSMETRICSPORT", "9091"},
      {"TABBY_STATUS_SOCKET", "/env.sock"},
      {"FELIX_LOGSEVERITYSCREEN", "Info"},
  };
  const auto config = load(environment, {"--nodename",
                                         "flag-node",
                                         "--ip",
                                         "autodetect",
                                         "--ip6",
                                         "fd00::7/64",
                                         "--ip-autodetection-method",
                                         "interface=eth1",
                                         "--ip6-autodetection-method",
                                         "can-reach=fd00::1",
                                         "--as",
                                         "65001",
                                         "--datastore-type",
                                         "sqlite",
                                         "--datastore-path",
                                         "/flag.db",
                                         "--backend",
                                         "vxlan",
                                         "--health-port",
                                         "9100",
                                         "--metrics-port",
                                         "9200",
                                         "--status-socket",
                                         "/flag.sock",
                                         "--log-severity",
                                         "error",
                                         "--cleanup-on-exit"});
  EXPECT_EQ(config.nodename, "flag-node");
  EXPECT_EQ(config.ipv4.mode, AddressSetting::Mode::kAutodetect);
  EXPECT_EQ(config.ipv6.address.to_string(), "fd00::7");
  EXPECT_EQ(config.ipv4_method.to_string(), "interface=eth1");
  EXPECT_EQ(config.ipv6_method.to_string(), "can-reach=fd00::1");
  EXPECT_EQ(config.as_number, 65001u);
  EXPECT_EQ(config.datastore.type, api::DatastoreConfig::Type::Sqlite);
  EXPECT_EQ(config.datastore.sqlite.path, "/flag.db");
  EXPECT_EQ(config.backend, NetworkingBackend::kVxlan);
  EXPECT_EQ(config.health_port, 9100);
  EXPECT_EQ(config.prometheus_metrics_port, 9200);
  EXPECT_EQ(config.status_socket, "/flag.sock");
  EXPECT_EQ(config.log_severity, spdlog::level::err);
  EXPECT_TRUE(config.cleanup_on_exit);
}

TEST(AgentConfigFlags, EqualsFormAndErrorsNameTheFlag) {
  EXPECT_EQ(load(base(), {"--as=64600"}).as_number, 64600u);
  EXPECT_EQ(error_for(base(), {"--as", "abc"}),
            "--as=\"abc\" is not valid: use an AS number such as 64512 (up to 4294967295) or "
            "asdot such as 1.10");
  EXPECT_EQ(error_for(base(), {"--backend=calico"}),
            "--backend=\"calico\" is not valid: use bird, vxlan or none");
  EXPECT_EQ(error_for(base(), {"--health-port", "0"}),
            "--health-port=\"0\" is not valid: use a whole number from 1 to 65535");
  EXPECT_EQ(error_for(base(), {"--datastore-type", "kubernetes"}),
            "datastore configuration: --datastore-type \"kubernetes\" is not supported by tabby: "
            "use sqlite (the default) or etcdv3");
  EXPECT_EQ(error_for(base(), {"--no-such-flag"}),
            "The following argument was not expected: --no-such-flag (see --help)");
}

TEST(AgentConfigCommands, VersionCleanupAndHelpStopThere) {
  // These work even with an invalid environment: an uninstall must not depend on it.
  Environment broken = {{"CALICO_IPV4POOL_IPIP", "Sometimes"}};
  auto version = load_config(broken, {"tabby-node", "--version"});
  ASSERT_TRUE(version);
  EXPECT_EQ(version->command, AgentCommand::kVersion);
  EXPECT_EQ(load_config(broken, {"tabby-node", "-v"})->command, AgentCommand::kVersion);
  EXPECT_EQ(load_config(broken, {"tabby-node", "--cleanup"})->command, AgentCommand::kCleanup);
  auto help = load_config(broken, {"tabby-node", "--help"});
  ASSERT_TRUE(help);
  EXPECT_EQ(help->command, AgentCommand::kHelp);
  EXPECT_THAT(help->help, HasSubstr("--ip-autodetection-method"));
  EXPECT_EQ(load_config(base(), {"tabby-node"})->command, AgentCommand::kRun);
}

TEST(KnownEnvironmentVariables, ListsEveryNameTheAgentReads) {
  const auto& names = known_environment_variables();
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end());
  for (const char* name : {"NODENAME",
                           "IP",
                           "IP6",
                           "IP_AUTODETECTION_METHOD",
                           "IP6_AUTODETECTION_METHOD",
                           "AS",
                           "CALICO_IPV4POOL_CIDR",
                           "CALICO_IPV4POOL_IPIP",
                           "CALICO_IPV4POOL_VXLAN",
                           "CALICO_IPV4POOL_BLOCK_SIZE",
                           "CALICO_IPV4POOL_NAT_OUTGOING",
                           "CALICO_IPV4POOL_NODE_SELECTOR",
                           "CALICO_IPV6POOL_CIDR",
                           "CALICO_IPV6POOL_VXLAN",
                           "NO_DEFAULT_POOLS",
                           "CALICO_NETWORKING_BACKEND",
                           "CALICO_ROUTER_ID",
                           "DATASTORE_TYPE",
                           "TABBY_DATASTORE_PATH",
                           "ETCD_ENDPOINTS",
                           "ETCD_CA_CERT_FILE",
                           "ETCD_PASSWORD",
                           "WAIT_FOR_DATASTORE",
                           "FELIX_IPINIPMTU",
                           "FELIX_VXLANMTU",
                           "FELIX_VXLANMTUV6",
                           "FELIX_VXLANVNI",
                           "FELIX_VXLANPORT",
                           "FELIX_HEALTHENABLED",
                           "FELIX_HEALTHPORT",
                           "FELIX_HEALTHHOST",
                           "FELIX_PROMETHEUSMETRICSENABLED",
                           "FELIX_PROMETHEUSMETRICSPORT",
                           "FELIX_LOGSEVERITYSCREEN",
                           "FELIX_ROUTEREFRESHINTERVAL",
                           "FELIX_MTUIFACEPATTERN",
                           "TABBY_STATUS_SOCKET",
                           "TABBY_SECRETS_DIR",
                           "TABBY_MTU_FILE",
                           "ETCD_DISCOVERY_SRV"}) {
    EXPECT_TRUE(std::binary_search(names.begin(), names.end(), name)) << name;
  }
  // A variable the agent does not read is not claimed.
  EXPECT_FALSE(std::binary_search(names.begin(), names.end(), std::string("FELIX_BPFENABLED")));
}

TEST(KnownEnvironmentVariables, EveryListedVariableIsActuallyRead) {
  // Setting any listed variable to a value no variable accepts either fails naming it, or is
  // read as free text (names, paths, hosts, exactly-"true" switches): nothing listed is ignored
  // silently in a way that would let the list drift from the code.
  const std::vector<std::string> free_text = {"NODENAME",
                                              "HOSTNAME",
                                              "CALICO_NODENAME_FILE",
                                              "TABBY_DATASTORE_PATH",
                                              "CALICO_TABBY_DATASTORE_PATH",
                                              "ETCD_CA_CERT_FILE",
                                              "CALICO_ETCD_CA_CERT_FILE",
                                              "ETCD_CERT_FILE",
                                              "CALICO_ETCD_CERT_FILE",
                                              "ETCD_KEY_FILE",
                                              "CALICO_ETCD_KEY_FILE",
                                              "ETCD_USERNAME",
                                              "CALICO_ETCD_USERNAME",
                                              "ETCD_PASSWORD",
                                              "CALICO_ETCD_PASSWORD",
                                              "FELIX_HEALTHHOST",
                                              "FELIX_PROMETHEUSMETRICSHOST",
                                              "TABBY_STATUS_SOCKET",
                                              "TABBY_SECRETS_DIR",
                                              "TABBY_MTU_FILE",
                                              "FELIX_MTUIFACEPATTERN",  // "%bogus%" is a regex
                                              "WAIT_FOR_DATASTORE",
                                              "DISABLE_NODE_IP_CHECK",
                                              "NO_DEFAULT_POOLS",
                                              "CALICO_NETWORKING",
                                              "CALICO_IPV4POOL_NAT_OUTGOING",
                                              "CALICO_IPV6POOL_NAT_OUTGOING"};
  for (const auto& name : known_environment_variables()) {
    if (std::find(free_text.begin(), free_text.end(), name) != free_text.end()) continue;
    auto environment = base();
    environment[name] = "%bogus%";
    EXPECT_THAT(error_for(environment), HasSubstr(name)) << name;
  }
}

}  // namespace
}  // namespace tabby::agent
