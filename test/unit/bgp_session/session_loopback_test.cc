// Two tabby sessions talking over 127.0.0.1 in one io_context: establishment active to
// passive, an UPDATE carried, a stop seen by the peer, both sides active (connection
// collision), and an OPEN refused. Real sockets, no root.
#include <gmock/gmock.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>

#include "run_until.h"
#include "tabby/bgp/framer.h"
#include "tabby/bgp/listener.h"
#include "tabby/bgp/session.h"

namespace tabby::bgp {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
namespace asio = boost::asio;

IpAddress address(const char* text) {
  return IpAddress::parse(text).value();
}

struct Recorder : SessionHandler {
  int established = 0;
  int down = 0;
  std::optional<EstablishedInfo> info;
  std::optional<DownInfo> last_down;
  std::vector<UpdateMessage> updates;
  void on_established(Session&, const EstablishedInfo& i) override {
    ++established;
    info = i;
  }
  void on_update(Session&, const UpdateMessage& u, UpdateVerdict) override { updates.push_back(u); }
  void on_route_refresh(Session&, const RouteRefreshMessage&) override {}
  void on_down(Session&, const DownInfo& d) override {
    ++down;
    last_down = d;
  }
};

using tabby::test_support::run_until;

SessionConfig config(std::uint32_t local_as, const char* router_id, std::uint32_t peer_as) {
  SessionConfig c;
  c.local_as = local_as;
  c.router_id = address(router_id);
  c.peer_address = address("127.0.0.1");
  c.peer_as = peer_as;
  c.hold_time_seconds = 9;
  c.connect_retry_time = 200ms;
  c.idle_hold.initial = 200ms;
  c.idle_hold.max = 400ms;
  return c;
}

// A listener that hands every connection to `session`.
std::shared_ptr<Listener> listen_for(asio::io_context& io, std::shared_ptr<Session>& session) {
  auto listener = Listener::open(io, address("127.0.0.1"), 0, [&session](asio::ip::tcp::socket s) {
    if (session) session->accept(std::move(s));
  });
  EXPECT_TRUE(listener.ok()) << listener.error().message;
  return *listener;
}

UpdateMessage announcement(const char* prefix) {
  UpdateMessage update;
  update.attributes.origin = Origin::kIgp;
  update.attributes.as_path = AsPath{{AsSegment{AsSegmentType::kSequence, {65001}}}};
  update.attributes.next_hop = address("127.0.0.1");
  update.nlri = {Nlri{IpPrefix::parse(prefix).value(), 0}};
  return update;
}

TEST(SessionLoopback, ActiveToPassiveCarriesAnUpdateAndAStop) {
  asio::io_context io;
  Recorder ra, rb;
  std::shared_ptr<Session> b;
  auto listener = listen_for(io, b);
  SessionConfig cb = config(65002, "10.0.0.2", 65001);
  cb.passive = true;
  cb.accept_port = listener->port();
  b = *Session::create(io, cb, rb);
  SessionConfig ca = config(65001, "10.0.0.1", 65002);
  ca.peer_port = listener->port();
  auto a = *Session::create(io, ca, ra);
  b->start();
  a->start();
  ASSERT_TRUE(run_until(io, [&] { return a->established() && b->established(); }))
      << a->status().last_error << " / " << b->status().last_error;
  ASSERT_TRUE(ra.info.has_value());
  EXPECT_EQ(ra.info->peer_open.speaker_as(), 65002u);
  EXPECT_EQ(ra.info->hold_time, 9s);
  EXPECT_EQ(ra.info->remote_port, listener->port());
  EXPECT_EQ(rb.info->local_port, listener->port());
  EXPECT_TRUE(ra.info->contexts.send.four_octet_as);

  ASSERT_TRUE(a->send_update(announcement("10.1.0.0/24")).ok());
  ASSERT_TRUE(run_until(io, [&] { return !rb.updates.empty(); }));
  EXPECT_EQ(rb.updates[0].nlri[0].prefix, IpPrefix::parse("10.1.0.0/24").value());
  EXPECT_EQ(a->status().sent[MessageType::kUpdate], 1u);
  EXPECT_EQ(b->status().received[MessageType::kUpdate], 1u);
  EXPECT_GE(b->status().received[MessageType::kKeepalive], 1u);
  EXPECT_EQ(b->status().received[MessageType::kOpen], 1u);

  a->stop();
  ASSERT_TRUE(run_until(io, [&] { return rb.down == 1; }));
  ASSERT_TRUE(rb.last_down->notification_received.has_value());
  EXPECT_EQ(rb.last_down->notification_received->code, 6);
  EXPECT_EQ(rb.last_down->notification_received->subcode, 2);
  EXPECT_EQ(ra.down, 1);
  EXPECT_EQ(a->state(), State::kIdle);
  EXPECT_FALSE(a->send_update(announcement("10.2.0.0/24")).ok());
  EXPECT_THAT(b->status().last_error, HasSubstr("Cease"));
}

TEST(SessionLoopback, BothActiveEndWithOneSessionEachWay) {
  asio::io_context io;
  Recorder ra, rb;
  std::shared_ptr<Session> a, b;
  auto la = listen_for(io, a);
  auto lb = listen_for(io, b);
  SessionConfig ca = config(65001, "10.0.0.1", 65002);
  ca.peer_port = lb->port();
  ca.accept_port = la->port();
  SessionConfig cb = config(65002, "10.0.0.2", 65001);
  cb.peer_port = la->port();
  cb.accept_port = lb->port();
  a = *Session::create(io, ca, ra);
  b = *Session::create(io, cb, rb);
  a->start();
  b->start();
  ASSERT_TRUE(run_until(io, [&] { return a->established() && b->established(); }))
      << a->status().last_error << " / " << b->status().last_error;
  // Whatever collided, the survivors are the two ends of one connection, and stay up.
  run_until(
      io, [] { return false; }, 1500ms);
  ASSERT_TRUE(a->established() && b->established());
  EXPECT_EQ(ra.info->local_port, rb.info->remote_port);
  EXPECT_EQ(ra.info->remote_port, rb.info->local_port);
  EXPECT_EQ(ra.down, 0);
  EXPECT_EQ(rb.down, 0);
  EXPECT_EQ(a->status().established_transitions, 1u);
  EXPECT_EQ(b->status().established_transitions, 1u);
  ASSERT_TRUE(b->send_update(announcement("10.3.0.0/24")).ok());
  ASSERT_TRUE(run_until(io, [&] { return !ra.updates.empty(); }));
}

// DelayOpen (RFC 4271 8.1.1) on the passive side: it waits for the peer's OPEN before it
// sends its own, and the session still comes up.
TEST(SessionLoopback, DelayOpenOnThePassiveSide) {
  asio::io_context io;
  Recorder ra, rb;
  std::shared_ptr<Session> b;
  auto listener = listen_for(io, b);
  SessionConfig cb = config(65002, "10.0.0.2", 65001);
  cb.passive = true;
  cb.accept_port = listener->port();
  cb.delay_open_time = 2s;
  b = *Session::create(io, cb, rb);
  SessionConfig ca = config(65001, "10.0.0.1", 65002);
  ca.peer_port = listener->port();
  auto a = *Session::create(io, ca, ra);
  b->start();
  a->start();
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(run_until(io, [&] { return a->established() && b->established(); }));
  // A sent its OPEN at once, so B did not wait out the DelayOpen time.
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1500ms);
  EXPECT_EQ(b->status().sent[MessageType::kOpen], 1u);
}

