#include "tabby/bgp/session.h"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/post.hpp>
#include <random>

#include "tabby/bgp/asio_address.h"
#include "tabby/bgp/framer.h"
#include "tabby/bgp/fsm_collision.h"
#include "tabby/bgp/socket_options.h"
#include "tabby/common/log.h"

namespace tabby::bgp {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

// How long a dropped connection waits for the peer to close after our FIN, so that a
// NOTIFICATION we sent is read rather than reset away by unread data.
constexpr auto kLingerTime = std::chrono::seconds(2);

std::string what(const std::string& prefix, const error_code& ec) {
  return prefix + ": " + ec.message();
}

}  // namespace

struct Session::Connection {
  explicit Connection(tcp::socket s, ConnectionOrigin o) : socket(std::move(s)), origin(o) {}
  tcp::socket socket;
  ConnectionOrigin origin;
  bool connected = false;
  std::vector<std::uint8_t> in;
  std::size_t in_used = 0;  // bytes of `in` already consumed
  std::vector<std::uint8_t> out;
  bool waiting_writable = false;
  std::array<std::uint8_t, 16384> chunk{};
};

struct Session::Attempt {
  Attempt(Fsm f, asio::io_context& io, std::uint64_t i, bool s)
      : fsm(std::move(f)), timer(io), id(i), second(s) {}
  Fsm fsm;
  asio::steady_timer timer;
  std::uint64_t id;
  bool second;  // started for a connection accepted while another one was in OpenSent+
  std::shared_ptr<Connection> conn;
  std::optional<OpenMessage> local_open;
  std::optional<OpenMessage> peer_open;
  NegotiatedContexts contexts;
};

Result<std::shared_ptr<Session>> Session::create(asio::io_context& io, SessionConfig config,
                                                 SessionHandler& handler) {
  if (auto valid = validate(config); !valid) return valid.error();
  std::shared_ptr<Session> session(new Session(io, std::move(config), handler));
  session->attempts_[0] = session->new_attempt(false);
  return session;
}

Session::Session(asio::io_context& io, SessionConfig config, SessionHandler& handler)
    : io_(io), config_(std::move(config)), handler_(handler) {}

void Session::clear_restart_state() {
  if (config_.graceful_restart)
    config_.graceful_restart->flags &=
        static_cast<std::uint8_t>(~GracefulRestartCapability::kRestartStateFlag);
}

Session::~Session() {
  for (auto& attempt : attempts_) {
    if (!attempt) continue;
    if (attempt->conn) attempt->conn->socket.close();
    attempt->timer.cancel();
  }
}

std::shared_ptr<Session::Attempt> Session::new_attempt(bool second) {
  FsmConfig fsm = fsm_config(config_);
  auto created =
      Fsm::create(std::move(fsm), seeded_uniform_random(std::random_device{}()), FsmClock::now());
  // validate(SessionConfig) already checked what Fsm::create checks.
  if (!created) throw std::logic_error("Fsm::create: " + created.error().message);
  return std::make_shared<Attempt>(std::move(*created), io_, next_attempt_id_++, second);
}

std::shared_ptr<Session::Attempt> Session::find_attempt(std::uint64_t id) const {
  for (const auto& a : attempts_)
    if (a && a->id == id) return a;
  return nullptr;
}

Session::Attempt* Session::other(const Attempt& attempt) const {
  for (const auto& a : attempts_)
    if (a && a.get() != &attempt) return a.get();
  return nullptr;
}

State Session::state() const {
  return attempts_[0]->fsm.state();
}

SessionStatus Session::status() const {
  SessionStatus status = counters_;
  status.state = attempts_[0]->fsm.state();
  status.state_since = attempts_[0]->fsm.state_since();
  status.state_since_wall = std::chrono::system_clock::now() -
                            std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                FsmClock::now() - status.state_since);
  return status;
}

void Session::start() {
  started_ = true;
  auto primary = attempts_[0];
  run(*primary, primary->fsm.handle(
                    Event::of(config_.passive ? EventType::kManualStartWithPassiveTcpEstablishment
                                              : EventType::kManualStart),
                    FsmClock::now()));
}

