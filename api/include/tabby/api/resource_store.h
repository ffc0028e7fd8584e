#pragma once
// Resources over the Datastore, with the semantics of Calico's client library (which
// calicoctl and calico-node use): create sets uid and creationTimestamp and refuses a
// resourceVersion; update and apply keep them and compare-and-swap on the revision; apply
// creates or updates, retrying lost races. The agent and tabbyctl both use it.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tabby/api/datastore.h"
#include "tabby/api/resource.h"

namespace tabby::api {

struct ResourceList {
  std::vector<Resource> items;
  Revision revision = 0;  // the list's resourceVersion
};

class ResourceStore {
 public:
  explicit ResourceStore(Datastore& datastore);
  // For tests: deterministic uids and timestamps.
  ResourceStore(Datastore& datastore, std::function<std::string()> make_uid,
                std::function<std::string()> now_rfc3339);

  // AlreadyExists: "resource already exists: IPPool(p1)".
  DatastoreResult<Resource> create(Resource resource);
  // create() of an IPPool cut from the stored pool `parent_pool`, which it may overlap (the
  // other pools it may not), as calicoctl ipam split's UnsafeCreate.
  DatastoreResult<Resource> create_within(Resource pool, std::string_view parent_pool);
  // Replaces an existing resource. With metadata.resourceVersion set it must be the stored
  // one (Conflict "update conflict: IPPool(p1)"); NotFound "resource does not exist: ...".
  DatastoreResult<Resource> update(Resource resource);
  // Create, or update what is there. An identical resource is left untouched (no new
  // revision, so watchers see nothing). Lost races are retried (5 times).
  DatastoreResult<Resource> apply(Resource resource);
  // Deletes and returns what was stored; only at `resource_version` when given.
  DatastoreResult<Resource> remove(Kind kind, std::string_view namespace_, std::string_view name,
                                   std::string_view resource_version = {});
  DatastoreResult<Resource> get(Kind kind, std::string_view namespace_, std::string_view name);
  // Every resource of the kind (in one namespace, or all when empty), sorted by key.
  DatastoreResult<ResourceList> list(Kind kind, std::string_view namespace_ = {});

 private:
  DatastoreResult<Resource> decode(const KeyValue& entry);

  Datastore& datastore_;
  std::function<std::string()> make_uid_;
  std::function<std::string()> now_rfc3339_;
};

// `IPPool(p1)`, `WorkloadEndpoint(ns1/wep1)`: how Calico's client names a resource in errors.
std::string resource_id(Kind kind, std::string_view namespace_, std::string_view name);
std::string resource_id(const Resource& resource);

}  // namespace tabby::api
