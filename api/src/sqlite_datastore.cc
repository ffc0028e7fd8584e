// The SQLite datastore. Three tables in one file:
//   tabby_meta  one row: the store's revision and the oldest revision still in the log
//   tabby_kv    the current value of every key, with its create and mod revisions
//   tabby_log   one row per write (revision, key, put/delete, value, previous value): what
//               watches read, by revision, through the primary-key index
// Every write is one BEGIN IMMEDIATE transaction that bumps the revision, changes tabby_kv
// and appends to tabby_log, so a crash leaves either all of it or none of it.

#include "tabby/api/sqlite_datastore.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>

#include "datastore_watch_thread.h"
#include "sqlite_connection.h"
#include "tabby/api/datastore_keys.h"

namespace tabby::api {
namespace {

using detail::SqliteConnection;
using detail::SqliteStatement;

constexpr const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS tabby_meta (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  revision INTEGER NOT NULL,
  compact_revision INTEGER NOT NULL
);
INSERT OR IGNORE INTO tabby_meta (id, revision, compact_revision) VALUES (1, 0, 0);
CREATE TABLE IF NOT EXISTS tabby_kv (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  create_revision INTEGER NOT NULL,
  mod_revision INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tabby_log (
  revision INTEGER PRIMARY KEY,
  key TEXT NOT NULL,
  deleted INTEGER NOT NULL,
  value TEXT,
  prev_value TEXT
);
)";

// Each write trims the history only every this many revisions, to keep writes cheap.
constexpr Revision kTrimEvery = 256;

enum class WriteMode { Create, Update, Put, Remove };

struct WriteOutcome {
  Revision revision = 0;
  KeyValue previous;  // the entry before the write (for Remove)
};

// A read transaction that ends (COMMIT of nothing) however the scope is left.
class ReadTransaction {
 public:
  explicit ReadTransaction(SqliteConnection& db) : db_(db) {}
  DatastoreResult<void> begin() {
    auto s = db_.exec("BEGIN");
    open_ = s.ok();
    return s;
  }
  ~ReadTransaction() {
    if (open_) (void)db_.exec("COMMIT");
  }

 private:
  SqliteConnection& db_;
  bool open_ = false;
};

class SqliteDatastore final : public Datastore {
 public:
  SqliteDatastore(SqliteDatastoreOptions options, std::unique_ptr<SqliteConnection> db)
      : options_(std::move(options)), db_(std::move(db)) {}

  std::string describe() const override { return "sqlite:" + options_.path; }

  DatastoreResult<KeyValue> get(std::string_view key) override {
    if (auto s = check_key(describe(), key); !s) return s.error();
    std::lock_guard lock(mutex_);
    auto stmt =
        db_->prepare("SELECT value, mod_revision, create_revision FROM tabby_kv WHERE key = ?1");
    if (!stmt) return stmt.error();
    stmt->bind(1, key);
    auto row = stmt->step(what("get", key));
    if (!row) return row.error();
    if (!*row) return not_found(key);
    KeyValue kv{std::string(key), stmt->column_text(0), stmt->column_int(1), stmt->column_int(2)};
    stmt->reset();
    return kv;
  }

  DatastoreResult<ListResult> list(std::string_view prefix) override {
    std::lock_guard lock(mutex_);
    ReadTransaction transaction(*db_);
    if (auto s = transaction.begin(); !s) return s.error();
    ListResult result;  // one read transaction: the entries and the revision agree
    auto revision = read_revision();
    if (!revision) return revision.error();
    result.revision = *revision;
    const auto end = prefix_range_end(prefix);
    auto stmt = db_->prepare(end ? "SELECT key, value, mod_revision, create_revision FROM tabby_kv "
                                   "WHERE key >= ?1 AND key < ?2 ORDER BY key"
                                 : "SELECT key, value, mod_revision, create_revision FROM tabby_kv "
                                   "WHERE key >= ?1 ORDER BY key");
    if (!stmt) return stmt.error();
    stmt->bind(1, prefix);
    if (end) stmt->bind(2, *end);
    while (true) {
      auto row = stmt->step(what("list", prefix));
      if (!row) return row.error();
      if (!*row) break;
      result.entries.push_back(KeyValue{stmt->column_text(0), stmt->column_text(1),
                                        stmt->column_int(2), stmt->column_int(3)});
    }
    return result;
  }

