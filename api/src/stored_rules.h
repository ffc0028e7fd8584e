#pragma once
// The checks Calico's client makes against the other stored objects before it writes a
// resource (libcalico-go clientv3), which a resource alone cannot show:
//   IPPool, created: its CIDR overlaps no other pool's, and no existing IPAM block inside it
//     has another block size;
//   IPPool, updated: cidr and blockSize stay as they are (blocks already cut from the pool
//     would no longer fit), and a LoadBalancer pool stays one.
// Every problem is reported, each naming the resource, the field and the value.

#include "tabby/api/datastore.h"
#include "tabby/api/resource.h"

namespace tabby::api::detail {

// `existing` is the stored resource an update replaces, null for a create. A new pool may
// overlap `parent_pool` (it is cut from it: tabbyctl ipam split). InvalidArgument with every
// problem on its own line.
DatastoreResult<void> check_against_stored(Datastore& datastore, const Resource& incoming,
                                           const Resource* existing,
                                           std::string_view parent_pool = {});

}  // namespace tabby::api::detail
