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

// An address whose allocation names a node other than its block's owner (a node that ran out
// of blocks of its own borrows from another's, or from a block with no owner), as
// `calicoctl ipam show --show-borrowed` lists them.
struct BorrowedAddress {
  IpAddress address;
  std::string borrowing_node;  // the allocation's "node" attribute
  IpPrefix block;
  std::string block_owner;   // the block's affinity host, "" when none
  std::string type;          // "pod", or the allocation's "type" attribute
  std::string allocated_to;  // "namespace/pod", or ""
};

struct BorrowedAddresses {
  std::vector<BorrowedAddress> borrowed;  // in block order, then address order
  std::size_t unclassified = 0;           // allocations that name no node at all
};

Result<BorrowedAddresses> borrowed_addresses(api::Datastore& datastore);

// What a problem is, for calicoctl's summary lines ("Found N IPs that are allocated in IPAM but
// not actually in use.").
enum class IpamProblemKind {
  kLeaked,         // a pod's address that no WorkloadEndpoint uses
  kOutsidePools,   // allocated, but in no IP pool
  kNotAllocated,   // a WorkloadEndpoint's address in a pool, with no IPAM allocation
  kEmptyHandle,    // a handle that holds no address
  kMissingHandle,  // an allocation naming a handle that does not exist
  kInconsistent,   // counts or affinities that disagree (a crash between two writes)
};

struct IpamProblem {
  std::string description;
  std::optional<IpAddress> address;  // an address `ipam release` can free to fix it
  IpamProblemKind kind = IpamProblemKind::kInconsistent;
  std::optional<std::string> handle;  // the handle concerned, when one is
};

// One allocated address, as `calicoctl ipam check -o REPORT` lists them.
struct IpamAllocation {
  IpAddress address;
  IpPrefix block;
  std::optional<std::string> handle;
  std::map<std::string, std::string> attributes;  // node, pod, namespace, type, timestamp, ...
  bool in_use = true;               // false: leaked (a pod's address no endpoint uses)
  bool borrowed = false;            // its node is not its block's owner
  std::vector<std::string> owners;  // "Workload(ns/name)", "Node(name)"
};

struct IpamCheckReport {
  std::size_t blocks = 0;
  std::size_t allocations = 0;
  std::size_t handles = 0;
  std::vector<IpamProblem> problems;
  std::vector<IpamAllocation> allocation_list;  // every allocated address, block by block
  // Handles that hold nothing, with the revision they were seen at.
  std::vector<std::pair<std::string, api::Revision>> leaked_handles;
  api::Revision revision = 0;  // the datastore's when the check started
};

Result<IpamCheckReport> check_ipam(api::Datastore& datastore);

}  // namespace tabby::ipam
