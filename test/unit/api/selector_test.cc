#include "tabby/api/selector.h"

#include <gmock/gmock.h>

namespace tabby::api {
namespace {

struct MatchCase {
  const char* selector;
  Labels labels;
  bool matches;
};

TEST(SelectorTest, EvaluatesLikeCalico) {
  const Labels rack1 = {{"rack", "rack1"}, {"zone", "eu-west-1a"}, {"role", "tor"}};
  const std::vector<MatchCase> cases = {
      {"", {}, true},
      {"all()", {}, true},
      {"global()", rack1, true},
      {"rack == 'rack1'", rack1, true},
      {"rack == \"rack1\"", rack1, true},
      {"rack == 'rack2'", rack1, false},
      {"rack == 'rack1'", {}, false},
      {"rack != 'rack2'", rack1, true},
      {"rack != 'rack1'", rack1, false},
      {"rack != 'x'", {}, true},  // absent label: != matches
      {"has(rack)", rack1, true},
      {"has( rack )", rack1, true},
      {"has(missing)", rack1, false},
      {"!has(missing)", rack1, true},
      {"!!has(rack)", rack1, true},
      {"rack in {'rack1', 'rack2'}", rack1, true},
      {"rack in {'rack3'}", rack1, false},
      {"rack in {}", rack1, false},
      {"rack not in {'rack3'}", rack1, true},
      {"rack not in {'rack1'}", rack1, false},
      {"missing not in {'a'}", rack1, true},
      {"zone contains 'west'", rack1, true},
      {"zone contains 'east'", rack1, false},
      {"zone starts with 'eu-'", rack1, true},
      {"zone starts with 'us-'", rack1, false},
      {"zone ends with '1a'", rack1, true},
      {"zone ends with '1b'", rack1, false},
      {"missing contains ''", rack1, false},
      {"rack == 'rack1' && role == 'tor'", rack1, true},
      {"rack == 'rack1' && role == 'leaf'", rack1, false},
      {"rack == 'rack9' || role == 'tor'", rack1, true},
      {"rack == 'rack9' || role == 'leaf'", rack1, false},
      // && binds tighter than ||.
      {"role == 'leaf' && rack == 'rack1' || zone == 'eu-west-1a'", rack1, true},
      {"role == 'leaf' && (rack == 'rack1' || zone == 'eu-west-1a')", rack1, false},
      {"!(rack == 'rack1' && role == 'tor')", rack1, false},
      {"example.com/tier-1 == 'a_b.c'", {{"example.com/tier-1", "a_b.c"}}, true},
      {"  rack=='rack1'  ", rack1, true},
      {"\track == 'a b'", {{"rack", "a b"}}, true},
  };
  for (const auto& c : cases) {
    auto selector = Selector::parse(c.selector);
    ASSERT_TRUE(selector.ok()) << c.selector << ": " << selector.error().message;
    EXPECT_EQ(selector->matches(c.labels), c.matches) << c.selector;
    // The canonical form means the same thing and is stable.
    auto again = Selector::parse(selector->to_string());
    ASSERT_TRUE(again.ok()) << selector->to_string();
    EXPECT_EQ(again->matches(c.labels), c.matches) << selector->to_string();
    EXPECT_EQ(again->to_string(), selector->to_string());
  }
}

TEST(SelectorTest, BuildsTheExpectedTree) {
  auto selector = Selector::parse("a == 'x' && (b in {'1', '2'} || !has(c))");
  ASSERT_TRUE(selector.ok());
  const auto& root = selector->root();
  ASSERT_EQ(root.op, SelectorNode::Op::kAnd);
  ASSERT_EQ(root.operands.size(), 2u);
  EXPECT_EQ(root.operands[0]->op, SelectorNode::Op::kEqual);
  EXPECT_EQ(root.operands[0]->label, "a");
  EXPECT_EQ(root.operands[0]->value, "x");
  const auto& either = *root.operands[1];
  ASSERT_EQ(either.op, SelectorNode::Op::kOr);
  EXPECT_THAT(either.operands[0]->values, ::testing::ElementsAre("1", "2"));
  EXPECT_EQ(either.operands[1]->op, SelectorNode::Op::kNot);
  EXPECT_EQ(either.operands[1]->operands[0]->op, SelectorNode::Op::kHas);
  EXPECT_EQ(selector->to_string(), "a == \"x\" && (b in {\"1\", \"2\"} || !has(c))");
  EXPECT_EQ(selector->text(), "a == 'x' && (b in {'1', '2'} || !has(c))");
}

TEST(SelectorTest, QuotesValuesHoldingDoubleQuotesWithSingleQuotes) {
  auto selector = Selector::parse("a == 'say \"hi\"'");
  ASSERT_TRUE(selector.ok());
  EXPECT_EQ(selector->to_string(), "a == 'say \"hi\"'");
  EXPECT_TRUE(selector->matches({{"a", "say \"hi\""}}));
}

struct ErrorCase {
  const char* selector;
  const char* message;
};

TEST(SelectorTest, ErrorsPointAtThePosition) {
  const std::vector<ErrorCase> cases = {
      {"a == 'x' &&", "selector \"a == 'x' &&\": unexpected end at position 11"},
      {"a == 'x", "selector \"a == 'x\": unterminated string at position 5"},
      {"a = 'x'", "selector \"a = 'x'\": expected '==' at position 2"},
      {"a == 'x' & b", "expected '&&' at position 9"},
      {"a == 'x' | b", "expected '||' at position 9"},
      {"a", "unexpected end at position 1"},
      {"a == b", "unexpected label 'b', expected a quoted string at position 5"},
      {"a == ", "unexpected end at position 5"},
      {"a 'x'", "unexpected string 'x', expected an operator at position 2"},
      {"a foo 'x'", "expected an operator after label 'a' at position 2"},
      {"a starts 'x'", "expected 'with' after 'starts' at position 9"},
      {"a not 'x'", "expected 'in' after 'not' at position 6"},
      {"a in 'x'", "unexpected string 'x', expected '{' at position 5"},
      {"a in {'x' 'y'}", "unexpected string 'y', expected ',' or '}' at position 10"},
      {"a in {'x',}", "unexpected '}', expected a quoted string at position 10"},
      {"has(", "expected a label in has() at position 4"},
      {"has(a", "expected ')' after has(a at position 5"},
      {"all(x)", "expected ')' after all( at position 4"},
      {"(a == 'x'", "unexpected end at position 9"},
      {"a == 'x')", "unexpected ')', expected '&&', '||' or end at position 8"},
      {"&& a == 'x'",
       "unexpected '&&', expected a label, 'has(', 'all()', '!' or '(' at position 0"},
      {"a == 'x' b == 'y'", "unexpected label 'b', expected '&&', '||' or end at position 9"},
      {"#", "unexpected character '#' at position 0"},
      {"()", "unexpected ')'"},
  };
  for (const auto& c : cases) {
    auto selector = Selector::parse(c.selector);
    ASSERT_FALSE(selector.ok()) << c.selector;
    EXPECT_THAT(selector.error().message, ::testing::HasSubstr(c.message)) << c.selector;
  }
}

TEST(SelectorTest, RefusesHostileNestingAndHugeLabels) {
  const std::string deep = std::string(10000, '(') + "all()" + std::string(10000, ')');
  auto nested = Selector::parse(deep);
  ASSERT_FALSE(nested.ok());
  EXPECT_THAT(nested.error().message, ::testing::HasSubstr("nested too deeply"));
  EXPECT_FALSE(Selector::parse(std::string(10000, '!') + "all()").ok());
  EXPECT_TRUE(Selector::parse(std::string(30, '(') + "all()" + std::string(30, ')')).ok());

  EXPECT_TRUE(Selector::parse("has(" + std::string(512, 'a') + ")").ok());
  EXPECT_THAT(Selector::parse(std::string(513, 'a') + " == 'x'").error().message,
              ::testing::HasSubstr("label too long"));
}

}  // namespace
}  // namespace tabby::api