void Session::stop(std::optional<NotificationMessage> notification) {
  started_ = false;
  const Notification n =
      to_fsm(notification.value_or(NotificationMessage(CeaseSubcode::kAdministrativeShutdown)));
  for (auto attempt : {attempts_[1], attempts_[0]}) {
    if (!attempt) continue;
    run(*attempt,
        attempt->fsm.handle(Event::with_notification(EventType::kManualStop, n), FsmClock::now()));
  }
  settle_later();
}

// --- actions ---------------------------------------------------------------------------------

void Session::run(Attempt& attempt, FsmActions actions) {
  for (const Action& action : actions)
    perform(attempt, action);
  arm_timer(attempt);
  settle_later();
}

void Session::perform(Attempt& attempt, const Action& action) {
  std::visit(
      [&](const auto& a) {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, ConnectTcp>) {
          connect(attempt);
        } else if constexpr (std::is_same_v<A, DropTcp>) {
          drop(attempt);
        } else if constexpr (std::is_same_v<A, SendOpen>) {
          attempt.local_open = local_open(config_, a.open);
          auto bytes = encode_message(*attempt.local_open, CodecContext{});
          if (!bytes) throw std::logic_error("encoding our OPEN: " + bytes.error().message);
          send(attempt, std::move(*bytes), MessageType::kOpen);
          update_contexts(attempt);
        } else if constexpr (std::is_same_v<A, SendKeepalive>) {
          auto bytes = encode_message(KeepaliveMessage{}, attempt.contexts.send);
          send(attempt, std::move(*bytes), MessageType::kKeepalive);
        } else if constexpr (std::is_same_v<A, SendNotification>) {
          NotificationMessage n = to_wire(a.notification);
          counters_.last_notification_sent = n;
          note_error("NOTIFICATION sent: " + describe(n));
          counters_.last_reset_reason = counters_.last_error;
          counters_.last_reset_at = std::chrono::system_clock::now();
          CodecContext context = attempt.contexts.send;
          auto bytes = encode_message(n, context);
          if (!bytes) {  // data too long for the peer: send the code alone
            n.data.clear();
            bytes = encode_message(n, context);
          }
          if (bytes) send(attempt, std::move(*bytes), MessageType::kNotification);
        } else if constexpr (std::is_same_v<A, SessionEstablished>) {
          if (attempt.second) promote(attempt);
          EstablishedInfo info;
          info.local_open = attempt.local_open.value_or(OpenMessage{});
          info.peer_open = attempt.peer_open.value_or(OpenMessage{});
          info.contexts = attempt.contexts;
          info.families = common_families(info.local_open, info.peer_open);
          info.hold_time = a.hold_time;
          info.keepalive_interval = a.keepalive_interval;
          if (attempt.conn) {
            error_code ec;
            auto local = attempt.conn->socket.local_endpoint(ec);
            auto remote = attempt.conn->socket.remote_endpoint(ec);
            info.local_address = from_asio(local.address());
            info.local_port = local.port();
            info.remote_port = remote.port();
          }
          ++counters_.established_transitions;
          established_ = info;
          bgp_logger().info("bgp peer {}: established (AS {}, hold {} s)",
                            config_.peer_address.to_string(), a.peer_open.peer_as,
                            std::chrono::duration_cast<std::chrono::seconds>(a.hold_time).count());
          handler_.on_established(*this, info);
        } else if constexpr (std::is_same_v<A, SessionDown>) {
          DownInfo info;
          info.cause = a.cause;
          if (a.notification_sent) info.notification_sent = to_wire(*a.notification_sent);
          if (a.notification_received)
            info.notification_received = to_wire(*a.notification_received);
          info.description = to_string(a.cause);
          if (info.notification_sent)
            info.description += ", sent " + describe(*info.notification_sent);
          if (info.notification_received)
            info.description += ", received " + describe(*info.notification_received);
          established_.reset();
          counters_.last_reset_reason = info.description;
          counters_.last_reset_at = std::chrono::system_clock::now();
          bgp_logger().info("bgp peer {}: down ({})", config_.peer_address.to_string(),
                            info.description);
          handler_.on_down(*this, info);
        } else if constexpr (std::is_same_v<A, ReleaseResources>) {
          attempt.local_open.reset();
          attempt.peer_open.reset();
          attempt.contexts = NegotiatedContexts{};
        }
        // StartTimer / StopTimer: the Fsm keeps its deadlines; arm_timer follows them.
      },
      action);
}

