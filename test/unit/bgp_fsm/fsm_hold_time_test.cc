// Hold-time negotiation (RFC 4271 4.2, 10) and jitter.

#include "tabby/bgp/fsm_hold_time.h"

#include <gtest/gtest.h>

#include "fsm_test_support.h"

namespace tabby::bgp {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

struct HoldCase {
  uint16_t local_hold;
  uint16_t local_keepalive;
  uint16_t peer_hold;
  Duration hold;
  Duration keepalive;
};

class HoldTimeNegotiation : public ::testing::TestWithParam<HoldCase> {};

TEST_P(HoldTimeNegotiation, SmallerHoldTimeAndAThirdOfItAtMost) {
  const HoldCase& c = GetParam();
  EXPECT_EQ(negotiate_hold_time(c.local_hold, c.local_keepalive, c.peer_hold),
            (NegotiatedTimers{c.hold, c.keepalive}));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, HoldTimeNegotiation,
    ::testing::Values(
        // Calico (240) against BIRD's default (90): the peer's is smaller.
        HoldCase{240, 0, 90, seconds(90), seconds(30)},
        HoldCase{90, 0, 240, seconds(90), seconds(30)},
        HoldCase{240, 0, 240, seconds(240), seconds(80)},
        // Zero on either side: no keepalives, no hold timer.
        HoldCase{240, 0, 0, seconds(0), seconds(0)}, HoldCase{0, 0, 90, seconds(0), seconds(0)},
        HoldCase{0, 30, 0, seconds(0), seconds(0)},
        // Calico's keepaliveTime, kept when it fits within a third of the hold time ...
        HoldCase{240, 10, 90, seconds(90), seconds(10)},
        // ... and shortened when the peer's shorter hold time would expire first.
        HoldCase{240, 60, 90, seconds(90), seconds(30)},
        // The smallest hold times: the keepalive interval never goes below a second.
        HoldCase{3, 0, 240, seconds(3), seconds(1)}, HoldCase{240, 0, 4, seconds(4), seconds(1)},
        HoldCase{65535, 0, 65535, seconds(65535), seconds(21845)}));

TEST(Jitter, StaysWithinThreeQuartersAndTheFullDuration) {
  const auto fixed = [](double r) { return UniformRandom([r] { return r; }); };
  EXPECT_EQ(jittered(seconds(30), fixed(0.0)), milliseconds(22500));
  EXPECT_EQ(jittered(seconds(30), fixed(0.5)), milliseconds(26250));
  EXPECT_EQ(jittered(seconds(30), fixed(1.0)), seconds(30));
  // Out-of-range sources are clamped rather than trusted.
  EXPECT_EQ(jittered(seconds(30), fixed(-3.0)), milliseconds(22500));
  EXPECT_EQ(jittered(seconds(30), fixed(7.0)), seconds(30));
  EXPECT_EQ(jittered(milliseconds(1), fixed(0.0)), milliseconds(1));
  EXPECT_EQ(jittered(Duration{0}, fixed(0.0)), Duration{0});
}

TEST(Jitter, SeededSourceIsReproducibleAndInRange) {
  UniformRandom a = seeded_uniform_random(42);
  UniformRandom b = seeded_uniform_random(42);
  bool varied = false;
  double first = a();
  EXPECT_EQ(first, b());
  for (int i = 0; i < 1000; ++i) {
    const double x = a();
    EXPECT_EQ(x, b());
    EXPECT_GE(x, 0.0);
    EXPECT_LT(x, 1.0);
    varied = varied || x != first;
    const Duration d = jittered(seconds(5), a);
    (void)b();
    EXPECT_GE(d, milliseconds(3750));
    EXPECT_LE(d, seconds(5));
  }
  EXPECT_TRUE(varied);
}

TEST(PeerOpenCheck, AcceptsAGoodOpen) {
  EXPECT_EQ(check_peer_open(test::test_config(), test::peer_open()), std::nullopt);
  EXPECT_EQ(check_peer_open(test::test_config(), test::peer_open(0)), std::nullopt);
}

TEST(PeerOpenCheck, AnyAsWhenNoneIsConfigured) {
  FsmConfig config = test::test_config();
  config.peer_as = 0;
  EXPECT_EQ(check_peer_open(config, {4, 4200000000u, 90, test::kPeerId}), std::nullopt);
}

}  // namespace
}  // namespace tabby::bgp
