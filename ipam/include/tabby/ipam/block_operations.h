#pragma once
// What happens inside one AllocationBlock when addresses are assigned and released, with
// calico-ipam's semantics (calico-node.md §3.4, §3.8) so blocks written by tabby and by
// Calico read the same: ordinals are handed out from the front of `unallocated` (a new block
// gives its network address first), reserved addresses are skipped but keep their place,
// released ordinals go to the back (least recently freed is reused first), all addresses of
// one request share one attribute entry, and attribute entries nobody uses any more are
// dropped. Pure: the caller reads and compare-and-swaps the block.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tabby/api/ipam_records.h"
#include "tabby/common/ip.h"

namespace tabby::ipam {

using IsReserved = std::function<bool(const IpAddress&)>;
inline const IsReserved kNothingReserved = [](const IpAddress&) { return false; };

IpAddress address_of(const api::AllocationBlock& block, int ordinal);
std::optional<int> ordinal_of(const api::AllocationBlock& block, const IpAddress& address);

// Free addresses that auto-assignment may hand out.
int free_count(const api::AllocationBlock& block, const IsReserved& reserved = kNothingReserved);
bool is_empty(const api::AllocationBlock& block);

// Assigns up to `count` addresses; returns those assigned (fewer when the block runs out).
std::vector<IpAddress> assign(api::AllocationBlock& block, int count,
                              const api::AllocationAttribute& attribute,
                              const IsReserved& reserved = kNothingReserved);
// Assigns one given address; false if it is taken (or not in the block).
bool assign_address(api::AllocationBlock& block, const IpAddress& address,
                    const api::AllocationAttribute& attribute);

struct BlockRelease {
  std::vector<IpAddress> released;
  std::vector<IpAddress> not_allocated;  // asked for, but free already (not an error)
  std::map<std::string, int> by_handle;  // handle id -> addresses released under it
};
// Releases the given addresses (those outside the block count as not allocated).
BlockRelease release(api::AllocationBlock& block, const std::vector<IpAddress>& addresses);
// Releases every address held under `handle_id`.
BlockRelease release_handle(api::AllocationBlock& block, const std::string& handle_id);

}  // namespace tabby::ipam
