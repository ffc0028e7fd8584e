#include "feeder.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <unordered_set>

#include "enter_netns.h"
#include "tabby/bgp/framer.h"
#include "update_packing.h"

namespace tabby::bench {

using namespace std::chrono_literals;

namespace {

// A hold time long enough that a target busy with a million routes never drops the feeder;
// the feeder sends a KEEPALIVE every few seconds regardless.
constexpr std::uint16_t kHoldTime = 240;
constexpr auto kKeepaliveInterval = 10s;

std::runtime_error failure_of(const std::string& what) {
  return std::runtime_error(what + (errno ? std::string(": ") + std::strerror(errno) : ""));
}

sockaddr_in ipv4_socket_address(const IpAddress& address, std::uint16_t port) {
  if (!address.is_v4()) throw std::runtime_error(address.to_string() + ": the feeder is IPv4 only");
  sockaddr_in out{};
  out.sin_family = AF_INET;
  out.sin_port = htons(port);
  out.sin_addr.s_addr = htonl(address.v4_value());
  return out;
}

std::uint64_t key_of(const IpPrefix& prefix) {
  return (static_cast<std::uint64_t>(prefix.address().v4_value()) << 8) |
         static_cast<std::uint64_t>(prefix.length());
}

std::vector<std::uint8_t> encoded(const bgp::Message& message, const bgp::CodecContext& context) {
  auto bytes = bgp::encode_message(message, context);
  if (!bytes) throw std::runtime_error("cannot encode: " + bytes.error().message);
  return std::move(*bytes);
}

bgp::OpenMessage feeder_open(const FeedPlan& plan) {
  bgp::OpenMessage open;
  open.my_as = plan.local_as > 0xffff ? static_cast<std::uint16_t>(bgp::kAsTrans)
                                      : static_cast<std::uint16_t>(plan.local_as);
  open.hold_time = kHoldTime;
  open.bgp_identifier = plan.local_address;
  open.capabilities = {bgp::MultiprotocolCapability{bgp::kIpv4Unicast},
                       bgp::FourOctetAsCapability{plan.local_as}};
  return open;
}

void send_all(int fd, const std::vector<std::uint8_t>& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw failure_of("send");
    done += static_cast<std::size_t>(n);
  }
}

// One whole message from a blocking socket, leaving what follows it in `in`.
std::vector<std::uint8_t> read_message(int fd, std::vector<std::uint8_t>& in,
                                       const bgp::CodecContext& context,
                                       Clock::time_point deadline) {
  while (true) {
    const auto frame = bgp::next_frame(in, context);
    if (frame.status == bgp::Frame::Status::kMessage) {
      std::vector<std::uint8_t> message(in.begin(), in.begin() + static_cast<long>(frame.length));
      in.erase(in.begin(), in.begin() + static_cast<long>(frame.length));
      return message;
    }
    if (frame.status == bgp::Frame::Status::kError)
      throw std::runtime_error("broken stream from the target: " + frame.error->description);
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd p{fd, POLLIN, 0};
    errno = 0;
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0)
      throw failure_of("no answer from the target in time");
    std::uint8_t buffer[65536];
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    errno = n < 0 ? errno : 0;
    if (n == 0) throw std::runtime_error("connection closed by the target");
    if (n < 0) throw failure_of("recv");
    in.insert(in.end(), buffer, buffer + n);
  }
}

bgp::DecodedMessage decoded(const std::vector<std::uint8_t>& bytes,
                            const bgp::CodecContext& context) {
  auto message = bgp::decode_message(bytes, context);
  if (!message) throw std::runtime_error("undecodable message: " + message.error().description);
  return std::move(*message);
}

}  // namespace

struct Feeder::Session {
  FeedPlan plan;
  std::string name;
  int fd = -1;
  bgp::NegotiatedContexts contexts;
  std::vector<std::vector<std::uint8_t>> updates;  // encoded once established, End-of-RIB last
  std::vector<std::uint8_t> in;                    // read, not yet a whole message
  std::vector<std::uint8_t> out;                   // to write, from out_offset on
  std::size_t out_offset = 0;
  std::size_t update_octets_left = 0;
  std::unordered_set<std::uint64_t> own;
  std::unordered_set<std::uint64_t> received;
  std::size_t received_others = 0;
  bool complete = false;
  Clock::time_point last_keepalive;

