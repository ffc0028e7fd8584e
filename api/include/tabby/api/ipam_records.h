#pragma once
// Calico IPAM's own records, in the JSON shapes and under the etcd keys libcalico-go uses
// (/calico/ipam/v2/...), so that tabby and calicoctl read each other's allocations. These
// are not projectcalico.org/v3 resources: no apiVersion, kind or metadata, just a value.
//
//   /calico/ipam/v2/assignment/ipv4/block/10.0.0.0-26    AllocationBlock
//   /calico/ipam/v2/host/<node>/ipv4/block/10.0.0.0-26   BlockAffinity
//   /calico/ipam/v2/handle/<handle id>                   IpamHandle
//   /calico/ipam/v2/config                               IpamConfig
//
// Decoding is lenient about fields it does not know (as Go's encoding/json is), so values
// written by a newer Calico still load; encoding writes Calico's field order.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tabby/common/ip.h"
#include "tabby/common/result.h"

namespace tabby::api {

struct AllocationAttribute {
  std::optional<std::string> handle_id;          // "handle_id", null when absent
  std::map<std::string, std::string> secondary;  // "secondary": node, pod, namespace, ...

  friend bool operator==(const AllocationAttribute&, const AllocationAttribute&) = default;
};

struct AllocationBlock {
  IpPrefix cidr;
  std::optional<std::string> affinity;  // "host:<node>" or "virtual:<name>"; null if none
  // One entry per address of the block: the index into `attributes`, or none when free.
  std::vector<std::optional<int>> allocations;
  std::vector<int> unallocated;  // free ordinals, in the order they are handed out
  std::vector<AllocationAttribute> attributes;
  std::uint64_t sequence_number = 0;
  std::map<std::string, std::uint64_t> sequence_number_for_allocation;  // ordinal as text
  bool deleted = false;
  std::optional<std::string> host_affinity;  // legacy "hostAffinity"

  // A new, empty block as Calico creates it: every ordinal free, in address order.
  static AllocationBlock empty(const IpPrefix& cidr, std::optional<std::string> affinity);
  std::size_t size() const { return allocations.size(); }
  // The node of a "host:<node>" affinity, or "".
  std::string host() const;

  friend bool operator==(const AllocationBlock&, const AllocationBlock&) = default;
};

enum class AffinityState { kConfirmed, kPending, kPendingDeletion };

struct BlockAffinity {
  AffinityState state = AffinityState::kConfirmed;  // an empty value is a legacy "confirmed"
  bool deleted = false;

  friend bool operator==(const BlockAffinity&, const BlockAffinity&) = default;
};

struct IpamHandle {
  std::map<std::string, int> block;  // block CIDR ("10.0.0.0/26") -> addresses held there
  bool deleted = false;

  friend bool operator==(const IpamHandle&, const IpamHandle&) = default;
};

struct IpamConfig {
  bool strict_affinity = false;
  bool auto_allocate_blocks = true;
  std::uint32_t max_blocks_per_host = 0;

  friend bool operator==(const IpamConfig&, const IpamConfig&) = default;
};

// Calico's rules when the config is set: auto-allocation and strict affinity cannot both be
// off, and a per-host block limit needs strict affinity.
Status validate(const IpamConfig& config);

// Keys. CIDRs appear with '-' for '/' ("10.0.0.0-26", "fd00::-122").
std::string block_key(const IpPrefix& cidr);
std::string block_prefix(IpFamily family);  // "/calico/ipam/v2/assignment/ipv4/block/"
std::string block_affinity_key(std::string_view host, const IpPrefix& cidr);
std::string host_affinity_prefix(std::string_view host, IpFamily family);
std::string handle_key(std::string_view handle_id);
std::string ipam_config_key();
// The block CIDR at the end of a block or affinity key.
Result<IpPrefix> block_cidr_from_key(std::string_view key);

// Values. `key` only names the input in errors.
std::string encode(const AllocationBlock& block);
std::string encode(const BlockAffinity& affinity);
std::string encode(const IpamHandle& handle);
std::string encode(const IpamConfig& config);
Result<AllocationBlock> decode_block(std::string_view key, std::string_view value);
Result<BlockAffinity> decode_block_affinity(std::string_view key, std::string_view value);
Result<IpamHandle> decode_handle(std::string_view key, std::string_view value);
Result<IpamConfig> decode_ipam_config(std::string_view key, std::string_view value);

}  // namespace tabby::api
