#pragma once
// Looking at IPAM as a whole, for `tabbyctl ipam show|check`: usage per pool and block, what
// holds one address, and a consistency check that finds what a crash between two IPAM writes
// (or an old bug) can leave behind: handles whose counts disagree with the blocks, handles
// holding nothing, allocations whose handle is missing, affinities to blocks that another
// node owns or that do not exist, allocations outside every pool, and addresses allocated to
// a pod that no WorkloadEndpoint uses any more (leaks).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tabby/api/datastore.h"
#include "tabby/common/ip.h"
#include "tabby/common/result.h"

namespace tabby::ipam {

struct BlockUsage {
  IpPrefix cidr;
  std::uint64_t total = 0;
  std::uint64_t in_use = 0;
  std::string affinity;  // "host:node1", or "" when none
};

struct PoolUsage {
  std::string name;
  IpPrefix cidr;
  std::uint64_t total = 0;
  std::uint64_t in_use = 0;
  std::vector<BlockUsage> blocks;
};

Result<std::vector<PoolUsage>> ipam_usage(api::Datastore& datastore);

struct AddressOwner {
  IpPrefix block;
  std::optional<std::string> handle_id;
  std::map<std::string, std::string> attributes;
};
// Who holds the address; nullopt when it is not allocated.
Result<std::optional<AddressOwner>> address_owner(api::Datastore& datastore,
                                                  const IpAddress& address);

struct IpamProblem {
  std::string description;
  std::optional<IpAddress> address;  // an address `ipam release` can free to fix it
};

struct IpamCheckReport {
  std::size_t blocks = 0;
  std::size_t allocations = 0;
  std::size_t handles = 0;
  std::vector<IpamProblem> problems;
};

Result<IpamCheckReport> check_ipam(api::Datastore& datastore);

}  // namespace tabby::ipam
