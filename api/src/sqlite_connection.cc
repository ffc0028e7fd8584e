#include "sqlite_connection.h"

#include <chrono>
#include <thread>

namespace tabby::api::detail {

namespace {

DatastoreErrorKind kind_of(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_NOMEM:
      return DatastoreErrorKind::Unavailable;
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
      return DatastoreErrorKind::InvalidArgument;
    default:
      return DatastoreErrorKind::Internal;  // CORRUPT, NOTADB, SCHEMA, MISUSE, ...
  }
}

}  // namespace

DatastoreResult<std::unique_ptr<SqliteConnection>> SqliteConnection::open(
    const std::string& path, std::chrono::milliseconds busy_timeout, bool create) {
  sqlite3* db = nullptr;
  // NOMUTEX: each connection is used by one thread at a time (the store holds a mutex).
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  std::unique_ptr<SqliteConnection> connection(new SqliteConnection(db, path, busy_timeout));
  if (rc != SQLITE_OK) return connection->error(rc, "cannot open the database");
  sqlite3_extended_result_codes(db, 1);
  // Waits (with SQLite's own backoff) when another process holds the write lock, instead of
  // failing at once: many processes share the file.
  sqlite3_busy_timeout(db, static_cast<int>(busy_timeout.count()));
  // WAL: readers never block the writer nor each other, and a commit is one append to the
  // log. synchronous=FULL: the log is fsynced at every commit, so an acknowledged write
  // survives a power cut too, not only a crash of the process (NORMAL would in WAL mode).
  // The mode is stored in the file; switching a new file to WAL needs an exclusive lock, and
  // SQLite answers BUSY at once (without its busy handler) when another process opening the
  // same new file holds one. So retry until the busy timeout has passed.
  const auto deadline = std::chrono::steady_clock::now() + busy_timeout;
  for (;;) {
    auto s = connection->exec("PRAGMA journal_mode=WAL", "setting WAL mode");
    if (s) break;
    const int code = sqlite3_errcode(db) & 0xff;
    if ((code != SQLITE_BUSY && code != SQLITE_LOCKED) ||
        std::chrono::steady_clock::now() >= deadline)
      return s.error();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (auto s = connection->exec("PRAGMA synchronous=FULL", "setting synchronous=FULL"); !s)
    return s.error();
  return connection;
}

SqliteConnection::~SqliteConnection() {
  // sqlite3_close_v2 defers the close until every statement is finalized.
  if (db_) sqlite3_close_v2(db_);
}

DatastoreResult<void> SqliteConnection::exec(const char* sql, std::string_view what) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  if (message) sqlite3_free(message);
  if (rc != SQLITE_OK) return error(rc, what.empty() ? std::string_view(sql) : what);
  return {};
}

DatastoreResult<SqliteStatement> SqliteConnection::prepare(const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return error(rc, std::string("preparing ") + sql);
  return SqliteStatement(*this, stmt);
}

DatastoreError SqliteConnection::error(int rc, std::string_view what) const {
  std::string message = "datastore sqlite:" + path_ + ": " + std::string(what) + ": ";
  if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
    const auto ms = busy_timeout_.count();
    message += "database is locked after " +
               (ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms");
  } else if (db_ && sqlite3_errcode(db_) == rc) {
    message += sqlite3_errmsg(db_);
  } else {
    message += sqlite3_errstr(rc);
  }
  return DatastoreError{kind_of(rc), std::move(message)};
}

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : connection_(other.connection_), stmt_(other.stmt_) {
  other.stmt_ = nullptr;
}

SqliteStatement::~SqliteStatement() {
  if (stmt_) sqlite3_finalize(stmt_);
}

SqliteStatement& SqliteStatement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, std::string_view text) {
  sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}

SqliteStatement& SqliteStatement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

DatastoreResult<bool> SqliteStatement::step(std::string_view what) {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) {
    sqlite3_reset(stmt_);
    return false;
  }
  auto error = connection_->error(rc, what);
  sqlite3_reset(stmt_);
  return error;
}

DatastoreResult<void> SqliteStatement::run(std::string_view what) {
  while (true) {
    auto row = step(what);
    if (!row) return row.error();
    if (!*row) return {};
  }
}

void SqliteStatement::reset() {
  sqlite3_reset(stmt_);
}

std::int64_t SqliteStatement::column_int(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

std::string SqliteStatement::column_text(int column) const {
  const auto* text = sqlite3_column_blob(stmt_, column);
  const int size = sqlite3_column_bytes(stmt_, column);
  return text ? std::string(static_cast<const char*>(text), static_cast<size_t>(size))
              : std::string();
}

bool SqliteStatement::column_is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

}  // namespace tabby::api::detail
