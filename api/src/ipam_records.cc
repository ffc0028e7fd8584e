#include "tabby/api/ipam_records.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace tabby::api {
namespace {

using Json = nlohmann::ordered_json;

// Calico's block sizes are /20../32 and /116../128: at most 4096 addresses.
constexpr std::size_t kMaxBlockAddresses = 4096;

std::string cidr_segment(const IpPrefix& cidr) {
  return fmt::format("{}-{}", cidr.address().to_string(), cidr.length());
}

const char* family_segment(IpFamily family) {
  return family == IpFamily::kV4 ? "ipv4" : "ipv6";
}

Result<Json> parse_object(std::string_view key, std::string_view value) {
  Json json = Json::parse(value.begin(), value.end(), nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return Error{fmt::format("key \"{}\": value is not a JSON object", key)};
  }
  return json;
}

// Go decodes JSON null into an empty slice or map; so do we.
const Json& or_empty(const Json& object, const char* field, const Json& empty) {
  auto it = object.find(field);
  return it == object.end() || it->is_null() ? empty : *it;
}

}  // namespace

AllocationBlock AllocationBlock::empty(const IpPrefix& cidr, std::optional<std::string> affinity) {
  AllocationBlock block;
  block.cidr = cidr;
  block.affinity = std::move(affinity);
  const int host_bits = cidr.address().bit_length() - cidr.length();
  const std::size_t size = host_bits >= 12 ? kMaxBlockAddresses : std::size_t{1} << host_bits;
  block.allocations.assign(size, std::nullopt);
  for (std::size_t i = 0; i < size; ++i)
    block.unallocated.push_back(static_cast<int>(i));
  return block;
}

std::string AllocationBlock::host() const {
  if (affinity && affinity->starts_with("host:")) return affinity->substr(5);
  return "";
}

std::string block_prefix(IpFamily family) {
  return fmt::format("/calico/ipam/v2/assignment/{}/block/", family_segment(family));
}

std::string block_key(const IpPrefix& cidr) {
  return block_prefix(cidr.family()) + cidr_segment(cidr);
}

std::string host_affinity_prefix(std::string_view host, IpFamily family) {
  return fmt::format("/calico/ipam/v2/host/{}/{}/block/", host, family_segment(family));
}

std::string block_affinity_key(std::string_view host, const IpPrefix& cidr) {
  return host_affinity_prefix(host, cidr.family()) + cidr_segment(cidr);
}

std::string handle_key(std::string_view handle_id) {
  return fmt::format("/calico/ipam/v2/handle/{}", handle_id);
}

std::string ipam_config_key() {
  return "/calico/ipam/v2/config";
}

Result<IpPrefix> block_cidr_from_key(std::string_view key) {
  const auto slash = key.rfind('/');
  std::string segment(key.substr(slash == std::string_view::npos ? 0 : slash + 1));
  const auto dash = segment.rfind('-');
  if (dash == std::string::npos) {
    return Error{fmt::format("key \"{}\" does not end in a block CIDR", key)};
  }
  segment[dash] = '/';
  auto cidr = IpPrefix::parse(segment);
  if (!cidr) return Error{fmt::format("key \"{}\": {}", key, cidr.error().message)};
  return *cidr;
}

std::string encode(const AllocationBlock& block) {
  Json out = Json::object();
  out["cidr"] = block.cidr.to_string();
  out["affinity"] = block.affinity ? Json(*block.affinity) : Json(nullptr);
  out["allocations"] = Json::array();
  for (const auto& allocation : block.allocations) {
    out["allocations"].push_back(allocation ? Json(*allocation) : Json(nullptr));
  }
  out["unallocated"] = block.unallocated;
  out["attributes"] = Json::array();
  for (const auto& attribute : block.attributes) {
    Json entry = Json::object();
    entry["handle_id"] = attribute.handle_id ? Json(*attribute.handle_id) : Json(nullptr);
    entry["secondary"] = attribute.secondary.empty() ? Json(nullptr) : Json(attribute.secondary);
    out["attributes"].push_back(std::move(entry));
  }
  out["sequenceNumber"] = block.sequence_number;
  out["sequenceNumberForAllocation"] = block.sequence_number_for_allocation;
  out["deleted"] = block.deleted;
  if (block.host_affinity) out["hostAffinity"] = *block.host_affinity;
  return out.dump();
}

