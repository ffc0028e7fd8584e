#pragma once
// tabby's BGP speaker: sessions (session.h) joined with the RIB (rib.h) on one io_context.
// The owner configures it, adds/updates/removes peers at runtime, originates and withdraws
// prefixes, and receives the Loc-RIB's best-path changes to program into the kernel.
// docs/bgp-speaker.md describes it.
//
// Threading: everything runs on the io_context's thread; call every method from there (post
// to it from elsewhere). The best-path callback is called from there too.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tabby/bgp/listener.h"
#include "tabby/bgp/rib.h"
#include "tabby/bgp/session.h"

namespace tabby::bgp {

struct ListenEndpoint {
  IpAddress address;  // 0.0.0.0 or :: for any
  std::uint16_t port = kBgpPort;
};

struct SpeakerConfig {
  std::uint32_t local_as = 0;
  IpAddress router_id;                  // IPv4
  std::vector<ListenEndpoint> listen;   // none: outgoing sessions only
  std::optional<IpAddress> cluster_id;  // as a route reflector; the router ID when unset
  std::size_t max_paths = 1;            // ECMP
  // RFC 4724: advertise graceful restart with this restart time (0: not at all), our R bit
  // (we are restarting) and the forwarding-state bit for every family.
  std::uint16_t graceful_restart_time = 0;
  bool restarting = false;
  bool forwarding_state_preserved = false;
  // RFC 4724 section 4.1, when `restarting`: we advertise nothing until the peers' End-of-RIBs
  // are in (see Speaker), or this long after create(). 120 s rather than FRR's 360 s
  // select-defer-time: the helpers keep our routes meanwhile only until their own stale-path
  // timers run out (FRR's is 360 s, counted from when the session came back), so the deferral
  // must end well before; and what tabby announces (its own blocks) does not depend on what
  // it learns, so waiting longer for a silent peer buys little.
  std::chrono::milliseconds selection_deferral_time = std::chrono::seconds(120);
  // RFC 7313: how long a peer's routes marked stale by its BoRR wait for its EoRR before they
  // go anyway. FRR's stale-path time, which it uses for the same.
  std::chrono::milliseconds refresh_stale_time = std::chrono::seconds(360);
  // RFC 4724 section 4.2, the helper: how long a restarted peer's stale routes wait for its
  // End-of-RIB once its session is back. FRR's stale-path time.
  std::chrono::milliseconds stale_path_time = std::chrono::seconds(360);
};

struct PeerConfig {
  std::string name;  // unique; the peer's key for update/remove/status
  IpAddress address;
  std::uint32_t remote_as = 0;
  std::uint16_t port = kBgpPort;         // where we connect
  std::uint16_t accept_port = kBgpPort;  // which of our listeners the peer connects to
  bool passive = false;
  std::string password;  // TCP MD5
  int ttl_security = 0;  // GTSM hops; 0 off
  int multihop_ttl = 0;  // 0: kernel default
  std::optional<IpAddress> source_address;
  std::uint16_t source_port = 0;
  bool route_reflector_client = false;
  NextHopMode next_hop = NextHopMode::kAuto;
  std::uint8_t allow_own_as = 0;
  bool enforce_first_as = false;  // see RibPeerConfig; off like BIRD (route servers omit their AS)
  Policy import_policy;
  Policy export_policy;
  std::vector<Family> families = {kIpv4Unicast};
  AddPathMode add_path = AddPathMode::kOff;  // RFC 7911, for the unicast families above
  // The restart time advertised to this peer (BIRD's per-protocol `graceful restart time`,
  // Calico's maxRestartTime); unset: SpeakerConfig::graceful_restart_time. 0 turns graceful
  // restart off for this peer.
  std::optional<std::uint16_t> graceful_restart_time;
  std::uint16_t hold_time_seconds = 240;
  std::uint16_t keepalive_time_seconds = 0;
  Duration connect_retry_time = std::chrono::seconds(5);
  IdleHoldBackoff idle_hold;
  // Next-hop-self addresses of the other family than the session's (e.g. the IPv6 address
  // to announce IPv6 routes over an IPv4 session); the session's own address is used for its
  // family.
  std::optional<IpAddress> local_ipv4;
  std::optional<IpAddress> local_ipv6;
};

struct PeerStatus {
  std::string name;
  IpAddress address;
  State state = State::kIdle;
  std::chrono::system_clock::time_point since{};
  std::size_t prefixes_received = 0;
  std::size_t prefixes_accepted = 0;
  std::size_t prefixes_advertised = 0;
  std::string last_error;
  // Why a session that is not up is not (SessionStatus has the details).
  std::string last_connect_error;
  std::chrono::system_clock::time_point last_connect_error_at{};
  std::string last_reset_reason;
  std::chrono::system_clock::time_point last_reset_at{};
  std::chrono::system_clock::time_point last_attempt{};
  std::uint64_t connections_refused = 0;
  std::array<std::uint64_t, kRefusedReasonCount> refused_by_reason{};
  std::optional<RefusedReason> last_refusal;
  MessageCounters messages_received;
  MessageCounters messages_sent;
  std::uint64_t established_transitions = 0;
  // Established and the peer's End-of-RIB is in for every family of the session.
  bool initial_table_received = false;
};

// Incoming connections that matched no configured peer, by why (each also logged once).
struct IncomingRefusals {
  std::uint64_t unknown_peer_address = 0;
  // From a peer's address, but to a local address or port that peer is not configured for.
  std::uint64_t wrong_local_address_or_port = 0;
};

class Speaker : private SessionHandler {
 public:
  using BestPathCallback = std::function<void(const std::vector<BestPathChange>&)>;

