// The codec against the real thing: BIRD 2, FRR and GoBGP connect to a bare listener in a
// lab namespace that speaks just enough BGP (their OPEN in, our OPEN + KEEPALIVE out, built
// by the encoder), and every OPEN and UPDATE they send is decoded and checked: capabilities,
// attributes, prefixes of both families, End-of-RIB — and that each message re-encodes to
// the same bytes. With TABBY_BGP_CAPTURE_DIR set, the captured messages are also written
// there as hex, one file per daemon, to refresh the vectors of the unit tests.

#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <thread>

#include "tabby/bgp/framer.h"
#include "tabby/bgp/message.h"
#include "tabby/lab/lab_test.h"

namespace tabby::lab {
namespace {

using namespace tabby::bgp;
using Bytes = std::vector<std::uint8_t>;
using ::testing::Contains;

constexpr std::uint32_t kOurAs = 4200000001;  // 4-octet: the peers see AS_TRANS in My AS

constexpr const char* kBirdConfig = R"(
log stderr all;
router id 10.78.0.2;
protocol device { scan time 2; }
protocol static s4 { ipv4; route 10.202.0.0/24 blackhole; }
protocol static s6 { ipv6; route 2001:db8:202::/48 blackhole; }
filter out4 {
  if proto != "s4" then reject;
  bgp_community.add((65002, 100));
  bgp_large_community.add((65002, 1, 2));
  bgp_med = 50;
  accept;
}
protocol bgp tabby {
  local 10.78.0.2 as 65002;
  neighbor 10.78.0.1 as 4200000001;
  connect delay time 1;
  connect retry time 2;
  error wait time 1, 5;
  enable extended messages on;
  ipv4 { import none; export filter out4; add paths tx; };
  ipv6 { import none; export where proto = "s6"; next hop address fd78::2; };
}
)";

constexpr const char* kFrrConfig = R"(
frr defaults traditional
hostname frr
log stdout
!
route-map OUT permit 10
 set community 65003:100 no-export
 set large-community 65003:1:2
!
router bgp 65003
 bgp router-id 10.78.0.3
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 10.78.0.1 remote-as 4200000001
 neighbor 10.78.0.1 timers connect 2
 address-family ipv4 unicast
  network 10.203.0.0/24
  neighbor 10.78.0.1 route-map OUT out
 exit-address-family
 address-family ipv6 unicast
  network 2001:db8:203::/48
  neighbor 10.78.0.1 activate
 exit-address-family
!
)";

constexpr const char* kGobgpConfig = R"(
[global.config]
  as = 65004
  router-id = "10.78.0.4"
  port = 179

[[neighbors]]
  [neighbors.config]
    neighbor-address = "10.78.0.1"
    peer-as = 4200000001
  [neighbors.timers.config]
    connect-retry = 2
  # GoBGP sends End-of-RIB only with graceful restart on.
  [neighbors.graceful-restart.config]
    enabled = true
    restart-time = 120
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
    [neighbors.afi-safis.mp-graceful-restart.config]
      enabled = true
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-unicast"
    [neighbors.afi-safis.mp-graceful-restart.config]
      enabled = true
)";

IpPrefix prefix(const char* text) {
  return IpPrefix::parse(text).value();
}
IpAddress address(const char* text) {
  return IpAddress::parse(text).value();
}

OpenMessage our_open() {
  OpenMessage open;
  open.my_as = static_cast<std::uint16_t>(kAsTrans);
  open.hold_time = 90;
  open.bgp_identifier = address("10.78.0.1");
  open.layout = CapabilityLayout::kAllInOneParameter;
  open.capabilities = {
      MultiprotocolCapability{kIpv4Unicast},
      MultiprotocolCapability{kIpv6Unicast},
      RouteRefreshCapability{},
      EnhancedRouteRefreshCapability{},
      ExtendedMessageCapability{},
      FourOctetAsCapability{kOurAs},
      GracefulRestartCapability{0, 120, {}},  // helper: asks the peers for End-of-RIB
      AddPathCapability{{{kIpv4Unicast, AddPathDirection::kReceive}}},
  };
  return open;
}

// One peer's connection and everything it sent.
struct Capture {
  int fd = -1;
  std::string peer;
  Bytes buffer;
  std::vector<Bytes> raw;  // each message, in order
  std::optional<OpenMessage> open;
  NegotiatedContexts contexts;
  std::vector<UpdateMessage> updates;
  std::vector<std::string> problems;  // decode errors, NOTIFICATIONs, verdicts
  bool closed = false;

