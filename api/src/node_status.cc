#include "tabby/api/node_status.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace tabby::api {
namespace {

using nlohmann::json;

constexpr std::string_view kPeerTypeNames[] = {"node-to-node mesh", "global", "node specific"};

json peer_to_json(const BgpPeerStatus& peer) {
  json out{{"peerAddress", peer.address},
           {"peerType", std::string(peer_type_text(peer.type))},
           {"state", peer.state},
           {"since", peer.since},
           {"info", peer.info},
           {"prefixesReceived", peer.prefixes_received},
           {"prefixesAdvertised", peer.prefixes_advertised}};
  for (const auto& [key, value] :
       {std::pair{"lastConnectError", &peer.last_connect_error},
        std::pair{"lastConnectErrorAt", &peer.last_connect_error_at},
        std::pair{"lastReset", &peer.last_reset}, std::pair{"lastResetAt", &peer.last_reset_at},
        std::pair{"lastAttempt", &peer.last_attempt}, std::pair{"lastRefusal", &peer.last_refusal}})
    if (!value->empty()) out[key] = *value;
  if (peer.connections_refused > 0) out["connectionsRefused"] = peer.connections_refused;
  return out;
}

Result<std::string> string_field(const json& object, const std::string& path,
                                 const std::string& key) {
  auto it = object.find(key);
  if (it == object.end()) return Error{fmt::format("node status: {}.{}: missing", path, key)};
  if (!it->is_string()) {
    return Error{fmt::format("node status: {}.{}: {} is not a string", path, key, it->dump())};
  }
  return it->get<std::string>();
}

Result<std::uint64_t> count_field(const json& object, const std::string& path,
                                  const std::string& key) {
  auto it = object.find(key);
  if (it == object.end()) return std::uint64_t{0};
  if (!it->is_number_unsigned()) {
    return Error{
        fmt::format("node status: {}.{}: {} is not a non-negative integer", path, key, it->dump())};
  }
  return it->get<std::uint64_t>();
}

Result<BgpPeerStatus> peer_from_json(const json& object, const std::string& path) {
  if (!object.is_object()) return Error{fmt::format("node status: {}: must be an object", path)};
  BgpPeerStatus peer;
  for (auto [key, target] :
       {std::pair{"peerAddress", &peer.address}, std::pair{"state", &peer.state},
        std::pair{"since", &peer.since}, std::pair{"info", &peer.info}}) {
    auto value = string_field(object, path, key);
    if (!value) return value.error();
    *target = std::move(*value);
  }
  auto type_text = string_field(object, path, "peerType");
  if (!type_text) return type_text.error();
  auto type = parse_peer_type(*type_text);
  if (!type) return Error{fmt::format("node status: {}.peerType: {}", path, type.error().message)};
  peer.type = *type;
  for (auto [key, target] : {std::pair{"prefixesReceived", &peer.prefixes_received},
                             std::pair{"prefixesAdvertised", &peer.prefixes_advertised},
                             std::pair{"connectionsRefused", &peer.connections_refused}}) {
    auto value = count_field(object, path, key);
    if (!value) return value.error();
    *target = *value;
  }
  // Written only when there is something to say; an older agent writes none of them.
  for (auto [key, target] :
       {std::pair{"lastConnectError", &peer.last_connect_error},
        std::pair{"lastConnectErrorAt", &peer.last_connect_error_at},
        std::pair{"lastReset", &peer.last_reset}, std::pair{"lastResetAt", &peer.last_reset_at},
        std::pair{"lastAttempt", &peer.last_attempt},
        std::pair{"lastRefusal", &peer.last_refusal}}) {
    if (!object.contains(key)) continue;
    auto value = string_field(object, path, key);
    if (!value) return value.error();
    *target = std::move(*value);
  }
  return peer;
}

Result<std::vector<BgpPeerStatus>> peers_from_json(const json& bgp, const std::string& family) {
  std::vector<BgpPeerStatus> peers;
  auto it = bgp.find(family);
  if (it == bgp.end()) return peers;
  const std::string path = "bgp." + family;
  if (!it->is_array()) return Error{fmt::format("node status: {}: must be a list", path)};
  for (std::size_t i = 0; i < it->size(); ++i) {
    auto peer = peer_from_json((*it)[i], fmt::format("{}[{}]", path, i));
    if (!peer) return peer.error();
    peers.push_back(std::move(*peer));
  }
  return peers;
}

std::string pad_right(std::string_view text, std::size_t width) {
  std::string out(text);
  out.resize(std::max(width, text.size()), ' ');
  return out;
}

std::string centre(std::string_view text, std::size_t width) {
  const std::size_t extra = width > text.size() ? width - text.size() : 0;
  return std::string(extra / 2, ' ') + std::string(text) + std::string(extra - extra / 2, ' ');
}

std::string with_time(std::string_view what, std::string_view at) {
  return at.empty() ? std::string(what) : fmt::format("{} (at {})", what, at);
}

// The lines `birdc show protocols all` has for a protocol that is not up, for one peer.
std::string why_not_up(const BgpPeerStatus& peer) {
  if (peer.state == "up") return "";
  std::string lines;
  if (!peer.last_connect_error.empty())
    lines += fmt::format("  Last connect error:  {}\n",
                         with_time(peer.last_connect_error, peer.last_connect_error_at));
  if (!peer.last_reset.empty())
    lines +=
        fmt::format("  Last reset:          {}\n", with_time(peer.last_reset, peer.last_reset_at));
  if (!peer.last_attempt.empty())
    lines += fmt::format("  Last attempt:        {}\n", peer.last_attempt);
  if (peer.connections_refused > 0)
    lines += fmt::format("  Refused connections: {} (last: {})\n", peer.connections_refused,
                         peer.last_refusal.empty() ? "unknown" : peer.last_refusal);
  if (lines.empty()) return "";
  return fmt::format("Peer {} is not up ({}):\n", peer.address, peer.info) + lines + "\n";
}

std::string family_section(std::string_view version, const std::vector<BgpPeerStatus>& peers) {
  std::string out = fmt::format("IPv{} BGP status\n", version);
  if (peers.empty()) return out + fmt::format("No IPv{} peers found.\n\n", version);
  std::vector<std::vector<std::string>> rows;
  for (const auto& peer : peers) {
    rows.push_back(
        {peer.address, std::string(peer_type_text(peer.type)), peer.state, peer.since, peer.info});
  }
  out +=
      render_bordered_table({"PEER ADDRESS", "PEER TYPE", "STATE", "SINCE", "INFO"}, rows) + "\n";
  for (const auto& peer : peers)
    out += why_not_up(peer);
  return out;
}

}  // namespace

