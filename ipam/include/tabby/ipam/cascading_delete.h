#pragma once
// Deleting an IPPool or a Node as Calico's client deletes them, with what hangs off them
// (libcalico-go clientv3 ippool.go and node.go), so nothing is left for a deleted pool or
// node: no block affinity (hence no blackhole route and no advertisement of its blocks), no
// tunnel or pod address, no endpoint, no node-scoped peer or configuration. tabbyctl delete
// uses these for the two kinds.

#include <chrono>
#include <string_view>

#include "tabby/api/datastore.h"
#include "tabby/api/resource.h"

namespace tabby::ipam {

// 1. disables the pool (so no new address is taken from it), at `resource_version` when given;
// 2. waits `settle` for allocations already under way; 3. releases every node's affinity for
// its blocks (empty blocks go, blocks with addresses lose their owner and keep the
// addresses); 4. deletes the pool. Returns the deleted pool; NotFound as ResourceStore::remove.
api::DatastoreResult<api::Resource> delete_ip_pool(
    api::Datastore& datastore, std::string_view name, std::string_view resource_version = {},
    std::chrono::milliseconds settle = std::chrono::milliseconds(500));

// Releases the addresses of the node's WorkloadEndpoints and its tunnel addresses (IPIP,
// VXLAN v4 and v6, WireGuard), deletes those endpoints, gives up all its block affinities,
// deletes the BGPPeers scoped to it (spec.node) and its node.<name> FelixConfiguration and
// BGPConfiguration, then the Node (at `resource_version` when given). A Node already gone
// still has the rest cleaned up, and then NotFound.
api::DatastoreResult<api::Resource> delete_node(api::Datastore& datastore, std::string_view name,
                                                std::string_view resource_version = {});

}  // namespace tabby::ipam