  // The UPDATE that announces `p` (in NLRI or MP_REACH), if any.
  const UpdateMessage* announcing(const IpPrefix& p) const {
    for (const auto& u : updates) {
      for (const auto& n : u.nlri)
        if (n.prefix == p) return &u;
      if (u.attributes.mp_reach)
        for (const auto& n : u.attributes.mp_reach->nlri)
          if (n.prefix == p) return &u;
    }
    return nullptr;
  }
  bool end_of_rib(Family family) const {
    for (const auto& u : updates)
      if (end_of_rib_family(u) == family) return true;
    return false;
  }
};

void send_all(int fd, const Bytes& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<std::size_t>(n);
  }
}

// Handles every complete message in the capture's buffer.
void consume(Capture& c) {
  while (true) {
    const CodecContext& context = c.contexts.receive;
    const Frame frame = next_frame(c.buffer, context);
    if (frame.status == Frame::Status::kNeedMoreBytes) return;
    if (frame.status == Frame::Status::kError) {
      c.problems.push_back("framing: " + frame.error->description);
      c.closed = true;
      return;
    }
    Bytes bytes(c.buffer.begin(), c.buffer.begin() + static_cast<std::ptrdiff_t>(frame.length));
    c.buffer.erase(c.buffer.begin(), c.buffer.begin() + static_cast<std::ptrdiff_t>(frame.length));
    c.raw.push_back(bytes);
    auto decoded = decode_message(bytes, context);
    if (!decoded.ok()) {
      c.problems.push_back("decode: " + decoded.error().description);
      continue;
    }
    for (const auto& p : decoded->problems)
      c.problems.push_back("verdict: " + p);
    if (const auto* open = std::get_if<OpenMessage>(&decoded->message)) {
      c.open = *open;
      c.contexts = negotiate(our_open(), *open);
      const auto ours = encode_message(our_open(), CodecContext{});
      const auto keepalive = encode_message(KeepaliveMessage{}, CodecContext{});
      send_all(c.fd, *ours);
      send_all(c.fd, *keepalive);
    } else if (const auto* update = std::get_if<UpdateMessage>(&decoded->message)) {
      c.updates.push_back(*update);
    } else if (const auto* n = std::get_if<NotificationMessage>(&decoded->message)) {
      c.problems.push_back("NOTIFICATION: " + describe(*n));
    }
  }
}

// A listening TCP socket created inside the lab namespace (a socket stays in the namespace
// it was made in, so only this short thread has to enter it).
int listen_in(const Netns& ns, const char* ip, int port) {
  int result = -1;
  std::thread([&] {
    const int nsfd = ::open(("/run/netns/" + ns.name()).c_str(), O_RDONLY | O_CLOEXEC);
    if (nsfd < 0) return;
    const bool entered = setns(nsfd, CLONE_NEWNET) == 0;
    ::close(nsfd);
    if (!entered) return;
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, ip, &sa.sin_addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(fd, 8) != 0) {
      ::close(fd);
      return;
    }
    result = fd;
  }).join();
  return result;
}

// Accepts and reads until `done` holds or the time is up; returns the captures by peer IP.
template <typename Done>
std::map<std::string, Capture> capture(int listener, Done done, std::chrono::seconds limit) {
  std::map<std::string, Capture> by_peer;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline && !done(by_peer)) {
    std::vector<pollfd> fds{{listener, POLLIN, 0}};
    std::vector<Capture*> owners{nullptr};
    for (auto& [peer, c] : by_peer) {
      if (c.closed) continue;
      fds.push_back({c.fd, POLLIN, 0});
      owners.push_back(&c);
    }
    if (::poll(fds.data(), fds.size(), 200) <= 0) continue;
    if (fds[0].revents & POLLIN) {
      sockaddr_in from{};
      socklen_t length = sizeof from;
      const int fd = ::accept4(listener, reinterpret_cast<sockaddr*>(&from), &length, SOCK_CLOEXEC);
      if (fd >= 0) {
        char text[INET_ADDRSTRLEN] = {};
        ::inet_ntop(AF_INET, &from.sin_addr, text, sizeof text);
        Capture& c = by_peer[text];
        if (c.fd >= 0) ::close(c.fd);  // a reconnect replaces the earlier attempt
        c = Capture{};
        c.fd = fd;
        c.peer = text;
      }
    }
    for (std::size_t i = 1; i < fds.size(); ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      std::uint8_t chunk[65536];
      const ssize_t n = ::recv(fds[i].fd, chunk, sizeof chunk, 0);
      if (n <= 0) {
        owners[i]->closed = true;
        continue;
      }
      owners[i]->buffer.insert(owners[i]->buffer.end(), chunk, chunk + n);
      consume(*owners[i]);
    }
  }
  return by_peer;
}

