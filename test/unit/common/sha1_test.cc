#include "tabby/common/sha1.h"

#include <gtest/gtest.h>

namespace tabby {
namespace {

TEST(Sha1Test, MatchesKnownDigests) {
  EXPECT_EQ(sha1_hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(sha1_hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(sha1_hex("node1"), "f937c37e949d9efa20d2958af309235c73ec039a");
  EXPECT_EQ(sha1(std::string(1000, 'a'))[0], 0x29);  // 291e9a6c...
}

}  // namespace
}  // namespace tabby