  // Opens the listeners; fails naming the config field or the listen address (`restarting`
  // needs a graceful restart time).
  static Result<std::unique_ptr<Speaker>> create(boost::asio::io_context& io, SpeakerConfig config);
  ~Speaker() override;
  Speaker(const Speaker&) = delete;
  Speaker& operator=(const Speaker&) = delete;

  // Adds a peer and starts its session, or changes an existing one (same name). A change
  // that leaves the session's settings as they were (policy, RR client, next-hop mode,
  // allow-own-as) does not reset the session; the RIB re-runs policy and re-advertises.
  Status set_peer(PeerConfig config);
  // Stops the session (Cease / Peer De-configured) and withdraws the peer's routes.
  Status remove_peer(const std::string& name);

  void originate(const IpPrefix& prefix, const LocalRoute& route = {});
  void withdraw(const IpPrefix& prefix);

  // Called after every change of the Loc-RIB with the prefixes whose best path changed.
  void on_best_path_change(BestPathCallback callback) { best_path_callback_ = std::move(callback); }

  // Asks the peer to send its routes of the family again (a ROUTE-REFRESH request, RFC 2918).
  Status request_refresh(const std::string& name, Family family);

  // Graceful restart, the restarting side (RFC 4724 section 4.1). Created with `restarting`,
  // the speaker sends its peers nothing until every established peer that negotiated
  // graceful restart (without the Restart State bit: restarting too, it waits for us) has sent
  // End-of-RIB for each family, and at least one such peer has (or every configured peer is up
  // and none is such a peer), or selection_deferral_time ran out. Then every peer is sent the
  // table and End-of-RIB. A peer not up yet is not waited for once another's table is in: as
  // FRR does, rather than hold everyone's routes for a peer that may be gone.
  bool advertisement_deferred() const { return rib_.advertisement_deferred(); }
  // Every configured peer that is established has sent its initial table (End-of-RIB for each
  // family); true when none is established. For the owner's own restart: the routes it kept
  // in the kernel from before are reconciled once the tables are in.
  bool initial_tables_received() const;

  std::vector<PeerStatus> peers() const;
  const IncomingRefusals& incoming_refusals() const { return incoming_refusals_; }
  std::optional<PeerStatus> peer(const std::string& name) const;
  // The best path of every prefix, in prefix order.
  std::vector<std::pair<IpPrefix, RoutePath>> loc_rib() const;
  const Rib& rib() const { return rib_; }
  const SpeakerConfig& config() const { return config_; }
  // The listeners' actual ports (for port 0), in config order.
  std::vector<std::uint16_t> listen_ports() const;

  // Stops every session with Cease / Administrative Shutdown.
  void shutdown();

 private:
  struct Peer;
  Speaker(boost::asio::io_context& io, SpeakerConfig config);

  void on_established(Session& session, const EstablishedInfo& info) override;
  void on_update(Session& session, const UpdateMessage& update, UpdateVerdict verdict) override;
  void on_route_refresh(Session& session, const RouteRefreshMessage& refresh) override;
  void on_down(Session& session, const DownInfo& info) override;

  Peer* find(const Session& session);
  void incoming(boost::asio::ip::tcp::socket socket);
  SessionConfig session_config(const PeerConfig& peer) const;
  RibPeerConfig rib_config(const Peer& peer) const;
  Status start_session(Peer& peer);
  void retire(std::shared_ptr<Session> session, NotificationMessage why);
  // Removes the listeners' MD5 key for the address unless a peer other than `leaving` uses it.
  void forget_md5(const IpAddress& address, const std::string& leaving);
  void flush();
  // flush() once the messages already read are handled: UPDATEs that arrive together leave
  // together, in one write per peer.
  void schedule_flush();
  PeerStatus status_of(const Peer& peer) const;
  // Ends the deferred advertisement of a restart when its peers' tables are in.
  void check_deferral();
  // Arms the peer's graceful restart timer: its stale routes go when it runs out.
  void sweep_stale_after(Peer& peer, std::chrono::milliseconds time);
  void end_deferral(const std::string& why);

  boost::asio::io_context& io_;
  SpeakerConfig config_;
  Rib rib_;
  std::vector<std::shared_ptr<Listener>> listeners_;
  std::map<std::string, std::unique_ptr<Peer>> peers_;
  IncomingRefusals incoming_refusals_;
  PeerId next_peer_id_ = 1;
  BestPathCallback best_path_callback_;
  std::unique_ptr<boost::asio::steady_timer> deferral_timer_;  // selection_deferral_time
  bool flushing_ = false;
  bool flush_again_ = false;
  bool flush_scheduled_ = false;
  // Handlers posted to io_ hold it weakly: they do nothing once the Speaker is gone.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace tabby::bgp