  DatastoreResult<Revision> create(std::string_view key, std::string_view value) override {
    auto outcome = write(WriteMode::Create, key, value, 0);
    if (!outcome) return outcome.error();
    return outcome->revision;
  }

  DatastoreResult<Revision> update(std::string_view key, std::string_view value,
                                   Revision expected_revision) override {
    auto outcome = write(WriteMode::Update, key, value, expected_revision);
    if (!outcome) return outcome.error();
    return outcome->revision;
  }

  DatastoreResult<Revision> put(std::string_view key, std::string_view value) override {
    auto outcome = write(WriteMode::Put, key, value, 0);
    if (!outcome) return outcome.error();
    return outcome->revision;
  }

  DatastoreResult<KeyValue> remove(std::string_view key,
                                   std::optional<Revision> expected_revision) override {
    auto outcome = write(WriteMode::Remove, key, "", expected_revision.value_or(0));
    if (!outcome) return outcome.error();
    KeyValue removed = std::move(outcome->previous);
    removed.revision = outcome->revision;
    return removed;
  }

  DatastoreResult<std::unique_ptr<Watch>> watch(std::string_view prefix, Revision from_revision,
                                                WatchCallback callback) override;

  DatastoreResult<void> compact(Revision revision) override {
    std::lock_guard lock(mutex_);
    const std::string operation = "compact at revision " + std::to_string(revision);
    if (auto s = db_->exec("BEGIN IMMEDIATE", operation); !s) return s.error();
    auto result = compact_locked(revision);
    if (!result) {
      (void)db_->exec("ROLLBACK");
      return result;
    }
    if (auto s = db_->exec("COMMIT"); !s) {
      (void)db_->exec("ROLLBACK");
      return s.error();
    }
    return {};
  }

  DatastoreResult<Revision> current_revision() override {
    std::lock_guard lock(mutex_);
    return read_revision();
  }

 private:
  std::string what(std::string_view operation, std::string_view key) const {
    return std::string(operation) + " " + std::string(key);
  }
  DatastoreError not_found(std::string_view key) const {
    return {DatastoreErrorKind::NotFound,
            "datastore " + describe() + ": key " + std::string(key) + " not found"};
  }

  DatastoreResult<Revision> read_revision() {
    auto stmt = db_->prepare("SELECT revision FROM tabby_meta WHERE id = 1");
    if (!stmt) return stmt.error();
    auto row = stmt->step("reading the revision");
    if (!row) return row.error();
    if (!*row) {
      return DatastoreError{DatastoreErrorKind::Internal,
                            "datastore " + describe() + ": the tabby_meta row is missing"};
    }
    const Revision revision = stmt->column_int(0);
    stmt->reset();
    return revision;
  }

  DatastoreResult<WriteOutcome> write(WriteMode mode, std::string_view key, std::string_view value,
                                      Revision expected) {
    if (auto s = check_key(describe(), key); !s) return s.error();
    std::lock_guard lock(mutex_);
    // IMMEDIATE takes the write lock now (waiting up to the busy timeout), so the checks
    // below and the write see the same state: no other process can commit in between.
    static constexpr const char* kOperation[] = {"create", "update", "put", "delete"};
    const std::string operation =
        std::string(kOperation[static_cast<int>(mode)]) + " " + std::string(key);
    if (auto s = db_->exec("BEGIN IMMEDIATE", operation); !s) return s.error();
    auto outcome = write_locked(mode, key, value, expected);
    if (!outcome) {
      (void)db_->exec("ROLLBACK");
      return outcome;
    }
    if (auto s = db_->exec("COMMIT", operation); !s) {
      (void)db_->exec("ROLLBACK");
      return s.error();
    }
    return outcome;
  }

