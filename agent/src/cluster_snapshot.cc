#include "tabby/agent/cluster_snapshot.h"

#include "tabby/api/codec.h"
#include "tabby/common/log.h"

namespace tabby::agent {
namespace {

constexpr std::string_view kResourcePrefix = "/calico/resources/v3/projectcalico.org/";
constexpr std::string_view kBlockPrefix = "/calico/ipam/v2/assignment/";

const std::map<std::string, api::Resource> kEmpty;

}  // namespace

const std::map<std::string, api::Resource>& ClusterSnapshot::of(api::Kind kind) const {
  auto found = resources.find(kind);
  return found == resources.end() ? kEmpty : found->second;
}

std::vector<api::Resource> ClusterSnapshot::list(api::Kind kind) const {
  std::vector<api::Resource> out;
  for (const auto& [name, resource] : of(kind)) out.push_back(resource);
  return out;
}

const api::Resource* ClusterSnapshot::find(api::Kind kind, const std::string& name) const {
  const auto& all = of(kind);
  auto found = all.find(name);
  return found == all.end() ? nullptr : &found->second;
}

std::vector<api::AllocationBlock> ClusterSnapshot::block_list() const {
  std::vector<api::AllocationBlock> out;
  for (const auto& [cidr, block] : blocks) out.push_back(block);
  return out;
}

bool ClusterSnapshot::apply(std::string_view key, std::string_view value, api::Revision rev) {
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
  if (!key.starts_with(kResourcePrefix)) return false;
  const std::string_view rest = key.substr(kResourcePrefix.size());
  const std::string_view plural = rest.substr(0, rest.find('/'));
  for (const api::KindInfo& info : api::all_kinds()) {
    if (info.plural != plural) continue;
    const std::string name(rest.substr(plural.size() + 1));
    auto& of_kind = resources[info.kind];
    if (value.empty()) return of_kind.erase(name) > 0;
    auto resource = api::decode_stored_value(key, value, std::to_string(rev));
    if (!resource) {
      spdlog::warn("ignoring {}: {}", key, resource.error().message);
      return of_kind.erase(name) > 0;
    }
    of_kind[name] = *resource;
    return true;
  }
  return false;
}

ClusterSnapshot snapshot_from(const api::ListResult& list) {
  ClusterSnapshot snapshot;
  for (const api::KeyValue& entry : list.entries)
    (void)snapshot.apply(entry.key, entry.value, entry.revision);
  snapshot.revision = list.revision;
  return snapshot;
}

}  // namespace tabby::agent