  int listen_fd = -1;

  void close_socket() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  void close_listener() {
    if (listen_fd >= 0) ::close(listen_fd);
    listen_fd = -1;
  }

  void connect_to_target() {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw failure_of("socket");
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    const auto local = ipv4_socket_address(plan.local_address, 0);
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0)
      throw failure_of("bind " + plan.local_address.to_string());
    const auto remote = ipv4_socket_address(plan.target_address, 179);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&remote), sizeof remote) != 0)
      throw failure_of("connect");
  }

  void bind_listener() {
    if (listen_fd < 0) {
      listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (listen_fd < 0) throw failure_of("socket");
      const int one = 1;
      ::setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      const auto local = ipv4_socket_address(plan.local_address, 179);
      if (::bind(listen_fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0)
        throw failure_of("bind " + plan.local_address.to_string() + ":179");
      if (::listen(listen_fd, 4) != 0) throw failure_of("listen");
    }
  }

  // Takes the target's connection on local_address:179 (a connection from anywhere else is
  // closed).
  void accept_from_target(Clock::time_point deadline) {
    bind_listener();
    while (true) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      pollfd p{listen_fd, POLLIN, 0};
      errno = 0;
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0)
        throw failure_of("the target did not connect in time");
      sockaddr_in peer{};
      socklen_t length = sizeof peer;
      fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&peer), &length, SOCK_CLOEXEC);
      if (fd < 0) throw failure_of("accept");
      if (ntohl(peer.sin_addr.s_addr) == plan.target_address.v4_value()) return;
      close_socket();
    }
  }

  // Connects (or takes the target's connection) and exchanges OPEN and KEEPALIVE; throws on
  // anything else.
  void open(Clock::time_point deadline) {
    errno = 0;
    if (plan.listen) {
      accept_from_target(deadline);
    } else {
      connect_to_target();
    }
    // Small messages (KEEPALIVEs, a route reflector client's one UPDATE) go out at once.
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    in.clear();
    const auto ours = feeder_open(plan);
    send_all(fd, encoded(ours, {}));
    auto first = decoded(read_message(fd, in, {}, deadline), {});
    if (const auto* n = std::get_if<bgp::NotificationMessage>(&first.message))
      throw std::runtime_error("NOTIFICATION instead of OPEN: " + bgp::describe(*n));
    const auto* theirs = std::get_if<bgp::OpenMessage>(&first.message);
    if (!theirs) throw std::runtime_error("the target's first message is not an OPEN");
    contexts = bgp::negotiate(ours, *theirs);
    send_all(fd, encoded(bgp::KeepaliveMessage{}, contexts.send));
    auto second = decoded(read_message(fd, in, contexts.receive, deadline), contexts.receive);
    if (const auto* n = std::get_if<bgp::NotificationMessage>(&second.message))
      throw std::runtime_error("NOTIFICATION after OPEN: " + bgp::describe(*n));
    if (!std::holds_alternative<bgp::KeepaliveMessage>(second.message))
      throw std::runtime_error("the target's answer to our OPEN is not a KEEPALIVE");
    last_keepalive = Clock::now();
  }

  void encode_updates() {
    auto packed = encode_packed(plan.attributes, plan.prefixes, contexts.send);
    if (!packed) throw std::runtime_error(packed.error().message);
    updates = std::move(*packed);
    updates.push_back(encoded(bgp::make_end_of_rib(bgp::kIpv4Unicast), contexts.send));
  }

  void count(const IpPrefix& prefix, bool announced) {
    if (!prefix.address().is_v4()) return;
    const auto key = key_of(prefix);
    const bool others = !own.count(key);
    if (announced) {
      if (received.insert(key).second && others) ++received_others;
    } else if (received.erase(key) && others) {
      --received_others;
    }
  }
};

