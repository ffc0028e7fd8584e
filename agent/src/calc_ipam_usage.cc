#include "tabby/agent/calc_ipam_usage.h"

#include <algorithm>
#include <map>

namespace tabby::agent {

std::vector<PoolIpamUsage> ipam_usage(const ClusterSnapshot& snapshot, const std::string& node) {
  std::map<std::string, PoolIpamUsage> usage;
  std::vector<std::pair<IpPrefix, std::string>> pools;  // CIDR, name
  for (const api::Resource& pool : snapshot.ip_pools) {
    usage[pool.metadata.name].pool = pool.metadata.name;
    pools.emplace_back(api::ip_pool_view(pool).cidr, pool.metadata.name);
  }
  for (const api::AllocationBlock& block : snapshot.blocks) {
    if (block.deleted || block.host() != node) continue;
    const std::pair<IpPrefix, std::string>* owner = nullptr;
    for (const auto& pool : pools) {
      if (!pool.first.contains(block.cidr)) continue;
      if (!owner || pool.first.length() > owner->first.length()) owner = &pool;
    }
    if (!owner) continue;
    PoolIpamUsage& counted = usage[owner->second];
    ++counted.blocks;
    counted.in_use += static_cast<std::size_t>(
        std::count_if(block.allocations.begin(), block.allocations.end(),
                      [](const std::optional<int>& attribute) { return attribute.has_value(); }));
  }
  std::vector<PoolIpamUsage> out;
  for (auto& [name, counted] : usage)
    out.push_back(std::move(counted));
  return out;
}

}  // namespace tabby::agent
