#include "tabby/common/result.h"

#include <gtest/gtest.h>

#include <memory>

namespace tabby {
namespace {

Result<int> half(int n) {
  if (n % 2) return Error{"odd: " + std::to_string(n)};
  return n / 2;
}

TEST(ResultTest, HoldsAValueOrAnError) {
  auto good = half(4);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 2);
  auto bad = half(3);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "odd: 3");
}

TEST(ResultTest, MisuseIsAProgrammingError) {
  EXPECT_THROW(half(3).value(), std::logic_error);
  EXPECT_THROW((void)half(4).error(), std::logic_error);
  EXPECT_THROW((void)Status().error(), std::logic_error);
}

TEST(ResultTest, MovesOnlyValuesOut) {
  Result<std::unique_ptr<int>> result(std::make_unique<int>(7));
  std::unique_ptr<int> taken = std::move(result).value();
  EXPECT_EQ(*taken, 7);
}

TEST(ResultTest, StatusIsSuccessOrError) {
  Status fine;
  EXPECT_TRUE(fine.ok());
  Status failed = Error{"disk full"};
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message, "disk full");
}

}  // namespace
}  // namespace tabby
