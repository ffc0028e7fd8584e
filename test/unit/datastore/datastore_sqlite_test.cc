// What is particular to the SQLite backend beyond the conformance suite: its errors name the
// file and the problem, a held write lock turns into Unavailable after the busy timeout, and
// the change history is trimmed on its own.

#include <gmock/gmock.h>
#include <sqlite3.h>

#include <fstream>

#include "datastore_event_collector.h"
#include "sqlite_test_dir.h"
#include "tabby/api/sqlite_datastore.h"

namespace tabby::api {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using Kind = DatastoreErrorKind;

class SqliteDatastoreTest : public ::testing::Test {
 protected:
  std::string path() const { return (dir_.path() / "datastore.db").string(); }
  test_support::TempDir dir_;
};

TEST_F(SqliteDatastoreTest, AWriteLockHeldElsewhereIsUnavailableAfterTheBusyTimeout) {
  auto store =
      open_sqlite_datastore({.path = path(), .busy_timeout = std::chrono::milliseconds(200)});
  ASSERT_TRUE(store) << store.error().message;
  ASSERT_TRUE((*store)->put("/calico/k", "v"));

  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path().c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  const auto start = std::chrono::steady_clock::now();
  auto blocked = (*store)->put("/calico/k", "w");
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(blocked.is(Kind::Unavailable)) << (blocked ? "written" : blocked.error().message);
  EXPECT_THAT(blocked.error().message, StartsWith("datastore sqlite:" + path() + ": "));
  EXPECT_EQ(blocked.error().message,
            "datastore sqlite:" + path() + ": put /calico/k: database is locked after 200ms");
  EXPECT_GE(waited, std::chrono::milliseconds(150));
  // Readers are not blocked by a writer (WAL).
  auto read = (*store)->get("/calico/k");
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->value, "v");
  ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  EXPECT_TRUE((*store)->put("/calico/k", "w"));
}

TEST_F(SqliteDatastoreTest, AFileThatIsNotADatabaseIsReportedWithItsPath) {
  std::ofstream(path()) << "this is not an SQLite database, but some text that is long enough "
                           "to fill a header page and then some more text";
  auto store = open_sqlite_datastore({.path = path()});
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().kind, Kind::Internal);
  EXPECT_THAT(store.error().message, StartsWith("datastore sqlite:" + path() + ": "));
  EXPECT_THAT(store.error().message, HasSubstr("not a database"));
}

TEST_F(SqliteDatastoreTest, AnUnreachableDirectoryIsUnavailableWithItsPath) {
  const std::string missing = (dir_.path() / "no" / "such" / "dir" / "datastore.db").string();
  auto store = open_sqlite_datastore({.path = missing});
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().kind, Kind::Unavailable);
  EXPECT_THAT(store.error().message, HasSubstr("datastore sqlite:" + missing + ": cannot open"));
  EXPECT_FALSE(open_sqlite_datastore({.path = ""}));
}

TEST_F(SqliteDatastoreTest, HistoryBeyondTheRetentionIsTrimmedAndWatchersAreTold) {
  auto store = open_sqlite_datastore({.path = path(), .history_revisions = 300});
  ASSERT_TRUE(store);
  Revision last = 0;
  for (int i = 0; i < 700; ++i)
    last = *(*store)->put("/calico/k" + std::to_string(i % 10), "v");
  conformance::EventCollector old_events;
  auto old_watch = (*store)->watch("/calico/", 1, old_events.callback());
  ASSERT_TRUE(old_watch);
  ASSERT_TRUE(old_events.wait_for(1));
  EXPECT_EQ(old_events.events()[0].type, WatchEvent::Type::Compacted);
  // The last `history_revisions` revisions are always watchable.
  conformance::EventCollector recent;
  auto recent_watch = (*store)->watch("/calico/", last - 299, recent.callback());
  ASSERT_TRUE(recent_watch);
  ASSERT_TRUE(recent.wait_for(300));
  EXPECT_EQ(recent.events().front().revision, last - 299);
  EXPECT_EQ(recent.events().back().revision, last);
}

TEST_F(SqliteDatastoreTest, AWatchKeepsUpAcrossBatchesOfManyChanges) {
  auto store = open_sqlite_datastore({.path = path()});
  ASSERT_TRUE(store);
  conformance::EventCollector events;
  auto watch = (*store)->watch("/calico/", 0, events.callback());
  ASSERT_TRUE(watch);
  for (int i = 0; i < 1000; ++i)
    ASSERT_TRUE((*store)->put("/calico/k" + std::to_string(i), "v"));
  ASSERT_TRUE(events.wait_for(1000));
  auto got = events.events();
  for (size_t i = 1; i < got.size(); ++i)
    ASSERT_EQ(got[i].revision, got[i - 1].revision + 1);
}

}  // namespace
}  // namespace tabby::api