  DatastoreResult<WriteOutcome> write_locked(WriteMode mode, std::string_view key,
                                             std::string_view value, Revision expected) {
    auto revision = read_revision();
    if (!revision) return revision.error();
    WriteOutcome outcome;
    outcome.revision = *revision + 1;

    auto existing =
        db_->prepare("SELECT value, mod_revision, create_revision FROM tabby_kv WHERE key = ?1");
    if (!existing) return existing.error();
    existing->bind(1, key);
    auto row = existing->step(what("reading", key));
    if (!row) return row.error();
    const bool found = *row;
    if (found) {
      outcome.previous = KeyValue{std::string(key), existing->column_text(0),
                                  existing->column_int(1), existing->column_int(2)};
      existing->reset();
    }

    const std::string name = "datastore " + describe() + ": key " + std::string(key);
    if (mode == WriteMode::Create && found) {
      return DatastoreError{
          DatastoreErrorKind::AlreadyExists,
          name + " already exists (revision " + std::to_string(outcome.previous.revision) + ")"};
    }
    if ((mode == WriteMode::Update || mode == WriteMode::Remove) && !found) return not_found(key);
    if ((mode == WriteMode::Update || (mode == WriteMode::Remove && expected != 0)) &&
        outcome.previous.revision != expected) {
      return DatastoreError{DatastoreErrorKind::Conflict,
                            name + ": revision is " + std::to_string(outcome.previous.revision) +
                                ", not the expected " + std::to_string(expected) +
                                " (changed by another writer)"};
    }

    if (mode == WriteMode::Remove) {
      auto del = db_->prepare("DELETE FROM tabby_kv WHERE key = ?1");
      if (!del) return del.error();
      if (auto s = del->bind(1, key).run(what("delete", key)); !s) return s.error();
    } else {
      auto upsert = db_->prepare(
          "INSERT INTO tabby_kv (key, value, create_revision, mod_revision) VALUES (?1, ?2, ?3, "
          "?3) ON CONFLICT (key) DO UPDATE SET value = excluded.value, mod_revision = "
          "excluded.mod_revision");
      if (!upsert) return upsert.error();
      upsert->bind(1, key).bind(2, value).bind(3, outcome.revision);
      if (auto s = upsert->run(what("write", key)); !s) return s.error();
    }

    auto log = db_->prepare(
        "INSERT INTO tabby_log (revision, key, deleted, value, prev_value) VALUES (?1, ?2, ?3, "
        "?4, ?5)");
    if (!log) return log.error();
    log->bind(1, outcome.revision).bind(2, key).bind(3, std::int64_t{mode == WriteMode::Remove});
    if (mode == WriteMode::Remove) {
      log->bind_null(4);
    } else {
      log->bind(4, value);
    }
    if (found) {
      log->bind(5, outcome.previous.value);
    } else {
      log->bind_null(5);
    }
    if (auto s = log->run(what("logging", key)); !s) return s.error();

    auto bump = db_->prepare("UPDATE tabby_meta SET revision = ?1 WHERE id = 1");
    if (!bump) return bump.error();
    if (auto s = bump->bind(1, outcome.revision).run("bumping the revision"); !s) return s.error();

    if (options_.history_revisions > 0 && outcome.revision % kTrimEvery == 0 &&
        outcome.revision > options_.history_revisions) {
      if (auto s = trim_history(outcome.revision - options_.history_revisions + 1); !s)
        return s.error();
    }
    return outcome;
  }

  DatastoreResult<Revision> read_compact_revision() {
    auto stmt = db_->prepare("SELECT compact_revision FROM tabby_meta WHERE id = 1");
    if (!stmt) return stmt.error();
    auto row = stmt->step("reading the compaction revision");
    if (!row) return row.error();
    const Revision revision = *row ? stmt->column_int(0) : 0;
    stmt->reset();
    return revision;
  }

  // Drops log rows before `revision` (if not already), inside the caller's transaction.
  DatastoreResult<void> trim_history(Revision revision) {
    auto compacted = read_compact_revision();
    if (!compacted) return compacted.error();
    if (revision <= *compacted) return {};
    auto del = db_->prepare("DELETE FROM tabby_log WHERE revision < ?1");
    if (!del) return del.error();
    if (auto s = del->bind(1, revision).run("compacting the log"); !s) return s;
    auto set = db_->prepare("UPDATE tabby_meta SET compact_revision = ?1 WHERE id = 1");
    if (!set) return set.error();
    return set->bind(1, revision).run("compacting the log");
  }

