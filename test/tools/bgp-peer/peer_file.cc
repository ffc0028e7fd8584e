#include "peer_file.h"

#include <yaml-cpp/yaml.h>

#include <set>

namespace tabby::bgp_peer {

namespace {

using bgp::PeerConfig;

struct Bad {
  std::string message;
};

void only_keys(const YAML::Node& map, const std::string& where,
               const std::set<std::string>& allowed) {
  if (!map.IsMap()) throw Bad{where + ": expected a mapping"};
  for (const auto& entry : map) {
    const auto key = entry.first.as<std::string>();
    if (!allowed.count(key)) throw Bad{where + ": unknown key '" + key + "'"};
  }
}

std::string text(const YAML::Node& node, const std::string& where) {
  if (!node.IsScalar()) throw Bad{where + ": expected a value"};
  return node.Scalar();
}

template <typename T>
T number(const YAML::Node& node, const std::string& where, long long min, long long max) {
  const std::string s = text(node, where);
  std::size_t used = 0;
  long long value = 0;
  try {
    value = std::stoll(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != s.size() || s.empty()) throw Bad{where + ": '" + s + "' is not a number"};
  if (value < min || value > max)
    throw Bad{where + ": " + s + " is outside " + std::to_string(min) + ".." + std::to_string(max)};
  return static_cast<T>(value);
}

bool boolean(const YAML::Node& node, const std::string& where) {
  const std::string s = text(node, where);
  if (s == "true" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "no" || s == "off") return false;
  throw Bad{where + ": '" + s + "' is not true or false"};
}

IpAddress address(const YAML::Node& node, const std::string& where) {
  const std::string s = text(node, where);
  auto parsed = IpAddress::parse(s);
  if (!parsed) throw Bad{where + ": '" + s + "' is not an IP address"};
  return *parsed;
}

IpPrefix prefix(const YAML::Node& node, const std::string& where) {
  const std::string s = text(node, where);
  auto parsed = IpPrefix::parse(s);
  if (!parsed) throw Bad{where + ": " + parsed.error().message};
  return *parsed;
}

bgp::Policy policy(const YAML::Node& node, const std::string& where) {
  const std::string s = text(node, where);
  if (s == "accept") return bgp::Policy::accept_all();
  if (s == "reject") return bgp::Policy::reject_all();
  throw Bad{where + ": '" + s + "' is not accept or reject"};
}

PeerConfig peer(const YAML::Node& node, const std::string& where) {
  only_keys(node, where,
            {"name",        "address",        "remote_as",     "port",         "accept_port",
             "passive",     "password",       "ttl_security",  "multihop",     "source_address",
             "source_port", "rr_client",      "next_hop",      "allow_own_as", "families",
             "hold_time",   "keepalive_time", "connect_retry", "idle_hold",    "local_ipv4",
             "local_ipv6",  "import",         "export",        "add_path",     "enforce_first_as"});
  PeerConfig p;
  if (!node["address"]) throw Bad{where + ": no address"};
  if (!node["remote_as"]) throw Bad{where + ": no remote_as"};
  p.address = address(node["address"], where + ".address");
  p.name = node["name"] ? text(node["name"], where + ".name") : p.address.to_string();
  p.remote_as = number<std::uint32_t>(node["remote_as"], where + ".remote_as", 1, 4294967295LL);
  auto port = [&](const char* key) {
    return number<std::uint16_t>(node[key], where + "." + key, 0, 65535);
  };
  auto seconds = [&](const char* key, long long min, long long max) {
    return number<std::uint16_t>(node[key], where + "." + key, min, max);
  };
  if (node["port"]) p.port = port("port");
  if (node["accept_port"]) p.accept_port = port("accept_port");
  if (node["passive"]) p.passive = boolean(node["passive"], where + ".passive");
  if (node["password"]) p.password = text(node["password"], where + ".password");
  if (node["ttl_security"]) p.ttl_security = seconds("ttl_security", 1, 255);
  if (node["multihop"]) p.multihop_ttl = seconds("multihop", 1, 255);
  if (node["source_address"])
    p.source_address = address(node["source_address"], where + ".source_address");
  if (node["source_port"]) p.source_port = port("source_port");
  if (node["rr_client"])
    p.route_reflector_client = boolean(node["rr_client"], where + ".rr_client");
  if (node["next_hop"]) {
    const std::string mode = text(node["next_hop"], where + ".next_hop");
    if (mode == "auto")
      p.next_hop = bgp::NextHopMode::kAuto;
    else if (mode == "self")
      p.next_hop = bgp::NextHopMode::kSelf;
    else if (mode == "keep")
      p.next_hop = bgp::NextHopMode::kKeep;
    else
      throw Bad{where + ".next_hop: '" + mode + "' is not auto, self or keep"};
  }
  if (node["allow_own_as"])
    p.allow_own_as = static_cast<std::uint8_t>(seconds("allow_own_as", 0, 10));
  if (node["enforce_first_as"])
    p.enforce_first_as = boolean(node["enforce_first_as"], where + ".enforce_first_as");
  if (node["families"]) {
    p.families.clear();
    if (!node["families"].IsSequence()) throw Bad{where + ".families: expected a list"};
    for (const auto& f : node["families"]) {
      const std::string name = text(f, where + ".families");
      if (name == "ipv4")
        p.families.push_back(bgp::kIpv4Unicast);
      else if (name == "ipv6")
        p.families.push_back(bgp::kIpv6Unicast);
      else
        throw Bad{where + ".families: '" + name + "' is not ipv4 or ipv6"};
    }
  }
  if (node["add_path"]) {
    const std::string mode = text(node["add_path"], where + ".add_path");
    if (mode == "off")
      p.add_path = bgp::AddPathMode::kOff;
    else if (mode == "receive")
      p.add_path = bgp::AddPathMode::kReceive;
    else if (mode == "send")
      p.add_path = bgp::AddPathMode::kSend;
    else if (mode == "both")
      p.add_path = bgp::AddPathMode::kBoth;
    else
      throw Bad{where + ".add_path: '" + mode + "' is not off, receive, send or both"};
  }
  if (node["hold_time"]) p.hold_time_seconds = seconds("hold_time", 0, 65535);
  if (node["keepalive_time"]) p.keepalive_time_seconds = seconds("keepalive_time", 0, 65535);
  if (node["connect_retry"])
    p.connect_retry_time = std::chrono::seconds(seconds("connect_retry", 1, 3600));
  if (node["idle_hold"]) p.idle_hold.initial = std::chrono::seconds(seconds("idle_hold", 1, 3600));
  if (p.idle_hold.initial > p.idle_hold.max) p.idle_hold.max = p.idle_hold.initial;
  if (node["local_ipv4"]) p.local_ipv4 = address(node["local_ipv4"], where + ".local_ipv4");
  if (node["local_ipv6"]) p.local_ipv6 = address(node["local_ipv6"], where + ".local_ipv6");
  if (node["import"]) p.import_policy = policy(node["import"], where + ".import");
  if (node["export"]) p.export_policy = policy(node["export"], where + ".export");
  return p;
}

PeerFile parse(const YAML::Node& root) {
  only_keys(root, "file",
            {"local_as", "router_id", "listen", "listen_port", "cluster_id", "max_paths",
             "graceful_restart_time", "restarting", "forwarding_state", "peers", "originate"});
  PeerFile file;
  if (!root["local_as"]) throw Bad{"local_as: missing"};
  if (!root["router_id"]) throw Bad{"router_id: missing"};
  auto& s = file.speaker;
  s.local_as = number<std::uint32_t>(root["local_as"], "local_as", 1, 4294967295LL);
  s.router_id = address(root["router_id"], "router_id");
  const std::uint16_t listen_port =
      root["listen_port"] ? number<std::uint16_t>(root["listen_port"], "listen_port", 0, 65535)
                          : bgp::kBgpPort;
  if (root["listen"]) {
    if (!root["listen"].IsSequence()) throw Bad{"listen: expected a list of addresses"};
    for (std::size_t i = 0; i < root["listen"].size(); ++i)
      s.listen.push_back(
          {address(root["listen"][i], "listen[" + std::to_string(i) + "]"), listen_port});
  }
  if (root["cluster_id"]) s.cluster_id = address(root["cluster_id"], "cluster_id");
  if (root["max_paths"]) s.max_paths = number<std::size_t>(root["max_paths"], "max_paths", 1, 64);
  if (root["graceful_restart_time"])
    s.graceful_restart_time =
        number<std::uint16_t>(root["graceful_restart_time"], "graceful_restart_time", 0, 4095);
  if (root["restarting"]) s.restarting = boolean(root["restarting"], "restarting");
  if (root["forwarding_state"])
    s.forwarding_state_preserved = boolean(root["forwarding_state"], "forwarding_state");
  if (root["peers"]) {
    if (!root["peers"].IsSequence()) throw Bad{"peers: expected a list"};
    std::set<std::string> names;
    for (std::size_t i = 0; i < root["peers"].size(); ++i) {
      const std::string where = "peers[" + std::to_string(i) + "]";
      file.peers.push_back(peer(root["peers"][i], where));
      if (!names.insert(file.peers.back().name).second)
        throw Bad{where + ": name '" + file.peers.back().name + "' is used twice"};
    }
  }
  if (root["originate"]) {
    if (!root["originate"].IsSequence()) throw Bad{"originate: expected a list of prefixes"};
    for (std::size_t i = 0; i < root["originate"].size(); ++i)
      file.originate.push_back(
          prefix(root["originate"][i], "originate[" + std::to_string(i) + "]"));
  }
  return file;
}

}  // namespace

Result<PeerFile> parse_peer_file(std::string_view yaml) {
  try {
    return parse(YAML::Load(std::string(yaml)));
  } catch (const Bad& bad) {
    return Error{bad.message};
  } catch (const YAML::Exception& e) {
    return Error{std::string("YAML: ") + e.what()};
  }
}

}  // namespace tabby::bgp_peer
