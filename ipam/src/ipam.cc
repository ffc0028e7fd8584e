#include "tabby/ipam/ipam.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <random>
#include <set>
#include <thread>

#include "tabby/api/resource_store.h"
#include "tabby/api/views.h"
#include "tabby/ipam/block_operations.h"

namespace tabby::ipam {

using api::AllocationAttribute;
using api::AllocationBlock;
using api::DatastoreErrorKind;

namespace {

constexpr int kMaxAttempts = 100;       // Calico's retry limit for CAS conflicts
constexpr int kDefaultBlockLimit = 20;  // Calico's hard default per node

// Backs off a little more each time another writer won, with jitter, so many processes
// allocating at once spread out instead of colliding in lockstep.
void back_off(int attempt) {
  static thread_local std::minstd_rand random(std::random_device{}());
  const int cap = std::min(50, 1 << std::min(attempt, 5));
  std::this_thread::sleep_for(std::chrono::milliseconds(random() % static_cast<unsigned>(cap + 1)));
}

std::uint32_t fnv1_32(std::string_view text) {
  std::uint32_t hash = 2166136261u;
  for (unsigned char c : text) {
    hash *= 16777619u;
    hash ^= c;
  }
  return hash;
}

// The index-th block of a pool: the index's bits placed between the pool's prefix length
// and the block size.
IpPrefix block_at(const IpPrefix& pool, int block_size, std::uint64_t index) {
  std::array<std::uint8_t, 16> bytes{};
  std::copy(pool.address().bytes(), pool.address().bytes() + pool.address().byte_length(),
            bytes.begin());
  const int bits = block_size - pool.length();
  // Indexes stay below 2^63 (block_count caps there), so only the low 63 bits can be set.
  for (int k = std::max(0, bits - 63); k < bits; ++k) {
    if (!((index >> (bits - 1 - k)) & 1)) continue;
    const int position = pool.length() + k;
    bytes[static_cast<std::size_t>(position / 8)] |=
        static_cast<std::uint8_t>(0x80 >> (position % 8));
  }
  return IpPrefix(IpAddress::from_bytes(pool.family(), bytes.data()), block_size);
}

std::uint64_t block_count(const IpPrefix& pool, int block_size) {
  const int bits = block_size - pool.length();
  return bits >= 63 ? (std::uint64_t{1} << 63) : (std::uint64_t{1} << bits);
}

bool wholly_reserved(const IpPrefix& block, const std::vector<IpPrefix>& reserved) {
  return std::any_of(reserved.begin(), reserved.end(),
                     [&](const IpPrefix& r) { return r.contains(block); });
}

std::string family_name(IpFamily family) {
  return family == IpFamily::kV4 ? "IPv4" : "IPv6";
}

Error error_of(const api::DatastoreError& error) {
  return Error{error.message};
}

}  // namespace

std::vector<IpPrefix> candidate_blocks(const IpPrefix& pool, int block_size,
                                       const std::string& node, std::size_t limit) {
  const std::uint64_t count = block_count(pool, block_size);
  const std::uint64_t start = fnv1_32(node) % count;
  std::vector<IpPrefix> blocks;
  const std::uint64_t take = limit ? std::min<std::uint64_t>(limit, count) : count;
  for (std::uint64_t i = 0; i < take; ++i)
    blocks.push_back(block_at(pool, block_size, (start + i) % count));
  return blocks;
}

struct Ipam::Pool {
  std::string name;
  api::IpPoolView view;
};

Ipam::Ipam(api::Datastore& datastore) : datastore_(datastore) {}

Result<api::IpamConfig> Ipam::config() {
  auto stored = datastore_.get(api::ipam_config_key());
  if (stored.is(DatastoreErrorKind::NotFound)) return api::IpamConfig{};
  if (!stored) return error_of(stored.error());
  return api::decode_ipam_config(stored->key, stored->value);
}

Result<std::vector<Ipam::Pool>> Ipam::usable_pools(IpFamily family,
                                                   const AutoAssignRequest& request) {
  api::ResourceStore store(datastore_);
  auto listed = store.list(api::Kind::kIPPool);
  if (!listed) return error_of(listed.error());
  // Requested pools are named by name or by CIDR, as Calico's plugin resolves them.
  const auto& explicit_names = family == IpFamily::kV4 ? request.pools_v4 : request.pools_v6;
  const auto names_pool = [](const std::string& entry, const Pool& pool) {
    if (entry == pool.name) return true;
    auto cidr = IpPrefix::parse(entry);
    return cidr && *cidr == pool.view.cidr;
  };
  for (const auto& entry : explicit_names) {
    auto cidr = IpPrefix::parse(entry);
    if (cidr && cidr->family() != family) {
      return Error{fmt::format("the given pool ({}) is not an IPv{} pool", entry,
                               family == IpFamily::kV4 ? 4 : 6)};
    }
  }
  std::vector<Pool> pools;
  for (const auto& resource : listed->items) {  // listed by key: sorted by name, as Calico
    Pool pool{resource.metadata.name, api::ip_pool_view(resource)};
    if (!explicit_names.empty() && pool.view.cidr.family() != family &&
        std::any_of(explicit_names.begin(), explicit_names.end(),
                    [&](const std::string& entry) { return entry == pool.name; })) {
      return Error{fmt::format("the given pool ({}) is not an IPv{} pool", pool.name,
                               family == IpFamily::kV4 ? 4 : 6)};
    }
    if (pool.view.cidr.family() != family || pool.view.disabled) continue;
    if (!explicit_names.empty()) {
      if (std::none_of(explicit_names.begin(), explicit_names.end(),
                       [&](const std::string& entry) { return names_pool(entry, pool); }))
        continue;
    } else {
      if (pool.view.manual_assignment || !pool.view.node_selector.matches(request.node_labels))
        continue;
    }
    if (request.use == Use::kWorkload ? !pool.view.workload : !pool.view.tunnel) continue;
    pools.push_back(std::move(pool));
  }
  for (const auto& name : explicit_names) {
    if (std::none_of(pools.begin(), pools.end(),
                     [&](const Pool& p) { return names_pool(name, p); })) {
      return Error{fmt::format("the given pool ({}) does not exist, or is not enabled", name)};
    }
  }
  return pools;
}

Result<std::vector<IpPrefix>> Ipam::reservations() {
  api::ResourceStore store(datastore_);
  auto listed = store.list(api::Kind::kIPReservation);
  if (!listed) return error_of(listed.error());
  std::vector<IpPrefix> reserved;
  for (const auto& resource : listed->items) {
    if (!resource.spec.contains("reservedCIDRs")) continue;
    for (const auto& entry : resource.spec["reservedCIDRs"]) {
      const std::string text = entry.get<std::string>();
      if (auto prefix = IpPrefix::parse_interface(text)) {
        reserved.push_back(*prefix);
      } else if (auto address = IpAddress::parse(text)) {
        reserved.push_back(IpPrefix::host(*address));
      }
    }
  }
  return reserved;
}

Status Ipam::change_handle(const std::string& handle_id, const IpPrefix& block, int delta) {
  const std::string key = api::handle_key(handle_id);
  const std::string cidr = block.to_string();
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto stored = datastore_.get(key);
    api::IpamHandle handle;
    if (stored) {
      auto decoded = api::decode_handle(key, stored->value);
      if (!decoded) return decoded.error();
      handle = *decoded;
    } else if (!stored.is(DatastoreErrorKind::NotFound)) {
      return error_of(stored.error());
    }
    handle.block[cidr] += delta;
    if (handle.block[cidr] <= 0) handle.block.erase(cidr);

    api::DatastoreResult<api::Revision> written = api::Revision{0};
    if (!stored) {
      if (handle.block.empty()) return {};
      written = datastore_.create(key, api::encode(handle));
    } else if (handle.block.empty()) {
      auto removed = datastore_.remove(key, stored->revision);
      if (removed) return {};
      written = removed.error();
    } else {
      written = datastore_.update(key, api::encode(handle), stored->revision);
    }
    if (written) return {};
    if (!written.is(DatastoreErrorKind::Conflict) &&
        !written.is(DatastoreErrorKind::AlreadyExists) &&
        !written.is(DatastoreErrorKind::NotFound)) {
      return error_of(written.error());
    }
    back_off(attempt);
  }
  return Error{
      fmt::format("handle {}: max retries hit - excessive concurrent IPAM requests", handle_id)};
}

