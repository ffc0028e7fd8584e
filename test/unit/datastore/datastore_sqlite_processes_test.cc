// The SQLite datastore with real processes on one file: concurrent compare-and-swap from
// several processes (no lost or duplicated update, exactly one create wins each round), and
// a writer killed with -9 in the middle of a stream of writes (every acknowledged write is
// there afterwards, the file passes integrity_check, nothing is half-written).

#include <fcntl.h>
#include <gmock/gmock.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "sqlite_test_dir.h"
#include "tabby/api/sqlite_datastore.h"

extern char** environ;

namespace tabby::api {
namespace {

// A worker process with its stdout on a pipe.
class Worker {
 public:
  explicit Worker(std::vector<std::string> args) {
    args.insert(args.begin(), DATASTORE_SQLITE_WORKER);
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0)
      throw std::runtime_error("cannot start " + args[0]);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    out_ = fds[0];
  }
  ~Worker() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(out_);
  }

  // Reads what is available (blocking until something is, or EOF); false at EOF.
  bool read_some() {
    char buffer[4096];
    const ssize_t n = read(out_, buffer, sizeof buffer);
    if (n <= 0) return false;
    output_.append(buffer, static_cast<size_t>(n));
    return true;
  }
  // Waits for exit; returns the exit status (128+signal if killed).
  int wait() {
    while (read_some()) {
    }
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  void kill9() { kill(pid_, SIGKILL); }
  // Complete lines of output so far.
  std::vector<std::string> lines() const {
    std::vector<std::string> out;
    std::istringstream in(output_.substr(0, output_.rfind('\n') + 1));
    for (std::string line; std::getline(in, line);)
      out.push_back(line);
    return out;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string output_;
};

class SqliteProcessesTest : public ::testing::Test {
 protected:
  std::string path() const { return (dir_.path() / "datastore.db").string(); }
  std::unique_ptr<Datastore> open() {
    auto store = open_sqlite_datastore({.path = path()});
    if (!store) throw std::runtime_error(store.error().message);
    return std::move(*store);
  }
  test_support::TempDir dir_;
};

TEST_F(SqliteProcessesTest, ConcurrentCompareAndSwapFromProcessesLosesAndRepeatsNothing) {
  auto store = open();
  ASSERT_TRUE(store->create("/calico/test/counter", "0"));
  constexpr int kProcesses = 4;
  constexpr int kIncrements = 150;
  std::vector<std::unique_ptr<Worker>> workers;
  for (int p = 0; p < kProcesses; ++p) {
    workers.push_back(std::make_unique<Worker>(std::vector<std::string>{
        "increment", path(), "/calico/test/counter", std::to_string(kIncrements)}));
  }
  std::multiset<long> written;
  for (auto& worker : workers) {
    ASSERT_EQ(worker->wait(), 0);
    for (const auto& line : worker->lines())
      written.insert(std::stol(line));
  }
  // Every value 1..N was written by exactly one process: no update lost, none applied twice.
  ASSERT_EQ(written.size(), static_cast<size_t>(kProcesses * kIncrements));
  long expected = 1;
  for (long value : written)
    EXPECT_EQ(value, expected++);
  EXPECT_EQ(store->get("/calico/test/counter")->value, std::to_string(kProcesses * kIncrements));
}

TEST_F(SqliteProcessesTest, ExactlyOneProcessWinsEachCreateRound) {
  auto store = open();
  constexpr int kProcesses = 4;
  constexpr int kRounds = 100;
  std::vector<std::unique_ptr<Worker>> workers;
  for (int p = 0; p < kProcesses; ++p) {
    workers.push_back(std::make_unique<Worker>(
        std::vector<std::string>{"race", path(), "/calico/test/round/", std::to_string(kRounds)}));
  }
  std::map<int, int> winners;
  for (auto& worker : workers) {
    ASSERT_EQ(worker->wait(), 0);
    for (const auto& line : worker->lines())
      ++winners[std::stoi(line)];
  }
  ASSERT_EQ(winners.size(), static_cast<size_t>(kRounds));
  for (const auto& [round, wins] : winners)
    EXPECT_EQ(wins, 1) << "round " << round;
  EXPECT_EQ(store->list("/calico/test/round/")->entries.size(), static_cast<size_t>(kRounds));
}

// Reads a single integer with plain SQLite (not through the datastore).
std::int64_t query_int(sqlite3* db, const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), SQLITE_OK) << sql;
  std::int64_t value = -1;
  if (sqlite3_step(stmt) == SQLITE_ROW) value = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  return value;
}

TEST_F(SqliteProcessesTest, AWriterKilledWithSigkillLosesNoAcknowledgedWrite) {
  // Two writers stream into the file; one is SIGKILLed mid-stream (possibly holding the write
  // lock, mid-transaction); the survivor must keep writing, and afterwards every write either
  // process acknowledged must be there.
  { auto create_schema = open(); }
  Worker victim({"stream", path(), "/calico/test/victim/"});
  Worker survivor({"stream", path(), "/calico/test/survivor/"});
  while (victim.lines().size() < 300)
    ASSERT_TRUE(victim.read_some());
  // A random moment inside the next writes.
  std::this_thread::sleep_for(std::chrono::microseconds(1000 + getpid() % 3000));
  victim.kill9();
  EXPECT_EQ(victim.wait(), 128 + SIGKILL);
  const size_t survivor_before = survivor.lines().size();
  while (survivor.lines().size() < survivor_before + 100)
    ASSERT_TRUE(survivor.read_some());
  survivor.kill9();
  survivor.wait();

  // The kernel had both processes' writes in the WAL; a new process must see them all.
  auto store = open();
  for (auto [worker, prefix] : {std::pair{&victim, "/calico/test/victim/"},
                                std::pair{&survivor, "/calico/test/survivor/"}}) {
    const auto acknowledged = worker->lines();
    ASSERT_GE(acknowledged.size(), 100u);
    auto listed = store->list(prefix);
    ASSERT_TRUE(listed) << listed.error().message;
    std::map<std::string, std::string> stored;
    for (const auto& kv : listed->entries)
      stored[kv.key] = kv.value;
    for (const auto& i : acknowledged) {
      auto it = stored.find(prefix + i);
      ASSERT_NE(it, stored.end()) << "acknowledged write " << prefix << i << " is missing";
      EXPECT_EQ(it->second, "value-" + i);
    }
    // At most the one write in flight at the kill may be there unacknowledged.
    EXPECT_LE(stored.size(), acknowledged.size() + 1);
  }

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
  sqlite3_stmt* check = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &check, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(check), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(check, 0)), "ok");
  sqlite3_finalize(check);
  // Nothing half-written: each write's three parts (value, change-log row, revision counter)
  // are all there or all absent.
  const auto revision = query_int(db, "SELECT revision FROM tabby_meta");
  EXPECT_EQ(query_int(db, "SELECT max(revision) FROM tabby_log"), revision);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM tabby_log"), revision);
  EXPECT_EQ(query_int(db, "SELECT max(mod_revision) FROM tabby_kv"), revision);
  EXPECT_EQ(query_int(db,
                      "SELECT count(*) FROM tabby_kv k JOIN tabby_log l ON "
                      "l.revision = k.mod_revision AND l.key = k.key AND l.value = k.value"),
            query_int(db, "SELECT count(*) FROM tabby_kv"));
  sqlite3_close(db);
}

}  // namespace
}  // namespace tabby::api
