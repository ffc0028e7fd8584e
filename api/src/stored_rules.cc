#include "stored_rules.h"

#include <fmt/format.h>

#include <vector>

#include "tabby/api/codec.h"
#include "tabby/api/ipam_records.h"
#include "tabby/api/resource_store.h"
#include "tabby/api/views.h"

namespace tabby::api::detail {
namespace {

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines)
    out += (out.empty() ? "" : "\n") + line;
  return out;
}

bool has_use(const Resource& pool, std::string_view use) {
  const Json uses = pool.spec.value("allowedUses", Json::array());
  return std::find(uses.begin(), uses.end(), use) != uses.end();
}

DatastoreResult<void> check_new_pool(Datastore& datastore, const Resource& pool,
                                     std::string_view parent_pool,
                                     std::vector<std::string>& problems) {
  const IpPoolView view = ip_pool_view(pool);
  const std::string label = fmt::format("IPPool \"{}\": ", pool.metadata.name);
  auto others = ResourceStore(datastore).list(Kind::kIPPool);
  if (!others) return others.error();
  for (const Resource& other : others->items) {
    if (other.metadata.name == pool.metadata.name) continue;  // its own create races: AlreadyExists
    if (!parent_pool.empty() && other.metadata.name == parent_pool) continue;
    const IpPrefix other_cidr = ip_pool_view(other).cidr;
    if (other_cidr.family() == view.cidr.family() && other_cidr.overlaps(view.cidr)) {
      problems.push_back(fmt::format("{}spec.cidr: \"{}\" overlaps with IPPool({}) CIDR {}", label,
                                     view.cidr.to_string(), other.metadata.name,
                                     other_cidr.to_string()));
    }
  }
  auto blocks = datastore.list(block_prefix(view.cidr.family()));
  if (!blocks) return blocks.error();
  for (const KeyValue& entry : blocks->entries) {
    auto block = block_cidr_from_key(entry.key);
    if (!block || !block->overlaps(view.cidr) || block->length() == view.block_size) continue;
    problems.push_back(fmt::format(
        "{}spec.blockSize: {} conflicts with the existing block {} (size /{}) in the pool's "
        "range: a pool's blocks must all have its blockSize",
        label, view.block_size, block->to_string(), block->length()));
    break;  // one is enough to say it
  }
  return {};
}

void check_pool_update(const Resource& pool, const Resource& stored,
                       std::vector<std::string>& problems) {
  const IpPoolView now = ip_pool_view(pool), before = ip_pool_view(stored);
  const std::string label = fmt::format("IPPool \"{}\": ", pool.metadata.name);
  if (now.cidr != before.cidr) {
    problems.push_back(
        fmt::format("{}spec.cidr: cannot be modified (from {} to {}): delete the "
                    "pool and create another",
                    label, before.cidr.to_string(), now.cidr.to_string()));
  }
  if (now.block_size != before.block_size) {
    problems.push_back(fmt::format("{}spec.blockSize: cannot be modified (from {} to {})", label,
                                   before.block_size, now.block_size));
  }
  if (has_use(stored, "LoadBalancer") && !has_use(pool, "LoadBalancer")) {
    problems.push_back(fmt::format(
        "{}spec.allowedUses: cannot be changed from LoadBalancer to Workload or Tunnel", label));
  }
}

}  // namespace

DatastoreResult<void> check_against_stored(Datastore& datastore, const Resource& incoming,
                                           const Resource* existing, std::string_view parent_pool) {
  if (incoming.kind != Kind::kIPPool) return {};
  std::vector<std::string> problems;
  if (existing) {
    check_pool_update(incoming, *existing, problems);
  } else if (auto checked = check_new_pool(datastore, incoming, parent_pool, problems); !checked) {
    return checked;
  }
  if (problems.empty()) return {};
  return DatastoreError{DatastoreErrorKind::InvalidArgument, joined(problems)};
}

}  // namespace tabby::api::detail