// Claims `cidr` for `node`: a pending affinity, then the block with our affinity, then the
// affinity confirmed. False when another node got the block first.
Result<bool> Ipam::claim_block(const std::string& node, const IpPrefix& cidr) {
  const std::string affinity_key = api::block_affinity_key(node, cidr);
  const std::string pending =
      api::encode(api::BlockAffinity{.state = api::AffinityState::kPending});
  auto affinity = datastore_.create(affinity_key, pending);
  if (affinity.is(DatastoreErrorKind::AlreadyExists)) {
    affinity = datastore_.put(affinity_key, pending);
  }
  if (!affinity) return error_of(affinity.error());

  const std::string host = "host:" + node;
  auto block =
      datastore_.create(api::block_key(cidr), api::encode(AllocationBlock::empty(cidr, host)));
  if (block.is(DatastoreErrorKind::AlreadyExists)) {
    auto existing = datastore_.get(api::block_key(cidr));
    if (!existing) return error_of(existing.error());
    auto decoded = api::decode_block(existing->key, existing->value);
    if (!decoded) return decoded.error();
    if (decoded->affinity != host) {
      (void)datastore_.remove(affinity_key);  // someone else's block: our claim goes
      return false;
    }
  } else if (!block) {
    return error_of(block.error());
  }
  auto confirmed = datastore_.put(affinity_key, api::encode(api::BlockAffinity{}));
  if (!confirmed) return error_of(confirmed.error());
  return true;
}

