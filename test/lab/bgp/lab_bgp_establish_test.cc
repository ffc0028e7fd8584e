// Sessions come up with every kind of peer in any start order, and quickly: bgp-peer
// (tabby's Speaker) on n1 against BIRD 2, FRR, GoBGP and ExaBGP on n2 (establish_pair.h),
//   - both sides dialing, started together, tabby first or the peer first;
//   - only the peer able to dial (its inbound port 179 rejected with a reset), either first;
//   - only tabby able to dial (tabby's inbound port 179 rejected), either first;
//   - 20 restarts of one side or the other in a seeded random order.
// Each session must reach Established and carry routes both ways (tabby's 10.100.0.0/24 to
// the peer, the peer's prefix to tabby). Every case prints its time to Established, counted
// from the later of the two starts (the watch reads bgp-peer's state every 20 ms).
//
// tabby runs with the default connect_retry (5 s) and an idle hold of 5 s, the peers with the
// short timers of the other lab tests (BIRD connect delay 1 s and connect retry 2 s, FRR and
// GoBGP connect retry 2 s; ExaBGP retries after 0, 1, 2, 3 ... s). A session that only comes
// up once tabby waited out either of its timers therefore takes 5 s or more, which the bounds
// below exclude: a connect the peer refuses is retried within about 0.5 s, and the peer's
// connection is taken in every state but Established.
//
// TABBY_BGP_PEER=<path> runs another bgp-peer build (e.g. an older one, to compare);
// TABBY_ESTABLISH_SEED=<n> repeats a restart order.

#include <gmock/gmock.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>

#include "establish_pair.h"
#include "tabby/lab/lab_test.h"

namespace tabby::lab {
namespace {

using namespace std::chrono_literals;

// Every case's bound on the time to Established. The dialing side dials within about a
// second of starting (BIRD after its 1 s connect delay; tabby, FRR, GoBGP and ExaBGP at
// once), or, when it started first and was refused, retries within its connect retry (tabby
// 0.5 s, BIRD/FRR/GoBGP 2 s, ExaBGP's back-off 1-3 s by then). Under 4 s excludes waiting out
// tabby's idle hold (5 s) or its ConnectRetryTime (5 s), and a peer's connection that tabby
// reset, which costs the peer its own connect retry and tabby its idle hold. When only the
// peer can dial, the peer's own cadence is added (GoBGP dials every 5-10 s, whoever it
// peers with); that tabby took its first connection is checked by tabby's count of
// refused connections, which must stay 0 in every case.
constexpr auto kEstablishBound = 4s;
// How long a case waits before giving up (so a slow pass shows its time in the failure).
constexpr auto kEstablishTimeout = 20s;
// The later side starts this long after the first, which has by then dialed and been
// refused at least once (BIRD's first connect comes after its 1 s connect delay).
constexpr auto kStartGap = 1500ms;
// Routes follow the session within a second; 10 s only keeps a failure from hanging.
constexpr auto kRoutesTimeout = 10s;
constexpr int kRestarts = 20;

enum class StartOrder { kTogether, kTabbyFirst, kPeerFirst };

struct Scenario {
  Reachability reachability;
  StartOrder order;
};

std::string_view label(StartOrder order) {
  switch (order) {
    case StartOrder::kTogether:
      return "started together";
    case StartOrder::kTabbyFirst:
      return "tabby first";
    case StartOrder::kPeerFirst:
      return "peer first";
  }
  return "?";
}

std::string bgp_peer_binary() {
  const char* other = std::getenv("TABBY_BGP_PEER");
  return other && *other ? other : BGP_PEER;
}

// The bound where the peer's own pace decides: it alone can dial, or tabby restarted and the
// peer must first get over the session tabby closed (GoBGP stays Idle, closing every
// connection, for some 5 s after a Cease, then dials every 5-10 s).
Clock::duration paced_by_peer(const EstablishPair& pair) {
  return std::max<Clock::duration>(kEstablishBound, pair.peer_redial_interval() + kStartGap);
}

double seconds(Clock::duration duration) {
  return std::chrono::duration<double>(duration).count();
}

// "Bird", "Frr", ... for test names (ctest runs each peer's cases as a test of its own).
std::string test_name(PeerKind kind) {
  std::string name(option_name(kind));
  name[0] = static_cast<char>(name[0] - 'a' + 'A');
  return name;
}

class EstablishTest : public LabTest {
 protected:
  void TearDown() override {
    pair_.reset();  // before the lab goes: it stops watching the speakers the lab stops
    LabTest::TearDown();
  }

