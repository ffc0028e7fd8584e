#pragma once
// What this node holds of each IP pool, for the ipam_blocks and ipam_allocations_in_use
// metrics (the names and labels of Calico kube-controllers' IPAM metrics).

#include <cstddef>
#include <string>
#include <vector>

#include "tabby/agent/calc_inputs.h"

namespace tabby::agent {

struct PoolIpamUsage {
  std::string pool;        // the IPPool's name
  std::size_t blocks = 0;  // blocks with affinity to the node inside the pool
  std::size_t in_use = 0;  // allocated addresses in those blocks (tunnel addresses too)
  friend bool operator==(const PoolIpamUsage&, const PoolIpamUsage&) = default;
};

// One entry per IP pool (zeros for a pool the node has no block of), sorted by pool name. A
// block counts for the most specific pool containing it; blocks outside every pool count
// for none.
std::vector<PoolIpamUsage> ipam_usage(const ClusterSnapshot& snapshot, const std::string& node);

}  // namespace tabby::agent
