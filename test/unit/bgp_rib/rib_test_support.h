#pragma once
// Shared helpers of the RIB tests: addresses from text, peers and sessions, UPDATEs to feed,
// and the RIB's encoded UPDATEs decoded back with the codec into what a peer would learn.

#include <gtest/gtest.h>

#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tabby/bgp/message.h"
#include "tabby/bgp/rib.h"

namespace tabby::bgp::testing {

inline IpAddress ip(const std::string& text) {
  return IpAddress::parse(text).value();
}
inline IpPrefix pfx(const std::string& text) {
  return IpPrefix::parse(text).value();
}

inline constexpr std::uint32_t kLocalAs = 65000;

inline RibConfig rib_config(std::size_t max_paths = 1) {
  RibConfig c;
  c.local_as = kLocalAs;
  c.router_id = ip("10.255.0.1");
  c.max_paths = max_paths;
  return c;
}

// A peer at `address` whose BGP identifier in the session will be `address` too (IPv4).
inline RibPeerConfig peer_config(PeerId id, const std::string& address, std::uint32_t remote_as) {
  RibPeerConfig c;
  c.id = id;
  c.address = ip(address);
  c.remote_as = remote_as;
  c.local.ipv4 = ip("192.0.2.1");
  c.local.ipv6 = ip("2001:db8::1");
  return c;
}

inline PeerSession session(const std::string& router_id, bool four_octet_as = true,
                           bool extended_messages = false) {
  PeerSession s;
  s.router_id = ip(router_id);
  s.families = {kIpv4Unicast, kIpv6Unicast};
  s.receive.four_octet_as = s.send.four_octet_as = four_octet_as;
  s.receive.extended_messages = s.send.extended_messages = extended_messages;
  return s;
}

inline AsPath as_path(std::initializer_list<std::uint32_t> sequence) {
  AsPath path;
  if (sequence.size() > 0) path.segments.push_back({AsSegmentType::kSequence, sequence});
  return path;
}

// Attributes of a route as a peer sends it (IPv4 next hop).
inline PathAttributes attrs(std::initializer_list<std::uint32_t> path,
                            const std::string& next_hop = "198.51.100.9") {
  PathAttributes a;
  a.origin = Origin::kIgp;
  a.as_path = as_path(path);
  a.next_hop = ip(next_hop);
  return a;
}

inline UpdateMessage announce(const std::vector<std::string>& prefixes, PathAttributes a) {
  UpdateMessage u;
  u.attributes = std::move(a);
  std::vector<Nlri> nlri;
  for (const auto& p : prefixes)
    nlri.push_back({pfx(p), 0});
  if (!nlri.empty() && nlri.front().prefix.family() == IpFamily::kV6) {
    const IpAddress hop = u.attributes.next_hop && u.attributes.next_hop->is_v6()
                              ? *u.attributes.next_hop
                              : ip("2001:db8:ff::9");
    u.attributes.next_hop.reset();
    u.attributes.mp_reach = MpReachNlri{kIpv6Unicast, hop, std::nullopt, std::move(nlri)};
  } else {
    u.nlri = std::move(nlri);
  }
  return u;
}

inline UpdateMessage withdraw(const std::vector<std::string>& prefixes) {
  UpdateMessage u;
  for (const auto& p : prefixes) {
    const IpPrefix prefix = pfx(p);
    if (prefix.family() == IpFamily::kV4) {
      u.withdrawn.push_back({prefix, 0});
    } else {
      if (!u.attributes.mp_unreach) u.attributes.mp_unreach = MpUnreachNlri{kIpv6Unicast, {}};
      u.attributes.mp_unreach->withdrawn.push_back({prefix, 0});
    }
  }
  return u;
}

// What a peer learns from a stream of UPDATEs, applied in order.
struct Learned {
  std::map<IpPrefix, PathAttributes> routes;  // next hop in NEXT_HOP or mp_reach (nlri cleared)
  std::vector<Family> end_of_ribs;
  std::size_t messages = 0;
  std::size_t max_message_size = 0;
  std::vector<UpdateMessage> updates;

  bool has(const std::string& prefix) const { return routes.count(pfx(prefix)) > 0; }
  const PathAttributes& at(const std::string& prefix) const { return routes.at(pfx(prefix)); }
};

inline void learn(Learned& learned, const std::vector<EncodedUpdate>& encoded,
                  const CodecContext& context = session("0.0.0.1").receive) {
  for (const auto& bytes : encoded) {
    ++learned.messages;
    learned.max_message_size = std::max(learned.max_message_size, bytes->size());
    auto decoded = decode_message(*bytes, context);
    ASSERT_TRUE(decoded.ok()) << decoded.error().description;
    ASSERT_EQ(decoded->verdict, UpdateVerdict::kAccept);
    const auto& update = std::get<UpdateMessage>(decoded->message);
    learned.updates.push_back(update);
    if (auto family = end_of_rib_family(update)) {
      learned.end_of_ribs.push_back(*family);
      continue;
    }
    for (const auto& n : update.withdrawn)
      learned.routes.erase(n.prefix);
    if (update.attributes.mp_unreach)
      for (const auto& n : update.attributes.mp_unreach->withdrawn)
        learned.routes.erase(n.prefix);
    PathAttributes a = update.attributes;
    a.placement.clear();
    a.mp_unreach.reset();
    for (const auto& n : update.nlri) {
      PathAttributes v4 = a;
      v4.mp_reach.reset();
      learned.routes[n.prefix] = v4;
    }
    if (update.attributes.mp_reach) {
      PathAttributes v6 = a;
      v6.mp_reach->nlri.clear();
      for (const auto& n : update.attributes.mp_reach->nlri)
        learned.routes[n.prefix] = v6;
    }
  }
}

inline Learned take(Rib& rib, PeerId peer,
                    const CodecContext& context = session("0.0.0.1").receive) {
  Learned learned;
  auto updates = rib.take_updates(peer);
  EXPECT_TRUE(updates.ok()) << (updates.ok() ? "" : updates.error().message);
  if (updates.ok()) learn(learned, *updates, context);
  return learned;
}

inline std::vector<std::uint32_t> flat(const PathAttributes& a) {
  std::vector<std::uint32_t> out;
  if (a.as_path)
    for (const auto& s : a.as_path->segments)
      out.insert(out.end(), s.asns.begin(), s.asns.end());
  return out;
}

}  // namespace tabby::bgp::testing
