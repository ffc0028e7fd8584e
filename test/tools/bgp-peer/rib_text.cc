#include "rib_text.h"

#include <sstream>

namespace tabby::bgp_peer {

namespace {

std::string as_path_text(const bgp::AsPath& path) {
  std::string out;
  for (const auto& segment : path.segments) {
    const bool set = segment.type == bgp::AsSegmentType::kSet;
    if (!out.empty()) out += ' ';
    if (set) out += '{';
    for (std::size_t i = 0; i < segment.asns.size(); ++i)
      out += (i ? (set ? "," : " ") : "") + std::to_string(segment.asns[i]);
    if (set) out += '}';
  }
  return out.empty() ? "-" : out;
}

// "65000:42,no-export": RFC 1997 communities as ASN:value, the well-known ones by name.
std::string communities_text(const std::vector<bgp::Community>& communities) {
  std::string out;
  for (const bgp::Community c : communities) {
    if (!out.empty()) out += ',';
    if (c == bgp::kNoExport)
      out += "no-export";
    else if (c == bgp::kNoAdvertise)
      out += "no-advertise";
    else if (c == bgp::kNoExportSubconfed)
      out += "no-export-subconfed";
    else
      out += std::to_string(c >> 16) + ':' + std::to_string(c & 0xFFFF);
  }
  return out;
}

std::string large_communities_text(const std::vector<bgp::LargeCommunity>& communities) {
  std::string out;
  for (const auto& c : communities) {
    if (!out.empty()) out += ',';
    out += std::to_string(c.global_administrator) + ':' + std::to_string(c.local_data_1) + ':' +
           std::to_string(c.local_data_2);
  }
  return out;
}

std::string addresses_text(const std::vector<IpAddress>& addresses) {
  std::string out;
  for (const auto& a : addresses)
    out += (out.empty() ? "" : ",") + a.to_string();
  return out;
}

// What follows the prefix on a route or path line.
void write_path(std::ostream& out, const bgp::RoutePath& path) {
  if (path.local()) {
    out << " local";
    return;
  }
  if (path.next_hop) out << " via " << path.next_hop->to_string();
  out << " peer " << path.peer_address.to_string();
  if (path.attributes) {
    out << " as-path "
        << (path.attributes->as_path ? as_path_text(*path.attributes->as_path) : std::string("-"));
    if (path.attributes->local_pref) out << " local-pref " << *path.attributes->local_pref;
    const auto& a = *path.attributes;
    if (a.med) out << " med " << *a.med;
    if (!a.communities.empty()) out << " communities " << communities_text(a.communities);
    if (!a.large_communities.empty())
      out << " large-communities " << large_communities_text(a.large_communities);
    if (a.originator_id) out << " originator-id " << a.originator_id->to_string();
    if (!a.cluster_list.empty()) out << " cluster-list " << addresses_text(a.cluster_list);
  }
  if (path.stale) out << " stale";
}

}  // namespace

std::string format_rib(const std::vector<bgp::PeerStatus>& peers,
                       const std::vector<std::pair<IpPrefix, bgp::RoutePath>>& loc_rib,
                       const std::vector<std::pair<IpPrefix, std::vector<bgp::RoutePath>>>& paths) {
  std::ostringstream out;
  for (const auto& p : peers) {
    out << "peer " << p.name << ' ' << p.address.to_string() << ' ' << bgp::to_string(p.state)
        << " received=" << p.prefixes_received << " accepted=" << p.prefixes_accepted
        << " advertised=" << p.prefixes_advertised;
    // The peer's connections not taken: a collision's loser is expected, any other refusal
    // (e.g. while waiting to restart) is what the establishment tests look for.
    const auto collisions =
        p.refused_by_reason[static_cast<std::size_t>(bgp::RefusedReason::kCollisionLoser)];
    out << " refused=" << p.connections_refused - collisions << " collisions-lost=" << collisions;
    if (!p.last_error.empty()) out << " error=\"" << p.last_error << '"';
    out << '\n';
  }
  for (const auto& [prefix, path] : loc_rib) {
    out << "route " << prefix.to_string();
    write_path(out, path);
    out << '\n';
  }
  for (const auto& [prefix, all] : paths) {
    for (const auto& path : all) {
      out << "path " << prefix.to_string() << " path-id " << path.path_id;
      write_path(out, path);
      out << '\n';
    }
  }
  return out.str();
}

}  // namespace tabby::bgp_peer
