// `tabbyctl node status` when no agent answers; the live socket is exercised in
// test/lab/agent_ops.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <map>
#include <sstream>

#include "tabby/ctl/tabbyctl.h"

namespace tabby::ctl {
namespace {

using ::testing::HasSubstr;

struct Outcome {
  int status;
  std::string out, err;
};

Outcome run(const std::vector<std::string>& args, std::map<std::string, std::string> env = {}) {
  std::istringstream in;
  std::ostringstream out, err;
  const int status = run_tabbyctl(args, in, out, err, [env](std::string_view name) {
    auto it = env.find(std::string(name));
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  });
  return {status, out.str(), err.str()};
}

class NodeStatusCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tabbyctl-node-status-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(NodeStatusCommandTest, NoSocketFileMeansNotRunning) {
  const std::string path = (dir_ / "status.sock").string();
  Outcome outcome = run({"node", "status", "--status-socket", path});
  EXPECT_EQ(outcome.status, 1);
  EXPECT_EQ(outcome.out, "Calico process is not running.\n");
  EXPECT_EQ(outcome.err,
            "tabby-node status socket " + path + ": cannot connect: No such file or directory\n");
}

TEST_F(NodeStatusCommandTest, TheEnvironmentNamesTheSocketAndTheFlagWins) {
  const std::string from_env = (dir_ / "env.sock").string();
  Outcome outcome = run({"node", "status"}, {{"TABBY_STATUS_SOCKET", from_env}});
  EXPECT_EQ(outcome.status, 1);
  EXPECT_THAT(outcome.err, HasSubstr(from_env));
  const std::string from_flag = (dir_ / "flag.sock").string();
  outcome =
      run({"node", "status", "--status-socket", from_flag}, {{"TABBY_STATUS_SOCKET", from_env}});
  EXPECT_THAT(outcome.err, HasSubstr(from_flag));
}

TEST_F(NodeStatusCommandTest, AStaleSocketFileNobodyListensOnMeansNotRunning) {
  const std::string path = (dir_ / "stale.sock").string();
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ::close(fd);  // bound, never listened: connect() is refused
  Outcome outcome = run({"node", "status", "--status-socket", path});
  EXPECT_EQ(outcome.status, 1);
  EXPECT_EQ(outcome.out, "Calico process is not running.\n");
  EXPECT_THAT(outcome.err, HasSubstr("Connection refused"));
}

TEST_F(NodeStatusCommandTest, NodeNeedsASubcommand) {
  Outcome outcome = run({"node"});
  EXPECT_EQ(outcome.status, 1);
  EXPECT_THAT(outcome.err, HasSubstr("subcommand"));
}

}  // namespace
}  // namespace tabby::ctl
