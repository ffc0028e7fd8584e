#include "tabby/ipam/cascading_delete.h"

#include <fmt/format.h>

#include <thread>
#include <vector>

#include "tabby/api/resource_store.h"
#include "tabby/api/views.h"
#include "tabby/ipam/ipam.h"

namespace tabby::ipam {
namespace {

using api::DatastoreError;
using api::DatastoreErrorKind;
using api::Json;
using api::Kind;
using api::Resource;

// An IPAM or cleanup step's failure, as the datastore error tabbyctl reports.
DatastoreError failed(std::string_view what, const std::string& message) {
  return DatastoreError{DatastoreErrorKind::Unavailable, fmt::format("{}: {}", what, message)};
}

// Deletes a resource that may already be gone.
api::DatastoreResult<void> remove_if_there(api::ResourceStore& store, Kind kind,
                                           std::string_view namespace_, std::string_view name) {
  auto removed = store.remove(kind, namespace_, name);
  if (removed || removed.is(DatastoreErrorKind::NotFound)) return {};
  return removed.error();
}

// An address field of the Node ("10.0.0.1" or "10.0.0.1/32"), when set.
void add_address(const Json& object, const char* field, std::vector<IpAddress>& out) {
  if (!object.is_object() || !object.contains(field) || !object[field].is_string()) return;
  const std::string text = object[field];
  if (auto address = IpAddress::parse(text.substr(0, text.find('/')))) out.push_back(*address);
}

}  // namespace

api::DatastoreResult<Resource> delete_ip_pool(api::Datastore& datastore, std::string_view name,
                                              std::string_view resource_version,
                                              std::chrono::milliseconds settle) {
  api::ResourceStore store(datastore);
  auto pool = store.get(Kind::kIPPool, "", name);
  if (!pool) return pool;
  if (!resource_version.empty() && pool->metadata.resource_version != resource_version) {
    return DatastoreError{DatastoreErrorKind::Conflict,
                          fmt::format("update conflict: {}: resource version '{}' is out of date",
                                      api::resource_id(*pool), resource_version)};
  }
  if (!pool->spec.value("disabled", false)) {
    Resource disabled = *pool;
    disabled.spec["disabled"] = true;
    auto written = store.update(disabled);
    if (!written) return written.error();
    pool = std::move(written);
    // Allocations that chose this pool before it was disabled get to finish first.
    std::this_thread::sleep_for(settle);
  }
  const IpPrefix cidr = api::ip_pool_view(*pool).cidr;
  if (auto released = Ipam(datastore).release_pool_affinities(cidr); !released) {
    return failed(fmt::format("releasing the block affinities of {}", api::resource_id(*pool)),
                  released.error().message);
  }
  return store.remove(Kind::kIPPool, "", name, pool->metadata.resource_version);
}

api::DatastoreResult<Resource> delete_node(api::Datastore& datastore, std::string_view name,
                                           std::string_view resource_version) {
  api::ResourceStore store(datastore);
  const std::string node(name);
  auto stored = store.get(Kind::kNode, "", name);
  if (!stored && !stored.is(DatastoreErrorKind::NotFound)) return stored;
  if (stored && !resource_version.empty() &&
      stored->metadata.resource_version != resource_version) {
    return DatastoreError{DatastoreErrorKind::Conflict,
                          fmt::format("update conflict: {}: resource version '{}' is out of date",
                                      api::resource_id(*stored), resource_version)};
  }

  // The node's endpoints and their addresses, and its tunnel addresses.
  auto endpoints = store.list(Kind::kWorkloadEndpoint);
  if (!endpoints) return endpoints.error();
  std::vector<Resource> owned;
  std::vector<IpAddress> addresses;
  for (const Resource& endpoint : endpoints->items) {
    if (endpoint.spec.value("node", "") != node) continue;
    for (const auto& network : endpoint.spec.value("ipNetworks", Json::array())) {
      const std::string text = network.get<std::string>();
      if (auto address = IpAddress::parse(text.substr(0, text.find('/'))))
        addresses.push_back(*address);
    }
    owned.push_back(endpoint);
  }
  if (stored) {
    const Json& spec = stored->spec;
    add_address(spec.value("bgp", Json::object()), "ipv4IPIPTunnelAddr", addresses);
    add_address(spec, "ipv4VXLANTunnelAddr", addresses);
    add_address(spec, "ipv6VXLANTunnelAddr", addresses);
    add_address(spec.value("wireguard", Json::object()), "interfaceIPv4Address", addresses);
    add_address(spec.value("wireguard", Json::object()), "interfaceIPv6Address", addresses);
  }
  Ipam ipam(datastore);
  if (auto released = ipam.release_ips(addresses); !released) {
    return failed(fmt::format("releasing the addresses of node {}", node),
                  released.error().message);
  }
  for (const Resource& endpoint : owned) {
    if (auto removed = remove_if_there(store, Kind::kWorkloadEndpoint, endpoint.metadata.namespace_,
                                       endpoint.metadata.name);
        !removed) {
      return removed.error();
    }
  }
  if (auto removed = ipam.remove_host(node); !removed) {
    return failed(fmt::format("releasing the block affinities of node {}", node),
                  removed.error().message);
  }

  auto peers = store.list(Kind::kBGPPeer);
  if (!peers) return peers.error();
  for (const Resource& peer : peers->items) {
    if (peer.spec.value("node", "") != node) continue;
    if (auto removed = remove_if_there(store, Kind::kBGPPeer, "", peer.metadata.name); !removed)
      return removed.error();
  }
  for (Kind kind : {Kind::kFelixConfiguration, Kind::kBGPConfiguration}) {
    if (auto removed = remove_if_there(store, kind, "", "node." + node); !removed)
      return removed.error();
  }
  if (!stored) return stored;  // NotFound, with everything else cleaned up
  // The node's agent may rewrite its Node meanwhile; unless a version was asked for, the
  // delete is at the newest.
  for (int attempt = 1;; ++attempt) {
    auto removed = store.remove(Kind::kNode, "", name, stored->metadata.resource_version);
    if (!removed.is(DatastoreErrorKind::Conflict) || !resource_version.empty() || attempt == 5)
      return removed;
    stored = store.get(Kind::kNode, "", name);
    if (!stored) return stored;
  }
}

}  // namespace tabby::ipam
