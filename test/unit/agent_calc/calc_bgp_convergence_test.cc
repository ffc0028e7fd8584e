// When the agent lets go of routes kept from before a restart: every established peer's
// End-of-RIBs in, a peer not up waited for only so long, and an overall bound.
#include "tabby/agent/calc_bgp_convergence.h"

#include <gtest/gtest.h>

namespace tabby::agent {
namespace {

using namespace std::chrono_literals;

constexpr PeerConvergence kUpWithTable{.established = true, .initial_table_received = true};
constexpr PeerConvergence kUpWithoutTable{.established = true, .initial_table_received = false};
constexpr PeerConvergence kDown{};

TEST(BgpConvergence, WaitsForEveryEstablishedPeersEndOfRib) {
  EXPECT_EQ(bgp_convergence({kUpWithTable, kUpWithoutTable}, 5s), Convergence::kWaiting);
  EXPECT_EQ(bgp_convergence({kUpWithTable, kUpWithTable}, 5s), Convergence::kTablesIn);
  // No time of its own: a peer that sent its table at once converges at once.
  EXPECT_EQ(bgp_convergence({kUpWithTable}, 0s), Convergence::kTablesIn);
}

TEST(BgpConvergence, APeerNotUpIsWaitedForOnlyAWhile) {
  EXPECT_EQ(bgp_convergence({kUpWithTable, kDown}, 29s), Convergence::kWaiting);
  EXPECT_EQ(bgp_convergence({kUpWithTable, kDown}, 30s), Convergence::kTablesIn);
  EXPECT_EQ(bgp_convergence({kDown}, 31s), Convergence::kTablesIn);
  // An established peer still owing its table is waited for past that.
  EXPECT_EQ(bgp_convergence({kUpWithoutTable, kDown}, 60s), Convergence::kWaiting);
  const ConvergenceLimits quick{.peer_up_wait = 1s, .max_wait = 10s};
  EXPECT_EQ(bgp_convergence({kDown}, 2s, quick), Convergence::kTablesIn);
}

TEST(BgpConvergence, GivesUpAfterTheMaximumWait) {
  EXPECT_EQ(bgp_convergence({kUpWithoutTable}, 119s), Convergence::kWaiting);
  EXPECT_EQ(bgp_convergence({kUpWithoutTable}, 120s), Convergence::kGaveUp);
}

TEST(BgpConvergence, NoPeerMeansNothingToWaitFor) {
  EXPECT_EQ(bgp_convergence({}, 0s), Convergence::kTablesIn);
}

}  // namespace
}  // namespace tabby::agent