  DatastoreResult<void> compact_locked(Revision revision) {
    auto current = read_revision();
    if (!current) return current.error();
    if (revision > *current) {
      return DatastoreError{DatastoreErrorKind::InvalidArgument,
                            "datastore " + describe() + ": cannot compact at revision " +
                                std::to_string(revision) + ": the store is only at revision " +
                                std::to_string(*current)};
    }
    auto compacted = read_compact_revision();
    if (!compacted) return compacted.error();
    if (revision <= *compacted) {
      return DatastoreError{DatastoreErrorKind::Compacted,
                            "datastore " + describe() + ": revision " + std::to_string(revision) +
                                " is already compacted (history starts at " +
                                std::to_string(*compacted) + ")"};
    }
    return trim_history(revision);
  }

  SqliteDatastoreOptions options_;
  std::mutex mutex_;  // one connection, one statement at a time
  std::unique_ptr<SqliteConnection> db_;
};

// ---- watch ------------------------------------------------------------------------------

struct LogRow {
  Revision revision;
  std::string key;
  bool deleted;
  std::string value;
  std::optional<std::string> previous;
};

// The watch loop: wakes every poll interval, asks SQLite whether another connection
// committed anything (PRAGMA data_version), and only then reads the log rows after the last
// revision it scanned, by the revision index.
void run_sqlite_watch(detail::WatchState& state, const SqliteDatastoreOptions& options,
                      const std::string& prefix) {
  constexpr int kBatch = 256;
  const auto end = prefix_range_end(prefix);
  Revision scanned = state.last_revision();
  std::unique_ptr<SqliteConnection> db;
  std::int64_t seen_version = -1;
  auto backoff = std::chrono::milliseconds(50);

  while (!state.stopped()) {
    // (Re)open lazily: a failure (file briefly locked, disk trouble) is retried, not fatal.
    if (!db) {
      auto opened = SqliteConnection::open(options.path, options.busy_timeout, false);
      if (!opened) {
        spdlog::warn("{}; watch of {} retries", opened.error().message, prefix);
        if (!state.sleep_for(backoff)) return;
        backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
        continue;
      }
      db = std::move(*opened);
      seen_version = -1;
    }
    std::vector<LogRow> rows;
    bool compacted = false;
    Revision compact_revision = 0;
    auto scan = [&]() -> DatastoreResult<bool> {
      auto version = db->prepare("PRAGMA data_version");
      if (!version) return version.error();
      auto row = version->step("data_version");
      if (!row) return row.error();
      const std::int64_t now = version->column_int(0);
      version->reset();
      if (now == seen_version) return false;

      ReadTransaction transaction(*db);
      if (auto s = transaction.begin(); !s) return s.error();
      auto meta = db->prepare("SELECT revision, compact_revision FROM tabby_meta WHERE id = 1");
      if (!meta) return meta.error();
      auto meta_row = meta->step("reading the revision");
      if (!meta_row) return meta_row.error();
      const Revision store_revision = meta->column_int(0);
      compact_revision = meta->column_int(1);
      meta->reset();
      if (scanned + 1 < compact_revision) {
        compacted = true;
        return true;
      }
      auto log = db->prepare(
          end ? "SELECT revision, key, deleted, value, prev_value FROM tabby_log WHERE revision > "
                "?1 AND revision <= ?2 AND key >= ?3 AND key < ?4 ORDER BY revision LIMIT ?5"
              : "SELECT revision, key, deleted, value, prev_value FROM tabby_log WHERE revision > "
                "?1 AND revision <= ?2 AND key >= ?3 ORDER BY revision LIMIT ?5");
      if (!log) return log.error();
      log->bind(1, scanned).bind(2, store_revision).bind(3, prefix).bind(5, std::int64_t{kBatch});
      if (end) log->bind(4, *end);
      while (true) {
        auto r = log->step("reading the change log");
        if (!r) return r.error();
        if (!*r) break;
        rows.push_back(LogRow{
            log->column_int(0), log->column_text(1), log->column_int(2) != 0, log->column_text(3),
            log->column_is_null(4) ? std::nullopt : std::optional(log->column_text(4))});
      }
      if (rows.size() < static_cast<size_t>(kBatch)) {
        // Everything up to the snapshot's revision has been seen, matching or not: a later
        // compaction of those revisions must not look like a gap.
        scanned = std::max(scanned, store_revision);
        seen_version = now;
      }
      return true;
    };
    auto scanned_now = scan();
    if (!scanned_now) {
      spdlog::warn("{}; watch of {} retries", scanned_now.error().message, prefix);
      db.reset();
      if (!state.sleep_for(backoff)) return;
      backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
      continue;
    }
    backoff = std::chrono::milliseconds(50);
    if (compacted) {
      state.deliver(WatchEvent{WatchEvent::Type::Compacted, "", "", compact_revision, {}});
      return;
    }
    for (auto& row : rows) {
      WatchEvent event{row.deleted ? WatchEvent::Type::Delete : WatchEvent::Type::Put,
                       std::move(row.key), row.deleted ? std::string() : std::move(row.value),
                       row.revision, std::move(row.previous)};
      if (!state.deliver(event)) return;
      scanned = std::max(scanned, row.revision);
    }
    if (!*scanned_now && !state.sleep_for(options.watch_poll_interval)) return;
  }
}

DatastoreResult<std::unique_ptr<Watch>> SqliteDatastore::watch(std::string_view prefix,
                                                               Revision from_revision,
                                                               WatchCallback callback) {
  if (from_revision < 0) {
    return DatastoreError{DatastoreErrorKind::InvalidArgument,
                          "datastore " + describe() + ": watch of " + std::string(prefix) +
                              ": negative revision " + std::to_string(from_revision)};
  }
  if (from_revision == 0) {
    auto current = current_revision();
    if (!current) return current.error();
    from_revision = *current + 1;
  }
  auto state = std::make_shared<detail::WatchState>(std::move(callback), from_revision);
  return std::unique_ptr<Watch>(std::make_unique<detail::WatchThread>(
      state, [options = options_, prefix = std::string(prefix)](detail::WatchState& s) {
        run_sqlite_watch(s, options, prefix);
      }));
}

}  // namespace

DatastoreResult<std::unique_ptr<Datastore>> open_sqlite_datastore(
    const SqliteDatastoreOptions& options) {
  if (options.path.empty()) {
    return DatastoreError{DatastoreErrorKind::InvalidArgument,
                          "datastore sqlite: the database path is empty"};
  }
  auto db = SqliteConnection::open(options.path, options.busy_timeout, true);
  if (!db) return db.error();
  // An existing file is opened without taking the write lock: under a storm of writes from
  // other processes, waiting for it could take longer than the busy timeout.
  auto existing = (*db)->prepare("SELECT count(*) FROM sqlite_master WHERE name = 'tabby_log'");
  if (!existing) return existing.error();
  auto row = existing->step("reading the schema");
  if (!row) return row.error();
  const bool has_schema = *row && existing->column_int(0) == 1;
  existing->reset();
  if (has_schema) {
    return std::unique_ptr<Datastore>(std::make_unique<SqliteDatastore>(options, std::move(*db)));
  }
  // Schema creation is one write transaction, so processes opening a new file at the same
  // time create it once.
  if (auto s = (*db)->exec("BEGIN IMMEDIATE", "creating the schema"); !s) return s.error();
  if (auto s = (*db)->exec(kSchema, "creating the schema"); !s) {
    (void)(*db)->exec("ROLLBACK");
    return s.error();
  }
  if (auto s = (*db)->exec("COMMIT"); !s) {
    (void)(*db)->exec("ROLLBACK");
    return s.error();
  }
  return std::unique_ptr<Datastore>(std::make_unique<SqliteDatastore>(options, std::move(*db)));
}

}  // namespace tabby::api
