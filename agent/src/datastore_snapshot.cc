#include "tabby/agent/datastore_snapshot.h"

#include <fmt/ranges.h>

#include "tabby/api/codec.h"
#include "tabby/common/log.h"

namespace tabby::agent {
namespace {

constexpr std::string_view kResourcePrefix = "/calico/resources/v3/projectcalico.org/";
constexpr std::string_view kBlockPrefix = "/calico/ipam/v2/assignment/";
constexpr std::string_view kAffinityPrefix = "/calico/ipam/v2/host/";

const std::map<std::string, api::Resource> kEmpty;

}  // namespace

const std::map<std::string, api::Resource>& DatastoreSnapshot::of(api::Kind kind) const {
  auto found = resources.find(kind);
  return found == resources.end() ? kEmpty : found->second;
}

std::vector<api::Resource> DatastoreSnapshot::list(api::Kind kind) const {
  std::vector<api::Resource> out;
  for (const auto& [name, resource] : of(kind))
    out.push_back(resource);
  return out;
}

const api::Resource* DatastoreSnapshot::find(api::Kind kind, const std::string& name) const {
  const auto& all = of(kind);
  auto found = all.find(name);
  return found == all.end() ? nullptr : &found->second;
}

std::vector<api::AllocationBlock> DatastoreSnapshot::block_list() const {
  std::vector<api::AllocationBlock> out;
  for (const auto& [cidr, block] : blocks)
    out.push_back(block);
  return out;
}

bool DatastoreSnapshot::apply(std::string_view key, std::string_view value, api::Revision rev) {
  revision = std::max(revision, rev);
  if (key.starts_with(kBlockPrefix) && key.find("/block/") != std::string_view::npos) {
    auto cidr = api::block_cidr_from_key(key);
    if (!cidr) return false;
    const std::string name = cidr->to_string();
    if (value.empty()) return blocks.erase(name) > 0;
    auto block = api::decode_block(key, value);
    if (!block) {
      spdlog::warn("ignoring IPAM block {}: {}", key, block.error().message);
      return blocks.erase(name) > 0;
    }
    blocks[name] = *block;
    return true;
  }
  if (key.starts_with(kAffinityPrefix)) {
    // /calico/ipam/v2/host/<node>/ipv4/block/<cidr>
    const std::string_view rest = key.substr(kAffinityPrefix.size());
    const std::string node(rest.substr(0, rest.find('/')));
    auto cidr = api::block_cidr_from_key(key);
    if (node.empty() || !cidr) return false;
    auto& of_node = affinities[node];
    const std::string name = cidr->to_string();
    if (value.empty()) return of_node.erase(name) > 0;
    auto affinity = api::decode_block_affinity(key, value);
    if (!affinity) {
      spdlog::warn("ignoring block affinity {}: {}", key, affinity.error().message);
      return of_node.erase(name) > 0;
    }
    of_node[name] = *affinity;
    return true;
  }
  if (!key.starts_with(kResourcePrefix)) return false;
  const std::string_view rest = key.substr(kResourcePrefix.size());
  const std::string_view plural = rest.substr(0, rest.find('/'));
  for (const api::KindInfo& info : api::all_kinds()) {
    if (info.plural != plural) continue;
    const std::string name(rest.substr(plural.size() + 1));
    auto& of_kind = resources[info.kind];
    if (value.empty()) {
      ignored_fields.erase(std::string(key));
      return of_kind.erase(name) > 0;
    }
    std::vector<std::string> ignored;
    auto resource = api::decode_stored_value(key, value, std::to_string(rev), &ignored);
    if (!resource) {
      spdlog::warn("ignoring {}: {}", key, resource.error().message);
      ignored_fields.erase(std::string(key));
      return of_kind.erase(name) > 0;
    }
    if (ignored.empty()) {
      ignored_fields.erase(std::string(key));
    } else if (auto& known = ignored_fields[std::string(key)]; known != ignored) {
      spdlog::warn("{} has fields tabby does not know, left out (written by a newer Calico?): {}",
                   key, fmt::join(ignored, ", "));
      known = std::move(ignored);
    }
    of_kind[name] = *resource;
    return true;
  }
  return false;
}

DatastoreSnapshot snapshot_from(const api::ListResult& list) {
  DatastoreSnapshot snapshot;
  for (const api::KeyValue& entry : list.entries)
    (void)snapshot.apply(entry.key, entry.value, entry.revision);
  snapshot.revision = list.revision;
  return snapshot;
}

}  // namespace tabby::agent
