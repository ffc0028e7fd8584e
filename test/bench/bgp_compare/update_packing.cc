#include "update_packing.h"

namespace tabby::bench {

std::vector<IpPrefix> ipv4_slash24s(IpAddress first, std::size_t count) {
  std::vector<IpPrefix> prefixes;
  prefixes.reserve(count);
  for (std::size_t i = 0; i < count; ++i)
    prefixes.emplace_back(IpAddress::v4(first.v4_value() + static_cast<std::uint32_t>(i << 8)), 24);
  return prefixes;
}

namespace {

// Octets of one prefix in the NLRI field: its length octet and the significant octets.
std::size_t nlri_octets(const IpPrefix& prefix) {
  return 1 + (static_cast<std::size_t>(prefix.length()) + 7) / 8;
}

}  // namespace

Result<std::vector<std::vector<std::uint8_t>>> encode_packed(const bgp::PathAttributes& attributes,
                                                             const std::vector<IpPrefix>& prefixes,
                                                             const bgp::CodecContext& context,
                                                             std::size_t max_length) {
  std::vector<std::vector<std::uint8_t>> out;
  if (prefixes.empty()) return out;
  // The size of the message without NLRI: one prefix encoded, minus that prefix.
  bgp::UpdateMessage probe{.withdrawn = {}, .attributes = attributes, .nlri = {{prefixes[0], 0}}};
  auto probe_bytes = bgp::encode_message(probe, context);
  if (!probe_bytes)
    return Error{"cannot encode the feeder's UPDATE: " + probe_bytes.error().message};
  const std::size_t fixed = probe_bytes->size() - nlri_octets(prefixes[0]);

  bgp::UpdateMessage update{.withdrawn = {}, .attributes = attributes, .nlri = {}};
  std::size_t size = fixed;
  auto flush = [&]() -> Status {
    auto bytes = bgp::encode_message(update, context);
    if (!bytes) return Error{"cannot encode the feeder's UPDATE: " + bytes.error().message};
    if (bytes->size() > max_length)
      return Error{"packed UPDATE of " + std::to_string(bytes->size()) + " octets exceeds " +
                   std::to_string(max_length)};
    out.push_back(std::move(*bytes));
    update.nlri.clear();
    size = fixed;
    return {};
  };
  for (const auto& prefix : prefixes) {
    if (size + nlri_octets(prefix) > max_length) {
      if (update.nlri.empty())
        return Error{"no prefix fits an UPDATE of " + std::to_string(max_length) + " octets"};
      if (auto status = flush(); !status) return status.error();
    }
    update.nlri.push_back({prefix, 0});
    size += nlri_octets(prefix);
  }
  if (auto status = flush(); !status) return status.error();
  return out;
}

}  // namespace tabby::bench
