#include "tabby/agent/speaker_bgp_port.h"

#include <algorithm>
#include <map>
#include <set>

#include "tabby/agent/calc_bgp_convergence.h"
#include "tabby/agent/speaker_bgp_filters.h"
#include "tabby/bgp/kernel_tcp_drops.h"
#include "tabby/bgp/speaker.h"
#include "tabby/common/log.h"

namespace tabby::agent {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

constexpr std::uint16_t kGracefulRestartTime = 120;  // BIRD's default, which Calico keeps

int max_length(IpFamily family) {
  return family == IpFamily::kV4 ? 32 : 128;
}

bgp::PrefixMatch within(const IpPrefix& prefix) {
  return {.prefix = prefix, .ge = prefix.length(), .le = max_length(prefix.family())};
}

// Calico's export filter (calc_bgp_export.h, rules a-i) as speaker policy.
std::vector<bgp::Term> calico_export_terms(const ExportPolicy& policy) {
  std::vector<bgp::Term> terms;
  if (!policy.export_disabled_pools.empty()) {
    bgp::Term term{.name = "disableBGPExport pools", .verdict = bgp::Verdict::kReject};
    for (const IpPrefix& pool : policy.export_disabled_pools)
      term.match.prefixes.push_back(within(pool));
    terms.push_back(term);
  }
  bgp::Term blocks{.name = "this node's blocks"};
  for (const IpPrefix& block : policy.aggregated_blocks)
    blocks.match.prefixes.push_back({block});
  for (const IpPrefix& range : policy.static_routes)
    blocks.match.prefixes.push_back({range});
  if (!blocks.match.prefixes.empty()) terms.push_back(blocks);
  bgp::Term reflected{.name = "pools and reflected service ranges"};
  for (const IpPrefix& range : policy.reflected_service_ranges)
    reflected.match.prefixes.push_back(within(range));
  for (const IpPrefix& pool : policy.pools)
    reflected.match.prefixes.push_back(within(pool));
  if (!reflected.match.prefixes.empty()) terms.push_back(reflected);
  return terms;
}

std::string peer_address_text(const DesiredPeer& peer) {
  return peer.port == 179 ? peer.address.to_string()
                          : peer.address.to_string() + ":" + std::to_string(peer.port);
}

// BIRD's `since` format for a moment of the session's history; "" for one that never came.
std::string moment(std::chrono::system_clock::time_point at) {
  if (at == std::chrono::system_clock::time_point{}) return "";
  return api::bird_since(std::chrono::system_clock::to_time_t(at), std::time(nullptr));
}

void describe_why_not_up(const bgp::PeerStatus& from, api::BgpPeerStatus& to) {
  to.last_connect_error = from.last_connect_error;
  to.last_connect_error_at = moment(from.last_connect_error_at);
  to.last_reset = from.last_reset_reason;
  to.last_reset_at = moment(from.last_reset_at);
  to.last_attempt = moment(from.last_attempt);
  to.connections_refused = from.connections_refused;
  if (from.last_refusal) to.last_refusal = std::string(bgp::to_string(*from.last_refusal));
}

api::PeerType to_api(PeerType type) {
  switch (type) {
    case PeerType::kNodeMesh:
      return api::PeerType::kNodeMesh;
    case PeerType::kGlobal:
      return api::PeerType::kGlobal;
    case PeerType::kNodeSpecific:
      return api::PeerType::kNodeSpecific;
  }
  return api::PeerType::kGlobal;
}

class SpeakerBgpPort final : public BgpPort {
 public:
  explicit SpeakerBgpPort(asio::io_context& io) : io_(io), started_(Clock::now()) {}