// Assigns up to `count` addresses in the block (only if its affinity is `required_host`,
// unless that is empty: borrowing). Returns how many it assigned; 0 if the block is missing
// or full.
Result<int> Ipam::assign_in_block(const IpPrefix& cidr, int count,
                                  const AllocationAttribute& attribute,
                                  const std::string& required_host,
                                  const std::vector<IpPrefix>& reserved,
                                  std::vector<AssignedAddress>& out) {
  const std::string key = api::block_key(cidr);
  const IsReserved is_reserved = [&](const IpAddress& address) {
    return std::any_of(reserved.begin(), reserved.end(),
                       [&](const IpPrefix& r) { return r.contains(address); });
  };
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto stored = datastore_.get(key);
    if (stored.is(DatastoreErrorKind::NotFound)) return 0;
    if (!stored) return error_of(stored.error());
    auto block = api::decode_block(key, stored->value);
    if (!block) return block.error();
    if (!required_host.empty() && block->affinity != required_host) return 0;
    auto assigned = assign(*block, count, attribute, is_reserved);
    if (assigned.empty()) return 0;
    // The handle first, as Calico does: a crash before the block write leaves a handle that
    // `tabbyctl ipam check` reports, never an address nobody can release.
    const int n = static_cast<int>(assigned.size());
    if (attribute.handle_id) {
      if (auto status = change_handle(*attribute.handle_id, cidr, n); !status)
        return status.error();
    }
    auto written = datastore_.update(key, api::encode(*block), stored->revision);
    if (written) {
      for (const auto& address : assigned)
        out.push_back({address, cidr.length()});
      return n;
    }
    if (attribute.handle_id) (void)change_handle(*attribute.handle_id, cidr, -n);
    if (!written.is(DatastoreErrorKind::Conflict) && !written.is(DatastoreErrorKind::NotFound)) {
      return error_of(written.error());
    }
    back_off(attempt);
  }
  return Error{fmt::format("block {}: max retries hit - excessive concurrent IPAM requests",
                           cidr.to_string())};
}

