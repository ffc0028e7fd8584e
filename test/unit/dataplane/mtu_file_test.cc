// /var/lib/calico/mtu: what the agent writes and the CNI plugin reads.

#include "tabby/dataplane/mtu_file.h"

#include <gmock/gmock.h>

#include <fstream>

namespace tabby::dataplane {
namespace {

class MtuFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tabby-mtu-file-test-" +
            std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(MtuFileTest, WhatIsWrittenIsReadBackAndADirectoryIsMade) {
  const auto path = dir_ / "calico" / "mtu";
  ASSERT_TRUE(write_mtu_file(path, 1450).ok());
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "1450\n");
  EXPECT_EQ(*read_mtu_file(path), std::optional<std::uint32_t>(1450));
  ASSERT_TRUE(write_mtu_file(path, 1480).ok());
  EXPECT_EQ(*read_mtu_file(path), std::optional<std::uint32_t>(1480));
  // Nothing but the file is left in the directory.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_ / "calico"),
                          std::filesystem::directory_iterator()),
            1);
}

TEST_F(MtuFileTest, AMissingFileIsNoMtu) {
  EXPECT_EQ(*read_mtu_file(dir_ / "mtu"), std::nullopt);
}

TEST_F(MtuFileTest, ContentsThatAreNoMtuAreAnErrorNamingTheFile) {
  std::filesystem::create_directories(dir_);
  for (const std::string contents : {"", "abc", "1450x", "12", "70000", "-1"}) {
    std::ofstream(dir_ / "mtu") << contents;
    auto read = read_mtu_file(dir_ / "mtu");
    ASSERT_FALSE(read.ok()) << contents;
    EXPECT_THAT(read.error().message, ::testing::HasSubstr((dir_ / "mtu").string()));
  }
}

}  // namespace
}  // namespace tabby::dataplane