  Status apply(const DesiredBgp& desired, const BgpExport& exports) override {
    if (!desired.router_id) return Error{"no router ID: the node has no IPv4 address"};
    bgp::SpeakerConfig config{.local_as = desired.as_number,
                              .router_id = *desired.router_id,
                              .cluster_id = desired.route_reflector_cluster_id,
                              .graceful_restart_time = kGracefulRestartTime,
                              .restarting = restarting_,
                              .forwarding_state_preserved = restarting_};
    for (IpFamily family : {IpFamily::kV4, IpFamily::kV6}) {
      const auto own = desired.address(family);
      if (family == IpFamily::kV6 && !own) continue;  // IPv6 listener only with an address
      IpAddress any =
          family == IpFamily::kV4 ? *IpAddress::parse("0.0.0.0") : *IpAddress::parse("::");
      config.listen.push_back(
          {.address = desired.bind_node_ip && own ? *own : any, .port = desired.listen_port});
    }
    if (!speaker_ || !same_speaker(config)) {
      if (speaker_) spdlog::info("BGP: node-wide settings changed, restarting the speaker");
      for (const auto& [key, peer] : peers_)
        retire_session_count(key);
      // The new speaker starts with an empty Loc-RIB: what the old one had is withdrawn.
      std::vector<LearnedPrefix> withdrawn;
      if (speaker_) {
        speaker_->rib().for_each_selected(
            [&](const IpPrefix& prefix, const std::vector<bgp::RoutePath>&) {
              withdrawn.push_back({prefix, {}});
            });
      }
      speaker_.reset();
      if (!withdrawn.empty()) on_best_paths(withdrawn);
      peers_.clear();
      auto made = bgp::Speaker::create(io_, config);
      if (!made) return Error{made.error().message};
      speaker_ = std::move(*made);
      speaker_config_ = config;
      // Only the first speaker restarts with the agent; one replaced later (new node-wide
      // settings) starts afresh, its routes already reconciled.
      restarting_ = false;
      speaker_->on_best_path_change([this](const std::vector<bgp::BestPathChange>& changes) {
        std::vector<LearnedPrefix> learned;
        learned.reserve(changes.size());
        for (const auto& change : changes) {
          LearnedPrefix& prefix = learned.emplace_back(LearnedPrefix{change.prefix, {}});
          if (!change.best) continue;
          if (change.multipath.empty()) {
            add_learned(change.prefix, *change.best, prefix.paths);
          } else {
            for (const bgp::RoutePath& path : change.multipath)
              add_learned(change.prefix, path, prefix.paths);
          }
        }
        on_best_paths(learned);
      });
      for (const auto& [prefix, route] : originated_)
        speaker_->originate(prefix, route);
    }
    export_policy_ = exports.policy;

    std::map<std::string, const DesiredPeer*> wanted;
    for (const DesiredPeer& peer : desired.peers)
      wanted[peer.key] = &peer;
    for (auto it = peers_.begin(); it != peers_.end();) {
      if (wanted.count(it->first)) {
        ++it;
        continue;
      }
      spdlog::info("BGP: removing peer {}", it->first);
      retire_session_count(it->first);
      (void)speaker_->remove_peer(it->first);
      it = peers_.erase(it);
    }
    std::vector<std::string> warnings;
    for (const DesiredPeer& peer : desired.peers) {
      bgp::PeerConfig wanted_config = peer_config(peer, desired, warnings);
      auto known = peers_.find(peer.key);
      if (known != peers_.end() && known->second.desired == peer &&
          known->second.config.import_policy == wanted_config.import_policy &&
          known->second.config.export_policy == wanted_config.export_policy &&
          known->second.config.local_ipv4 == wanted_config.local_ipv4 &&
          known->second.config.local_ipv6 == wanted_config.local_ipv6 &&
          known->second.config.accept_port == wanted_config.accept_port)
        continue;
      spdlog::info("BGP: {} peer {} ({} AS {}{})", known == peers_.end() ? "adding" : "updating",
                   peer.key, peer_address_text(peer), peer.remote_as,
                   peer.passive ? ", passive" : "");
      const auto before = speaker_->peer(peer.key);
      if (Status set = speaker_->set_peer(wanted_config); !set) {
        warnings.push_back("peer " + peer.key + ": " + set.error().message);
        continue;
      }
      // A reset replaces the session, whose count starts again from 0.
      if (const auto after = speaker_->peer(peer.key);
          before && after && after->established_transitions < before->established_transitions)
        earlier_sessions_[peer.key] += before->established_transitions;
      peers_[peer.key] = {.config = wanted_config, .desired = peer};
    }
    for (const std::string& warning : warnings) {
      if (warned_.insert(warning).second) spdlog::warn("BGP: {}", warning);
    }
    advertise(exports.advertised);
    return {};
  }

