#pragma once
// Splitting an IP pool into smaller ones, as `calicoctl ipam split` does: the pool is disabled
// (no new address is taken from it), `parts` pools named split-<name>-<i> are created over its
// range with its settings, each a power-of-two part of its CIDR, and the pool is deleted without
// touching its blocks or affinities: every block now lies in one of the new pools, which its
// node keeps using. calicoctl insists on a datastore lock first; tabby has no lock, and the
// disabled pool keeps new allocations off it while the parts are made.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tabby/api/datastore.h"
#include "tabby/common/ip.h"
#include "tabby/common/result.h"

namespace tabby::ipam {

struct SplitPart {
  std::string name;
  IpPrefix cidr;
};

// The pool is named by `name`, or by `cidr` (exactly its CIDR) when name is empty. `parts` must
// be a power of two, at least 2, and each part at least one block. Returns the new pools.
Result<std::vector<SplitPart>> split_ip_pool(api::Datastore& datastore, std::string_view name,
                                             std::optional<IpPrefix> cidr, int parts);

}  // namespace tabby::ipam