std::string_view peer_type_text(PeerType type) {
  return kPeerTypeNames[static_cast<std::size_t>(type)];
}

Result<PeerType> parse_peer_type(std::string_view text) {
  for (std::size_t i = 0; i < std::size(kPeerTypeNames); ++i) {
    if (kPeerTypeNames[i] == text) return static_cast<PeerType>(i);
  }
  return Error{
      fmt::format(R"("{}" is not a peer type (node-to-node mesh, global, node specific))", text)};
}

std::string node_status_to_json(const NodeStatus& status) {
  json ipv4 = json::array(), ipv6 = json::array();
  for (const auto& peer : status.ipv4_peers)
    ipv4.push_back(peer_to_json(peer));
  for (const auto& peer : status.ipv6_peers)
    ipv6.push_back(peer_to_json(peer));
  const json document = {{"nodeName", status.node_name},
                         {"bgpRunning", status.bgp_running},
                         {"bgp", {{"ipv4", ipv4}, {"ipv6", ipv6}}}};
  return document.dump() + "\n";
}

Result<NodeStatus> node_status_from_json(std::string_view text) {
  const json document = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    return Error{fmt::format("node status: not a JSON document: \"{}\"",
                             text.substr(0, std::min<std::size_t>(text.size(), 80)))};
  }
  if (!document.is_object()) return Error{"node status: the document must be a JSON object"};
  // The agent answers {"error": "..."} when it cannot say.
  if (auto it = document.find("error"); it != document.end() && it->is_string()) {
    return Error{"tabby-node: " + it->get<std::string>()};
  }
  NodeStatus status;
  auto name = string_field(document, "status", "nodeName");
  if (!name) return name.error();
  status.node_name = std::move(*name);
  if (auto it = document.find("bgpRunning"); it != document.end()) {
    if (!it->is_boolean()) {
      return Error{
          fmt::format("node status: status.bgpRunning: {} is not true or false", it->dump())};
    }
    status.bgp_running = it->get<bool>();
  }
  auto bgp = document.find("bgp");
  if (bgp == document.end()) return status;
  if (!bgp->is_object()) return Error{"node status: bgp: must be an object"};
  auto ipv4 = peers_from_json(*bgp, "ipv4");
  if (!ipv4) return ipv4.error();
  auto ipv6 = peers_from_json(*bgp, "ipv6");
  if (!ipv6) return ipv6.error();
  status.ipv4_peers = std::move(*ipv4);
  status.ipv6_peers = std::move(*ipv6);
  return status;
}

std::string render_node_status(const NodeStatus& status) {
  std::string out = "Calico process is running.\n\n";
  if (!status.bgp_running) return out + "The BGP backend process (BIRD) is not running.\n\n";
  return out + family_section("4", status.ipv4_peers) + family_section("6", status.ipv6_peers);
}

std::string render_bordered_table(const std::vector<std::string>& headers,
                                  const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& header : headers)
    widths.push_back(header.size());
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < widths.size() && i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  std::string rule = "+";
  for (auto width : widths)
    rule += std::string(width + 2, '-') + "+";
  rule += "\n";

  std::string out = rule + "|";
  for (std::size_t i = 0; i < headers.size(); ++i)
    out += " " + centre(headers[i], widths[i]) + " |";
  out += "\n" + rule;
  for (const auto& row : rows) {
    out += "|";
    for (std::size_t i = 0; i < widths.size(); ++i) {
      out += " " + pad_right(i < row.size() ? row[i] : "", widths[i]) + " |";
    }
    out += "\n";
  }
  return out + rule;
}

std::string bird_protocol_state(std::string_view bgp_state, bool admin_down) {
  if (admin_down) return "down";
  return bgp_state == "Established" ? "up" : "start";
}

std::string bird_info(std::string_view bgp_state, std::string_view last_error) {
  if (last_error.empty()) return std::string(bgp_state);
  return fmt::format("{} {}", bgp_state, last_error);
}

std::string bird_since(std::time_t since, std::time_t now) {
  std::tm local{};
  localtime_r(&since, &local);
  char text[16];
  constexpr std::time_t kTwentyHours = 20 * 60 * 60;
  const char* format = now - since < kTwentyHours ? "%H:%M:%S" : "%Y-%m-%d";
  const std::size_t length = std::strftime(text, sizeof text, format, &local);
  return std::string(text, length);
}

}  // namespace tabby::api