  // Our routes carry what Calico's BIRD export sees of them: LOCAL_PREF from the route's
  // priority (the normal route priority: 2147483647 - 1024 by default, as Calico v3.32+) and
  // the device (OriginatedPrefix::interface), for BGPFilter priority and interface rules.
  void advertise(const std::vector<OriginatedPrefix>& prefixes) {
    std::map<IpPrefix, bgp::LocalRoute> wanted;
    for (const OriginatedPrefix& prefix : prefixes) {
      bgp::LocalRoute route;
      for (const std::string& community : prefix.communities)
        add_community(community, route);
      const std::uint32_t priority = prefix.prefix.family() == IpFamily::kV4
                                         ? export_policy_.normal_route_priority_v4
                                         : export_policy_.normal_route_priority_v6;
      route.local_pref = bgp::kMaxPriority - priority;
      route.interface = prefix.interface;
      wanted[prefix.prefix] = route;
    }
    for (const auto& [prefix, route] : originated_) {
      if (!wanted.count(prefix) && speaker_) speaker_->withdraw(prefix);
    }
    for (const auto& [prefix, route] : wanted) {
      auto known = originated_.find(prefix);
      if ((known == originated_.end() || !(known->second == route)) && speaker_)
        speaker_->originate(prefix, route);
    }
    originated_ = std::move(wanted);
  }

  void visit_best_paths(const BestPathVisitor& visit) const override {
    if (!speaker_) return;
    std::vector<LearnedPath> paths;
    speaker_->rib().for_each_selected(
        [&](const IpPrefix& prefix, const std::vector<bgp::RoutePath>& selected) {
          paths.clear();
          for (const bgp::RoutePath& path : selected)
            add_learned(prefix, path, paths);
          if (!paths.empty()) visit(prefix, paths);
        });
  }

  std::vector<BgpPeerReport> peers() const override {
    std::vector<BgpPeerReport> reports;
    if (!speaker_) return reports;
    for (const auto& [key, peer] : peers_) {
      auto status = speaker_->peer(key);
      if (!status) continue;
      const std::string state = bgp::to_string(status->state);
      const bool established = status->state == bgp::State::kEstablished;
      BgpPeerReport report{.key = key, .family = peer.desired.family(), .established = established};
      report.status.address = peer_address_text(peer.desired);
      report.status.type = to_api(peer.desired.type);
      report.status.state = api::bird_protocol_state(state, false);
      report.status.since =
          api::bird_since(std::chrono::system_clock::to_time_t(status->since), std::time(nullptr));
      // BIRD shows the last error only while the session is not up.
      report.status.info = api::bird_info(state, established ? "" : status->last_error);
      report.status.prefixes_received = status->prefixes_accepted;
      report.status.prefixes_advertised = status->prefixes_advertised;
      describe_why_not_up(*status, report.status);
      auto earlier = earlier_sessions_.find(key);
      report.established_transitions = status->established_transitions +
                                       (earlier == earlier_sessions_.end() ? 0 : earlier->second);
      reports.push_back(report);
    }
    return reports;
  }

