#include "tabby/ipam/block_operations.h"

#include <algorithm>
#include <set>

namespace tabby::ipam {

using api::AllocationAttribute;
using api::AllocationBlock;

IpAddress address_of(const AllocationBlock& block, int ordinal) {
  return block.cidr.address().plus(static_cast<std::uint64_t>(ordinal));
}

std::optional<int> ordinal_of(const AllocationBlock& block, const IpAddress& address) {
  if (!block.cidr.contains(address)) return std::nullopt;
  // Blocks are at most /20 (IPv4) or /116 (IPv6): the offset lives in the low 8 bytes.
  const std::size_t bytes = address.byte_length();
  std::uint64_t host = 0, base = 0;
  for (std::size_t i = bytes >= 8 ? bytes - 8 : 0; i < bytes; ++i) {
    host = (host << 8) | address.bytes()[i];
    base = (base << 8) | block.cidr.address().bytes()[i];
  }
  const std::uint64_t offset = host - base;
  if (offset >= block.allocations.size()) return std::nullopt;
  return static_cast<int>(offset);
}

int free_count(const AllocationBlock& block, const IsReserved& reserved) {
  return static_cast<int>(
      std::count_if(block.unallocated.begin(), block.unallocated.end(),
                    [&](int ordinal) { return !reserved(address_of(block, ordinal)); }));
}

bool is_empty(const AllocationBlock& block) {
  return std::none_of(block.allocations.begin(), block.allocations.end(),
                      [](const std::optional<int>& a) { return a.has_value(); });
}

namespace {

// The index of an equal attribute entry, or a new one.
int attribute_index(AllocationBlock& block, const AllocationAttribute& attribute) {
  const auto it = std::find(block.attributes.begin(), block.attributes.end(), attribute);
  if (it != block.attributes.end()) return static_cast<int>(it - block.attributes.begin());
  block.attributes.push_back(attribute);
  return static_cast<int>(block.attributes.size() - 1);
}

void record(AllocationBlock& block, int ordinal, int attribute) {
  block.allocations[static_cast<std::size_t>(ordinal)] = attribute;
  block.sequence_number_for_allocation[std::to_string(ordinal)] = block.sequence_number;
}

// Drops attribute entries no allocation refers to any more, renumbering the references.
void drop_unused_attributes(AllocationBlock& block) {
  std::vector<int> used(block.attributes.size(), 0);
  for (const auto& a : block.allocations) {
    if (a && *a >= 0 && static_cast<std::size_t>(*a) < used.size())
      ++used[static_cast<std::size_t>(*a)];
  }
  std::vector<int> new_index(block.attributes.size(), -1);
  std::vector<AllocationAttribute> kept;
  for (std::size_t i = 0; i < block.attributes.size(); ++i) {
    if (used[i] == 0) continue;
    new_index[i] = static_cast<int>(kept.size());
    kept.push_back(std::move(block.attributes[i]));
  }
  block.attributes = std::move(kept);
  for (auto& a : block.allocations) {
    if (a && *a >= 0 && static_cast<std::size_t>(*a) < new_index.size())
      a = new_index[static_cast<std::size_t>(*a)];
  }
}

BlockRelease release_ordinals(AllocationBlock& block, const std::vector<int>& ordinals) {
  BlockRelease result;
  std::set<int> done;
  for (int ordinal : ordinals) {
    if (done.contains(ordinal)) continue;
    done.insert(ordinal);
    auto& slot = block.allocations[static_cast<std::size_t>(ordinal)];
    if (!slot) {
      result.not_allocated.push_back(address_of(block, ordinal));
      continue;
    }
    const int index = *slot;
    if (index >= 0 && static_cast<std::size_t>(index) < block.attributes.size()) {
      if (const auto& handle = block.attributes[static_cast<std::size_t>(index)].handle_id) {
        ++result.by_handle[*handle];
      }
    }
    slot.reset();
    block.unallocated.push_back(ordinal);
    block.sequence_number_for_allocation.erase(std::to_string(ordinal));
    result.released.push_back(address_of(block, ordinal));
  }
  if (!result.released.empty()) {
    drop_unused_attributes(block);
    ++block.sequence_number;
  }
  return result;
}

}  // namespace

std::vector<IpAddress> assign(AllocationBlock& block, int count,
                              const AllocationAttribute& attribute, const IsReserved& reserved) {
  std::vector<IpAddress> assigned;
  if (count <= 0) return assigned;
  std::vector<int> taken;
  for (int ordinal : block.unallocated) {
    if (static_cast<int>(taken.size()) == count) break;
    if (!reserved(address_of(block, ordinal))) taken.push_back(ordinal);
  }
  if (taken.empty()) return assigned;
  const int index = attribute_index(block, attribute);
  for (int ordinal : taken) {
    record(block, ordinal, index);
    assigned.push_back(address_of(block, ordinal));
  }
  // Reserved ordinals stay where they were in the order.
  std::erase_if(block.unallocated, [&](int ordinal) {
    return std::find(taken.begin(), taken.end(), ordinal) != taken.end();
  });
  ++block.sequence_number;
  return assigned;
}

bool assign_address(AllocationBlock& block, const IpAddress& address,
                    const AllocationAttribute& attribute) {
  const auto ordinal = ordinal_of(block, address);
  if (!ordinal || block.allocations[static_cast<std::size_t>(*ordinal)]) return false;
  record(block, *ordinal, attribute_index(block, attribute));
  std::erase(block.unallocated, *ordinal);
  ++block.sequence_number;
  return true;
}

BlockRelease release(AllocationBlock& block, const std::vector<IpAddress>& addresses) {
  std::vector<int> ordinals;
  BlockRelease outside;
  for (const auto& address : addresses) {
    if (auto ordinal = ordinal_of(block, address)) {
      ordinals.push_back(*ordinal);
    } else {
      outside.not_allocated.push_back(address);
    }
  }
  BlockRelease result = release_ordinals(block, ordinals);
  result.not_allocated.insert(result.not_allocated.end(), outside.not_allocated.begin(),
                              outside.not_allocated.end());
  return result;
}

BlockRelease release_handle(AllocationBlock& block, const std::string& handle_id) {
  std::vector<int> ordinals;
  for (std::size_t ordinal = 0; ordinal < block.allocations.size(); ++ordinal) {
    const auto& slot = block.allocations[ordinal];
    if (!slot || *slot < 0 || static_cast<std::size_t>(*slot) >= block.attributes.size()) continue;
    if (block.attributes[static_cast<std::size_t>(*slot)].handle_id == handle_id) {
      ordinals.push_back(static_cast<int>(ordinal));
    }
  }
  return release_ordinals(block, ordinals);
}

}  // namespace tabby::ipam
