#include "tabby/ipam/pool_split.h"

#include <fmt/format.h>

#include <bit>

#include "tabby/api/resource_store.h"
#include "tabby/api/views.h"

namespace tabby::ipam {

Result<std::vector<SplitPart>> split_ip_pool(api::Datastore& datastore, std::string_view name,
                                             std::optional<IpPrefix> cidr, int parts) {
  if (name.empty() && !cidr) {
    return Error{"no name or CIDR provided. Provide a name or CIDR to denote the IP pool to split"};
  }
  if (parts < 2 || !std::has_single_bit(static_cast<unsigned>(parts))) {
    return Error{fmt::format("number to split CIDR into is not a valid power of 2: {}", parts)};
  }
  api::ResourceStore store(datastore);
  std::optional<api::Resource> pool;
  if (!name.empty()) {
    auto got = store.get(api::Kind::kIPPool, "", name);
    if (!got) return Error{got.error().message};
    pool = std::move(*got);
  } else {
    auto pools = store.list(api::Kind::kIPPool);
    if (!pools) return Error{pools.error().message};
    for (auto& candidate : pools->items) {
      if (api::ip_pool_view(candidate).cidr == *cidr) pool = std::move(candidate);
    }
    if (!pool) return Error{fmt::format("no IP pool has the CIDR {}", cidr->to_string())};
  }
  const api::IpPoolView view = api::ip_pool_view(*pool);
  const int bits = std::countr_zero(static_cast<unsigned>(parts));
  const int part_length = view.cidr.length() + bits;
  if (part_length > view.block_size || part_length > view.cidr.address().bit_length()) {
    return Error{fmt::format(
        "the CIDR {} is not large enough to be split into {} parts (each part must hold at "
        "least one /{} block)",
        view.cidr.to_string(), parts, view.block_size)};
  }

  // 1. No new allocation from the pool while it is cut up.
  const bool was_disabled = view.disabled;
  if (!was_disabled) {
    api::Resource disabled = *pool;
    disabled.spec["disabled"] = true;
    auto written = store.update(disabled);
    if (!written)
      return Error{"disabling " + api::resource_id(*pool) + ": " + written.error().message};
    pool = std::move(*written);
  }
  // 2. The parts, with the pool's settings, allowed to overlap it (and only it).
  std::vector<SplitPart> made;
  const std::uint64_t step = std::uint64_t{1} << (view.cidr.address().bit_length() - part_length);
  for (int i = 0; i < parts; ++i) {
    const IpPrefix part(view.cidr.address().plus(step * static_cast<std::uint64_t>(i)),
                        part_length);
    api::Resource child;
    child.kind = api::Kind::kIPPool;
    child.metadata.name = fmt::format("split-{}-{}", pool->metadata.name, i);
    child.metadata.labels = pool->metadata.labels;
    child.spec = pool->spec;
    child.spec["cidr"] = part.to_string();
    child.spec["disabled"] = was_disabled;
    auto created = store.create_within(child, pool->metadata.name);
    if (!created) {
      return Error{fmt::format(
          "creating {}: {} (the pool {} is left disabled, with {} of its "
          "parts made)",
          child.metadata.name, created.error().message, pool->metadata.name, made.size())};
    }
    made.push_back({child.metadata.name, part});
  }
  // 3. The pool goes; its blocks and affinities stay, each block inside one of the parts.
  auto removed =
      store.remove(api::Kind::kIPPool, "", pool->metadata.name, pool->metadata.resource_version);
  if (!removed) {
    return Error{fmt::format("deleting {} after its parts were made: {}", api::resource_id(*pool),
                             removed.error().message)};
  }
  return made;
}

}  // namespace tabby::ipam