Feeder::Feeder(std::string netns, std::vector<FeedPlan> plans) : netns_(std::move(netns)) {
  for (auto& plan : plans) {
    auto session = std::make_unique<Session>();
    session->name = plan.local_address.to_string() + " -> " + plan.target_address.to_string();
    for (const auto& prefix : plan.prefixes)
      session->own.insert(key_of(prefix));
    session->plan = std::move(plan);
    sessions_.push_back(std::move(session));
  }
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) throw failure_of("eventfd");
}

Feeder::~Feeder() {
  stopping_ = true;
  const std::uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
  if (thread_.joinable()) thread_.join();
  for (auto& session : sessions_) {
    session->close_socket();
    session->close_listener();
  }
  ::close(wake_fd_);
}

void Feeder::establish(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  {
    // Sockets belong to the namespace they are made in; only this thread moves there.
    api::lab_support::EnterNetns inside(netns_);
    for (auto& session : sessions_) {
      while (true) {
        try {
          session->open(deadline);
          break;
        } catch (const std::exception& e) {
          session->close_socket();
          if (Clock::now() + 300ms >= deadline)
            throw std::runtime_error("session " + session->name + ": " + e.what());
          std::this_thread::sleep_for(300ms);
        }
      }
      session->close_listener();  // one session per plan: later connections are refused
      session->encode_updates();
    }
  }
  for (auto& session : sessions_)
    ::fcntl(session->fd, F_SETFL, ::fcntl(session->fd, F_GETFL) | O_NONBLOCK);
  thread_ = std::thread([this] { run(); });
}

void Feeder::listen() {
  api::lab_support::EnterNetns inside(netns_);
  for (auto& session : sessions_) {
    if (session->plan.listen) session->bind_listener();
  }
}

Clock::time_point Feeder::start() {
  Clock::time_point now;
  {
    std::lock_guard lock(mutex_);
    for (auto& session : sessions_) {
      for (const auto& update : session->updates) {
        session->out.insert(session->out.end(), update.begin(), update.end());
        session->update_octets_left += update.size();
      }
      session->updates.clear();
    }
    started_ = true;
    now = Clock::now();
  }
  const std::uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
  return now;
}

std::optional<Clock::time_point> Feeder::wait_all_received(Clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  changed_.wait_until(lock, deadline,
                      [&] { return all_received_at_.has_value() || failure_.has_value(); });
  return all_received_at_;
}

std::optional<Clock::time_point> Feeder::all_sent_at() const {
  std::lock_guard lock(mutex_);
  return all_sent_at_;
}

std::optional<std::string> Feeder::failure() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

std::size_t Feeder::sessions_complete() const {
  std::lock_guard lock(mutex_);
  return complete_;
}

void Feeder::run() {
  while (!stopping_)
    poll_once();
}

void Feeder::poll_once() {
  std::vector<pollfd> fds{{wake_fd_, POLLIN, 0}};
  {
    std::lock_guard lock(mutex_);
    for (const auto& session : sessions_) {
      const bool pending = session->out_offset < session->out.size();
      fds.push_back({session->fd, static_cast<short>(POLLIN | (pending ? POLLOUT : 0)), 0});
    }
  }
  if (::poll(fds.data(), fds.size(), 1000) < 0 && errno != EINTR) {
    const std::string error = std::strerror(errno);
    std::lock_guard lock(mutex_);
    fail("poll: " + error);
    stopping_ = true;
    return;
  }
  if (fds[0].revents & POLLIN) {
    std::uint64_t count = 0;
    (void)!::read(wake_fd_, &count, sizeof count);
  }
  std::lock_guard lock(mutex_);
  const auto now = Clock::now();
  for (std::size_t i = 0; i < sessions_.size(); ++i) {
    auto& session = *sessions_[i];
    if (session.fd < 0) continue;
    if (fds[i + 1].revents & (POLLIN | POLLHUP | POLLERR)) read_from(session);
    if (session.fd >= 0 && (fds[i + 1].revents & POLLOUT)) write_to(session);
    if (session.fd >= 0 && now - session.last_keepalive >= kKeepaliveInterval) {
      const auto keepalive = encoded(bgp::KeepaliveMessage{}, session.contexts.send);
      session.out.insert(session.out.end(), keepalive.begin(), keepalive.end());
      session.last_keepalive = now;
      write_to(session);
    }
  }
}

