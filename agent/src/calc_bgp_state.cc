#include "tabby/agent/calc_bgp_state.h"

#include <openssl/sha.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace tabby::agent {
namespace {

using api::Json;

const api::Resource* find_configuration(const std::vector<api::Resource>& configurations,
                                        const std::string& name) {
  for (const auto& configuration : configurations) {
    if (configuration.metadata.name == name) return &configuration;
  }
  return nullptr;
}

// Go compares the IPs as strings ("10.0.0.10" < "10.0.0.9"); so must we, or both ends of a
// session could wait for the other.
bool string_greater(const IpAddress& a, const IpAddress& b) {
  return a.to_string() > b.to_string();
}

// Everything the peer expansion needs about the cluster, computed once.
class PeerCalculator {
 public:
  PeerCalculator(const ClusterSnapshot& snapshot, const CalcNode& self, DesiredBgp& out)
      : snapshot_(snapshot), nodes_(calc_nodes(snapshot.nodes)), self_(self), out_(out) {
    for (const auto& filter : snapshot.bgp_filters)
      filters_.emplace(filter.metadata.name, &filter);
    for (const auto& peer : snapshot.bgp_peers)
      peers_.emplace_back(peer.metadata.name, api::bgp_peer_view(peer));
    // The datastore lists objects by name; confd's "first writer wins" follows that order.
    std::sort(peers_.begin(), peers_.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
  }

  void run() {
    for (const auto& [name, peer] : peers_) {
      if (peer.global()) forward(name, peer, PeerType::kGlobal);
    }
    for (const auto& [name, peer] : peers_) {
      if (!peer.global() && applies_to(peer, self_)) forward(name, peer, PeerType::kNodeSpecific);
    }
    for (const auto& [name, peer] : peers_) {
      if (!peer.reverse_peering_manual) reverse(name, peer);
    }
    if (out_.node_to_node_mesh) mesh();
    for (auto& [address_port, peer] : chosen_) {
      mark_route_reflector_client(peer);
      out_.peers.push_back(std::move(peer));
    }
    std::sort(out_.peers.begin(), out_.peers.end(),
              [](const DesiredPeer& a, const DesiredPeer& b) { return a.key < b.key; });
  }

 private:
  std::uint16_t listen_port(const CalcNode& node) const {
    return api::bgp_configuration_view(snapshot_.bgp_configurations, node.name).listen_port;
  }
  std::uint32_t as_of(const CalcNode& node) const { return node.as_number(out_.as_number); }

  bool applies_to(const api::BgpPeerView& peer, const CalcNode& node) const {
    if (peer.global()) return true;
    if (!peer.node.empty()) return peer.node == node.name;
    return peer.node_selector->matches(node.labels);
  }

  // The Calico node holding `address` with AS `as` (any AS when unset).
  const CalcNode* node_at(const IpAddress& address, std::optional<std::uint32_t> as) const {
    for (const auto& node : nodes_) {
      if (node.address(address.family()) != address) continue;
      if (as && *as != as_of(node)) continue;
      return &node;
    }
    return nullptr;
  }

  // A session is kept only when this node has an address of the family (else BIRD's config
  // for that family has no BGP at all), never to itself, and the first candidate for an
  // address and port wins (see add()'s callers for the order).
  void add(DesiredPeer peer) {
    const auto own = self_.address(peer.family());
    if (!own || *own == peer.address) return;
    chosen_.try_emplace({peer.address, peer.port}, std::move(peer));
  }

  DesiredPeer session(const std::string& name, const api::BgpPeerView& view, PeerType type,
                      const IpAddress& address, std::uint16_t port, bool port_given,
                      std::uint32_t remote_as, const CalcNode* peer_node) {
    DesiredPeer peer;
    peer.type = type;
    peer.key = peer_key(type, address, port_given ? std::optional(port) : std::nullopt);
    peer.address = address;
    peer.port = port;
    peer.local_as = view.local_as_number.value_or(as_of(self_));
    peer.remote_as = remote_as;
    peer.origin = "BGPPeer \"" + name + "\"";
    if (view.source_address_node_ip) peer.source_address = self_.address(address.family());
    if (view.password_secret_name) {
      peer.password = secret(*view.password_secret_name, view.password_secret_key.value_or(""),
                             peer.origin + " (" + peer.key + ")");
    }
    peer.restart_time = view.max_restart_time;
    peer.keepalive_time = view.keepalive_time;
    if (view.next_hop_mode == "Self") {
      peer.next_hop = NextHopMode::kSelf;
    } else if (view.next_hop_mode == "Keep") {
      peer.next_hop = NextHopMode::kKeep;
    } else if (view.keep_original_next_hop && !peer.ibgp()) {
      peer.next_hop = NextHopMode::kKeep;  // the deprecated flag only acts on eBGP sessions
    }
    peer.ttl_security = view.ttl_security;
    peer.allowed_local_as = view.num_allowed_local_as_numbers;
    peer.reachable_by = view.reachable_by;
    if (peer_node) peer.peer_node = peer_node->name;
    for (const auto& filter_name : view.filters) {
      auto it = filters_.find(filter_name);
      if (it == filters_.end()) {
        out_.warnings.push_back(peer.origin + " names BGPFilter \"" + filter_name +
                                "\", which does not exist; ignored");
        continue;
      }
      peer.filters.push_back(peer_filter(*it->second, address.family()));
    }
    // Global peers that are Calico nodes: only one end connects, as on the mesh. Node
    // specific peers both connect and BGP's collision detection keeps one.
    const auto own = self_.address(address.family());
    peer.passive = type == PeerType::kGlobal && peer_node && own && string_greater(address, *own);
    return peer;
  }

  // Sessions this node opens because a BGPPeer applies to it.
  void forward(const std::string& name, const api::BgpPeerView& view, PeerType type) {
    if (view.peer_ip) {
      const IpAddress& address = view.peer_ip->address;
      const CalcNode* target = node_at(address, view.as_number);
      std::uint32_t remote_as = view.as_number.value_or(target ? as_of(*target) : 0);
      if (!view.as_number && !target) {
        out_.warnings.push_back("BGPPeer \"" + name + "\" has a peerIP without asNumber; ignored");
        return;
      }
      // Without a port, a Calico node's listenPort, else BGP's.
      const std::uint16_t port =
          view.peer_ip->port.value_or(target ? listen_port(*target) : std::uint16_t{179});
      add(session(name, view, type, address, port, view.peer_ip->port.has_value(), remote_as,
                  target));
    } else if (view.peer_selector) {
      for (const auto& target : nodes_) {
        if (target.name == self_.name || !view.peer_selector->matches(target.labels)) continue;
        for (IpFamily family : {IpFamily::kV4, IpFamily::kV6}) {
          const auto address = target.address(family);
          if (!address) continue;
          const std::uint16_t port = listen_port(target);
          add(session(name, view, type, *address, port, port != 179, as_of(target), &target));
        }
      }
    }
    // localWorkloadSelector peerings need WorkloadEndpoints; not part of this calculation.
  }

  // Sessions this node opens because it is the target of another node's BGPPeer
  // (reversePeering Auto): back to every node the BGPPeer applies to.
  void reverse(const std::string& name, const api::BgpPeerView& view) {
    std::vector<IpFamily> families;
    if (view.peer_selector) {
      if (!view.peer_selector->matches(self_.labels)) return;
      families = {IpFamily::kV4, IpFamily::kV6};
    } else if (view.peer_ip) {
      const IpAddress& address = view.peer_ip->address;
      if (self_.address(address.family()) != address) return;
      if (view.as_number && *view.as_number != as_of(self_)) return;
      if (view.peer_ip->port && *view.peer_ip->port != listen_port(self_)) return;
      families = {address.family()};
    } else {
      return;
    }
    for (const auto& source : nodes_) {
      if (source.name == self_.name || !applies_to(view, source)) continue;
      for (IpFamily family : families) {
        const auto address = source.address(family);
        if (!address || !self_.address(family)) continue;
        const std::uint16_t port = listen_port(source);
        api::BgpPeerView back = view;
        back.local_as_number.reset();  // the source's localASNumber is its end, our remote AS
        add(session(name, back, PeerType::kNodeSpecific, *address, port, port != 179,
                    view.local_as_number.value_or(as_of(source)), &source));
      }
    }
  }

  void mesh() {
    // A route reflector has no mesh sessions, and nobody meshes with one.
    if (self_.route_reflector()) return;
    const auto& mesh = mesh_settings();
    for (const auto& other : nodes_) {
      if (other.name == self_.name || other.route_reflector()) continue;
      for (IpFamily family : {IpFamily::kV4, IpFamily::kV6}) {
        const auto address = other.address(family);
        const auto own = self_.address(family);
        if (!address || !own) continue;
        DesiredPeer peer;
        peer.type = PeerType::kNodeMesh;
        peer.key = peer_key(PeerType::kNodeMesh, *address, std::nullopt);
        peer.address = *address;
        peer.port = listen_port(other);
        peer.local_as = as_of(self_);
        peer.remote_as = as_of(other);
        peer.passive = string_greater(*address, *own);
        peer.source_address = own;
        peer.password = mesh.password;
        peer.restart_time = mesh.restart_time;
        peer.peer_node = other.name;
        peer.origin = "node-to-node mesh";
        add(std::move(peer));
      }
    }
  }

  struct MeshSettings {
    std::optional<std::string> password;
    std::chrono::seconds restart_time{120};
  };
  MeshSettings mesh_settings() {
    MeshSettings settings;
    const auto config = api::bgp_configuration_view(snapshot_.bgp_configurations, self_.name);
    if (config.node_mesh_max_restart_time)
      settings.restart_time = *config.node_mesh_max_restart_time;
    const api::Resource* global = find_configuration(snapshot_.bgp_configurations, "default");
    if (global && global->spec.contains("nodeMeshPassword")) {
      const Json ref = global->spec["nodeMeshPassword"].value("secretKeyRef", Json::object());
      settings.password = secret(ref.value("name", ""), ref.value("key", ""),
                                 "BGPConfiguration \"default\" nodeMeshPassword");
    }
    return settings;
  }

  // An unreadable secret leaves the session without a password, as confd does; it says so.
  std::optional<std::string> secret(const std::string& name, const std::string& key,
                                    const std::string& user) {
    auto it = snapshot_.secrets.find({name, key});
    if (it != snapshot_.secrets.end()) return it->second;
    out_.warnings.push_back(user + ": secret \"" + name + "\" key \"" + key +
                            "\" is not available; the session has no password");
    return std::nullopt;
  }

  // BIRD's `rr client`: on a route reflector, every non-mesh iBGP session to a peer that is
  // not a route reflector of the same cluster (an external iBGP router counts as a client).
  void mark_route_reflector_client(DesiredPeer& peer) const {
    const auto& cluster = self_.bgp.route_reflector_cluster_id;
    if (!cluster || peer.type == PeerType::kNodeMesh || !peer.ibgp()) return;
    const CalcNode* remote = peer.peer_node.empty() ? nullptr : find_node(nodes_, peer.peer_node);
    if (remote && remote->bgp.route_reflector_cluster_id == cluster) return;
    peer.route_reflector_client = true;
    peer.rr_cluster_id = cluster;
  }

  const ClusterSnapshot& snapshot_;
  std::vector<CalcNode> nodes_;
  const CalcNode& self_;
  DesiredBgp& out_;
  std::map<std::string, const api::Resource*> filters_;
  std::vector<std::pair<std::string, api::BgpPeerView>> peers_;
  std::map<std::tuple<IpAddress, std::uint16_t>, DesiredPeer> chosen_;
};

std::map<std::string, std::string> community_names(const api::Resource* configuration) {
  std::map<std::string, std::string> out;
  if (!configuration) return out;
  for (const auto& entry : configuration->spec.value("communities", Json::array()))
    out.emplace(entry.value("name", ""), entry.value("value", ""));
  return out;
}

}  // namespace

std::string_view peer_type_name(PeerType type) {
  switch (type) {
    case PeerType::kNodeMesh:
      return "node-to-node mesh";
    case PeerType::kGlobal:
      return "global";
    case PeerType::kNodeSpecific:
      return "node specific";
  }
  return "unknown";
}

std::string peer_key(PeerType type, const IpAddress& address, std::optional<std::uint16_t> port) {
  std::string key = type == PeerType::kNodeMesh ? "Mesh_"
                    : type == PeerType::kGlobal ? "Global_"
                                                : "Node_";
  for (char c : address.to_string())
    key += (c == '.' || c == ':') ? '_' : c;
  if (port) key += "_port_" + std::to_string(*port);
  return key;
}

IpAddress hashed_router_id(std::string_view node_name) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(node_name.data()), node_name.size(), digest);
  const std::uint32_t first = digest[0] > 223 ? digest[0] - 32u : digest[0];
  return IpAddress::v4(first << 24 | std::uint32_t{digest[1]} << 16 |
                       std::uint32_t{digest[2]} << 8 | std::uint32_t{digest[3]});
}

