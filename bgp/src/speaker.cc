#include "tabby/bgp/speaker.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "tabby/bgp/asio_address.h"
#include "tabby/bgp/session_match.h"
#include "tabby/common/log.h"

namespace tabby::bgp {

namespace asio = boost::asio;

struct Speaker::Peer {
  PeerConfig config;
  PeerId id = 0;
  std::shared_ptr<Session> session;
  LocalAddresses local;  // next-hop-self addresses; the session's own one learned when it is up
  std::optional<GracefulRestartCapability> peer_graceful_restart;  // from its last OPEN
  // Timers are shared so that their handlers can hold them weakly: a handler already queued
  // when its timer was replaced or dropped (cancel() is too late then) finds it gone.
  std::shared_ptr<asio::steady_timer> restart_timer;  // RFC 4724 restart time
  // RFC 7313: per family, from the peer's BoRR until its EoRR (refresh_stale_time).
  std::map<Family, std::shared_ptr<asio::steady_timer>> refresh_timers;
};

Result<std::unique_ptr<Speaker>> Speaker::create(asio::io_context& io, SpeakerConfig config) {
  if (config.local_as == 0) return Error{"BGP speaker: local AS is 0"};
  if (!config.router_id.is_v4() || config.router_id.v4_value() == 0)
    return Error{"BGP speaker: router ID " + config.router_id.to_string() +
                 " is not a non-zero IPv4 address"};
  if (config.max_paths == 0) return Error{"BGP speaker: max paths is 0"};
  if (config.graceful_restart_time > GracefulRestartCapability::kMaxRestartTime)
    return Error{"BGP speaker: graceful restart time " +
                 std::to_string(config.graceful_restart_time) + " s is over 4095"};
  // The Restart State bit travels in the graceful restart capability: without it the peers
  // would neither keep our routes nor know to send us their End-of-RIBs.
  if (config.restarting && config.graceful_restart_time == 0)
    return Error{"BGP speaker: restarting, but graceful restart is off (graceful restart time 0)"};
  if (config.selection_deferral_time.count() < 0)
    return Error{"BGP speaker: selection deferral time is negative"};
  if (config.refresh_stale_time.count() < 0)
    return Error{"BGP speaker: route refresh stale time is negative"};
  if (config.stale_path_time.count() < 0) return Error{"BGP speaker: stale path time is negative"};
  std::unique_ptr<Speaker> speaker(new Speaker(io, std::move(config)));
  for (const ListenEndpoint& endpoint : speaker->config_.listen) {
    auto listener =
        Listener::open(io, endpoint.address, endpoint.port,
                       [s = speaker.get(), alive = std::weak_ptr<bool>(speaker->alive_)](
                           asio::ip::tcp::socket socket) {
                         if (!alive.expired()) s->incoming(std::move(socket));
                       });
    if (!listener) return listener.error();
    speaker->listeners_.push_back(*listener);
  }
  if (speaker->config_.restarting) {
    speaker->rib_.defer_advertisement();
    speaker->deferral_timer_ =
        std::make_unique<asio::steady_timer>(io, speaker->config_.selection_deferral_time);
    speaker->deferral_timer_->async_wait(
        [s = speaker.get(),
         alive = std::weak_ptr<bool>(speaker->alive_)](boost::system::error_code ec) {
          if (!ec && !alive.expired()) s->end_deferral("the selection deferral time ran out");
        });
    bgp_logger().info(
        "bgp: restarting: advertising nothing until the peers' End-of-RIBs are in "
        "(at most {} s)",
        std::chrono::duration_cast<std::chrono::seconds>(speaker->config_.selection_deferral_time)
            .count());
  }
  return speaker;
}

Speaker::Speaker(asio::io_context& io, SpeakerConfig config)
    : io_(io),
      config_(std::move(config)),
      rib_(RibConfig{config_.local_as, config_.router_id, config_.cluster_id, false,
                     config_.max_paths, 100}) {}

Speaker::~Speaker() {
  if (deferral_timer_) deferral_timer_->cancel();
  for (auto& listener : listeners_)
    listener->close();
}

std::vector<std::uint16_t> Speaker::listen_ports() const {
  std::vector<std::uint16_t> ports;
  for (const auto& listener : listeners_)
    ports.push_back(listener->port());
  return ports;
}

// --- configuration ---------------------------------------------------------------------------

SessionConfig Speaker::session_config(const PeerConfig& peer) const {
  SessionConfig c;
  c.local_as = config_.local_as;
  c.router_id = config_.router_id;
  c.peer_address = peer.address;
  c.peer_as = peer.remote_as;
  c.peer_port = peer.port;
  c.accept_port = peer.accept_port;
  c.source_address = peer.source_address;
  c.source_port = peer.source_port;
  c.passive = peer.passive;
  c.password = peer.password;
  c.ttl_security = peer.ttl_security;
  c.multihop_ttl = peer.multihop_ttl;
  c.hold_time_seconds = peer.hold_time_seconds;
  c.keepalive_time_seconds = peer.keepalive_time_seconds;
  c.connect_retry_time = peer.connect_retry_time;
  c.idle_hold = peer.idle_hold;
  c.families = peer.families;
  c.add_path = peer.add_path;
  const std::uint16_t restart_time =
      peer.graceful_restart_time.value_or(config_.graceful_restart_time);
  if (restart_time > 0) {
    GracefulRestartCapability gr;
    // The Restart State bit only while we still wait for the peers' End-of-RIBs: a peer added
    // later is not told we restart.
    gr.flags = config_.restarting && rib_.advertisement_deferred()
                   ? GracefulRestartCapability::kRestartStateFlag
                   : 0;
    gr.restart_time = restart_time;
    for (const Family& family : peer.families)
      gr.families.push_back({family, static_cast<std::uint8_t>(
                                         config_.forwarding_state_preserved
                                             ? GracefulRestartCapability::kForwardingStatePreserved
                                             : 0)});
    c.graceful_restart = gr;
  }
  return c;
}

RibPeerConfig Speaker::rib_config(const Peer& peer) const {
  RibPeerConfig c;
  c.id = peer.id;
  c.address = peer.config.address;
  c.local = peer.local;
  c.remote_as = peer.config.remote_as;
  c.route_reflector_client = peer.config.route_reflector_client;
  c.next_hop = peer.config.next_hop;
  c.allow_own_as = peer.config.allow_own_as;
  c.enforce_first_as = peer.config.enforce_first_as;
  c.import_policy = peer.config.import_policy;
  c.export_policy = peer.config.export_policy;
  return c;
}

Status Speaker::set_peer(PeerConfig config) {
  if (config.name.empty()) config.name = config.address.to_string();
  if (config.remote_as == 0) return Error{"BGP peer " + config.name + ": remote AS is 0"};
  if (config.graceful_restart_time > GracefulRestartCapability::kMaxRestartTime)
    return Error{"BGP peer " + config.name + ": graceful restart time " +
                 std::to_string(*config.graceful_restart_time) + " s is over 4095"};
  if (auto valid = validate(session_config(config)); !valid) return valid;
  auto it = peers_.find(config.name);
  if (it == peers_.end()) {
    auto peer = std::make_unique<Peer>();
    peer->id = next_peer_id_++;
    peer->config = std::move(config);
    peer->local.ipv4 = peer->config.local_ipv4;
    peer->local.ipv6 = peer->config.local_ipv6;
    if (auto added = rib_.add_peer(rib_config(*peer)); !added) return added;
    Peer& p = *peer;
    peers_.emplace(p.config.name, std::move(peer));
    return start_session(p);
  }
  Peer& peer = *it->second;
  const bool reset = !same_session(session_config(peer.config), session_config(config));
  if (reset) retire(peer.session, NotificationMessage(CeaseSubcode::kOtherConfigurationChange));
  if (reset && !peer.config.password.empty() &&
      (config.password.empty() || config.address != peer.config.address))
    forget_md5(peer.config.address, peer.config.name);
  peer.config = std::move(config);
  if (peer.config.local_ipv4) peer.local.ipv4 = peer.config.local_ipv4;
  if (peer.config.local_ipv6) peer.local.ipv6 = peer.config.local_ipv6;
  if (auto updated = rib_.update_peer(rib_config(peer)); !updated) return updated;
  if (reset) {
    if (auto started = start_session(peer); !started) return started;
  }
  flush();
  return {};
}

Status Speaker::start_session(Peer& peer) {
  const SessionConfig config = session_config(peer.config);
  for (auto& listener : listeners_) {
    if (listener->address().family() != peer.config.address.family()) continue;
    if (!peer.config.password.empty())
      if (auto md5 = listener->set_md5(peer.config.address, peer.config.password); !md5) return md5;
    if (peer.config.ttl_security > 0)
      if (auto ttl = listener->set_outgoing_ttl(255); !ttl) return ttl;
  }
  auto session = Session::create(io_, config, *this);
  if (!session) return session.error();
  peer.session = *session;
  peer.session->start();
  return {};
}

void Speaker::retire(std::shared_ptr<Session> session, NotificationMessage why) {
  if (!session) return;
  session->stop(std::move(why));  // on_down, if it was up, runs now
  // Released later: this may run inside one of the session's own callbacks.
  asio::post(io_, [session] {});
}

Status Speaker::remove_peer(const std::string& name) {
  auto it = peers_.find(name);
  if (it == peers_.end()) return Error{"BGP peer " + name + " is not configured"};
  Peer& peer = *it->second;
  retire(peer.session, NotificationMessage(CeaseSubcode::kPeerDeconfigured));
  peer.session.reset();
  if (!peer.config.password.empty()) forget_md5(peer.config.address, name);
  rib_.remove_peer(peer.id);
  peers_.erase(it);
  check_deferral();
  flush();
  return {};
}

void Speaker::forget_md5(const IpAddress& address, const std::string& leaving) {
  // Another peer at the same address (on another port) may still need the key.
  for (const auto& [name, peer] : peers_)
    if (name != leaving && peer->config.address == address && !peer->config.password.empty())
      return;
  for (auto& listener : listeners_)
    if (listener->address().family() == address.family()) (void)listener->set_md5(address, "");
}

void Speaker::shutdown() {
  for (auto& [name, peer] : peers_)
    if (peer->session) peer->session->stop();
  flush();
}

void Speaker::originate(const IpPrefix& prefix, const LocalRoute& route) {
  rib_.originate(prefix, route);
  flush();
}

void Speaker::withdraw(const IpPrefix& prefix) {
  rib_.withdraw_local(prefix);
  flush();
}

// --- sessions --------------------------------------------------------------------------------

Speaker::Peer* Speaker::find(const Session& session) {
  for (auto& [name, peer] : peers_)
    if (peer->session.get() == &session) return peer.get();
  return nullptr;
}

void Speaker::incoming(asio::ip::tcp::socket socket) {
  boost::system::error_code ec;
  const auto local = socket.local_endpoint(ec);
  const auto remote = socket.remote_endpoint(ec);
  if (ec) return;
  const IncomingConnection connection{from_asio(remote.address()), from_asio(local.address()),
                                      local.port()};
  bool known_address = false;
  for (auto& [name, peer] : peers_) {
    if (!peer->session) continue;
    if (accepts(peer->session->config(), connection)) {
      peer->session->accept(std::move(socket));  // it logs and counts a refusal itself
      return;
    }
    known_address = known_address || peer->session->config().peer_address == connection.remote;
  }
  if (known_address) {
    ++incoming_refusals_.wrong_local_address_or_port;
    bgp_logger().info(
        "bgp: refused a connection from {} to {} port {}: no peer at that address is "
        "configured for that local address and port",
        connection.remote.to_string(), connection.local.to_string(), connection.local_port);
  } else {
    ++incoming_refusals_.unknown_peer_address;
    bgp_logger().info("bgp: refused a connection from {} to {} port {}: no such peer",
                      connection.remote.to_string(), connection.local.to_string(),
                      connection.local_port);
  }
  socket.close(ec);
}

void Speaker::on_established(Session& session, const EstablishedInfo& info) {
  Peer* peer = find(session);
  if (!peer) return;
  LocalAddresses local = peer->local;
  if (info.local_address.is_v4())
    local.ipv4 = info.local_address;
  else
    local.ipv6 = info.local_address;
  if (peer->config.local_ipv4) local.ipv4 = peer->config.local_ipv4;
  if (peer->config.local_ipv6) local.ipv6 = peer->config.local_ipv6;
  if (!(local == peer->local)) {
    peer->local = local;
    if (auto updated = rib_.update_peer(rib_config(*peer)); !updated)
      bgp_logger().error("bgp peer {}: {}", peer->config.name, updated.error().message);
  }
  // RFC 4724 section 4.2: back within its restart time, the peer's stale routes now wait for
  // its End-of-RIB (Rib::peer_up drops those of families it no longer preserves), for at
  // most stale_path_time rather than what is left of the restart time.
  if (peer->restart_timer) sweep_stale_after(*peer, config_.stale_path_time);
  const auto* gr = info.peer_open.find<GracefulRestartCapability>();
  peer->peer_graceful_restart = gr ? std::optional<GracefulRestartCapability>(*gr) : std::nullopt;
  if (gr)
    bgp_logger().debug("bgp peer {}: graceful restart: restart time {} s{}, {} families",
                       peer->config.name, gr->restart_time,
                       gr->restart_state() ? ", restarting" : "", gr->families.size());
  if (auto up = rib_.peer_up(peer->id, PeerSession::from_opens(info.local_open, info.peer_open));
      !up)
    bgp_logger().error("bgp peer {}: {}", peer->config.name, up.error().message);
  check_deferral();
  flush();
}

void Speaker::on_update(Session& session, const UpdateMessage& update, UpdateVerdict verdict) {
  Peer* peer = find(session);
  if (!peer) return;
  auto received = rib_.receive_update(peer->id, update, verdict);
  if (!received) {
    bgp_logger().warn("bgp peer {}: {}", peer->config.name, received.error().message);
  } else if (received->end_of_rib) {
    bgp_logger().debug("bgp peer {}: End-of-RIB for {}", peer->config.name,
                       received->end_of_rib->to_string());
    check_deferral();
  } else {
    for (const auto& problem : received->problems)
      bgp_logger().warn("bgp peer {}: {}", peer->config.name, problem);
  }
  schedule_flush();
}

void Speaker::on_route_refresh(Session& session, const RouteRefreshMessage& refresh) {
  Peer* peer = find(session);
  if (!peer) return;
  const std::string& name = peer->config.name;
  const std::string family = refresh.family.to_string();
  const auto& info = session.established_info();
  // RFC 2918: a refresh for a family we did not negotiate with the peer is ignored.
  if (!info || std::find(info->families.begin(), info->families.end(), refresh.family) ==
                   info->families.end()) {
    bgp_logger().info("bgp peer {}: ROUTE-REFRESH for {} ignored: the family was not negotiated",
                      name, family);
    return;
  }
  Status done;
  if (refresh.subtype == RouteRefreshSubtype::kRequest) {
    bgp_logger().info("bgp peer {}: ROUTE-REFRESH for {}: sending our routes again", name, family);
    done = rib_.refresh_peer(peer->id, refresh.family);
  } else {
    // RFC 7313 section 4: BoRR and EoRR mean something only if both announced the capability.
    const bool enhanced = info->local_open.find<EnhancedRouteRefreshCapability>() &&
                          info->peer_open.find<EnhancedRouteRefreshCapability>();
    const bool begin = refresh.subtype == RouteRefreshSubtype::kBeginningOfRouteRefresh;
    if (!enhanced) {
      bgp_logger().info("bgp peer {}: {} for {} ignored: enhanced route refresh not negotiated",
                        name, begin ? "BoRR" : "EoRR", family);
      return;
    }
    bgp_logger().debug("bgp peer {}: {} for {}", name, begin ? "BoRR" : "EoRR", family);
    auto& timer = peer->refresh_timers[refresh.family];
    if (timer) timer->cancel();
    timer.reset();
    if (begin) {
      done = rib_.begin_route_refresh(peer->id, refresh.family);
      // An EoRR that never comes must not keep the stale routes for ever.
      timer = std::make_shared<asio::steady_timer>(io_, config_.refresh_stale_time);
      timer->async_wait([this, current = std::weak_ptr(timer), id = peer->id,
                         f = refresh.family](boost::system::error_code ec) {
        if (ec || current.expired()) return;
        for (auto& [peer_name, p] : peers_)
          if (p->id == id) {
            bgp_logger().info("bgp peer {}: no EoRR for {} in time; its stale routes go", peer_name,
                              f.to_string());
            if (auto ended = rib_.end_route_refresh(id, f); !ended)
              bgp_logger().warn("bgp peer {}: {}", peer_name, ended.error().message);
            flush();
          }
      });
    } else {
      done = rib_.end_route_refresh(peer->id, refresh.family);
    }
  }
  if (!done) bgp_logger().warn("bgp peer {}: {}", name, done.error().message);
  flush();
}

Status Speaker::request_refresh(const std::string& name, Family family) {
  auto it = peers_.find(name);
  if (it == peers_.end()) return Error{"BGP peer " + name + " is not configured"};
  if (!it->second->session) return Error{"BGP peer " + name + " has no session"};
  return it->second->session->send_route_refresh(family);
}

void Speaker::on_down(Session& session, const DownInfo& info) {
  Peer* peer = find(session);
  if (!peer) return;
  auto cease = [](const std::optional<NotificationMessage>& n) { return n && n->code == 6; };
  // RFC 4724: a peer that announced graceful restart keeps its routes (stale) when the
  // session ends without a Cease (TCP failure, hold timer expiry).
  const bool graceful = peer->peer_graceful_restart.has_value() && !cease(info.notification_sent) &&
                        !cease(info.notification_received);
  peer->refresh_timers.clear();  // the RIB forgets a refresh under way with the session
  rib_.peer_down(peer->id, graceful ? PeerDown::kGraceful : PeerDown::kHard);
  check_deferral();
  if (graceful)
    sweep_stale_after(*peer, std::chrono::seconds(peer->peer_graceful_restart->restart_time));
  flush();
}

void Speaker::sweep_stale_after(Peer& peer, std::chrono::milliseconds time) {
  peer.restart_timer = std::make_shared<asio::steady_timer>(io_, time);
  peer.restart_timer->async_wait([this, current = std::weak_ptr(peer.restart_timer),
                                  id = peer.id](boost::system::error_code ec) {
    if (ec || current.expired()) return;
    for (auto& [name, p] : peers_)
      if (p->id == id) {
        rib_.end_graceful_restart(id);
        flush();
      }
  });
}

void Speaker::flush() {
  if (flushing_) {
    flush_again_ = true;
    return;
  }
  flushing_ = true;
  do {
    flush_again_ = false;
    std::vector<std::span<const std::uint8_t>> messages;
    for (auto& [name, peer] : peers_) {
      if (!peer->session || !peer->session->established() || !rib_.is_up(peer->id)) continue;
      auto updates = rib_.take_updates(peer->id);
      if (!updates) {
        bgp_logger().error("bgp peer {}: {}", name, updates.error().message);
        continue;
      }
      messages.clear();
      for (const EncodedUpdate& update : *updates)
        messages.emplace_back(*update);
      if (auto sent = peer->session->send_messages(messages); !sent)
        bgp_logger().warn("bgp peer {}: {}", name, sent.error().message);
    }
    auto changes = rib_.take_best_path_changes();
    if (!changes.empty() && best_path_callback_) best_path_callback_(changes);
  } while (flush_again_);
  flushing_ = false;
}

void Speaker::schedule_flush() {
  if (flush_scheduled_) return;
  flush_scheduled_ = true;
  asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired()) return;
    flush_scheduled_ = false;
    flush();
  });
}

