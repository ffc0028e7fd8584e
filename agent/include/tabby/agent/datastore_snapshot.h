#pragma once
// What the agent knows of the cluster, as stored: every resource and IPAM block in the datastore
// that the calculation reads, decoded, as of one datastore revision. The syncer keeps it current;
// the calculation reads it and never writes.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tabby/api/datastore.h"
#include "tabby/api/ipam_records.h"
#include "tabby/api/resource.h"

namespace tabby::agent {

struct DatastoreSnapshot {
  // By name (namespace/name for namespaced kinds), for each kind the agent reads.
  std::map<api::Kind, std::map<std::string, api::Resource>> resources;
  // IPAM blocks by their CIDR text ("10.0.0.0/26").
  std::map<std::string, api::AllocationBlock> blocks;
  // Block affinities: node -> block CIDR text -> record.
  std::map<std::string, std::map<std::string, api::BlockAffinity>> affinities;
  api::Revision revision = 0;
  // Stored resources carrying fields this build does not know (a newer Calico wrote them):
  // key -> the fields, so each is warned about once, not at every revision.
  std::map<std::string, std::vector<std::string>> ignored_fields;

  const std::map<std::string, api::Resource>& of(api::Kind kind) const;
  std::vector<api::Resource> list(api::Kind kind) const;
  const api::Resource* find(api::Kind kind, const std::string& name) const;
  std::vector<api::AllocationBlock> block_list() const;

  // Applies one stored key's new value (or its deletion when `value` is empty). Keys the
  // agent does not read are ignored; a value that does not decode is dropped with a
  // warning naming the key (the previous copy is removed too: it is no longer true). A
  // resource with fields this build does not know is kept, with what it knows, and the
  // fields are named in one warning.
  // Returns whether anything the calculation reads changed.
  bool apply(std::string_view key, std::string_view value, api::Revision revision);
};

// The snapshot of every key in a list.
DatastoreSnapshot snapshot_from(const api::ListResult& list);

}  // namespace tabby::agent
