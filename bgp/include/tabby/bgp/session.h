#pragma once
// The Boost.Asio shell around the pure FSM (fsm.h) for one configured peer: it performs the
// FSM's actions on real TCP sockets, frames and decodes what arrives with the codec, and
// tells a SessionHandler (the Speaker) when the session comes up, what it receives and when
// it goes down. docs/bgp-speaker.md describes it.
//
// One Fsm per TCP connection, as docs/bgp-fsm.md says: the primary one follows the peer from
// start to stop; while it is in OpenSent or OpenConfirm, a connection accepted from the peer
// gets a second Fsm (started as the peer is configured, so it can go on alone), and when an
// OPEN arrives while both exist, resolve_collision decides which one lives. Whichever
// connection reaches Established becomes the primary.
//
// Threading: everything runs on the io_context's thread; call every method from there (post
// to it from elsewhere). Handlers are called from inside the session; they may call
// send_update, but must not destroy the session synchronously (post the destruction).

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tabby/bgp/fsm.h"
#include "tabby/bgp/message.h"
#include "tabby/bgp/session_config.h"
#include "tabby/bgp/session_status.h"

namespace tabby::bgp {

class Session;

struct EstablishedInfo {
  OpenMessage local_open;
  OpenMessage peer_open;
  NegotiatedContexts contexts;   // receive: decoding the peer's UPDATEs; send: encoding ours
  std::vector<Family> families;  // announced by both
  Duration hold_time;            // negotiated; zero: none
  Duration keepalive_interval;
  IpAddress local_address;  // of the TCP connection (for next-hop-self)
  std::uint16_t local_port = 0;
  std::uint16_t remote_port = 0;
};

struct DownInfo {
  DownCause cause = DownCause::kTcpConnectionFailed;
  std::optional<NotificationMessage> notification_sent;
  std::optional<NotificationMessage> notification_received;
  std::string description;
};

class SessionHandler {
 public:
  virtual ~SessionHandler() = default;
  virtual void on_established(Session& session, const EstablishedInfo& info) = 0;
  // A decoded UPDATE from an Established peer (verdict: RFC 7606's treat-as-withdraw or
  // attribute-discard, already applied to nothing: the receiver acts on it).
  virtual void on_update(Session& session, const UpdateMessage& update, UpdateVerdict verdict) = 0;
  virtual void on_route_refresh(Session& session, const RouteRefreshMessage& refresh) = 0;
  // Only after on_established.
  virtual void on_down(Session& session, const DownInfo& info) = 0;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  // Fails when the configuration is invalid (validate(SessionConfig)).
  static Result<std::shared_ptr<Session>> create(boost::asio::io_context& io, SessionConfig config,
                                                 SessionHandler& handler);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // ManualStart (passive or not, as configured).
  void start();
  // ManualStop with this NOTIFICATION (default Cease / Administrative Shutdown); the session
  // stays Idle until start() again.
  void stop(std::optional<NotificationMessage> notification = std::nullopt);

  // Takes a connection accepted for this peer (the owner matched it with session_match.h), in
  // any state of a started session: in Idle, Connect and Active it becomes the session's
  // connection; in OpenSent and OpenConfirm it gets a second Fsm and collision detection
  // decides when an OPEN arrives; in Established it is refused, unless the peer negotiated
  // graceful restart (then it is the peer's restart). Returns false, and closes it, when it
  // is refused (stopped, Established, a second connection already): logged, and counted in
  // status().connections_refused.
  bool accept(boost::asio::ip::tcp::socket socket);

  // Sends an encoded UPDATE (header included). Fails unless Established.
  Status send_update(std::span<const std::uint8_t> message);
  // Encodes with the session's send context, then sends.
  Status send_update(const UpdateMessage& update);
  // Sends an encoded message of any type (header included), counted by its header's type:
  // the RIB's stream of UPDATEs with the BoRR/EoRR ROUTE-REFRESH messages around a refreshed
  // table. Fails unless Established, or when it is shorter than a header.
  Status send_message(std::span<const std::uint8_t> message);
  // Sends several such messages with one write: a route reflector passing one client's
  // UPDATE to two hundred others sends each of them what it owes in one go. Fails, sending
  // none, on the first that send_message would refuse.
  Status send_messages(std::span<const std::span<const std::uint8_t>> messages);
  // Sends a ROUTE-REFRESH for the family: a request (RFC 2918) or an RFC 7313 demarcation.
  // Fails unless Established.
  Status send_route_refresh(Family family,
                            RouteRefreshSubtype subtype = RouteRefreshSubtype::kRequest);

  const SessionConfig& config() const { return config_; }
  // Our restart is over (RFC 4724): OPENs from now on carry no Restart State bit. The
  // session is not reset; only a later reconnection sends a new OPEN.
  void clear_restart_state();
  State state() const;
  bool established() const { return state() == State::kEstablished; }
  // The negotiation of the Established session, if any.
  const std::optional<EstablishedInfo>& established_info() const { return established_; }
  SessionStatus status() const;

 private:
  struct Connection;
  struct Attempt;

  Session(boost::asio::io_context& io, SessionConfig config, SessionHandler& handler);

  Attempt* other(const Attempt& attempt) const;
  std::shared_ptr<Attempt> find_attempt(std::uint64_t id) const;

  void run(Attempt& attempt, FsmActions actions);
  void perform(Attempt& attempt, const Action& action);
  void arm_timer(Attempt& attempt);
  void connect(Attempt& attempt);
  void drop(Attempt& attempt);
  void read(Attempt& attempt);
  void on_bytes(Attempt& attempt);
  void on_message(Attempt& attempt, std::span<const std::uint8_t> bytes);
  void on_open(Attempt& attempt, const OpenMessage& open);
  void send(Attempt& attempt, std::vector<std::uint8_t> bytes, MessageType type);
  // Queues the message behind what the connection has still to write (the caller flushes).
  void append(Attempt& attempt, std::span<const std::uint8_t> bytes, MessageType type);
  void flush(Attempt& attempt);
  void connection_failed(Attempt& attempt, const std::string& what);
  void update_contexts(Attempt& attempt);
  void promote(Attempt& attempt);
  void settle_later();  // posts settle()
  void settle();        // discards a finished second attempt, replaces a promoted primary
  void note_error(std::string error);
  void refuse(boost::asio::ip::tcp::socket& socket, RefusedReason reason);
  std::shared_ptr<Attempt> new_attempt(bool second);
  std::shared_ptr<Connection> new_connection(boost::asio::ip::tcp::socket socket, bool accepted);
  void apply_ttl_options(boost::asio::ip::tcp::socket& socket);

  boost::asio::io_context& io_;
  SessionConfig config_;
  SessionHandler& handler_;
  // [0] the primary attempt (always present), [1] the connection accepted during OpenSent+.
  std::shared_ptr<Attempt> attempts_[2];
  std::optional<EstablishedInfo> established_;
  SessionStatus counters_;
  std::uint64_t next_attempt_id_ = 1;
  bool started_ = false;
  bool settle_posted_ = false;
};

}  // namespace tabby::bgp