void Feeder::read_from(Session& session) {
  std::uint8_t buffer[65536];
  // A bounded amount per round, so one busy session does not starve the writes.
  for (int round = 0; round < 16; ++round) {
    const ssize_t n = ::recv(session.fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) break;
    if (n <= 0) {
      fail("session " + session.name + ": " +
           (n == 0 ? std::string("closed by the target") : std::strerror(errno)));
      session.close_socket();
      return;
    }
    session.in.insert(session.in.end(), buffer, buffer + n);
  }
  std::size_t consumed = 0;
  while (session.fd >= 0) {
    const std::span<const std::uint8_t> rest(session.in.data() + consumed,
                                             session.in.size() - consumed);
    const auto frame = bgp::next_frame(rest, session.contexts.receive);
    if (frame.status == bgp::Frame::Status::kNeedMoreBytes) break;
    if (frame.status == bgp::Frame::Status::kError) {
      fail("session " + session.name + ": broken stream: " + frame.error->description);
      session.close_socket();
      return;
    }
    handle(session, rest.first(frame.length));
    consumed += frame.length;
  }
  session.in.erase(session.in.begin(), session.in.begin() + static_cast<long>(consumed));
}

void Feeder::handle(Session& session, std::span<const std::uint8_t> bytes) {
  auto message = bgp::decode_message(bytes, session.contexts.receive);
  if (!message) {
    fail("session " + session.name + ": undecodable message: " + message.error().description);
    session.close_socket();
    return;
  }
  if (const auto* n = std::get_if<bgp::NotificationMessage>(&message->message)) {
    fail("session " + session.name + ": NOTIFICATION from the target: " + bgp::describe(*n));
    session.close_socket();
    return;
  }
  const auto* update = std::get_if<bgp::UpdateMessage>(&message->message);
  if (!update) return;
  const bool withdraw_all = message->verdict == bgp::UpdateVerdict::kTreatAsWithdraw;
  for (const auto& nlri : update->withdrawn)
    session.count(nlri.prefix, false);
  for (const auto& nlri : update->nlri)
    session.count(nlri.prefix, !withdraw_all);
  if (const auto& mp = update->attributes.mp_reach; mp && mp->family == bgp::kIpv4Unicast)
    for (const auto& nlri : mp->nlri)
      session.count(nlri.prefix, !withdraw_all);
  if (const auto& mp = update->attributes.mp_unreach; mp && mp->family == bgp::kIpv4Unicast)
    for (const auto& nlri : mp->withdrawn)
      session.count(nlri.prefix, false);
  const bool complete =
      session.plan.expect_received > 0 && session.received_others >= session.plan.expect_received;
  if (complete != session.complete) {
    session.complete = complete;
    complete ? ++complete_ : --complete_;
    check_progress();
  }
}

void Feeder::write_to(Session& session) {
  while (session.out_offset < session.out.size()) {
    const ssize_t n = ::send(session.fd, session.out.data() + session.out_offset,
                             session.out.size() - session.out_offset, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    if (n < 0) {
      fail("session " + session.name + ": send: " + std::strerror(errno));
      session.close_socket();
      return;
    }
    const auto written = static_cast<std::size_t>(n);
    session.out_offset += written;
    session.update_octets_left -= std::min(written, session.update_octets_left);
    if (session.update_octets_left == 0 && started_ && !all_sent_at_) {
      bool all = true;
      for (const auto& other : sessions_)
        all = all && other->update_octets_left == 0;
      if (all) all_sent_at_ = Clock::now();
    }
  }
  session.out.clear();
  session.out_offset = 0;
}

// Called with mutex_ held.
void Feeder::fail(const std::string& what) {
  if (!failure_) failure_ = what;
  changed_.notify_all();
}

void Feeder::check_progress() {
  std::size_t expecting = 0;
  for (const auto& session : sessions_)
    expecting += session->plan.expect_received > 0 ? 1 : 0;
  if (expecting > 0 && complete_ == expecting && !all_received_at_) {
    all_received_at_ = Clock::now();
    changed_.notify_all();
  }
}

}  // namespace tabby::bench
