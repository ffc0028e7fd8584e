#include "tabby/agent/health_aggregator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tabby/agent/health_server.h"

namespace tabby::agent {
namespace {

using std::chrono::seconds;
using ::testing::HasSubstr;
using ::testing::Not;

class HealthAggregatorTest : public ::testing::Test {
 protected:
  HealthClock::time_point now_{};
  HealthAggregator health_{[this] { return now_; }};
};

TEST_F(HealthAggregatorTest, NothingRegisteredIsLiveAndReady) {
  const HealthSummary summary = health_.summary();
  EXPECT_TRUE(summary.live);
  EXPECT_TRUE(summary.ready);
  EXPECT_EQ(health_response(summary, HealthProbe::kReadiness).status, 204);
}

TEST_F(HealthAggregatorTest, ReadyOnlyWhenEveryReadinessReporterIsReady) {
  health_.register_reporter("datastore", {true, true, seconds(20)});
  health_.register_reporter("dataplane", {true, true, seconds(90)});
  health_.register_reporter("bgp", {false, true, {}});
  EXPECT_FALSE(health_.summary().ready) << "nobody has reported yet";
  EXPECT_FALSE(health_.summary().live);

  health_.report("datastore", {true, true, ""});
  health_.report("dataplane", {true, true, ""});
  health_.report("bgp", {false, false, "BGP not established with 10.0.0.2"});
  HealthSummary summary = health_.summary();
  EXPECT_TRUE(summary.live) << "bgp does not report liveness, so its false does not count";
  EXPECT_FALSE(summary.ready);

  health_.report("bgp", {false, true, ""});
  summary = health_.summary();
  EXPECT_TRUE(summary.live);
  EXPECT_TRUE(summary.ready);
}

TEST_F(HealthAggregatorTest, AReportOlderThanItsTimeoutIsNeitherLiveNorReady) {
  health_.register_reporter("dataplane", {true, true, seconds(90)});
  health_.register_reporter("startup", {false, true, {}});
  health_.report("dataplane", {true, true, ""});
  health_.report("startup", {false, true, ""});
  now_ += seconds(90);
  EXPECT_TRUE(health_.summary().live) << "exactly at the timeout still counts";
  now_ += seconds(1);
  HealthSummary summary = health_.summary();
  EXPECT_FALSE(summary.live);
  EXPECT_FALSE(summary.ready);
  ASSERT_EQ(summary.reporters.size(), 2u);
  EXPECT_EQ(summary.reporters[0].name, "dataplane");
  EXPECT_TRUE(summary.reporters[0].timed_out);
  EXPECT_FALSE(summary.reporters[1].timed_out) << "no timeout: a report stays valid";

  now_ += seconds(1000);
  health_.report("dataplane", {true, true, ""});
  EXPECT_TRUE(health_.summary().live);
}

TEST_F(HealthAggregatorTest, UnregisteredReporterIsAProgrammingError) {
  EXPECT_THROW(health_.report("nobody", {true, true, ""}), std::logic_error);
}

TEST_F(HealthAggregatorTest, TheTableNamesEachReporterAndWhatItSaid) {
  health_.register_reporter("bgp", {false, true, {}});
  health_.register_reporter("dataplane", {true, true, std::chrono::milliseconds(1500)});
  health_.register_reporter("datastore", {true, true, seconds(20)});
  health_.report("bgp", {false, false, "BGP not established with 10.0.0.2"});
  health_.report("dataplane", {true, true, ""});
  EXPECT_EQ(render_health_table(health_.summary()),
            "+-----------+---------+------------------+---------------------+----------------------"
            "-------------+\n"
            "| COMPONENT | TIMEOUT |     LIVENESS     |      READINESS      |              DETAIL  "
            "             |\n"
            "+-----------+---------+------------------+---------------------+----------------------"
            "-------------+\n"
            "| bgp       | -       | -                | reporting non-ready | BGP not established "
            "with 10.0.0.2 |\n"
            "| dataplane | 1500ms  | reporting live   | reporting ready     |                      "
            "             |\n"
            "| datastore | 20s     | not yet reported | not yet reported    |                      "
            "             |\n"
            "+-----------+---------+------------------+---------------------+----------------------"
            "-------------+\n");
}

TEST_F(HealthAggregatorTest, ProbesAnswer200Or503WithTheTable) {
  health_.register_reporter("dataplane", {true, true, seconds(90)});
  health_.register_reporter("bgp", {false, true, {}});
  health_.report("dataplane", {true, true, ""});
  health_.report("bgp", {false, false, "BGP not established with 10.0.0.2"});
  const HealthResponse live = health_response(health_.summary(), HealthProbe::kLiveness);
  EXPECT_EQ(live.status, 200);
  const HealthResponse ready = health_response(health_.summary(), HealthProbe::kReadiness);
  EXPECT_EQ(ready.status, 503);
  EXPECT_THAT(ready.body, HasSubstr("| bgp "));
  EXPECT_THAT(ready.body, HasSubstr("reporting non-ready | BGP not established with 10.0.0.2"));
  EXPECT_THAT(live.body, Not(HasSubstr("timed out")));
}

}  // namespace
}  // namespace tabby::agent
