// Runs after every lab test (ctest FIXTURES_CLEANUP): no lab run may leave a namespace, a
// daemon or a run directory behind. What it finds fails the check and is removed, so the
// machine ends as clean as it started either way.

#include <gtest/gtest.h>
#include <unistd.h>

#include "tabby/lab/cleanup.h"

namespace tabby::lab {
namespace {

TEST(LabLeftovers, NoLabRunLeftAnythingBehind) {
  if (geteuid() != 0) GTEST_FAIL() << "this check needs root (it inspects /run/netns and /proc)";
  const Leftovers found = sweep_stale_leftovers();
  EXPECT_TRUE(found.empty()) << "left behind by a lab run (now removed):\n" << found.describe();
}

}  // namespace
}  // namespace tabby::lab