void Session::arm_timer(Attempt& attempt) {
  const auto deadline = attempt.fsm.next_deadline();
  if (!deadline) {
    attempt.timer.cancel();
    return;
  }
  attempt.timer.expires_at(*deadline);
  attempt.timer.async_wait([weak = weak_from_this(), id = attempt.id](error_code ec) {
    auto self = weak.lock();
    if (!self || ec) return;
    if (auto live = self->find_attempt(id)) self->run(*live, live->fsm.advance(FsmClock::now()));
  });
}

void Session::update_contexts(Attempt& attempt) {
  if (attempt.local_open && attempt.peer_open)
    attempt.contexts = negotiate(*attempt.local_open, *attempt.peer_open);
}

// --- TCP -------------------------------------------------------------------------------------

void Session::apply_ttl_options(tcp::socket& socket) {
  const IpFamily family = config_.peer_address.family();
  Status status;
  if (config_.ttl_security > 0)
    status = set_ttl_security(socket.native_handle(), family, config_.ttl_security);
  else if (config_.multihop_ttl > 0)
    status = set_outgoing_ttl(socket.native_handle(), family, config_.multihop_ttl);
  if (!status) note_error(status.error().message);
}

std::shared_ptr<Session::Connection> Session::new_connection(tcp::socket socket, bool accepted) {
  auto conn = std::make_shared<Connection>(
      std::move(socket),
      accepted ? ConnectionOrigin::kAcceptedFromPeer : ConnectionOrigin::kInitiatedLocally);
  return conn;
}

void Session::connect(Attempt& attempt) {
  counters_.last_attempt = std::chrono::system_clock::now();
  const tcp::endpoint remote(to_asio(config_.peer_address), config_.peer_port);
  auto conn = new_connection(tcp::socket(io_), false);
  attempt.conn = conn;
  error_code ec;
  conn->socket.open(remote.protocol(), ec);
  if (ec) return connection_failed(attempt, what("socket", ec));
  if (!config_.password.empty()) {
    if (auto md5 =
            set_tcp_md5(conn->socket.native_handle(), config_.peer_address, config_.password);
        !md5)
      return connection_failed(attempt, md5.error().message);
  }
  apply_ttl_options(conn->socket);
  if (config_.source_address || config_.source_port != 0) {
    const IpAddress source = config_.source_address.value_or(
        config_.peer_address.is_v4() ? IpAddress() : IpAddress::parse("::").value());
    conn->socket.set_option(tcp::socket::reuse_address(true), ec);
    conn->socket.bind(tcp::endpoint(to_asio(source), config_.source_port), ec);
    if (ec)
      return connection_failed(
          attempt,
          what("bind " + source.to_string() + " port " + std::to_string(config_.source_port), ec));
  }
  conn->socket.non_blocking(true, ec);
  conn->socket.async_connect(
      remote, [weak = weak_from_this(), id = attempt.id, conn](error_code connect_ec) {
        auto self = weak.lock();
        if (!self) return;
        auto live = self->find_attempt(id);
        if (!live || live->conn != conn) return;
        if (connect_ec) return self->connection_failed(*live, what("connect", connect_ec));
        conn->connected = true;
        self->read(*live);
        self->run(*live, live->fsm.handle(Event::of(EventType::kTcpCrAcked), FsmClock::now()));
      });
}

void Session::connection_failed(Attempt& attempt, const std::string& description) {
  note_error(description);
  if (attempt.conn && !attempt.conn->connected) {
    counters_.last_connect_error = description;
    counters_.last_connect_error_at = std::chrono::system_clock::now();
  }
  bgp_logger().debug("bgp peer {}: {}", config_.peer_address.to_string(), description);
  // Posted: the failure may be noticed while actions of another Fsm call are being performed.
  asio::post(io_, [weak = weak_from_this(), id = attempt.id, conn = attempt.conn]() {
    auto self = weak.lock();
    if (!self) return;
    auto live = self->find_attempt(id);
    if (live && live->conn == conn)
      self->run(*live,
                live->fsm.handle(Event::of(EventType::kTcpConnectionFails), FsmClock::now()));
  });
}

