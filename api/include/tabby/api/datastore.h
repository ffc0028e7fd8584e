#pragma once
// The Datastore: the key/value store every part of tabby keeps its state in. Keys are
// Calico's etcdv3 paths (/calico/resources/v3/projectcalico.org/ippools/p1,
// /calico/ipam/v2/...), values are JSON text. Every write gets a store-wide revision that
// only grows (etcd's mod_revision), which is what compare-and-swap and watch-from-a-revision
// are built on. Two backends implement it: SQLite (embedded, the default) and etcd v3. See
// docs/datastore.md for the contract in full.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tabby/api/datastore_result.h"

namespace tabby::api {

using Revision = std::int64_t;

struct KeyValue {
  std::string key;
  std::string value;
  Revision revision = 0;         // the revision of the write that last changed it
  Revision create_revision = 0;  // the revision of the write that created it
};

// A list is one consistent snapshot: `entries` (sorted by key) as of store revision
// `revision`; watching from revision + 1 sees every change after it.
struct ListResult {
  std::vector<KeyValue> entries;
  Revision revision = 0;
};

struct WatchEvent {
  enum class Type {
    Put,        // key created or changed: value, revision; previous_value if it existed
    Delete,     // key deleted at revision; previous_value if known
    Compacted,  // the history the watch needed is gone: list again, then watch anew.
                // revision = the oldest revision still watchable. No events follow.
  };
  Type type = Type::Put;
  std::string key;
  std::string value;
  Revision revision = 0;
  std::optional<std::string> previous_value;
};

// Threading contract of a watch:
//  - The callback runs on one background thread that the Watch owns, never on the caller's
//    thread and never concurrently with itself; events arrive in revision order, each once.
//    It should be quick: an agent posts the event to its event loop (asio::post) and returns.
//  - A dropped connection (etcd member gone, database briefly locked) is retried by the
//    Watch itself, resuming from the revision after the last one delivered; the callback
//    sees no gap and no duplicate.
//  - Compacted is terminal: after it, the callback is not called again.
//  - cancel() (or destroying the Watch) stops delivery: once it returns, the callback is
//    not running and will not run again. Calling cancel() from inside the callback is
//    allowed (it then returns without waiting); destroying the Watch from inside its own
//    callback is not.
using WatchCallback = std::function<void(const WatchEvent&)>;

class Watch {
 public:
  virtual ~Watch() = default;
  virtual void cancel() = 0;
  // The revision of the last event delivered (or from_revision - 1 before the first).
  virtual Revision last_revision() const = 0;
};

// All operations are safe to call from several threads at once on one Datastore, and from
// several processes (SQLite) or clients (etcd) on one store. Errors carry a kind
// (DatastoreErrorKind) and a message naming the backend, the key and the problem.
class Datastore {
 public:
  virtual ~Datastore() = default;

  // "sqlite:/var/lib/tabby/datastore.db", "etcdv3:http://10.0.0.1:2379,...": the prefix of
  // every error message.
  virtual std::string describe() const = 0;

  // The key's value and revisions; NotFound if absent.
  virtual DatastoreResult<KeyValue> get(std::string_view key) = 0;
  // Every key starting with `prefix` (all keys for ""), sorted, with the snapshot's revision.
  virtual DatastoreResult<ListResult> list(std::string_view prefix) = 0;
  // Creates the key; AlreadyExists if present. Returns the new revision.
  virtual DatastoreResult<Revision> create(std::string_view key, std::string_view value) = 0;
  // Compare-and-swap: replaces the value only if the key's revision is `expected_revision`.
  // NotFound if absent, Conflict if it changed since. Returns the new revision.
  virtual DatastoreResult<Revision> update(std::string_view key, std::string_view value,
                                           Revision expected_revision) = 0;
  // Unconditional create-or-replace (calicoctl apply). Returns the new revision.
  virtual DatastoreResult<Revision> put(std::string_view key, std::string_view value) = 0;
  // Deletes the key (only at `expected_revision` if given). NotFound if absent, Conflict if
  // the revision differs. Returns the deleted entry; its `revision` is the deletion's.
  virtual DatastoreResult<KeyValue> remove(std::string_view key,
                                           std::optional<Revision> expected_revision = {}) = 0;

  // Watches every key starting with `prefix`, delivering changes with revision >=
  // from_revision (0 = changes after this call). Compacted at once if from_revision is older
  // than the retained history. The Watch is registered when this returns: a write that
  // completes afterwards is always delivered.
  virtual DatastoreResult<std::unique_ptr<Watch>> watch(std::string_view prefix,
                                                        Revision from_revision,
                                                        WatchCallback callback) = 0;

  // Discards the history of changes before `revision` (the current values stay); watches
  // from older revisions get Compacted. InvalidArgument if `revision` is in the future.
  virtual DatastoreResult<void> compact(Revision revision) = 0;
  // The store's current revision.
  virtual DatastoreResult<Revision> current_revision() = 0;
};

}  // namespace tabby::api
