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

}  // namespace
}  // namespace tabby
