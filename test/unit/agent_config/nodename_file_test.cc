// The node-name file: one path for reading and writing (CALICO_NODENAME_FILE), written with
// its directory created, read back as the CNI plugin and the next start read it.
#include "tabby/agent/nodename_file.h"

#include <gmock/gmock.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>

namespace tabby::agent {
namespace {

using ::testing::HasSubstr;

class NodenameFileTest : public ::testing::Test {
 protected:
  NodenameFileTest() {
    std::string pattern = std::filesystem::temp_directory_path() / "tabby-nodename-XXXXXX";
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
  }
  ~NodenameFileTest() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST(NodenameFilePath, IsCalicoNodenameFileElseVarLibCalico) {
  EXPECT_EQ(nodename_file_path({}), "/var/lib/calico/nodename");
  EXPECT_EQ(nodename_file_path({{"CALICO_NODENAME_FILE", " "}}), "/var/lib/calico/nodename");
  EXPECT_EQ(nodename_file_path({{"CALICO_NODENAME_FILE", " /tmp/n "}}), "/tmp/n");
}

TEST(NodenameFilePath, TheConfigWritesWhereTheNameIsRead) {
  auto loaded =
      load_config({{"NODENAME", "a"}, {"CALICO_NODENAME_FILE", "/run/x/nodename"}}, {"tabby-node"});
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->config.nodename_file, "/run/x/nodename");
  EXPECT_EQ(load_config({{"NODENAME", "a"}}, {"tabby-node"})->config.nodename_file,
            "/var/lib/calico/nodename");
}

TEST_F(NodenameFileTest, IsWrittenIntoANewDirectoryAndReadBack) {
  const std::string path = (dir_ / "var" / "lib" / "calico" / "nodename").string();
  EXPECT_FALSE(read_nodename_file(path));
  ASSERT_TRUE(write_nodename_file(path, "node-a").ok());
  EXPECT_EQ(read_nodename_file(path), "node-a");  // no newline, as Calico writes it
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0644U);
  ASSERT_TRUE(write_nodename_file(path, "node-b").ok());  // a renamed node overwrites it
  EXPECT_EQ(read_nodename_file(path), "node-b");
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST_F(NodenameFileTest, AFailureNamesThePath) {
  const std::filesystem::path blocker = dir_ / "file";
  ASSERT_TRUE(write_nodename_file(blocker.string(), "x").ok());
  const std::string path = (blocker / "nodename").string();  // a file where a directory goes
  auto written = write_nodename_file(path, "node-a");
  ASSERT_FALSE(written.ok());
  EXPECT_THAT(written.error().message, HasSubstr("writing the node name to " + path + ": "));
}

}  // namespace
}  // namespace tabby::agent
