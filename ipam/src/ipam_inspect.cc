#include "tabby/ipam/ipam_inspect.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "tabby/api/ipam_records.h"
#include "tabby/api/resource_store.h"
#include "tabby/api/views.h"
#include "tabby/ipam/block_operations.h"

namespace tabby::ipam {
namespace {

struct Snapshot {
  std::vector<api::AllocationBlock> blocks;
  std::map<std::string, api::IpamHandle> handles;
  std::map<std::string, api::Revision> handle_revisions;
  // address -> who uses it: "Workload(ns/name)", "Node(name)"
  std::map<IpAddress, std::vector<std::string>> owners;
  api::Revision revision = 0;
  // node -> affine block CIDRs
  std::map<std::string, std::vector<IpPrefix>> affinities;
  std::vector<std::pair<std::string, api::IpPoolView>> pools;
  std::set<IpAddress> workload_addresses;
};

constexpr std::string_view kHandlePrefix = "/calico/ipam/v2/handle/";
constexpr std::string_view kHostPrefix = "/calico/ipam/v2/host/";

Result<Snapshot> load(api::Datastore& datastore) {
  Snapshot snapshot;
  auto revision = datastore.current_revision();
  if (!revision) return Error{revision.error().message};
  snapshot.revision = *revision;
  for (IpFamily family : {IpFamily::kV4, IpFamily::kV6}) {
    auto blocks = datastore.list(api::block_prefix(family));
    if (!blocks) return Error{blocks.error().message};
    for (const auto& entry : blocks->entries) {
      auto block = api::decode_block(entry.key, entry.value);
      if (!block) return block.error();
      snapshot.blocks.push_back(std::move(*block));
    }
  }
  auto handles = datastore.list(kHandlePrefix);
  if (!handles) return Error{handles.error().message};
  for (const auto& entry : handles->entries) {
    auto handle = api::decode_handle(entry.key, entry.value);
    if (!handle) return handle.error();
    const std::string id = entry.key.substr(kHandlePrefix.size());
    snapshot.handles[id] = std::move(*handle);
    snapshot.handle_revisions[id] = entry.revision;
  }
  auto hosts = datastore.list(kHostPrefix);
  if (!hosts) return Error{hosts.error().message};
  for (const auto& entry : hosts->entries) {
    const std::string rest = entry.key.substr(kHostPrefix.size());
    auto cidr = api::block_cidr_from_key(entry.key);
    if (!cidr) continue;
    snapshot.affinities[rest.substr(0, rest.find('/'))].push_back(*cidr);
  }
  api::ResourceStore store(datastore);
  auto pools = store.list(api::Kind::kIPPool);
  if (!pools) return Error{pools.error().message};
  for (const auto& pool : pools->items)
    snapshot.pools.emplace_back(pool.metadata.name, api::ip_pool_view(pool));
  auto weps = store.list(api::Kind::kWorkloadEndpoint);
  if (!weps) return Error{weps.error().message};
  for (const auto& wep : weps->items) {
    if (!wep.spec.contains("ipNetworks")) continue;
    for (const auto& network : wep.spec["ipNetworks"]) {
      if (auto prefix = IpPrefix::parse_interface(network.get<std::string>())) {
        snapshot.workload_addresses.insert(prefix->address());
        snapshot.owners[prefix->address()].push_back(
            fmt::format("Workload({}/{})", wep.metadata.namespace_, wep.metadata.name));
      }
    }
  }
  auto nodes = store.list(api::Kind::kNode);
  if (!nodes) return Error{nodes.error().message};
  for (const auto& node : nodes->items) {
    const auto tunnel = [&](const api::Json& object, const char* field) {
      if (!object.is_object() || !object.contains(field) || !object[field].is_string()) return;
      const std::string text = object[field];
      if (auto address = IpAddress::parse(text.substr(0, text.find('/'))))
        snapshot.owners[*address].push_back(fmt::format("Node({})", node.metadata.name));
    };
    tunnel(node.spec.value("bgp", api::Json::object()), "ipv4IPIPTunnelAddr");
    tunnel(node.spec, "ipv4VXLANTunnelAddr");
    tunnel(node.spec, "ipv6VXLANTunnelAddr");
    tunnel(node.spec.value("wireguard", api::Json::object()), "interfaceIPv4Address");
    tunnel(node.spec.value("wireguard", api::Json::object()), "interfaceIPv6Address");
  }
  return snapshot;
}

std::uint64_t size_of(const IpPrefix& prefix) {
  const int bits = prefix.address().bit_length() - prefix.length();
  return bits >= 64 ? UINT64_MAX : (std::uint64_t{1} << bits);
}

}  // namespace

Result<std::vector<PoolUsage>> ipam_usage(api::Datastore& datastore) {
  auto snapshot = load(datastore);
  if (!snapshot) return snapshot.error();
  std::vector<PoolUsage> usage;
  for (const auto& [name, view] : snapshot->pools) {
    PoolUsage pool{name, view.cidr, size_of(view.cidr), 0, {}};
    for (const auto& block : snapshot->blocks) {
      if (!view.cidr.contains(block.cidr)) continue;
      const std::uint64_t used = block.size() - static_cast<std::uint64_t>(free_count(block));
      pool.in_use += used;
      pool.blocks.push_back({block.cidr, block.size(), used, block.affinity.value_or("")});
    }
    usage.push_back(std::move(pool));
  }
  return usage;
}

Result<std::optional<AddressOwner>> address_owner(api::Datastore& datastore,
                                                  const IpAddress& address) {
  auto blocks = datastore.list(api::block_prefix(address.family()));
  if (!blocks) return Error{blocks.error().message};
  for (const auto& entry : blocks->entries) {
    auto cidr = api::block_cidr_from_key(entry.key);
    if (!cidr || !cidr->contains(address)) continue;
    auto block = api::decode_block(entry.key, entry.value);
    if (!block) return block.error();
    const auto ordinal = ordinal_of(*block, address);
    if (!ordinal || !block->allocations[static_cast<std::size_t>(*ordinal)])
      return std::optional<AddressOwner>();
    const auto& attribute = block->attributes.at(
        static_cast<std::size_t>(*block->allocations[static_cast<std::size_t>(*ordinal)]));
    return std::optional<AddressOwner>(
        AddressOwner{block->cidr, attribute.handle_id, attribute.secondary});
  }
  return std::optional<AddressOwner>();
}

Result<BorrowedAddresses> borrowed_addresses(api::Datastore& datastore) {
  auto snapshot = load(datastore);
  if (!snapshot) return snapshot.error();
  BorrowedAddresses out;
  for (const auto& block : snapshot->blocks) {
    std::string owner = block.affinity.value_or("");
    if (owner.starts_with("host:")) owner = owner.substr(5);
    for (std::size_t ordinal = 0; ordinal < block.allocations.size(); ++ordinal) {
      const auto& slot = block.allocations[ordinal];
      if (!slot || *slot < 0 || static_cast<std::size_t>(*slot) >= block.attributes.size())
        continue;
      const auto& secondary = block.attributes[static_cast<std::size_t>(*slot)].secondary;
      const auto node = secondary.find("node");
      if (node == secondary.end()) {
        ++out.unclassified;
        continue;
      }
      if (node->second == owner) continue;
      BorrowedAddress borrowed{
          address_of(block, static_cast<int>(ordinal)), node->second, block.cidr, owner, "", ""};
      const auto find = [&](const char* key) {
        auto it = secondary.find(key);
        return it == secondary.end() ? std::string() : it->second;
      };
      if (!find("pod").empty()) {
        borrowed.type = "pod";
        borrowed.allocated_to = find("namespace") + "/" + find("pod");
      } else {
        borrowed.type = find("type");
      }
      out.borrowed.push_back(std::move(borrowed));
    }
  }
  return out;
}

Result<IpamCheckReport> check_ipam(api::Datastore& datastore) {
  auto snapshot = load(datastore);
  if (!snapshot) return snapshot.error();
  IpamCheckReport report;
  report.blocks = snapshot->blocks.size();
  report.handles = snapshot->handles.size();
  report.revision = snapshot->revision;
  std::map<std::string, std::map<std::string, int>> counted;  // handle -> block -> addresses
  std::set<IpAddress> allocated;
  using Kind = IpamProblemKind;
  for (const auto& block : snapshot->blocks) {
    std::string block_owner = block.affinity.value_or("");
    if (block_owner.starts_with("host:")) block_owner = block_owner.substr(5);
    const bool in_a_pool =
        std::any_of(snapshot->pools.begin(), snapshot->pools.end(),
                    [&](const auto& p) { return p.second.cidr.contains(block.cidr); });
    for (std::size_t ordinal = 0; ordinal < block.allocations.size(); ++ordinal) {
      const auto& slot = block.allocations[ordinal];
      if (!slot) continue;
      ++report.allocations;
      const IpAddress address = address_of(block, static_cast<int>(ordinal));
      allocated.insert(address);
      if (*slot < 0 || static_cast<std::size_t>(*slot) >= block.attributes.size()) {
        report.problems.push_back(
            {fmt::format("block {}: allocation of {} refers to a missing attribute entry",
                         block.cidr.to_string(), address.to_string()),
             address, Kind::kInconsistent, std::nullopt});
        continue;
      }
      const auto& attribute = block.attributes[static_cast<std::size_t>(*slot)];
      IpamAllocation record{address, block.cidr, attribute.handle_id, attribute.secondary};
      if (auto owners = snapshot->owners.find(address); owners != snapshot->owners.end())
        record.owners = owners->second;
      if (auto node = attribute.secondary.find("node"); node != attribute.secondary.end())
        record.borrowed = node->second != block_owner;
      if (!in_a_pool) {
        report.problems.push_back(
            {fmt::format("{} is allocated but outside every IP pool", address.to_string()), address,
             Kind::kOutsidePools, attribute.handle_id});
      }
      if (attribute.handle_id) {
        ++counted[*attribute.handle_id][block.cidr.to_string()];
        if (!snapshot->handles.contains(*attribute.handle_id)) {
          report.problems.push_back(
              {fmt::format("{} is allocated to handle {}, which does not exist",
                           address.to_string(), *attribute.handle_id),
               address, Kind::kMissingHandle, attribute.handle_id});
        }
      }
      // A pod's address that no WorkloadEndpoint carries: leaked (the pod is gone).
      if (attribute.secondary.contains("pod") && !snapshot->workload_addresses.contains(address)) {
        record.in_use = false;
        report.problems.push_back(
            {fmt::format("{} is allocated to pod {}/{} but no workload endpoint uses it (leaked)",
                         address.to_string(),
                         attribute.secondary.contains("namespace")
                             ? attribute.secondary.at("namespace")
                             : "",
                         attribute.secondary.at("pod")),
             address, Kind::kLeaked, attribute.handle_id});
      }
      report.allocation_list.push_back(std::move(record));
    }
  }
  // An endpoint's address inside a pool that IPAM never allocated (or lost).
  for (const auto& address : snapshot->workload_addresses) {
    const bool pooled = std::any_of(
        snapshot->pools.begin(), snapshot->pools.end(),
        [&](const auto& p) { return !p.second.disabled && p.second.cidr.contains(address); });
    if (pooled && !allocated.contains(address)) {
      report.problems.push_back(
          {fmt::format("{} in use by {} is in an IP pool but has no IPAM allocation",
                       address.to_string(), snapshot->owners.at(address).front()),
           std::nullopt, Kind::kNotAllocated, std::nullopt});
    }
  }
  for (const auto& [id, handle] : snapshot->handles) {
    const auto& found = counted[id];
    if (found.empty()) {
      report.problems.push_back({fmt::format("handle {} holds no allocated address", id),
                                 std::nullopt, Kind::kEmptyHandle, id});
      report.leaked_handles.emplace_back(id, snapshot->handle_revisions.at(id));
      continue;
    }
    for (const auto& [block, count] : handle.block) {
      const int real = found.contains(block) ? found.at(block) : 0;
      if (real != count) {
        report.problems.push_back(
            {fmt::format("handle {} counts {} addresses in block {}, the block has {}", id, count,
                         block, real),
             std::nullopt, Kind::kInconsistent, id});
      }
    }
  }
  for (const auto& [node, cidrs] : snapshot->affinities) {
    for (const auto& cidr : cidrs) {
      const auto block = std::find_if(snapshot->blocks.begin(), snapshot->blocks.end(),
                                      [&](const auto& b) { return b.cidr == cidr; });
      if (block == snapshot->blocks.end()) {
        report.problems.push_back(
            {fmt::format("node {} has an affinity for block {}, which does not exist", node,
                         cidr.to_string()),
             std::nullopt, Kind::kInconsistent, std::nullopt});
      } else if (block->affinity != "host:" + node) {
        report.problems.push_back(
            {fmt::format("node {} has an affinity for block {}, which belongs to {}", node,
                         cidr.to_string(), block->affinity.value_or("nobody")),
             std::nullopt, Kind::kInconsistent, std::nullopt});
      }
    }
  }
  return report;
}

}  // namespace tabby::ipam