void Session::drop(Attempt& attempt) {
  auto conn = std::exchange(attempt.conn, nullptr);
  if (!conn) return;
  error_code ec;
  if (!conn->connected) {
    // ConnectRetry ran out with the connect() unanswered (a silent peer, or an MD5 key the
    // peer does not share: the kernel drops unsigned or badly signed segments).
    if (attempt.fsm.state() == State::kConnect) {
      note_error("connect to " + config_.peer_address.to_string() + " port " +
                 std::to_string(config_.peer_port) + ": no answer before ConnectRetry");
      counters_.last_connect_error = counters_.last_error;
      counters_.last_connect_error_at = std::chrono::system_clock::now();
    }
    conn->socket.close(ec);
    return;
  }
  if (!conn->out.empty()) {  // best effort: a NOTIFICATION the kernel still takes
    const std::size_t n = conn->socket.write_some(asio::buffer(conn->out), ec);
    conn->out.erase(conn->out.begin(), conn->out.begin() + static_cast<std::ptrdiff_t>(n));
  }
  conn->socket.shutdown(tcp::socket::shutdown_send, ec);
  // Linger until the peer closes (or kLingerTime), reading and discarding, so our FIN is
  // not turned into a reset by unread data and the peer gets to read the NOTIFICATION.
  auto timer = std::make_shared<asio::steady_timer>(io_, kLingerTime);
  timer->async_wait([conn](error_code) {
    error_code ignored;
    conn->socket.close(ignored);
  });
  struct Drain {
    std::shared_ptr<Connection> conn;
    std::shared_ptr<asio::steady_timer> timer;
    void operator()(error_code read_ec, std::size_t) {
      if (read_ec) {
        timer->cancel();
        return;
      }
      conn->socket.async_read_some(asio::buffer(conn->chunk), std::move(*this));
    }
  };
  conn->socket.async_read_some(asio::buffer(conn->chunk), Drain{conn, timer});
}

void Session::refuse(tcp::socket& socket, RefusedReason reason) {
  ++counters_.connections_refused;
  ++counters_.refused_by_reason[static_cast<std::size_t>(reason)];
  counters_.last_refusal = reason;
  counters_.last_refusal_at = std::chrono::system_clock::now();
  error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  bgp_logger().info("bgp peer {}: refused a connection from port {}: {}",
                    config_.peer_address.to_string(), ec ? 0 : remote.port(), to_string(reason));
  socket.close(ec);
}

bool Session::accept(tcp::socket socket) {
  // Stopped by the owner, or by the Fsm itself (an AutomaticStop, e.g. too many prefixes).
  const bool stopped_in_idle =
      attempts_[0]->fsm.state() == State::kIdle && !attempts_[0]->fsm.started();
  if (!started_ || stopped_in_idle) {
    refuse(socket, RefusedReason::kPeerDisabled);
    return false;
  }
  auto primary = attempts_[0];
  const State state = primary->fsm.state();
  if (state == State::kEstablished) {
    // RFC 4724 4.2: a peer that negotiated graceful restart and connects again while we think
    // its session is up has restarted; the old session ends as a TCP failure would end it
    // (the Speaker keeps its routes, stale) and the new connection becomes the session.
    const bool peer_restarting =
        established_ && established_->peer_open.find<GracefulRestartCapability>() && !attempts_[1];
    if (!peer_restarting) {
      refuse(socket, RefusedReason::kAlreadyEstablished);
      return false;
    }
    run(*primary, primary->fsm.handle(Event::of(EventType::kTcpConnectionFails), FsmClock::now()));
    note_error("the peer connected again while Established: its graceful restart (RFC 4724)");
    counters_.last_reset_reason = counters_.last_error;
    counters_.last_reset_at = std::chrono::system_clock::now();
  }
  error_code ec;
  apply_ttl_options(socket);
  socket.non_blocking(true, ec);
  auto conn = new_connection(std::move(socket), true);
  conn->connected = true;
  counters_.last_attempt = std::chrono::system_clock::now();
  // Idle (waiting out the idle hold time, or before the first connect) and Active without a
  // connection: this one is the session's (docs/bgp-fsm.md). In Connect our own connect()
  // goes on beside it: when both sides dial at once, each abandoning its own connection for
  // the other's would close both; kept, the two meet in collision detection, which both
  // sides resolve alike.
  const State now_state = primary->fsm.state();
  if (now_state == State::kIdle || (now_state == State::kActive && !primary->conn)) {
    primary->conn = conn;
    read(*primary);
    run(*primary,
        primary->fsm.handle(Event::of(EventType::kTcpConnectionConfirmed), FsmClock::now()));
    return true;
  }
  if (attempts_[1]) {
    refuse(conn->socket, RefusedReason::kTwoConnectionsAlready);
    return false;
  }
  // Connect, OpenSent or OpenConfirm (or a connection waiting out DelayOpen): a second Fsm,
  // started as the peer is configured; collision detection decides when an OPEN arrives.
  auto second = new_attempt(true);
  attempts_[1] = second;
  second->conn = conn;
  read(*second);
  run(*second, second->fsm.start_with_connection(config_.passive, FsmClock::now()));
  return true;
}