  EstablishPair& make_pair(PeerKind peer) {
    pair_ = std::make_unique<EstablishPair>(
        lab(), PairConfig{.local = LocalKind::kTabby, .peer = peer, .bgp_peer = bgp_peer_binary()});
    return *pair_;
  }

  // Both sides' routes in the other's table.
  void expect_routes_both_ways(const std::string& context) {
    EXPECT_TRUE(eventually([&] { return pair_->local_has_peer_route(); }, kRoutesTimeout))
        << context << ": tabby did not learn " << pair_->peer_prefix() << "\n"
        << pair_->diagnostics();
    EXPECT_TRUE(eventually([&] { return pair_->peer_has_local_route(); }, kRoutesTimeout))
        << context << ": the peer did not learn " << EstablishPair::kLocalPrefix << "\n"
        << pair_->diagnostics();
  }

  // tabby took every connection of the peer's but a collision's loser: it never reset one
  // while waiting to restart, or for any other reason.
  void expect_no_refusals(const std::string& context) {
    EXPECT_EQ(pair_->local_refusals(), 0) << context << "\n" << pair_->diagnostics();
  }

  std::unique_ptr<EstablishPair> pair_;
};

class Establish : public EstablishTest,
                  public ::testing::WithParamInterface<std::tuple<PeerKind, Scenario>> {};

TEST_P(Establish, ReachesEstablishedAndCarriesRoutes) {
  const auto [peer, scenario] = GetParam();
  auto& pair = make_pair(peer);
  pair.set_reachability(scenario.reachability);
  const Side first = scenario.order == StartOrder::kPeerFirst ? Side::kPeer : Side::kLocal;
  const Side second = first == Side::kLocal ? Side::kPeer : Side::kLocal;
  pair.start(first);
  if (scenario.order != StartOrder::kTogether) std::this_thread::sleep_for(kStartGap);
  const auto later_start = pair.start(second);

  const std::string context = std::string(label(peer)) + ", " +
                              std::string(label(scenario.reachability)) + ", " +
                              std::string(label(scenario.order));
  const auto established = pair.established_after(later_start, kEstablishTimeout);
  ASSERT_TRUE(established) << context << ": no Established within " << seconds(kEstablishTimeout)
                           << " s\n"
                           << pair.diagnostics();
  const auto took = *established - later_start;
  std::printf("[establish] %-7s %-17s %-17s Established %.2f s after the later start\n",
              std::string(label(peer)).c_str(), std::string(label(scenario.reachability)).c_str(),
              std::string(label(scenario.order)).c_str(), seconds(took));
  std::fflush(stdout);
  // Only the peer can dial: how soon is up to the peer's own connect cadence (GoBGP dials
  // every 5-10 s); tabby's part is to take its first connection, which refused=0 shows.
  const auto bound = scenario.reachability == Reachability::kOnlyPeerDials
                         ? paced_by_peer(pair)
                         : Clock::duration(kEstablishBound);
  EXPECT_LT(took, bound) << context << "\n" << pair.diagnostics();
  expect_no_refusals(context);
  expect_routes_both_ways(context);
}

constexpr Scenario kScenarios[] = {
    {Reachability::kBothDial, StartOrder::kTogether},
    {Reachability::kBothDial, StartOrder::kTabbyFirst},
    {Reachability::kBothDial, StartOrder::kPeerFirst},
    {Reachability::kOnlyPeerDials, StartOrder::kTabbyFirst},
    {Reachability::kOnlyPeerDials, StartOrder::kPeerFirst},
    {Reachability::kOnlyLocalDials, StartOrder::kTabbyFirst},
    {Reachability::kOnlyLocalDials, StartOrder::kPeerFirst},
};

std::string scenario_name(const ::testing::TestParamInfo<std::tuple<PeerKind, Scenario>>& info) {
  const auto [peer, scenario] = info.param;
  const char* reach = scenario.reachability == Reachability::kBothDial        ? "BothDial"
                      : scenario.reachability == Reachability::kOnlyPeerDials ? "OnlyPeerDials"
                                                                              : "OnlyTabbyDials";
  const char* order = scenario.order == StartOrder::kTogether     ? "Together"
                      : scenario.order == StartOrder::kTabbyFirst ? "TabbyFirst"
                                                                  : "PeerFirst";
  return test_name(peer) + "_" + reach + "_" + order;
}

INSTANTIATE_TEST_SUITE_P(Peers, Establish,
                         ::testing::Combine(::testing::ValuesIn(kAllPeerKinds),
                                            ::testing::ValuesIn(kScenarios)),
                         scenario_name);

// One side or the other stopped (SIGTERM: a Cease) and started again, 20 times in a seeded
// random order; each time the session is back within the bound and the routes with it. A
// peer that comes back finds tabby in Idle (its session was just reset): tabby must take the
// peer's connection there rather than wait out its idle hold.
class Restarts : public EstablishTest, public ::testing::WithParamInterface<PeerKind> {};

TEST_P(Restarts, EachSideRestartedInRandomOrderReestablishesQuickly) {
  const PeerKind peer = GetParam();
  const char* seed_text = std::getenv("TABBY_ESTABLISH_SEED");
  const auto seed = seed_text && *seed_text ? static_cast<std::uint32_t>(std::stoul(seed_text))
                                            : std::random_device{}();
  std::printf("[establish] %s restarts: seed %u (TABBY_ESTABLISH_SEED=%u repeats it)\n",
              std::string(label(peer)).c_str(), seed, seed);
  std::mt19937 random(seed);

  auto& pair = make_pair(peer);
  pair.start(Side::kPeer);
  const auto started = pair.start(Side::kLocal);
  ASSERT_TRUE(pair.established_after(started, kEstablishTimeout)) << pair.diagnostics();
  expect_routes_both_ways("before the restarts");
  if (HasFailure()) return;

  for (int restart = 1; restart <= kRestarts; ++restart) {
    const Side side = random() % 2 == 0 ? Side::kLocal : Side::kPeer;
    const std::string what = side == Side::kLocal ? "tabby" : std::string(label(peer));
    const std::string context =
        "restart " + std::to_string(restart) + "/" + std::to_string(kRestarts) + " (" + what + ")";
    pair.stop(side);
    const auto restarted = pair.start(side);
    const auto established = pair.established_after(restarted, kEstablishTimeout);
    ASSERT_TRUE(established) << context << ": no Established within " << seconds(kEstablishTimeout)
                             << " s\n"
                             << pair.diagnostics();
    const auto took = *established - restarted;
    std::printf("[establish] %-7s restart %2d/%d %-7s Established %.2f s after it started\n",
                std::string(label(peer)).c_str(), restart, kRestarts, what.c_str(), seconds(took));
    std::fflush(stdout);
    const auto bound =
        side == Side::kLocal ? paced_by_peer(pair) : Clock::duration(kEstablishBound);
    EXPECT_LT(took, bound) << context << "\n" << pair.diagnostics();
    expect_no_refusals(context);
    expect_routes_both_ways(context);
    if (HasFailure()) return;
  }
}

std::string peer_name(const ::testing::TestParamInfo<PeerKind>& info) {
  return test_name(info.param);
}

INSTANTIATE_TEST_SUITE_P(Peers, Restarts, ::testing::ValuesIn(kAllPeerKinds), peer_name);

}  // namespace
}  // namespace tabby::lab
