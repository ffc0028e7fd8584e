#include "tabby/common/log.h"

#include <gmock/gmock.h>

namespace tabby {
namespace {

TEST(LogLevelTest, AcceptsCalicosSeverityNamesInAnyCase) {
  EXPECT_EQ(*parse_log_level("Info"), spdlog::level::info);
  EXPECT_EQ(*parse_log_level("WARNING"), spdlog::level::warn);
  EXPECT_EQ(*parse_log_level("debug"), spdlog::level::debug);
  EXPECT_EQ(*parse_log_level("Fatal"), spdlog::level::critical);
  EXPECT_EQ(*parse_log_level("panic"), spdlog::level::critical);
  EXPECT_EQ(*parse_log_level("none"), spdlog::level::off);
}

TEST(LogLevelTest, RejectsUnknownNamesListingTheAllowedOnes) {
  auto level = parse_log_level("verbose");
  ASSERT_FALSE(level.ok());
  EXPECT_THAT(level.error().message, ::testing::HasSubstr("\"verbose\" is not a log level"));
  EXPECT_THAT(level.error().message, ::testing::HasSubstr("warning"));
}

// The speaker's logger shares the program's output but not its level: logSeverityScreen
// Debug shows the speaker's debug lines while the agent stays at Info.
TEST(BgpLoggerTest, HasItsOwnLevelOverTheProgramsSinks) {
  setup_logging("log-test", spdlog::level::info);
  EXPECT_EQ(bgp_logger().name(), "bgp");
  EXPECT_EQ(bgp_logger().sinks(), spdlog::default_logger()->sinks());
  EXPECT_EQ(bgp_logger().level(), spdlog::level::info);
  set_bgp_log_level(spdlog::level::debug);
  EXPECT_EQ(bgp_logger().level(), spdlog::level::debug);
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::info);
  set_bgp_log_level(spdlog::level::warn);
  EXPECT_FALSE(bgp_logger().should_log(spdlog::level::info));
  EXPECT_TRUE(spdlog::default_logger()->should_log(spdlog::level::info));
}

}  // namespace
}  // namespace tabby