// A scripted peer opens the second connection while the first is in OpenSent, then sends
// OPENs on both, one after the other or crossing (both in flight at once, as when two
// speakers start together): the connection initiated by the speaker with the higher BGP
// identifier must survive (RFC 4271 6.8) and the other get Cease 6/7.
class Collision : public ::testing::TestWithParam<std::tuple<bool, bool>> {};

std::vector<Message> drain(asio::ip::tcp::socket& socket) {
  std::vector<std::uint8_t> bytes;
  boost::system::error_code ec;
  while (socket.available(ec) > 0) {
    std::vector<std::uint8_t> chunk(socket.available(ec));
    const std::size_t n = socket.read_some(asio::buffer(chunk), ec);
    if (ec) break;
    bytes.insert(bytes.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(n));
  }
  std::vector<Message> messages;
  std::span<const std::uint8_t> rest(bytes);
  CodecContext context;
  context.four_octet_as = true;
  while (true) {
    const Frame frame = next_frame(rest, context);
    if (frame.status != Frame::Status::kMessage) break;
    auto decoded = decode_message(rest.first(frame.length), context);
    if (decoded) messages.push_back(decoded->message);
    rest = rest.subspan(frame.length);
  }
  return messages;
}

bool has_collision_cease(const std::vector<Message>& messages) {
  for (const auto& m : messages)
    if (const auto* n = std::get_if<NotificationMessage>(&m))
      if (n->code == 6 && n->subcode == 7) return true;
  return false;
}

