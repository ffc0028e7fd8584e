// Nothing a lab makes outlives it: not on success, not on an interrupt, not on a crash, and
// after a SIGKILL the next lab sweeps it away.

#include <gmock/gmock.h>
#include <signal.h>
#include <sys/wait.h>

#include <fstream>
#include <sstream>

#include "tabby/lab/lab_test.h"

namespace tabby::lab {
namespace {

namespace fs = std::filesystem;

struct ProbeRun {
  pid_t pid = -1;
  std::string run_id;
  fs::path dir;
  std::vector<std::string> namespaces;
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class LabTeardownTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_FAIL() << "this lab test needs root (network namespaces)";
    log_ = lab_temp_dir() / ("tabby-teardown-probe-" + std::to_string(getpid()) + ".log");
    fs::remove(log_);
  }
  void TearDown() override {
    if (probe_.pid > 0) kill(probe_.pid, SIGKILL);
    fs::remove(log_);
  }

  // Starts the probe and waits until it has built its lab.
  void start_probe(const char* mode) {
    probe_.pid = spawn_background({LAB_INTERRUPT_PROBE, mode}, log_);
    ASSERT_TRUE(eventually([&] { return read_file(log_).find("READY") != std::string::npos; }, 30s))
        << "the probe did not build its lab:\n"
        << read_file(log_);
    std::istringstream lines(read_file(log_));
    for (std::string word, value; lines >> word;) {
      if (word == "READY") break;
      lines >> value;
      if (word == "RUN") probe_.run_id = value;
      if (word == "DIR") probe_.dir = value;
      if (word == "NETNS") probe_.namespaces.push_back(value);
    }
    ASSERT_FALSE(probe_.run_id.empty());
    ASSERT_EQ(probe_.namespaces.size(), 3u) << "fabric, n1 and n2";
    for (const auto& ns : probe_.namespaces)
      ASSERT_TRUE(fs::exists(fs::path(kNetnsDir) / ns));
    ASSERT_FALSE(processes_mentioning(probe_.dir.string()).empty()) << "its bird should run";
  }

  // Waits for the probe to die and returns how it ended (the wait status).
  int wait_for_probe() {
    int status = 0;
    const bool ended =
        eventually([&] { return waitpid(probe_.pid, &status, WNOHANG) == probe_.pid; }, 30s, 20ms);
    EXPECT_TRUE(ended) << "the probe did not end";
    probe_.pid = -1;
    return status;
  }

  void expect_nothing_left() {
    for (const auto& ns : probe_.namespaces) {
      EXPECT_FALSE(fs::exists(fs::path(kNetnsDir) / ns)) << "namespace " << ns << " left behind";
    }
    EXPECT_FALSE(fs::exists(probe_.dir)) << probe_.dir << " left behind";
    EXPECT_THAT(processes_mentioning(probe_.dir.string()), ::testing::IsEmpty())
        << "daemons of the probe's lab still run";
  }

  fs::path log_;
  ProbeRun probe_;
};

TEST_F(LabTeardownTest, DestroyingALabRemovesNamespacesDaemonsAndFiles) {
  auto lab = std::make_unique<Lab>("destructor");
  auto& segment = lab->add_segment("s1");
  auto& n1 = lab->add_node("n1");
  lab->attach(n1, "eth0", segment, {.address = "10.41.0.1/24"});
  auto& bird = lab->start_bird(n1, "bird", "router id 10.41.0.1;\nprotocol device {}\n");
  ASSERT_TRUE(bird.running());
  const auto names = lab->namespace_names();
  const auto dir = lab->dir();
  ASSERT_EQ(names.size(), 2u);

  lab.reset();
  for (const auto& ns : names)
    EXPECT_FALSE(fs::exists(fs::path(kNetnsDir) / ns)) << ns;
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_THAT(processes_mentioning(dir.string()), ::testing::IsEmpty());
}

TEST_F(LabTeardownTest, SigintTearsDownAndTheProcessStillDiesOfSigint) {
  start_probe("wait");
  kill(probe_.pid, SIGINT);
  const int status = wait_for_probe();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT) << "status " << status;
  expect_nothing_left();
}

TEST_F(LabTeardownTest, SigtermTearsDown) {
  start_probe("wait");
  kill(probe_.pid, SIGTERM);
  const int status = wait_for_probe();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) << "status " << status;
  expect_nothing_left();
}

TEST_F(LabTeardownTest, ACrashTearsDown) {
  start_probe("abort");
  kill(probe_.pid, SIGUSR1);
  const int status = wait_for_probe();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT) << "status " << status;
  expect_nothing_left();
}

TEST_F(LabTeardownTest, ARunKilledWithSigkillIsSweptByTheNextLab) {
  start_probe("wait");
  kill(probe_.pid, SIGKILL);
  wait_for_probe();
  // SIGKILL cannot be caught: everything is still there, and recognisably stale.
  const Leftovers stale = find_stale_leftovers();
  for (const auto& ns : probe_.namespaces) {
    EXPECT_THAT(stale.namespaces, ::testing::Contains(ns));
  }

  Lab next("sweeper");
  expect_nothing_left();
}

}  // namespace
}  // namespace tabby::lab