  std::vector<RefusedConnections> refused_connections() const override {
    std::vector<RefusedConnections> out;
    if (speaker_) {
      const bgp::IncomingRefusals& unmatched = speaker_->incoming_refusals();
      out.push_back({"unknown_peer_address", unmatched.unknown_peer_address});
      out.push_back({"wrong_local_address_or_port", unmatched.wrong_local_address_or_port});
      std::array<std::uint64_t, bgp::kRefusedReasonCount> by_reason{};
      for (const bgp::PeerStatus& peer : speaker_->peers())
        for (std::size_t i = 0; i < by_reason.size(); ++i)
          by_reason[i] += peer.refused_by_reason[i];
      static constexpr std::array<std::string_view, bgp::kRefusedReasonCount> kLabels = {
          "peer_disabled", "already_established", "two_connections_already", "collision_lost"};
      for (std::size_t i = 0; i < by_reason.size(); ++i)
        out.push_back({std::string(kLabels[i]), by_reason[i]});
    }
    // What never reached an accept(): only the kernel saw it, and only counts it.
    if (auto kernel = bgp::read_kernel_tcp_drops(); kernel) {
      out.push_back({"kernel_md5_missing", kernel->md5_not_found});
      out.push_back({"kernel_md5_unexpected", kernel->md5_unexpected});
      out.push_back({"kernel_md5_wrong", kernel->md5_failure});
      out.push_back({"kernel_ttl_below_gtsm_minimum", kernel->min_ttl_drop});
    } else if (warned_.insert(kernel.error().message).second) {
      spdlog::warn("BGP: {}", kernel.error().message);
    }
    return out;
  }

  // End-of-RIB based, with bounds for silent or absent peers (calc_bgp_convergence.h).
  bool converged() const override {
    if (converged_) return true;
    const auto since_start = Clock::now() - started_;
    std::vector<PeerConvergence> peers;
    if (speaker_) {
      for (const auto& [key, peer] : peers_) {
        if (auto status = speaker_->peer(key))
          peers.push_back({.established = status->state == bgp::State::kEstablished,
                           .initial_table_received = status->initial_table_received});
      }
    } else {
      // No speaker yet (no desired BGP state): its peers are unknown, so wait as for a peer
      // that owes its table, up to the maximum.
      peers.push_back({.established = true, .initial_table_received = false});
    }
    switch (bgp_convergence(peers, since_start)) {
      case Convergence::kWaiting:
        return false;
      case Convergence::kTablesIn:
        spdlog::info("BGP: converged: every established peer's End-of-RIB is in");
        break;
      case Convergence::kGaveUp:
        spdlog::info("BGP: converged without every peer's End-of-RIB (waited {} s)",
                     std::chrono::duration_cast<std::chrono::seconds>(since_start).count());
        break;
    }
    return converged_ = true;
  }

  void set_restarting(bool restarting) override { restarting_ = restarting; }

  void shutdown(bool graceful) override {
    // A graceful stop sends no NOTIFICATION: the peers' graceful-restart helpers then keep
    // our routes (stale) until we are back or the restart time runs out (RFC 4724).
    if (!graceful && speaker_) speaker_->shutdown();
  }

 private:
  struct KnownPeer {
    bgp::PeerConfig config;
    DesiredPeer desired;
  };

  // Keeps the Established count of a peer's session that is about to go, so the peer's count
  // runs on across resets and removals (the speaker counts per session).
  void retire_session_count(const std::string& key) {
    if (!speaker_) return;
    if (auto status = speaker_->peer(key))
      earlier_sessions_[key] += status->established_transitions;
  }

  bool same_speaker(const bgp::SpeakerConfig& config) const {
    const auto& old = speaker_config_;
    if (old.local_as != config.local_as || !(old.router_id == config.router_id) ||
        old.cluster_id != config.cluster_id || old.listen.size() != config.listen.size())
      return false;
    for (std::size_t i = 0; i < old.listen.size(); ++i) {
      if (!(old.listen[i].address == config.listen[i].address) ||
          old.listen[i].port != config.listen[i].port)
        return false;
    }
    return true;
  }

  // A path from a peer, as the route calculation takes it; our own (originated) ones are not.
  static void add_learned(const IpPrefix& prefix, const bgp::RoutePath& path,
                          std::vector<LearnedPath>& paths) {
    if (path.local() || !path.next_hop) return;
    paths.push_back({.prefix = prefix, .next_hop = *path.next_hop, .from_bgp = true});
  }

