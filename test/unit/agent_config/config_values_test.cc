// The value forms of calico-node's variables.
#include "tabby/agent/config_values.h"

#include <gtest/gtest.h>

namespace tabby::agent {
namespace {

using namespace std::chrono_literals;

TEST(EncapsulationMode, AcceptsCalicosSpellingsInAnyCase) {
  EXPECT_EQ(*parse_encapsulation_mode("Always"), EncapsulationMode::kAlways);
  EXPECT_EQ(*parse_encapsulation_mode("always"), EncapsulationMode::kAlways);
  EXPECT_EQ(*parse_encapsulation_mode("CrossSubnet"), EncapsulationMode::kCrossSubnet);
  EXPECT_EQ(*parse_encapsulation_mode("cross-subnet"), EncapsulationMode::kCrossSubnet);
  EXPECT_EQ(*parse_encapsulation_mode("Never"), EncapsulationMode::kNever);
  EXPECT_EQ(*parse_encapsulation_mode("off"), EncapsulationMode::kNever);
  EXPECT_EQ(*parse_encapsulation_mode(""), EncapsulationMode::kNever);
  auto bad = parse_encapsulation_mode("Sometimes");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "use Always, CrossSubnet or Never");
}

TEST(LenientBool, OnlyTheFalseWordsAreFalse) {
  for (auto text : {"false", "FALSE", "0", "no", "N", "f"})
    EXPECT_FALSE(parse_lenient_bool(text)) << text;
  for (auto text : {"true", "1", "yes", "anything"})
    EXPECT_TRUE(parse_lenient_bool(text)) << text;
}

TEST(FelixBool, AcceptsFelixWordsAndRejectsOthers) {
  for (auto text : {"true", "TRUE", "1", "yes", "y", "t"})
    EXPECT_TRUE(*parse_felix_bool(text)) << text;
  for (auto text : {"false", "False", "0", "no", "n", "f"})
    EXPECT_FALSE(*parse_felix_bool(text)) << text;
  auto bad = parse_felix_bool("maybe");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "use true or false");
}

TEST(Unsigned, ChecksDigitsAndRange) {
  EXPECT_EQ(*parse_unsigned("26", 20, 32), 26u);
  EXPECT_EQ(*parse_unsigned("20", 20, 32), 20u);
  EXPECT_EQ(*parse_unsigned("32", 20, 32), 32u);
  for (auto text : {"19", "33", "-1", "+26", "26x", "", " 26", "2.5"}) {
    auto bad = parse_unsigned(text, 20, 32);
    ASSERT_FALSE(bad) << text;
    EXPECT_EQ(bad.error().message, "use a whole number from 20 to 32");
  }
}

TEST(Seconds, ReadsFelixSeconds) {
  EXPECT_EQ(*parse_seconds("90"), 90s);
  EXPECT_EQ(*parse_seconds("2.5"), 2500ms);
  EXPECT_EQ(*parse_seconds("0"), 0s);
  for (auto text : {"-1", "abc", "10s", "", "inf", "nan"})
    EXPECT_FALSE(parse_seconds(text)) << text;
}

TEST(GoDuration, ReadsGoForms) {
  EXPECT_EQ(*parse_go_duration("60s"), 60s);
  EXPECT_EQ(*parse_go_duration("1m30s"), 90s);
  EXPECT_EQ(*parse_go_duration("500ms"), 500ms);
  EXPECT_EQ(*parse_go_duration("2h"), 2h);
  EXPECT_EQ(*parse_go_duration("1.5s"), 1500ms);
  for (auto text : {"60", "0s", "s", "1x", "", "-5s", "5 s"}) {
    auto bad = parse_go_duration(text);
    ASSERT_FALSE(bad) << text;
    EXPECT_EQ(bad.error().message,
              "use a duration such as 60s, 1m30s, 500ms or 2h (more than zero)");
  }
}

TEST(AsNumber, PlainAndAsdot) {
  EXPECT_EQ(*parse_as_number("64512"), 64512u);
  EXPECT_EQ(*parse_as_number("4294967295"), 4294967295u);
  EXPECT_EQ(*parse_as_number("1.10"), 65546u);
  EXPECT_EQ(*parse_as_number("0.64512"), 64512u);
  for (auto text : {"4294967296", "1.65536", "65536.0", "a", "1.", ".1", "-1", ""}) {
    EXPECT_FALSE(parse_as_number(text)) << text;
  }
}

}  // namespace
}  // namespace tabby::agent
