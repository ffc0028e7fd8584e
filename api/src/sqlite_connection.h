#pragma once
// Thin RAII over the SQLite C API for the SQLite datastore: a connection set up for many
// processes sharing one file (WAL, busy timeout, synchronous=FULL), prepared statements, and
// the mapping of SQLite result codes to datastore error kinds with messages that name the
// file.

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "tabby/api/datastore_result.h"

namespace tabby::api::detail {

class SqliteStatement;

class SqliteConnection {
 public:
  // Opens (creating if asked) the database file and applies the pragmas every connection
  // needs. Does not create the schema.
  static DatastoreResult<std::unique_ptr<SqliteConnection>> open(
      const std::string& path, std::chrono::milliseconds busy_timeout, bool create);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }

  // Runs SQL without results (may be several statements); `what` names the operation in
  // errors (the SQL itself if empty).
  DatastoreResult<void> exec(const char* sql, std::string_view what = {});
  DatastoreResult<SqliteStatement> prepare(const char* sql);
  // The error for result code `rc` from this connection: "datastore sqlite:<path>: <what>: ..."
  DatastoreError error(int rc, std::string_view what) const;

 private:
  SqliteConnection(sqlite3* db, std::string path, std::chrono::milliseconds busy_timeout)
      : db_(db), path_(std::move(path)), busy_timeout_(busy_timeout) {}
  sqlite3* db_;
  std::string path_;
  std::chrono::milliseconds busy_timeout_;
};

// A prepared statement, reset (bindings kept) at each execution.
class SqliteStatement {
 public:
  SqliteStatement(SqliteConnection& connection, sqlite3_stmt* stmt)
      : connection_(&connection), stmt_(stmt) {}
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&&) = delete;
  ~SqliteStatement();

  SqliteStatement& bind(int index, std::int64_t value);
  SqliteStatement& bind(int index, std::string_view text);
  SqliteStatement& bind_null(int index);

  // Steps once: true with a row, false when done; an error otherwise.
  DatastoreResult<bool> step(std::string_view what);
  // Steps to completion, for statements without rows.
  DatastoreResult<void> run(std::string_view what);
  void reset();

  std::int64_t column_int(int column) const;
  std::string column_text(int column) const;
  bool column_is_null(int column) const;

 private:
  SqliteConnection* connection_;
  sqlite3_stmt* stmt_;
};

}  // namespace tabby::api::detail