void Session::read(Attempt& attempt) {
  auto conn = attempt.conn;
  conn->socket.async_read_some(asio::buffer(conn->chunk), [weak = weak_from_this(), id = attempt.id,
                                                           conn](error_code ec, std::size_t n) {
    auto self = weak.lock();
    if (!self) return;
    auto live = self->find_attempt(id);
    if (!live || live->conn != conn) return;
    if (ec) {
      self->note_error(ec == asio::error::eof ? "connection closed by the peer" : what("read", ec));
      self->run(*live,
                live->fsm.handle(Event::of(EventType::kTcpConnectionFails), FsmClock::now()));
      return;
    }
    conn->in.insert(conn->in.end(), conn->chunk.begin(),
                    conn->chunk.begin() + static_cast<std::ptrdiff_t>(n));
    self->on_bytes(*live);
    if (live->conn == conn) self->read(*live);
  });
}

void Session::on_bytes(Attempt& attempt) {
  auto conn = attempt.conn;
  while (attempt.conn == conn) {
    const std::span<const std::uint8_t> buffered(conn->in.data() + conn->in_used,
                                                 conn->in.size() - conn->in_used);
    const Frame frame = next_frame(buffered, attempt.contexts.receive);
    if (frame.status == Frame::Status::kNeedMoreBytes) break;
    if (frame.status == Frame::Status::kError) {
      note_error("bad message header: " + frame.error->description);
      run(attempt, attempt.fsm.handle(Event::with_notification(EventType::kBgpHeaderErr,
                                                               to_fsm(frame.error->notification)),
                                      FsmClock::now()));
      return;
    }
    // Copied: handling the message may drop the connection and its buffer with it.
    const std::vector<std::uint8_t> message(
        buffered.begin(), buffered.begin() + static_cast<std::ptrdiff_t>(frame.length));
    conn->in_used += frame.length;
    on_message(attempt, message);
  }
  conn->in.erase(conn->in.begin(), conn->in.begin() + static_cast<std::ptrdiff_t>(conn->in_used));
  conn->in_used = 0;
}

void Session::on_message(Attempt& attempt, std::span<const std::uint8_t> bytes) {
  const auto type = static_cast<MessageType>(bytes[kHeaderLength - 1]);
  ++counters_.received[type];
  auto decoded = decode_message(bytes, attempt.contexts.receive);
  const TimePoint now = FsmClock::now();
  if (!decoded) {
    const WireError& error = decoded.error();
    note_error("malformed message: " + error.description);
    const EventType event = type == MessageType::kOpen     ? EventType::kBgpOpenMsgErr
                            : type == MessageType::kUpdate ? EventType::kUpdateMsgErr
                                                           : EventType::kBgpHeaderErr;
    run(attempt,
        attempt.fsm.handle(Event::with_notification(event, to_fsm(error.notification)), now));
    return;
  }
  for (const auto& problem : decoded->problems)
    bgp_logger().warn("bgp peer {}: {}", config_.peer_address.to_string(), problem);
  std::visit(
      [&](const auto& m) {
        using M = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<M, OpenMessage>) {
          on_open(attempt, m);
        } else if constexpr (std::is_same_v<M, UpdateMessage>) {
          run(attempt, attempt.fsm.handle(Event::of(EventType::kUpdateMsg), now));
          if (attempt.fsm.state() == State::kEstablished && attempts_[0].get() == &attempt)
            handler_.on_update(*this, m, decoded->verdict);
        } else if constexpr (std::is_same_v<M, NotificationMessage>) {
          counters_.last_notification_received = m;
          note_error("NOTIFICATION received: " + describe(m));
          counters_.last_reset_reason = counters_.last_error;
          counters_.last_reset_at = std::chrono::system_clock::now();
          const bool version = m.code == 2 && m.subcode == 1;
          run(attempt,
              attempt.fsm.handle(
                  Event::with_notification(
                      version ? EventType::kNotifMsgVerErr : EventType::kNotifMsg, to_fsm(m)),
                  now));
        } else if constexpr (std::is_same_v<M, KeepaliveMessage>) {
          run(attempt, attempt.fsm.handle(Event::of(EventType::kKeepAliveMsg), now));
        } else if constexpr (std::is_same_v<M, RouteRefreshMessage>) {
          // Not an FSM event (RFC 2918); only an Established session acts on it.
          if (attempt.fsm.state() == State::kEstablished && attempts_[0].get() == &attempt &&
              m.known_subtype())
            handler_.on_route_refresh(*this, m);
        }
      },
      decoded->message);
}

