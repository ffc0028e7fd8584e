#pragma once
// calico-ipam over the Datastore (calico-node.md §3): pools split into blocks, blocks claimed
// by nodes through block affinities, addresses from a node's own blocks first, new blocks
// claimed when those are full, borrowing from other nodes' blocks when the pools have no free
// block (unless strict affinity). Every record is Calico's (api/ipam_records.h) and every
// write a compare-and-swap, retried on conflict, so any number of processes (agents, CNI
// plugin invocations, tabbyctl) allocate from one store at once without handing out an
// address twice.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tabby/api/datastore.h"
#include "tabby/api/ipam_records.h"
#include "tabby/api/selector.h"
#include "tabby/common/ip.h"
#include "tabby/common/result.h"

namespace tabby::ipam {

enum class Use { kWorkload, kTunnel };

struct AutoAssignRequest {
  int num_v4 = 0;
  int num_v6 = 0;
  std::string handle_id;                          // "<network>.<containerID>" for pods
  std::map<std::string, std::string> attributes;  // node, namespace, pod, timestamp, type
  std::string node;
  api::Labels node_labels;  // the node's stored Node's, for the pools' nodeSelector
  Use use = Use::kWorkload;
  int max_blocks_per_host = 0;  // 0: the IPAM config's, else Calico's default of 20
  // Pools to use, each by name or by CIDR (the CNI config's ipv4_pools, a pod's ipv4pools
  // annotation); they ignore node selectors, as libcalico-go's requested pools do (for
  // backwards compatibility).
  std::vector<std::string> pools_v4;
  std::vector<std::string> pools_v6;
};

struct AssignedAddress {
  IpAddress address;
  int prefix_length = 0;  // the block's, as Calico returns it (10.244.1.5/26)
  friend bool operator==(const AssignedAddress&, const AssignedAddress&) = default;
};

struct AutoAssignResult {
  std::vector<AssignedAddress> v4;
  std::vector<AssignedAddress> v6;
};

class Ipam {
 public:
  explicit Ipam(api::Datastore& datastore);

  // All requested addresses, or an error saying why (after giving back any it got):
  // "Assigned 0 out of 1 requested IPv4 addresses; No more free affine blocks and strict
  // affinity enabled".
  Result<AutoAssignResult> auto_assign(const AutoAssignRequest& request);
  // One given address (a pool must contain it); claims its block for `node` if unclaimed.
  Status assign_ip(const IpAddress& address, const std::string& handle_id,
                   const std::map<std::string, std::string>& attributes, const std::string& node);
  // Returns the addresses that were not allocated (not an error, as in Calico).
  Result<std::vector<IpAddress>> release_ips(const std::vector<IpAddress>& addresses);
  // Releases everything held under the handle; an unknown handle is fine (idempotent DEL).
  Status release_by_handle(const std::string& handle_id);
  // Gives up `node`'s affinity for a block, as Calico's ReleaseAffinity: the affinity is marked
  // pendingDeletion; an empty block is deleted, a block with addresses keeps them but loses
  // its owner (its addresses stay valid and it becomes borrowable); then the affinity goes.
  // With only_if_empty, a block that still holds addresses keeps its affinity.
  Status release_affinity(const std::string& node, const IpPrefix& cidr,
                          bool only_if_empty = false);
  // Every node's affinity for the blocks inside `pool`, as Calico's ReleasePoolAffinities
  // before a pool is deleted: empty blocks go, blocks with addresses lose their owner.
  Status release_pool_affinities(const IpPrefix& pool);
  // All of `node`'s affinities, both families, as Calico's RemoveIPAMHost when a Node is
  // deleted.
  Status remove_host(const std::string& node);

  Result<api::IpamConfig> config();

 private:
  struct Pool;
  struct Attempt;
  Result<std::vector<Pool>> usable_pools(IpFamily family, const AutoAssignRequest& request);
  Result<std::vector<IpPrefix>> reservations();
  Result<std::vector<AssignedAddress>> assign_family(IpFamily family, int count,
                                                     const AutoAssignRequest& request);
  Result<int> assign_in_block(const IpPrefix& cidr, int count,
                              const api::AllocationAttribute& attribute,
                              const std::string& required_host,
                              const std::vector<IpPrefix>& reserved,
                              std::vector<AssignedAddress>& out);
  Result<bool> claim_block(const std::string& node, const IpPrefix& cidr);
  // Whether an enabled pool holding the block selects the node (by its Node's labels).
  Result<bool> pool_selects(const IpPrefix& block, const std::string& node);
  // Compare-and-swaps a changed block back at `revision`, deleting it instead when it is empty
  // and has no owner.
  api::DatastoreResult<api::Revision> write_back(const std::string& key,
                                                 const api::AllocationBlock& block,
                                                 api::Revision revision);
  Status change_handle(const std::string& handle_id, const IpPrefix& block, int delta);
  Status release_in_blocks(const std::map<IpPrefix, std::vector<IpAddress>>& by_block,
                           std::vector<IpAddress>& not_allocated);

  api::Datastore& datastore_;
};

// Calico's per-node candidate order for a pool's blocks: a start derived from the node name
// (so a node tends to get its old blocks back), then every block once, wrapping around.
std::vector<IpPrefix> candidate_blocks(const IpPrefix& pool, int block_size,
                                       const std::string& node, std::size_t limit = 0);

}  // namespace tabby::ipam
