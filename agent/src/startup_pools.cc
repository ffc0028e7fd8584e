// Steps 13-14 of calico-node's start-up: the default IP pools (calico-node.md §1.6) and the
// default cluster objects (§1.7), each created only when missing so that several nodes
// starting together agree on one copy.

#include <cstdio>

#include "tabby/agent/startup.h"
#include "tabby/api/codec.h"
#include "tabby/api/resource_store.h"
#include "tabby/api/views.h"
#include "tabby/common/log.h"

namespace tabby::agent {
namespace {

using api::Json;
using api::Kind;
using api::Resource;

IpPrefix random_ula_48(const StartupHost& host) {
  std::uint8_t bytes[5];
  for (std::uint8_t& byte : bytes)
    byte = host.random_byte ? host.random_byte() : 0;
  char text[48];
  std::snprintf(text, sizeof text, "fd%02x:%02x%02x:%02x%02x::/48", bytes[0], bytes[1], bytes[2],
                bytes[3], bytes[4]);
  return *IpPrefix::parse(text);
}

// Creates `resource` unless it exists; another node winning the race is fine.
Result<bool> create_if_missing(api::ResourceStore& store, const Resource& resource) {
  auto validated = api::resource_from_json(api::to_json(resource));
  if (!validated) return Error{validated.error().message};
  auto created = store.create(*validated);
  if (created) return true;
  if (created.is(api::DatastoreErrorKind::AlreadyExists)) return false;
  return Error{"creating " + api::describe(resource) + ": " + created.error().message};
}

Json pool_spec(const PoolSettings& setting, const IpPrefix& cidr) {
  const bool v4 = cidr.family() == IpFamily::kV4;
  Json spec = Json::object();
  spec["cidr"] = cidr.to_string();
  spec["blockSize"] = setting.block_size;
  spec["ipipMode"] = std::string(to_string(v4 ? setting.ipip : EncapsulationMode::kNever));
  spec["vxlanMode"] = std::string(to_string(setting.vxlan));
  spec["natOutgoing"] = setting.nat_outgoing;
  spec["nodeSelector"] = setting.node_selector.empty() ? "all()" : setting.node_selector;
  if (setting.disable_bgp_export) spec["disableBGPExport"] = true;
  return spec;
}

}  // namespace

Result<std::vector<std::string>> ensure_default_pools(api::Datastore& datastore,
                                                      const StartupSettings& settings,
                                                      const StartupHost& host) {
  std::vector<std::string> created;
  if (settings.no_default_pools) {
    if (settings.ipv4_pool.cidr_source == PoolSettings::CidrSource::kEnvironment ||
        settings.ipv6_pool.cidr_source == PoolSettings::CidrSource::kEnvironment) {
      return Error{
          "NO_DEFAULT_POOLS is true but CALICO_IPV4POOL_CIDR or CALICO_IPV6POOL_CIDR is set: "
          "unset one of them"};
    }
    return created;
  }
  api::ResourceStore store(datastore);
  auto pools = store.list(Kind::kIPPool);
  if (!pools) return Error{"listing IPPools: " + pools.error().message};
  bool have_v4 = false, have_v6 = false;
  for (const Resource& pool : pools->items) {
    (api::ip_pool_view(pool).cidr.family() == IpFamily::kV4 ? have_v4 : have_v6) = true;
  }

  struct Wanted {
    const PoolSettings& setting;
    bool have;
    bool allowed;
    const char* name;
    IpFamily family;
  };
  const Wanted wanted[] = {
      {settings.ipv4_pool, have_v4, true, "default-ipv4-ippool", IpFamily::kV4},
      {settings.ipv6_pool, have_v6, settings.ipv6_supported, "default-ipv6-ippool", IpFamily::kV6},
  };
  for (const Wanted& pool : wanted) {
    if (pool.setting.cidr_source == PoolSettings::CidrSource::kDisabled || pool.have ||
        !pool.allowed)
      continue;
    const bool given = pool.setting.cidr_source == PoolSettings::CidrSource::kEnvironment;
    IpPrefix cidr = given && pool.setting.cidr     ? *pool.setting.cidr
                    : pool.family == IpFamily::kV4 ? default_ipv4_pool_cidr(host.all_interfaces)
                                                   : random_ula_48(host);
    if (cidr.family() != pool.family) {
      return Error{std::string("CALICO_IPV") + (pool.family == IpFamily::kV4 ? "4" : "6") +
                   "POOL_CIDR=\"" + cidr.to_string() + "\" is not an IPv" +
                   (pool.family == IpFamily::kV4 ? "4" : "6") + " CIDR"};
    }
    Resource resource{.kind = Kind::kIPPool, .spec = pool_spec(pool.setting, cidr)};
    resource.metadata.name = pool.name;
    auto made = create_if_missing(store, resource);
    if (!made) return Error{made.error().message};
    if (*made) {
      spdlog::info("created the default pool {} ({})", pool.name, cidr.to_string());
      created.emplace_back(pool.name);
    }
  }
  return created;
}

Status ensure_default_objects(api::Datastore& datastore, const StartupSettings& settings) {
  api::ResourceStore store(datastore);
  Resource bgp{.kind = Kind::kBGPConfiguration};
  bgp.metadata.name = "default";
  Resource felix{.kind = Kind::kFelixConfiguration,
                 .spec = Json{{"reportingInterval", "0s"}, {"logSeverityScreen", "Info"}}};
  felix.metadata.name = "default";
  std::vector<Resource> wanted{bgp, felix};
  if (settings.etcd_datastore) {
    Resource per_node{.kind = Kind::kFelixConfiguration,
                      .spec = Json{{"defaultEndpointToHostAction", "Return"}}};
    per_node.metadata.name = "node." + settings.node_name;
    wanted.push_back(per_node);
  }
  for (const Resource& resource : wanted) {
    if (auto made = create_if_missing(store, resource); !made) return Error{made.error().message};
  }
  return {};
}

}  // namespace tabby::agent