void Session::on_open(Attempt& attempt, const OpenMessage& open) {
  const TimePoint now = FsmClock::now();
  if (Attempt* rival = other(attempt); rival != nullptr && rival->conn) {
    CollisionInput input;
    input.local_bgp_identifier = config_.router_id.v4_value();
    input.local_as = config_.local_as;
    input.remote_bgp_identifier = open.bgp_identifier.is_v4() ? open.bgp_identifier.v4_value() : 0;
    input.remote_as = open.speaker_as();
    input.receiving_origin = attempt.conn->origin;
    input.other_origin = rival->conn->origin;
    input.other_state = rival->fsm.state();
    input.collision_detect_established_state = config_.collision_detect_established_state;
    const CollisionDecision decision = resolve_collision(input);
    Attempt* loser = decision.verdict == CollisionVerdict::kCloseReceiving ? &attempt
                     : decision.verdict == CollisionVerdict::kCloseOther   ? rival
                                                                           : nullptr;
    if (loser != nullptr) {
      const bool ours = loser->conn->origin == ConnectionOrigin::kInitiatedLocally;
      bgp_logger().info(
          "bgp peer {}: connection collision (identifiers {} and {}): closing the connection {}",
          config_.peer_address.to_string(), config_.router_id.to_string(),
          open.bgp_identifier.to_string(), ours ? "we opened" : "the peer opened");
      if (!ours) {
        ++counters_.connections_refused;
        ++counters_.refused_by_reason[static_cast<std::size_t>(RefusedReason::kCollisionLoser)];
        counters_.last_refusal = RefusedReason::kCollisionLoser;
        counters_.last_refusal_at = std::chrono::system_clock::now();
      }
      run(*loser, loser->fsm.handle(Event::of(EventType::kOpenCollisionDump), now));
      if (loser == &attempt) return;
    }
  }
  attempt.peer_open = open;
  update_contexts(attempt);
  run(attempt, attempt.fsm.handle(Event::open_received(open_values(open)), now));
}

void Session::send(Attempt& attempt, std::vector<std::uint8_t> bytes, MessageType type) {
  if (!attempt.conn || !attempt.conn->connected) return;
  append(attempt, bytes, type);
  flush(attempt);
}

void Session::append(Attempt& attempt, std::span<const std::uint8_t> bytes, MessageType type) {
  ++counters_.sent[type];
  auto& out = attempt.conn->out;
  out.insert(out.end(), bytes.begin(), bytes.end());
}

void Session::flush(Attempt& attempt) {
  auto conn = attempt.conn;
  if (!conn || conn->waiting_writable) return;
  while (!conn->out.empty()) {
    error_code ec;
    const std::size_t n = conn->socket.write_some(asio::buffer(conn->out), ec);
    conn->out.erase(conn->out.begin(), conn->out.begin() + static_cast<std::ptrdiff_t>(n));
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      conn->waiting_writable = true;
      conn->socket.async_wait(tcp::socket::wait_write,
                              [weak = weak_from_this(), id = attempt.id, conn](error_code) {
                                conn->waiting_writable = false;
                                auto self = weak.lock();
                                if (!self) return;
                                auto live = self->find_attempt(id);
                                if (live && live->conn == conn) self->flush(*live);
                              });
      return;
    }
    if (ec) return connection_failed(attempt, what("write", ec));
  }
}

// --- owner's requests ------------------------------------------------------------------------