std::string hex(const Bytes& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (auto b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0xF];
  }
  return out;
}

// Every captured OPEN and UPDATE decodes and re-encodes to the very same bytes.
void expect_round_trips(const Capture& c, const std::string& daemon) {
  CodecContext context;  // the OPEN is read before anything is negotiated
  for (const auto& bytes : c.raw) {
    auto decoded = decode_message(bytes, context);
    ASSERT_TRUE(decoded.ok()) << daemon << ": " << decoded.error().description;
    auto encoded = encode_message(decoded->message, context);
    ASSERT_TRUE(encoded.ok()) << daemon << ": " << encoded.error().message;
    EXPECT_EQ(hex(*encoded), hex(bytes)) << daemon;
    if (std::holds_alternative<OpenMessage>(decoded->message)) context = c.contexts.receive;
  }
  if (const char* dir = std::getenv("TABBY_BGP_CAPTURE_DIR")) {
    std::ofstream out(std::string(dir) + "/" + daemon + ".hex");
    for (const auto& bytes : c.raw)
      out << hex(bytes) << "\n";
  }
}

std::string summary(const std::map<std::string, Capture>& captures) {
  std::string out;
  for (const auto& [peer, c] : captures) {
    out += peer + ": " + std::to_string(c.raw.size()) + " messages, " +
           std::to_string(c.updates.size()) + " updates";
    for (const auto& p : c.problems)
      out += "\n  " + p;
    out += "\n";
  }
  return out;
}

class BgpCodecCaptureTest : public LabTest {};