Result<std::vector<AssignedAddress>> Ipam::assign_family(IpFamily family, int count,
                                                         const AutoAssignRequest& request) {
  std::vector<AssignedAddress> got;
  if (count <= 0) return got;
  auto pools = usable_pools(family, request);
  if (!pools) return pools.error();
  if (pools->empty()) {
    return Error{fmt::format("no configured Calico pools for node {} ({}, {} use)", request.node,
                             family_name(family),
                             request.use == Use::kWorkload ? "Workload" : "Tunnel")};
  }
  auto reserved = reservations();
  if (!reserved) return reserved.error();
  auto ipam_config = config();
  if (!ipam_config) return ipam_config.error();
  int limit = request.max_blocks_per_host;
  if (ipam_config->max_blocks_per_host > 0) {
    limit = limit > 0 ? std::min<int>(limit, static_cast<int>(ipam_config->max_blocks_per_host))
                      : static_cast<int>(ipam_config->max_blocks_per_host);
  }
  if (limit <= 0) limit = kDefaultBlockLimit;

  AllocationAttribute attribute;
  if (!request.handle_id.empty()) attribute.handle_id = request.handle_id;
  attribute.secondary = request.attributes;
  const std::string host = "host:" + request.node;
  const auto in_pools = [&](const IpPrefix& block) {
    return std::any_of(pools->begin(), pools->end(),
                       [&](const Pool& p) { return p.view.cidr.contains(block); });
  };

  // 1. This node's blocks in the usable pools.
  auto affinities = datastore_.list(api::host_affinity_prefix(request.node, family));
  if (!affinities) return error_of(affinities.error());
  std::vector<IpPrefix> affine;
  for (const auto& entry : affinities->entries) {
    auto cidr = api::block_cidr_from_key(entry.key);
    if (!cidr) continue;
    if (in_pools(*cidr)) {
      affine.push_back(*cidr);
    } else if (request.pools_v4.empty() && request.pools_v6.empty() &&
               request.use == Use::kWorkload) {
      // A pool that no longer selects this node: its empty blocks go back, as in Calico.
      if (auto status = release_affinity(request.node, *cidr, /*only_if_empty=*/true); !status) {
        return status.error();
      }
    }
  }
  for (const auto& cidr : affine) {
    if (static_cast<int>(got.size()) == count) break;
    if (wholly_reserved(cidr, *reserved)) continue;
    auto n = assign_in_block(cidr, count - static_cast<int>(got.size()), attribute, host, *reserved,
                             got);
    if (!n) return n.error();
  }
  // Served by its own blocks, as most requests are: no need to read every block of the family.
  if (static_cast<int>(got.size()) == count) return got;

  // 2. New blocks, while the node may claim more.
  std::string why_short;
  auto all_blocks = datastore_.list(api::block_prefix(family));
  if (!all_blocks) return error_of(all_blocks.error());
  std::set<IpPrefix> existing;
  for (const auto& entry : all_blocks->entries) {
    if (auto cidr = api::block_cidr_from_key(entry.key)) existing.insert(*cidr);
  }
  int owned = static_cast<int>(affine.size());
  for (const auto& pool : *pools) {
    if (static_cast<int>(got.size()) == count) break;
    const std::uint64_t blocks = block_count(pool.view.cidr, pool.view.block_size);
    const std::uint64_t start = fnv1_32(request.node) % blocks;
    // At most `existing` blocks are taken, so the first existing + 1 unreserved candidates
    // hold a free one if the pool has any.
    std::uint64_t budget = std::min<std::uint64_t>(blocks, existing.size() + 1 + reserved->size());
    for (std::uint64_t i = 0; i < blocks && budget > 0 && static_cast<int>(got.size()) < count;
         ++i) {
      const IpPrefix cidr = block_at(pool.view.cidr, pool.view.block_size, (start + i) % blocks);
      if (existing.contains(cidr) || wholly_reserved(cidr, *reserved)) continue;
      --budget;
      if (owned >= limit) {
        return Error{
            fmt::format("Assigned {} out of {} requested {} addresses; cannot allocate new "
                        "block due to per host block limit",
                        got.size(), count, family_name(family))};
      }
      if (!ipam_config->auto_allocate_blocks) break;
      auto claimed = claim_block(request.node, cidr);
      if (!claimed) return claimed.error();
      existing.insert(cidr);
      if (!*claimed) continue;
      ++owned;
      auto n = assign_in_block(cidr, count - static_cast<int>(got.size()), attribute, host,
                               *reserved, got);
      if (!n) return n.error();
    }
  }

  // 3. Borrow from other nodes' blocks.
  if (static_cast<int>(got.size()) < count) {
    if (ipam_config->strict_affinity) {
      why_short = "No more free affine blocks and strict affinity enabled";
    } else {
      for (const auto& pool : *pools) {
        for (const auto& cidr : existing) {
          if (static_cast<int>(got.size()) == count) break;
          if (!pool.view.cidr.contains(cidr) || wholly_reserved(cidr, *reserved)) continue;
          auto n = assign_in_block(cidr, count - static_cast<int>(got.size()), attribute, "",
                                   *reserved, got);
          if (!n) return n.error();
        }
      }
      std::vector<std::string> names;
      for (const auto& pool : *pools)
        names.push_back(pool.view.cidr.to_string());
      why_short = fmt::format("No IPs available in pools: [{}]", fmt::join(names, " "));
    }
  }
  if (static_cast<int>(got.size()) < count) {
    // Give back what this request got: all or nothing.
    std::vector<IpAddress> partial;
    for (const auto& a : got)
      partial.push_back(a.address);
    (void)release_ips(partial);
    return Error{fmt::format("Assigned {} out of {} requested {} addresses; {}", got.size(), count,
                             family_name(family), why_short)};
  }
  return got;
}