  static void add_community(const std::string& text, bgp::LocalRoute& route) {
    auto community = parse_community(text);
    if (!community) {  // the API refuses such BGPConfiguration communities
      spdlog::warn("BGP: community {}", community.error().message);
      return;
    }
    if (const auto* standard = std::get_if<bgp::Community>(&*community))
      route.communities.push_back(*standard);
    else
      route.large_communities.push_back(std::get<bgp::LargeCommunity>(*community));
  }

  bgp::PeerConfig peer_config(const DesiredPeer& peer, const DesiredBgp& desired,
                              std::vector<std::string>& warnings) const {
    bgp::PeerConfig config{.name = peer.key, .address = peer.address, .remote_as = peer.remote_as};
    config.port = peer.port;
    config.accept_port = desired.listen_port;
    config.passive = peer.passive;
    config.password = peer.password.value_or("");
    config.ttl_security = peer.ttl_security.value_or(0);
    config.multihop_ttl = peer.ttl_security ? 0 : 64;  // Calico's BIRD peers are multihop
    config.source_address = peer.source_address;
    config.route_reflector_client = peer.route_reflector_client;
    config.next_hop = peer.next_hop == NextHopMode::kSelf   ? bgp::NextHopMode::kSelf
                      : peer.next_hop == NextHopMode::kKeep ? bgp::NextHopMode::kKeep
                                                            : bgp::NextHopMode::kAuto;
    config.allow_own_as = static_cast<std::uint8_t>(peer.allowed_local_as.value_or(0));
    config.families = {peer.family() == IpFamily::kV4 ? bgp::kIpv4Unicast : bgp::kIpv6Unicast};
    // Calico's BIRD runs `add paths on` (receive and send) on every session, so that several
    // nodes advertising one prefix (service IPs) all reach the peers, for ECMP.
    config.add_path = bgp::AddPathMode::kBoth;
    // maxRestartTime / nodeMeshMaxRestartTime, as confd writes `graceful restart time`.
    config.graceful_restart_time = static_cast<std::uint16_t>(std::min<std::int64_t>(
        peer.restart_time.count(), bgp::GracefulRestartCapability::kMaxRestartTime));
    // Calico's BIRD gets only `keepalive time`: the hold time stays BIRD's 240 s, and the
    // session runs with the smaller of both ends' hold times.
    if (peer.keepalive_time)
      config.keepalive_time_seconds = static_cast<std::uint16_t>(peer.keepalive_time->count());
    config.local_ipv4 = desired.address_v4;
    config.local_ipv6 = desired.address_v6;
    config.import_policy = bgp::Policy::accept_all();
    config.export_policy = bgp::Policy{{}, bgp::Verdict::kReject};
    for (const PeerFilter& filter : peer.filters) {
      auto imports = filter_terms(filter.import_rules, peer.family(), filter.name, warnings);
      config.import_policy.terms.insert(config.import_policy.terms.end(), imports.begin(),
                                        imports.end());
      auto exports = filter_terms(filter.export_rules, peer.family(), filter.name, warnings);
      config.export_policy.terms.insert(config.export_policy.terms.end(), exports.begin(),
                                        exports.end());
    }
    const auto calico = calico_export_terms(export_policy_);
    config.export_policy.terms.insert(config.export_policy.terms.end(), calico.begin(),
                                      calico.end());
    return config;
  }

  asio::io_context& io_;
  Clock::time_point started_;
  std::unique_ptr<bgp::Speaker> speaker_;
  bgp::SpeakerConfig speaker_config_;
  std::map<std::string, KnownPeer> peers_;
  std::map<IpPrefix, bgp::LocalRoute> originated_;
  mutable std::set<std::string> warned_;  // warnings logged once (refused_connections is const)
  std::map<std::string, std::uint64_t> earlier_sessions_;  // Established counts of past sessions
  mutable bool converged_ = false;
  bool restarting_ = false;  // for the next speaker created (set_restarting)
  ExportPolicy export_policy_;
};

}  // namespace

std::unique_ptr<BgpPort> make_speaker_bgp_port(asio::io_context& io) {
  return std::make_unique<SpeakerBgpPort>(io);
}

}  // namespace tabby::agent
