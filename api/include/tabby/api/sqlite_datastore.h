#pragma once
// The embedded SQLite datastore (DATASTORE_TYPE=sqlite, the default): one database file in
// WAL mode that any number of processes on the node open at once (agent, CNI plugin runs,
// tabbyctl, or several agents of a lab). See docs/datastore.md for its guarantees.

#include <chrono>
#include <memory>
#include <string>

#include "tabby/api/datastore.h"

namespace tabby::api {

struct SqliteDatastoreOptions {
  std::string path = "/var/lib/tabby/datastore.db";
  // How long a write waits for another process's write lock before Unavailable.
  std::chrono::milliseconds busy_timeout{5000};
  // How often a watch asks SQLite whether anything was committed (PRAGMA data_version: a
  // read of shared memory, no table access).
  std::chrono::milliseconds watch_poll_interval{5};
  // Revisions of change history kept for watches; older history is dropped automatically
  // (watchers that far behind get Compacted). 0 keeps everything until compact().
  Revision history_revisions = 100000;
};

// Opens (creating it and its schema if needed) the database file.
DatastoreResult<std::unique_ptr<Datastore>> open_sqlite_datastore(
    const SqliteDatastoreOptions& options);

}  // namespace tabby::api