Result<AutoAssignResult> Ipam::auto_assign(const AutoAssignRequest& request) {
  AutoAssignResult result;
  auto v4 = assign_family(IpFamily::kV4, request.num_v4, request);
  if (!v4) return v4.error();
  result.v4 = std::move(*v4);
  auto v6 = assign_family(IpFamily::kV6, request.num_v6, request);
  if (!v6) {
    std::vector<IpAddress> back;
    for (const auto& a : result.v4)
      back.push_back(a.address);
    (void)release_ips(back);
    return v6.error();
  }
  result.v6 = std::move(*v6);
  return result;
}

Status Ipam::assign_ip(const IpAddress& address, const std::string& handle_id,
                       const std::map<std::string, std::string>& attributes,
                       const std::string& node) {
  api::ResourceStore store(datastore_);
  auto listed = store.list(api::Kind::kIPPool);
  if (!listed) return error_of(listed.error());
  std::optional<api::IpPoolView> pool;
  for (const auto& resource : listed->items) {
    auto view = api::ip_pool_view(resource);
    if (view.cidr.contains(address)) pool = view;
  }
  if (!pool)
    return Error{
        fmt::format("The provided IP address {} is not in a configured pool", address.to_string())};
  const IpPrefix cidr = IpPrefix(address, pool->block_size);
  auto ipam_config = config();
  if (!ipam_config) return ipam_config.error();
  AllocationAttribute attribute{handle_id.empty() ? std::nullopt : std::optional(handle_id),
                                attributes};
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto stored = datastore_.get(api::block_key(cidr));
    if (stored.is(DatastoreErrorKind::NotFound)) {
      auto claimed = claim_block(node, cidr);
      if (!claimed) return claimed.error();
      continue;
    }
    if (!stored) return error_of(stored.error());
    auto block = api::decode_block(stored->key, stored->value);
    if (!block) return block.error();
    if (ipam_config->strict_affinity && block->affinity != "host:" + node) {
      return Error{fmt::format("Block host affinity does not match for {}", address.to_string())};
    }
    if (!ipam::assign_address(*block, address, attribute)) {
      return Error{fmt::format("Address already assigned in block: {}", address.to_string())};
    }
    if (!handle_id.empty()) {
      if (auto status = change_handle(handle_id, cidr, 1); !status) return status;
    }
    auto written = datastore_.update(stored->key, api::encode(*block), stored->revision);
    if (written) return {};
    if (!handle_id.empty()) (void)change_handle(handle_id, cidr, -1);
    if (!written.is(DatastoreErrorKind::Conflict)) return error_of(written.error());
    back_off(attempt);
  }
  return Error{"assign " + address.to_string() +
               ": max retries hit - excessive concurrent IPAM requests"};
}

api::DatastoreResult<api::Revision> Ipam::write_back(const std::string& key,
                                                     const AllocationBlock& block,
                                                     api::Revision revision) {
  // An empty block without an owner goes (Calico keeps empty blocks only while affine).
  if (is_empty(block) && !block.affinity) {
    auto removed = datastore_.remove(key, revision);
    if (!removed) return removed.error();
    return removed->revision;
  }
  return datastore_.update(key, api::encode(block), revision);
}

