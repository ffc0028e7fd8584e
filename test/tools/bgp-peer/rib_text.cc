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

}  // namespace

std::string format_rib(const std::vector<bgp::PeerStatus>& peers,
                       const std::vector<std::pair<IpPrefix, bgp::RoutePath>>& loc_rib) {
  std::ostringstream out;
  for (const auto& p : peers) {
    out << "peer " << p.name << ' ' << p.address.to_string() << ' ' << bgp::to_string(p.state)
        << " received=" << p.prefixes_received << " accepted=" << p.prefixes_accepted
        << " advertised=" << p.prefixes_advertised;
    if (!p.last_error.empty()) out << " error=\"" << p.last_error << '"';
    out << '\n';
  }
  for (const auto& [prefix, path] : loc_rib) {
    out << "route " << prefix.to_string();
    if (path.local()) {
      out << " local\n";
      continue;
    }
    if (path.next_hop) out << " via " << path.next_hop->to_string();
    out << " peer " << path.peer_address.to_string();
    if (path.attributes) {
      out << " as-path "
          << (path.attributes->as_path ? as_path_text(*path.attributes->as_path)
                                       : std::string("-"));
      if (path.attributes->local_pref) out << " local-pref " << *path.attributes->local_pref;
      if (path.attributes->med) out << " med " << *path.attributes->med;
    }
    if (path.stale) out << " stale";
    out << '\n';
  }
  return out.str();
}

}  // namespace tabby::bgp_peer
