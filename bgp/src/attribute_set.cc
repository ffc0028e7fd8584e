// Interning: a multimap from hash to live entries. Each entry is one allocation that holds the
// attributes, their reference count, their hash and the table; the last handle to go takes it
// out of the table, so the table never holds a dead entry.

#include "tabby/bgp/attribute_set.h"

#include <functional>
#include <unordered_map>

namespace tabby::bgp {
namespace {

void mix(std::size_t& seed, std::size_t value) {
  // boost::hash_combine's constant: spreads the bits of each field over the seed.
  seed ^= value + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2);
}

void mix_address(std::size_t& seed, const IpAddress& address) {
  mix(seed, static_cast<std::size_t>(address.family()));
  for (std::size_t i = 0; i < address.byte_length(); ++i)
    mix(seed, address.bytes()[i]);
}

void mix_path(std::size_t& seed, const AsPath& path) {
  for (const auto& segment : path.segments) {
    mix(seed, static_cast<std::size_t>(segment.type));
    for (auto as : segment.asns)
      mix(seed, as);
  }
}

}  // namespace

std::size_t hash_value(const PathAttributes& a) {
  std::size_t h = 0;
  mix(h, a.origin ? static_cast<std::size_t>(*a.origin) + 1 : 0);
  if (a.as_path) mix_path(h, *a.as_path);
  if (a.next_hop) mix_address(h, *a.next_hop);
  mix(h, a.med ? *a.med + 1ULL : 0);
  mix(h, a.local_pref ? *a.local_pref + 1ULL : 0);
  mix(h, a.atomic_aggregate ? 1 : 0);
  if (a.aggregator) mix(h, a.aggregator->as);
  for (auto c : a.communities)
    mix(h, c);
  if (a.originator_id) mix_address(h, *a.originator_id);
  for (const auto& id : a.cluster_list)
    mix_address(h, id);
  if (a.mp_reach) {
    mix_address(h, a.mp_reach->next_hop);
    mix(h, a.mp_reach->nlri.size());
  }
  for (const auto& c : a.large_communities) {
    mix(h, c.global_administrator);
    mix(h, c.local_data_1);
    mix(h, c.local_data_2);
  }
  for (const auto& u : a.unknown) {
    mix(h, u.type);
    mix(h, u.value.size());
  }
  return h;
}

namespace {

// The interned set with what its table needs: the hash it is filed under, and the table itself
// (shared, so that sets may outlive the interner).
struct Entry : detail::InternedAttributes {
  Entry(PathAttributes a, std::size_t h, std::shared_ptr<AttributeInterner::Table> t)
      : InternedAttributes(std::move(a)), hash(h), table(std::move(t)) {}

  std::size_t hash;
  std::shared_ptr<AttributeInterner::Table> table;
};

}  // namespace

struct AttributeInterner::Table {
  std::unordered_multimap<std::size_t, const Entry*> entries;
};

namespace detail {

void release_last(const InternedAttributes* set) {
  const auto* entry = static_cast<const Entry*>(set);
  auto& entries = entry->table->entries;
  auto [first, last] = entries.equal_range(entry->hash);
  for (auto it = first; it != last; ++it) {
    if (it->second == entry) {
      entries.erase(it);
      break;
    }
  }
  delete entry;
}

}  // namespace detail

AttributeInterner::AttributeInterner() : table_(std::make_shared<Table>()) {}
AttributeInterner::~AttributeInterner() = default;

AttributeSet AttributeInterner::intern(PathAttributes attributes) {
  attributes.placement.clear();
  const std::size_t h = hash_value(attributes);
  auto [first, last] = table_->entries.equal_range(h);
  for (auto it = first; it != last; ++it)
    if (it->second->attributes == attributes) return AttributeSet(it->second);
  const auto* entry = new Entry(std::move(attributes), h, table_);
  table_->entries.emplace(h, entry);
  return AttributeSet(entry);
}

std::size_t AttributeInterner::size() const {
  return table_->entries.size();
}

}  // namespace tabby::bgp