Result<bool> Ipam::pool_selects(const IpPrefix& block, const std::string& node) {
  api::ResourceStore store(datastore_);
  auto resource = store.get(api::Kind::kNode, "", node);
  api::Labels labels;
  if (resource) {
    labels = resource->metadata.labels;
  } else if (!resource.is(DatastoreErrorKind::NotFound)) {
    return Error{resource.error().message};
  }
  auto pools = store.list(api::Kind::kIPPool);
  if (!pools) return Error{pools.error().message};
  for (const auto& pool : pools->items) {
    const auto view = api::ip_pool_view(pool);
    if (view.cidr.contains(block) && !view.disabled && view.node_selector.matches(labels))
      return true;
  }
  return false;
}

Status Ipam::release_affinity(const std::string& node, const IpPrefix& cidr, bool only_if_empty) {
  const std::string affinity_key = api::block_affinity_key(node, cidr);
  const std::string block_key = api::block_key(cidr);
  auto affinity = datastore_.get(affinity_key);
  if (affinity.is(DatastoreErrorKind::NotFound)) return {};
  if (!affinity) return error_of(affinity.error());
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto stored = datastore_.get(block_key);
    if (stored.is(DatastoreErrorKind::NotFound)) break;
    if (!stored) return error_of(stored.error());
    auto block = api::decode_block(block_key, stored->value);
    if (!block) return block.error();
    if (block->affinity != "host:" + node) break;  // not ours (any more): only the affinity goes
    if (!is_empty(*block) && only_if_empty) return {};
    auto pending = datastore_.put(
        affinity_key,
        api::encode(api::BlockAffinity{.state = api::AffinityState::kPendingDeletion}));
    if (!pending) return error_of(pending.error());
    block->affinity.reset();
    auto written = write_back(block_key, *block, stored->revision);
    if (written) break;
    if (!written.is(DatastoreErrorKind::Conflict)) return error_of(written.error());
    back_off(attempt);
  }
  auto removed = datastore_.remove(affinity_key);
  if (!removed && !removed.is(DatastoreErrorKind::NotFound)) return error_of(removed.error());
  return {};
}

Status Ipam::release_pool_affinities(const IpPrefix& pool) {
  constexpr std::string_view kHostPrefix = "/calico/ipam/v2/host/";
  auto affinities = datastore_.list(kHostPrefix);
  if (!affinities) return error_of(affinities.error());
  for (const auto& entry : affinities->entries) {
    auto cidr = api::block_cidr_from_key(entry.key);
    if (!cidr || !pool.contains(*cidr)) continue;
    const std::string_view rest = std::string_view(entry.key).substr(kHostPrefix.size());
    const std::string node(rest.substr(0, rest.find('/')));
    if (auto status = release_affinity(node, *cidr); !status) return status;
  }
  return {};
}

Status Ipam::remove_host(const std::string& node) {
  for (IpFamily family : {IpFamily::kV4, IpFamily::kV6}) {
    auto affinities = datastore_.list(api::host_affinity_prefix(node, family));
    if (!affinities) return error_of(affinities.error());
    for (const auto& entry : affinities->entries) {
      auto cidr = api::block_cidr_from_key(entry.key);
      if (!cidr) continue;
      if (auto status = release_affinity(node, *cidr); !status) return status;
    }
  }
  return {};
}