// --- graceful restart, the restarting side -----------------------------------------------

void Speaker::check_deferral() {
  if (!rib_.advertisement_deferred()) return;
  bool some_table_in = false;
  bool all_up = true;
  for (const auto& [name, peer] : peers_) {
    if (!peer->session || !peer->session->established() || !rib_.is_up(peer->id)) {
      all_up = false;
      continue;
    }
    // RFC 4724 section 4.1 waits for neither a peer without the capability nor one restarting
    // too (its Restart State bit): that one waits for our End-of-RIB.
    const auto& gr = peer->peer_graceful_restart;
    if (!gr || gr->restart_state()) continue;
    // Nor one we did not offer graceful restart to (restart time 0 for it): it owes us no
    // End-of-RIB (BIRD sends none then).
    if (peer->config.graceful_restart_time.value_or(config_.graceful_restart_time) == 0) continue;
    if (!rib_.initial_table_received(peer->id)) return;
    some_table_in = true;
  }
  if (some_table_in) return end_deferral("the peers' End-of-RIBs are in");
  if (all_up) end_deferral("every peer is up and none owes us an End-of-RIB");
}

void Speaker::end_deferral(const std::string& why) {
  if (!rib_.advertisement_deferred()) return;
  if (deferral_timer_) deferral_timer_->cancel();
  bgp_logger().info("bgp: restart: {}; advertising our routes", why);
  // Sessions made during the restart would otherwise keep sending the Restart State bit in
  // every later OPEN, and differ from session_config() (a needless reset on set_peer).
  for (auto& [name, peer] : peers_)
    if (peer->session) peer->session->clear_restart_state();
  if (auto ended = rib_.end_advertisement_deferral(); !ended)
    bgp_logger().error("bgp: {}", ended.error().message);
  flush();
}