TEST_P(Collision, HigherIdentifierKeepsTheConnectionItInitiated) {
  const auto [peer_wins, crossing] = GetParam();  // peer_wins: its identifier is higher
  asio::io_context io;
  Recorder ra;
  std::shared_ptr<Session> a;
  auto a_listener = listen_for(io, a);
  asio::ip::tcp::acceptor peer_listener(
      io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  SessionConfig ca = config(65001, "10.0.0.5", 65002);
  ca.peer_port = peer_listener.local_endpoint().port();
  ca.accept_port = a_listener->port();
  a = *Session::create(io, ca, ra);
  a->start();
  asio::ip::tcp::socket ours(io);  // initiated by tabby
  peer_listener.accept(ours);
  ASSERT_TRUE(run_until(io, [&] { return a->state() == State::kOpenSent; }));
  asio::ip::tcp::socket theirs(io);  // initiated by the scripted peer
  theirs.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), a_listener->port()));
  run_until(
      io, [] { return false; }, 200ms);  // tabby accepts it and sends its OPEN there too
  EXPECT_TRUE(std::holds_alternative<OpenMessage>(drain(ours).at(0)));
  EXPECT_TRUE(std::holds_alternative<OpenMessage>(drain(theirs).at(0)));

  OpenMessage open;
  open.my_as = 65002;
  open.hold_time = 9;
  open.bgp_identifier = address(peer_wins ? "10.0.0.9" : "10.0.0.1");
  open.capabilities = {MultiprotocolCapability{kIpv4Unicast}, FourOctetAsCapability{65002}};
  const auto open_bytes = *encode_message(open, CodecContext{});
  const auto keepalive = *encode_message(KeepaliveMessage{}, CodecContext{});
  asio::write(ours, asio::buffer(open_bytes));
  if (!crossing)
    run_until(
        io, [] { return false; }, 100ms);
  asio::write(theirs, asio::buffer(open_bytes));
  run_until(
      io, [] { return false; }, 100ms);
  asio::ip::tcp::socket& survivor = peer_wins ? theirs : ours;
  asio::ip::tcp::socket& loser = peer_wins ? ours : theirs;
  asio::write(survivor, asio::buffer(keepalive));
  ASSERT_TRUE(run_until(
      io, [&] { return a->established(); }, 3s))
      << a->status().last_error;
  EXPECT_TRUE(has_collision_cease(drain(loser)));
  ASSERT_TRUE(ra.info.has_value());
  EXPECT_EQ(ra.info->local_port, survivor.remote_endpoint().port());
  EXPECT_EQ(ra.info->remote_port, survivor.local_endpoint().port());
  // The session stays on the survivor: an UPDATE goes there.
  ASSERT_TRUE(a->send_update(announcement("10.9.0.0/24")).ok());
  run_until(
      io, [] { return false; }, 100ms);
  bool update_seen = false;
  for (const auto& m : drain(survivor))
    update_seen |= std::holds_alternative<UpdateMessage>(m);
  EXPECT_TRUE(update_seen);
  EXPECT_EQ(ra.down, 0);
}

INSTANTIATE_TEST_SUITE_P(PeerIdentifier, Collision,
                         ::testing::Combine(::testing::Bool(), ::testing::Bool()),
                         [](const auto& p) {
                           return std::string(std::get<0>(p.param) ? "PeerHigher" : "PeerLower") +
                                  (std::get<1>(p.param) ? "OpensCrossing" : "OpensInTurn");
                         });

TEST(SessionLoopback, WrongPeerAsNeverComesUp) {
  asio::io_context io;
  Recorder ra, rb;
  std::shared_ptr<Session> b;
  auto listener = listen_for(io, b);
  SessionConfig cb = config(65002, "10.0.0.2", 65001);
  cb.passive = true;
  cb.accept_port = listener->port();
  b = *Session::create(io, cb, rb);
  SessionConfig ca = config(65001, "10.0.0.1", 65099);  // b is 65002
  ca.peer_port = listener->port();
  auto a = *Session::create(io, ca, ra);
  b->start();
  a->start();
  ASSERT_TRUE(run_until(io, [&] {
    return a->status().last_notification_sent.has_value() &&
           b->status().last_notification_received.has_value();
  }));
  EXPECT_EQ(a->status().last_notification_sent->code, 2);
  EXPECT_EQ(a->status().last_notification_sent->subcode, 2);  // Bad Peer AS
  EXPECT_EQ(ra.established + rb.established, 0);
}

TEST(SessionLoopback, SendUpdateRefusedBeforeEstablished) {
  asio::io_context io;
  Recorder r;
  auto s = *Session::create(io, config(65001, "10.0.0.1", 65002), r);
  const Status status = s->send_update(announcement("10.1.0.0/24"));
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.error().message, HasSubstr("Idle"));
}

TEST(SessionCreate, RefusesAnInvalidConfig) {
  asio::io_context io;
  Recorder r;
  SessionConfig c = config(0, "10.0.0.1", 65002);
  auto created = Session::create(io, c, r);
  ASSERT_FALSE(created.ok());
  EXPECT_THAT(created.error().message, HasSubstr("local AS"));
}

// After our restart the OPENs lose the Restart State bit and keep the rest of the capability.
TEST(SessionRestartState, ClearedOnRequest) {
  asio::io_context io;
  Recorder recorder;
  SessionConfig c = config(65001, "10.0.0.1", 65002);
  c.graceful_restart = GracefulRestartCapability{
      GracefulRestartCapability::kRestartStateFlag,
      120,
      {{kIpv4Unicast, GracefulRestartCapability::kForwardingStatePreserved}}};
  auto session = *Session::create(io, c, recorder);
  ASSERT_TRUE(session->config().graceful_restart->restart_state());
  session->clear_restart_state();
  EXPECT_FALSE(session->config().graceful_restart->restart_state());
  EXPECT_EQ(session->config().graceful_restart->restart_time, 120);
  EXPECT_TRUE(session->config().graceful_restart->families[0].forwarding_state_preserved());
}

}  // namespace
}  // namespace tabby::bgp