Status Ipam::release_in_blocks(const std::map<IpPrefix, std::vector<IpAddress>>& by_block,
                               std::vector<IpAddress>& not_allocated) {
  for (const auto& [cidr, addresses] : by_block) {
    const std::string key = api::block_key(cidr);
    bool done = false;
    for (int attempt = 0; attempt < kMaxAttempts && !done; ++attempt) {
      auto stored = datastore_.get(key);
      if (stored.is(DatastoreErrorKind::NotFound)) {
        not_allocated.insert(not_allocated.end(), addresses.begin(), addresses.end());
        done = true;
        break;
      }
      if (!stored) return error_of(stored.error());
      auto block = api::decode_block(key, stored->value);
      if (!block) return block.error();
      BlockRelease released = release(*block, addresses);
      if (released.released.empty()) {
        not_allocated.insert(not_allocated.end(), released.not_allocated.begin(),
                             released.not_allocated.end());
        done = true;
        break;
      }
      const bool drop = is_empty(*block) && !block->affinity;
      auto written = write_back(key, *block, stored->revision);
      if (written) {
        not_allocated.insert(not_allocated.end(), released.not_allocated.begin(),
                             released.not_allocated.end());
        for (const auto& [handle, n] : released.by_handle) {
          if (auto status = change_handle(handle, cidr, -n); !status) return status;
        }
        // An emptied block whose pool no longer selects its node goes back, as in Calico.
        if (!drop && is_empty(*block) && block->affinity && block->affinity->starts_with("host:")) {
          const std::string owner = block->affinity->substr(5);
          auto selected = pool_selects(cidr, owner);
          if (!selected) return selected.error();
          if (!*selected) {
            if (auto status = release_affinity(owner, cidr, /*only_if_empty=*/true); !status)
              return status;
          }
        }
        done = true;
      } else if (!written.is(DatastoreErrorKind::Conflict)) {
        return error_of(written.error());
      } else {
        back_off(attempt);
      }
    }
    if (!done)
      return Error{"block " + cidr.to_string() +
                   ": max retries hit - excessive concurrent IPAM requests"};
  }
  return {};
}

Result<std::vector<IpAddress>> Ipam::release_ips(const std::vector<IpAddress>& addresses) {
  std::vector<IpAddress> not_allocated;
  if (addresses.empty()) return not_allocated;
  // Group by block: the pool's block size says which block an address lives in; addresses
  // outside every pool are looked for among the existing blocks.
  api::ResourceStore store(datastore_);
  auto listed = store.list(api::Kind::kIPPool);
  if (!listed) return error_of(listed.error());
  std::map<IpPrefix, std::vector<IpAddress>> by_block;
  for (const auto& address : addresses) {
    std::optional<IpPrefix> cidr;
    for (const auto& resource : listed->items) {
      auto view = api::ip_pool_view(resource);
      if (view.cidr.contains(address)) cidr = IpPrefix(address, view.block_size);
    }
    if (!cidr) {
      auto blocks = datastore_.list(api::block_prefix(address.family()));
      if (!blocks) return error_of(blocks.error());
      for (const auto& entry : blocks->entries) {
        auto block_cidr = api::block_cidr_from_key(entry.key);
        if (block_cidr && block_cidr->contains(address)) cidr = *block_cidr;
      }
    }
    if (!cidr) {
      not_allocated.push_back(address);
      continue;
    }
    by_block[*cidr].push_back(address);
  }
  if (auto status = release_in_blocks(by_block, not_allocated); !status) return status.error();
  return not_allocated;
}

Status Ipam::release_by_handle(const std::string& handle_id) {
  const std::string key = api::handle_key(handle_id);
  auto stored = datastore_.get(key);
  if (stored.is(DatastoreErrorKind::NotFound)) return {};
  if (!stored) return error_of(stored.error());
  auto handle = api::decode_handle(key, stored->value);
  if (!handle) return handle.error();
  for (const auto& [cidr_text, held] : handle->block) {
    auto cidr = IpPrefix::parse(cidr_text);
    if (!cidr) continue;
    const std::string block_key = api::block_key(*cidr);
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
      auto block_stored = datastore_.get(block_key);
      if (block_stored.is(DatastoreErrorKind::NotFound)) break;
      if (!block_stored) return error_of(block_stored.error());
      auto block = api::decode_block(block_key, block_stored->value);
      if (!block) return block.error();
      BlockRelease released = release_handle(*block, handle_id);
      if (released.released.empty()) break;
      auto written = write_back(block_key, *block, block_stored->revision);
      if (written) break;
      if (!written.is(DatastoreErrorKind::Conflict)) return error_of(written.error());
      back_off(attempt);
    }
  }
  // The handle goes once nothing is held under it.
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto current = datastore_.get(key);
    if (current.is(DatastoreErrorKind::NotFound)) return {};
    if (!current) return error_of(current.error());
    auto removed = datastore_.remove(key, current->revision);
    if (removed || removed.is(DatastoreErrorKind::NotFound)) return {};
    if (!removed.is(DatastoreErrorKind::Conflict)) return error_of(removed.error());
    back_off(attempt);
  }
  return Error{"handle " + handle_id + ": max retries hit - excessive concurrent IPAM requests"};
}

}  // namespace tabby::ipam