std::vector<PrefixAdvertisement> prefix_advertisements(
    const std::vector<api::Resource>& configurations, std::string_view node) {
  const api::Resource* global = find_configuration(configurations, "default");
  const api::Resource* local = find_configuration(configurations, "node." + std::string(node));
  auto adverts_of = [](const api::Resource* configuration) {
    return configuration ? configuration->spec.value("prefixAdvertisements", Json::array())
                         : Json::array();
  };
  // The node's list, when it has one, replaces the default list entirely.
  Json adverts = adverts_of(local);
  if (adverts.empty()) adverts = adverts_of(global);
  auto names = community_names(local);
  names.merge(community_names(global));  // node-level definitions first
  std::map<IpPrefix, std::set<std::string>> merged;
  for (const auto& advert : adverts) {
    auto& values = merged[prefix_or_host(advert.value("cidr", ""))];
    for (const auto& community : advert.value("communities", Json::array())) {
      const std::string text = community;
      auto it = names.find(text);
      values.insert(it != names.end() ? it->second : text);
    }
  }
  std::vector<PrefixAdvertisement> out;
  for (auto& [cidr, values] : merged)
    out.push_back({cidr, {values.begin(), values.end()}});
  return out;
}

Result<DesiredBgp> desired_bgp(const ClusterSnapshot& snapshot, const BgpCalcOptions& options) {
  const api::Resource* node_resource = nullptr;
  for (const auto& node : snapshot.nodes) {
    if (node.metadata.name == snapshot.node_name) node_resource = &node;
  }
  if (!node_resource) {
    return Error{"no Node resource named \"" + snapshot.node_name +
                 "\": the BGP configuration needs this node's addresses"};
  }
  const CalcNode self = calc_node(*node_resource);
  const auto config = api::bgp_configuration_view(snapshot.bgp_configurations, self.name);

  DesiredBgp out;
  out.node_name = self.name;
  out.as_number = config.as_number;  // the cluster AS; per-node AS below
  out.listen_port = config.listen_port;
  out.bind_node_ip = config.bind_node_ip;
  out.log_severity = config.log_severity;
  out.node_to_node_mesh = config.node_to_node_mesh;
  out.address_v4 = self.bgp.ipv4_address;
  out.address_v6 = self.bgp.ipv6_address;
  out.subnet_v4 = self.bgp.ipv4_subnet;
  out.subnet_v6 = self.bgp.ipv6_subnet;
  out.route_reflector_cluster_id = self.bgp.route_reflector_cluster_id;
  out.service_cluster_ips = config.service_cluster_ips;
  out.service_external_ips = config.service_external_ips;
  out.service_load_balancer_ips = config.service_load_balancer_ips;
  if (const auto* global = find_configuration(snapshot.bgp_configurations, "default")) {
    out.service_load_balancer_aggregation =
        global->spec.value("serviceLoadBalancerAggregation", "Enabled") != "Disabled";
  }
  out.prefix_advertisements = prefix_advertisements(snapshot.bgp_configurations, self.name);
  out.router_id = options.router_id_from_hash ? hashed_router_id(self.name)
                  : options.router_id         ? options.router_id
                                              : self.bgp.ipv4_address;
  if (!out.router_id) {
    out.warnings.push_back("node \"" + self.name +
                           "\" has no IPv4 address and CALICO_ROUTER_ID is not set: no router ID");
  }

  // Peers use the cluster AS for nodes without their own; this node's own AS is set after.
  PeerCalculator(snapshot, self, out).run();
  out.as_number = self.as_number(config.as_number);
  return out;
}

}  // namespace tabby::agent