bool Speaker::initial_tables_received() const {
  for (const auto& [name, peer] : peers_)
    if (peer->session && peer->session->established() && rib_.is_up(peer->id) &&
        !rib_.initial_table_received(peer->id))
      return false;
  return true;
}

// --- status ----------------------------------------------------------------------------------

PeerStatus Speaker::status_of(const Peer& peer) const {
  PeerStatus status;
  status.name = peer.config.name;
  status.address = peer.config.address;
  if (peer.session) {
    const SessionStatus s = peer.session->status();
    status.state = s.state;
    status.since = s.state_since_wall;
    status.last_error = s.last_error;
    status.last_connect_error = s.last_connect_error;
    status.last_connect_error_at = s.last_connect_error_at;
    status.last_reset_reason = s.last_reset_reason;
    status.last_reset_at = s.last_reset_at;
    status.last_attempt = s.last_attempt;
    status.connections_refused = s.connections_refused;
    status.refused_by_reason = s.refused_by_reason;
    status.last_refusal = s.last_refusal;
    status.messages_received = s.received;
    status.messages_sent = s.sent;
    status.established_transitions = s.established_transitions;
  }
  if (auto counters = rib_.counters(peer.id)) {
    status.prefixes_received = counters->received;
    status.prefixes_accepted = counters->accepted;
    status.prefixes_advertised = counters->advertised;
  }
  status.initial_table_received = rib_.initial_table_received(peer.id);
  return status;
}

std::vector<PeerStatus> Speaker::peers() const {
  std::vector<PeerStatus> out;
  for (const auto& [name, peer] : peers_)
    out.push_back(status_of(*peer));
  return out;
}

std::optional<PeerStatus> Speaker::peer(const std::string& name) const {
  auto it = peers_.find(name);
  if (it == peers_.end()) return std::nullopt;
  return status_of(*it->second);
}

std::vector<std::pair<IpPrefix, RoutePath>> Speaker::loc_rib() const {
  std::vector<std::pair<IpPrefix, RoutePath>> out;
  rib_.for_each_best(
      [&](const IpPrefix& prefix, const RoutePath& path) { out.emplace_back(prefix, path); });
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

}  // namespace tabby::bgp
