// The size of an UPDATE is known before encoding it: the message with its attributes and no
// prefix, plus per prefix one length octet, the significant address octets and, with
// ADD-PATH, a 4-octet path identifier. Only MP_(UN)REACH_NLRI may grow past 255 octets and
// take a 2-octet length, so one octet is kept in reserve for it.

#include "update_packer.h"

#include <string>

#include "tabby/bgp/message.h"

namespace tabby::bgp::detail {
namespace {

std::size_t prefix_octets(const IpPrefix& prefix, bool add_path) {
  return (add_path ? 4 : 0) + 1 + (static_cast<std::size_t>(prefix.length()) + 7) / 8;
}

Family family_of(const IpPrefix& prefix) {
  return prefix.family() == IpFamily::kV4 ? kIpv4Unicast : kIpv6Unicast;
}

Result<EncodedUpdate> encode(const UpdateMessage& update, const CodecContext& context) {
  auto bytes = encode_message(Message{update}, context);
  if (!bytes) return bytes.error();
  return std::make_shared<const std::vector<std::uint8_t>>(std::move(*bytes));
}

// Fills messages made by `make(chunk)` with as many of `prefixes` as fit each.
template <typename Make>
Status pack(const std::vector<Nlri>& prefixes, bool add_path, std::size_t empty_size,
            const CodecContext& context, Make make, std::vector<EncodedUpdate>& out) {
  const std::size_t limit = context.max_length(MessageType::kUpdate);
  std::size_t i = 0;
  while (i < prefixes.size()) {
    std::vector<Nlri> chunk;
    std::size_t size = empty_size;
    while (i < prefixes.size() && size + prefix_octets(prefixes[i].prefix, add_path) <= limit) {
      size += prefix_octets(prefixes[i].prefix, add_path);
      chunk.push_back(Nlri{prefixes[i].prefix, add_path ? prefixes[i].path_id : 0});
      ++i;
    }
    if (chunk.empty()) {
      return Error{"attributes of " + std::to_string(empty_size) +
                   " octets leave no room for a prefix in an UPDATE of at most " +
                   std::to_string(limit)};
    }
    auto encoded = encode(make(std::move(chunk)), context);
    if (!encoded) return encoded.error();
    out.push_back(std::move(*encoded));
  }
  return {};
}

Status pack_withdrawals(const std::vector<Nlri>& withdrawn, Family family,
                        const CodecContext& context, std::vector<EncodedUpdate>& out) {
  std::vector<Nlri> of_family;
  for (const auto& n : withdrawn)
    if (family_of(n.prefix) == family) of_family.push_back(n);
  if (of_family.empty()) return {};
  const bool add_path = context.has_add_path(family);
  const auto make = [&](std::vector<Nlri> chunk) {
    UpdateMessage update;
    if (family == kIpv4Unicast) {
      update.withdrawn = std::move(chunk);
    } else {
      update.attributes.mp_unreach = MpUnreachNlri{family, std::move(chunk)};
    }
    return update;
  };
  auto empty = encode(make({}), context);
  if (!empty) return empty.error();
  const std::size_t reserve = family == kIpv4Unicast ? 0 : 1;
  return pack(of_family, add_path, (*empty)->size() + reserve, context, make, out);
}

Status pack_announcement(const Announcement& a, const CodecContext& context,
                         std::vector<EncodedUpdate>& out) {
  if (a.prefixes.empty()) return {};
  const Family family = family_of(a.prefixes.front().prefix);
  const bool add_path = context.has_add_path(family);
  const auto make = [&](std::vector<Nlri> chunk) {
    UpdateMessage update;
    update.attributes = *a.attributes;
    if (family == kIpv4Unicast) {
      update.nlri = std::move(chunk);
    } else {
      update.attributes.mp_reach->nlri = std::move(chunk);
    }
    return update;
  };
  if (family == kIpv6Unicast && !a.attributes->mp_reach) {
    return Error{"IPv6 announcement of " + a.prefixes.front().prefix.to_string() +
                 " has no next hop"};
  }
  auto empty = encode(make({}), context);
  if (!empty)
    return Error{"announcing " + a.prefixes.front().prefix.to_string() + ": " +
                 empty.error().message};
  const std::size_t reserve = family == kIpv4Unicast ? 0 : 1;
  return pack(a.prefixes, add_path, (*empty)->size() + reserve, context, make, out);
}

}  // namespace

Result<std::vector<EncodedUpdate>> pack_updates(const Batch& batch, const CodecContext& context) {
  std::vector<EncodedUpdate> out;
  for (Family family : {kIpv4Unicast, kIpv6Unicast}) {
    if (auto s = pack_withdrawals(batch.withdrawn, family, context, out); !s) return s.error();
  }
  for (const auto& a : batch.announced) {
    if (auto s = pack_announcement(a, context, out); !s) return s.error();
  }
  return out;
}

Result<std::vector<EncodedUpdate>> encode_end_of_ribs(const std::vector<Family>& families,
                                                      const CodecContext& context) {
  std::vector<EncodedUpdate> out;
  for (const auto& family : families) {
    auto encoded = encode(make_end_of_rib(family), context);
    if (!encoded) return encoded.error();
    out.push_back(std::move(*encoded));
  }
  return out;
}

}  // namespace tabby::bgp::detail