TEST_F(BgpCodecCaptureTest, DecodesWhatBirdFrrAndGobgpSend) {
  auto& segment = lab().add_segment("peering");
  auto& us = lab().add_node("tabby");
  auto& r_bird = lab().add_router("bird");
  auto& r_frr = lab().add_router("frr");
  auto& r_gobgp = lab().add_router("gobgp");
  int host = 1;
  for (auto* ns : {&us, &r_bird, &r_frr, &r_gobgp}) {
    const std::string n = std::to_string(host++);
    // No duplicate address detection: FRR announces its link-local next hop only once the
    // address is usable, and the first UPDATE would race it.
    ns->sysctl("net.ipv6.conf.default.accept_dad", "0");
    lab().attach(*ns, "eth0", segment, {.address = "10.78.0." + n + "/24"});
    ns->must("ip -6 addr add fd78::" + n + "/64 dev eth0 nodad");
  }
  const int listener = listen_in(us, "10.78.0.1", 179);
  ASSERT_GE(listener, 0) << "cannot listen on 10.78.0.1:179 in " << us.name();

  auto& bird = lab().start_bird(r_bird, "bird", kBirdConfig);
  auto& frr = lab().start_frr(r_frr, "frr", kFrrConfig);
  auto& gobgp = lab().start_gobgp(r_gobgp, "gobgp", kGobgpConfig);
  ASSERT_TRUE(gobgp
                  .gobgp({"global", "rib", "add", "10.204.0.0/24", "origin", "igp", "med", "30",
                          "community", "65004:100", "large-community", "65004:1:2"})
                  .ok());
  ASSERT_TRUE(gobgp.gobgp({"global", "rib", "-a", "ipv6", "add", "2001:db8:204::/48"}).ok());

  const std::map<std::string, std::pair<const char*, const char*>> expected = {
      {"10.78.0.2", {"10.202.0.0/24", "2001:db8:202::/48"}},
      {"10.78.0.3", {"10.203.0.0/24", "2001:db8:203::/48"}},
      {"10.78.0.4", {"10.204.0.0/24", "2001:db8:204::/48"}},
  };
  auto captures = capture(
      listener,
      [&](const std::map<std::string, Capture>& by_peer) {
        for (const auto& [peer, prefixes] : expected) {
          auto it = by_peer.find(peer);
          if (it == by_peer.end()) return false;
          const Capture& c = it->second;
          if (!c.announcing(prefix(prefixes.first)) || !c.announcing(prefix(prefixes.second)) ||
              !c.end_of_rib(kIpv4Unicast) || !c.end_of_rib(kIpv6Unicast)) {
            return false;
          }
        }
        return true;
      },
      60s);
  ::close(listener);
  const std::string what = summary(captures);
  for (auto& [peer, c] : captures)
    ::close(c.fd);
  ASSERT_EQ(captures.size(), 3u) << what << bird.log() << frr.log() << gobgp.log();
  expect_round_trips(captures["10.78.0.2"], "bird");
  expect_round_trips(captures["10.78.0.3"], "frr");
  expect_round_trips(captures["10.78.0.4"], "gobgp");

  for (const auto& [peer, prefixes] : expected) {
    const Capture& c = captures[peer];
    SCOPED_TRACE(peer);
    ASSERT_TRUE(c.open) << what;
    EXPECT_TRUE(c.problems.empty()) << what;
    EXPECT_EQ(c.open->families(), (std::vector<Family>{kIpv4Unicast, kIpv6Unicast}));
    EXPECT_NE(c.open->find<RouteRefreshCapability>(), nullptr);
    ASSERT_NE(c.open->find<FourOctetAsCapability>(), nullptr);
    EXPECT_EQ(c.open->speaker_as(), c.open->my_as);  // 2-octet ASes: both fields agree
    const auto* gr = c.open->find<GracefulRestartCapability>();
    ASSERT_NE(gr, nullptr);
    EXPECT_EQ(gr->restart_time, 120);
    EXPECT_TRUE(c.end_of_rib(kIpv4Unicast)) << what;
    EXPECT_TRUE(c.end_of_rib(kIpv6Unicast)) << what;

    const UpdateMessage* v4 = c.announcing(prefix(prefixes.first));
    const UpdateMessage* v6 = c.announcing(prefix(prefixes.second));
    ASSERT_NE(v4, nullptr) << what;
    ASSERT_NE(v6, nullptr) << what;
    const std::uint32_t as = c.open->speaker_as();
    EXPECT_EQ(v4->attributes.origin, Origin::kIgp);
    ASSERT_TRUE(v4->attributes.as_path);
    EXPECT_EQ(v4->attributes.as_path->segments,
              (std::vector<AsSegment>{{AsSegmentType::kSequence, {as}}}));
    EXPECT_EQ(v4->attributes.next_hop, address(peer.c_str()));
    EXPECT_THAT(v4->attributes.communities,
                Contains(make_community(static_cast<std::uint16_t>(as), 100)));
    EXPECT_THAT(v4->attributes.large_communities, Contains(LargeCommunity{as, 1, 2}));
    ASSERT_TRUE(v6->attributes.mp_reach);
    EXPECT_EQ(v6->attributes.mp_reach->family, kIpv6Unicast);
    EXPECT_TRUE(v6->attributes.mp_reach->next_hop.is_v6());
  }

  // What each daemon does its own way.
  const Capture& from_bird = captures["10.78.0.2"];
  EXPECT_EQ(from_bird.open->my_as, 65002);
  EXPECT_EQ(from_bird.open->layout, CapabilityLayout::kAllInOneParameter);
  EXPECT_NE(from_bird.open->find<ExtendedMessageCapability>(), nullptr);
  EXPECT_TRUE(from_bird.contexts.receive.extended_messages);
  ASSERT_NE(from_bird.open->find<AddPathCapability>(), nullptr);
  EXPECT_EQ(from_bird.contexts.receive.add_path, std::vector<Family>{kIpv4Unicast});
  EXPECT_EQ(from_bird.announcing(prefix("10.202.0.0/24"))->attributes.med, 50u);
  EXPECT_EQ(from_bird.announcing(prefix("2001:db8:202::/48"))->attributes.mp_reach->next_hop,
            address("fd78::2"));

  const Capture& from_frr = captures["10.78.0.3"];
  EXPECT_EQ(from_frr.open->my_as, 65003);
  EXPECT_TRUE(from_frr.announcing(prefix("10.203.0.0/24"))->attributes.has_community(kNoExport));
  const auto& frr_v6 = *from_frr.announcing(prefix("2001:db8:203::/48"))->attributes.mp_reach;
  EXPECT_EQ(frr_v6.next_hop, address("fd78::3"));
  ASSERT_TRUE(frr_v6.link_local_next_hop);  // same link: global + link-local, 32 octets
  EXPECT_TRUE(frr_v6.link_local_next_hop->to_string().starts_with("fe80:"));

  const Capture& from_gobgp = captures["10.78.0.4"];
  EXPECT_EQ(from_gobgp.open->my_as, 65004);
  EXPECT_EQ(from_gobgp.announcing(prefix("10.204.0.0/24"))->attributes.med, 30u);
  const auto* gobgp_gr = from_gobgp.open->find<GracefulRestartCapability>();
  ASSERT_NE(gobgp_gr, nullptr);
  ASSERT_EQ(gobgp_gr->families.size(), 2u);
  EXPECT_EQ(gobgp_gr->families[0].family, kIpv4Unicast);
  EXPECT_EQ(gobgp_gr->families[1].family, kIpv6Unicast);
}

}  // namespace
}  // namespace tabby::lab