Status Session::send_update(std::span<const std::uint8_t> message) {
  auto primary = attempts_[0];
  if (primary->fsm.state() != State::kEstablished)
    return Error{"peer " + config_.peer_address.to_string() + ": UPDATE not sent, session is " +
                 to_string(primary->fsm.state())};
  send(*primary, std::vector<std::uint8_t>(message.begin(), message.end()), MessageType::kUpdate);
  run(*primary, primary->fsm.update_sent(FsmClock::now()));
  return {};
}

Status Session::send_message(std::span<const std::uint8_t> message) {
  if (message.size() < kHeaderLength)
    return Error{"peer " + config_.peer_address.to_string() + ": a message of " +
                 std::to_string(message.size()) + " octets has no header"};
  const auto type = static_cast<MessageType>(message[kHeaderLength - 1]);
  if (type == MessageType::kUpdate) return send_update(message);
  auto primary = attempts_[0];
  if (primary->fsm.state() != State::kEstablished)
    return Error{"peer " + config_.peer_address.to_string() + ": message of type " +
                 std::to_string(static_cast<int>(type)) + " not sent, session is " +
                 to_string(primary->fsm.state())};
  send(*primary, std::vector<std::uint8_t>(message.begin(), message.end()), type);
  return {};
}

Status Session::send_messages(std::span<const std::span<const std::uint8_t>> messages) {
  auto primary = attempts_[0];
  bool updates = false;
  for (const auto& message : messages) {
    if (message.size() < kHeaderLength)
      return Error{"peer " + config_.peer_address.to_string() + ": a message of " +
                   std::to_string(message.size()) + " octets has no header"};
    updates =
        updates || static_cast<MessageType>(message[kHeaderLength - 1]) == MessageType::kUpdate;
  }
  if (messages.empty()) return {};
  if (primary->fsm.state() != State::kEstablished)
    return Error{"peer " + config_.peer_address.to_string() + ": " +
                 std::to_string(messages.size()) + " messages not sent, session is " +
                 to_string(primary->fsm.state())};
  if (!primary->conn || !primary->conn->connected) return {};
  for (const auto& message : messages)
    append(*primary, message, static_cast<MessageType>(message[kHeaderLength - 1]));
  flush(*primary);
  if (updates) run(*primary, primary->fsm.update_sent(FsmClock::now()));
  return {};
}

Status Session::send_update(const UpdateMessage& update) {
  auto primary = attempts_[0];
  auto bytes = encode_message(update, primary->contexts.send);
  if (!bytes)
    return Error{"peer " + config_.peer_address.to_string() + ": " + bytes.error().message};
  return send_update(*bytes);
}

Status Session::send_route_refresh(Family family, RouteRefreshSubtype subtype) {
  auto primary = attempts_[0];
  if (primary->fsm.state() != State::kEstablished)
    return Error{"peer " + config_.peer_address.to_string() +
                 ": ROUTE-REFRESH not sent, session is " + to_string(primary->fsm.state())};
  auto bytes = encode_message(RouteRefreshMessage{family, subtype}, primary->contexts.send);
  if (!bytes) return Error{bytes.error().message};
  send(*primary, std::move(*bytes), MessageType::kRouteRefresh);
  return {};
}

// --- two connections -------------------------------------------------------------------------

void Session::promote(Attempt& attempt) {
  auto old = attempts_[0];
  auto winner = attempts_[1];
  if (winner.get() != &attempt) return;
  attempts_[0] = winner;
  attempts_[1] = old;
  if (old->conn && old->fsm.state() != State::kIdle)
    run(*old, old->fsm.handle(Event::of(EventType::kOpenCollisionDump), FsmClock::now()));
  drop(*old);
  old->timer.cancel();
  attempts_[1].reset();
}

void Session::settle_later() {
  if (settle_posted_) return;
  settle_posted_ = true;
  asio::post(io_, [weak = weak_from_this()] {
    if (auto self = weak.lock()) {
      self->settle_posted_ = false;
      self->settle();
    }
  });
}

void Session::settle() {
  // A second connection that lost or failed (its Fsm dropped it) is discarded; one that won
  // was promoted. Only the primary connects out or restarts.
  if (attempts_[1] && !attempts_[1]->conn) {
    drop(*attempts_[1]);
    attempts_[1]->timer.cancel();
    attempts_[1].reset();
  }
}

void Session::note_error(std::string error) {
  counters_.last_error = std::move(error);
}

}  // namespace tabby::bgp