Result<AllocationBlock> decode_block(std::string_view key, std::string_view value) {
  auto json = parse_object(key, value);
  if (!json) return json.error();
  const Json empty_array = Json::array();
  const Json empty_object = Json::object();
  try {
    AllocationBlock block;
    auto cidr = IpPrefix::parse(json->at("cidr").get<std::string>());
    if (!cidr) return Error{fmt::format("key \"{}\": cidr: {}", key, cidr.error().message)};
    block.cidr = *cidr;
    const int host_bits = cidr->address().bit_length() - cidr->length();
    if (host_bits > 12) {
      return Error{
          fmt::format("key \"{}\": block {} is larger than Calico's largest (4096 "
                      "addresses)",
                      key, cidr->to_string())};
    }
    const std::size_t size = std::size_t{1} << host_bits;
    if (auto it = json->find("affinity"); it != json->end() && !it->is_null()) {
      block.affinity = it->get<std::string>();
    }
    for (const auto& allocation : or_empty(*json, "allocations", empty_array)) {
      block.allocations.push_back(allocation.is_null() ? std::nullopt
                                                       : std::optional<int>(allocation.get<int>()));
    }
    block.unallocated = or_empty(*json, "unallocated", empty_array).get<std::vector<int>>();
    for (const auto& attribute : or_empty(*json, "attributes", empty_array)) {
      AllocationAttribute entry;
      if (auto it = attribute.find("handle_id"); it != attribute.end() && !it->is_null()) {
        entry.handle_id = it->get<std::string>();
      }
      entry.secondary =
          or_empty(attribute, "secondary", empty_object).get<std::map<std::string, std::string>>();
      block.attributes.push_back(std::move(entry));
    }
    block.sequence_number = json->value("sequenceNumber", std::uint64_t{0});
    block.sequence_number_for_allocation =
        or_empty(*json, "sequenceNumberForAllocation", empty_object)
            .get<std::map<std::string, std::uint64_t>>();
    block.deleted = json->value("deleted", false);
    if (auto it = json->find("hostAffinity"); it != json->end() && !it->is_null()) {
      block.host_affinity = it->get<std::string>();
    }
    // The IPAM logic indexes with these numbers; a block that would make it read out of
    // bounds is refused here, by name, instead.
    if (block.allocations.size() != size) {
      return Error{fmt::format("key \"{}\": block {} has {} allocations, expected {}", key,
                               cidr->to_string(), block.allocations.size(), size)};
    }
    for (std::size_t i = 0; i < block.allocations.size(); ++i) {
      const auto& allocation = block.allocations[i];
      if (allocation &&
          (*allocation < 0 || static_cast<std::size_t>(*allocation) >= block.attributes.size())) {
        return Error{fmt::format("key \"{}\": allocations[{}] = {} has no attributes entry", key, i,
                                 *allocation)};
      }
    }
    for (int ordinal : block.unallocated) {
      if (ordinal < 0 || static_cast<std::size_t>(ordinal) >= size) {
        return Error{
            fmt::format("key \"{}\": unallocated ordinal {} is outside the block", key, ordinal)};
      }
    }
    return block;
  } catch (const nlohmann::json::exception& e) {
    return Error{fmt::format("key \"{}\": not an allocation block: {}", key, e.what())};
  }
}

std::string encode(const BlockAffinity& affinity) {
  Json out = Json::object();
  switch (affinity.state) {
    case AffinityState::kConfirmed:
      out["state"] = "confirmed";
      break;
    case AffinityState::kPending:
      out["state"] = "pending";
      break;
    case AffinityState::kPendingDeletion:
      out["state"] = "pendingDeletion";
      break;
  }
  out["deleted"] = affinity.deleted;
  return out.dump();
}

Result<BlockAffinity> decode_block_affinity(std::string_view key, std::string_view value) {
  BlockAffinity affinity;
  if (value.find_first_not_of(" \t\r\n") == std::string_view::npos) return affinity;  // legacy
  auto json = parse_object(key, value);
  if (!json) return json.error();
  try {
    const std::string state = json->value("state", "");
    if (state == "pending") {
      affinity.state = AffinityState::kPending;
    } else if (state == "pendingDeletion") {
      affinity.state = AffinityState::kPendingDeletion;
    } else if (state != "confirmed" && !state.empty()) {
      return Error{
          fmt::format("key \"{}\": state: \"{}\" is not one of confirmed, pending, "
                      "pendingDeletion",
                      key, state)};
    }
    affinity.deleted = json->value("deleted", false);
    return affinity;
  } catch (const nlohmann::json::exception& e) {
    return Error{fmt::format("key \"{}\": not a block affinity: {}", key, e.what())};
  }
}

std::string encode(const IpamHandle& handle) {
  Json out = Json::object();
  out["block"] = handle.block;
  out["deleted"] = handle.deleted;
  return out.dump();
}

Result<IpamHandle> decode_handle(std::string_view key, std::string_view value) {
  auto json = parse_object(key, value);
  if (!json) return json.error();
  const Json empty_object = Json::object();
  try {
    IpamHandle handle;
    handle.block = or_empty(*json, "block", empty_object).get<std::map<std::string, int>>();
    handle.deleted = json->value("deleted", false);
    return handle;
  } catch (const nlohmann::json::exception& e) {
    return Error{fmt::format("key \"{}\": not an IPAM handle: {}", key, e.what())};
  }
}

std::string encode(const IpamConfig& config) {
  Json out = Json::object();
  out["strict_affinity"] = config.strict_affinity;
  out["auto_allocate_blocks"] = config.auto_allocate_blocks;
  out["maxBlocksPerHost"] = config.max_blocks_per_host;
  return out.dump();
}

Result<IpamConfig> decode_ipam_config(std::string_view key, std::string_view value) {
  auto json = parse_object(key, value);
  if (!json) return json.error();
  try {
    IpamConfig config;
    // Go's omitempty drops false and 0, so absent fields are false/0 here, not defaults.
    config.strict_affinity = json->value("strict_affinity", false);
    config.auto_allocate_blocks = json->value("auto_allocate_blocks", false);
    config.max_blocks_per_host = json->value("maxBlocksPerHost", std::uint32_t{0});
    return config;
  } catch (const nlohmann::json::exception& e) {
    return Error{fmt::format("key \"{}\": not an IPAM config: {}", key, e.what())};
  }
}

}  // namespace tabby::api

namespace tabby::api {

Status validate(const IpamConfig& config) {
  if (!config.strict_affinity && !config.auto_allocate_blocks) {
    return Error{"IPAM config: strictAffinity and autoAllocateBlocks cannot both be false"};
  }
  if (config.max_blocks_per_host > 0 && !config.strict_affinity) {
    return Error{"IPAM config: maxBlocksPerHost requires strictAffinity"};
  }
  return {};
}

}  // namespace tabby::api
