// The in-memory datastore: a sorted map of current values and a vector of changes (the
// history watches replay), under one mutex; watchers wait on a condition variable that every
// write signals.

#include "tabby/api/datastore_memory.h"

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <vector>

#include "datastore_watch_thread.h"
#include "tabby/api/datastore_keys.h"

namespace tabby::api {

class MemoryStore {
 public:
  struct Change {
    Revision revision;
    std::string key;
    bool deleted;
    std::string value;
    std::optional<std::string> previous;
  };

  std::mutex mutex;
  std::condition_variable changed;
  std::map<std::string, KeyValue, std::less<>> values;
  std::vector<Change> history;  // revisions compact_revision.. revision, in order
  Revision revision = 0;
  Revision compact_revision = 0;
};

std::shared_ptr<MemoryStore> make_memory_store() {
  return std::make_shared<MemoryStore>();
}

namespace {

bool has_prefix(std::string_view key, std::string_view prefix) {
  return key.substr(0, prefix.size()) == prefix;
}

class MemoryDatastore final : public Datastore {
 public:
  explicit MemoryDatastore(std::shared_ptr<MemoryStore> store) : store_(std::move(store)) {}

  std::string describe() const override { return "memory"; }

  DatastoreResult<KeyValue> get(std::string_view key) override {
    if (auto s = check_key(describe(), key); !s) return s.error();
    std::lock_guard lock(store_->mutex);
    auto it = store_->values.find(key);
    if (it == store_->values.end()) return not_found(key);
    return it->second;
  }

  DatastoreResult<ListResult> list(std::string_view prefix) override {
    std::lock_guard lock(store_->mutex);
    ListResult result;
    result.revision = store_->revision;
    for (auto it = store_->values.lower_bound(prefix);
         it != store_->values.end() && has_prefix(it->first, prefix); ++it) {
      result.entries.push_back(it->second);
    }
    return result;
  }

  DatastoreResult<Revision> create(std::string_view key, std::string_view value) override {
    if (auto s = check_key(describe(), key); !s) return s.error();
    std::lock_guard lock(store_->mutex);
    if (auto it = store_->values.find(key); it != store_->values.end()) {
      return DatastoreError{DatastoreErrorKind::AlreadyExists,
                            "datastore memory: key " + std::string(key) +
                                " already exists (revision " + std::to_string(it->second.revision) +
                                ")"};
    }
    return write(key, value);
  }

  DatastoreResult<Revision> update(std::string_view key, std::string_view value,
                                   Revision expected_revision) override {
    if (auto s = check_key(describe(), key); !s) return s.error();
    std::lock_guard lock(store_->mutex);
    if (auto failed = check_revision(key, expected_revision)) return *failed;
    return write(key, value);
  }

  DatastoreResult<Revision> put(std::string_view key, std::string_view value) override {
    if (auto s = check_key(describe(), key); !s) return s.error();
    std::lock_guard lock(store_->mutex);
    return write(key, value);
  }

  DatastoreResult<KeyValue> remove(std::string_view key,
                                   std::optional<Revision> expected_revision) override {
    if (auto s = check_key(describe(), key); !s) return s.error();
    std::lock_guard lock(store_->mutex);
    auto it = store_->values.find(key);
    if (it == store_->values.end()) return not_found(key);
    if (expected_revision) {
      if (auto failed = check_revision(key, *expected_revision)) return *failed;
    }
    KeyValue removed = std::move(it->second);
    store_->values.erase(it);
    removed.revision = ++store_->revision;
    store_->history.push_back({removed.revision, removed.key, true, "", removed.value});
    store_->changed.notify_all();
    return removed;
  }

  DatastoreResult<std::unique_ptr<Watch>> watch(std::string_view prefix, Revision from_revision,
                                                WatchCallback callback) override;

  DatastoreResult<void> compact(Revision revision) override {
    std::lock_guard lock(store_->mutex);
    if (revision > store_->revision) {
      return DatastoreError{DatastoreErrorKind::InvalidArgument,
                            "datastore memory: cannot compact at revision " +
                                std::to_string(revision) + ": the store is only at revision " +
                                std::to_string(store_->revision)};
    }
    if (revision <= store_->compact_revision) {
      return DatastoreError{
          DatastoreErrorKind::Compacted,
          "datastore memory: revision " + std::to_string(revision) + " is already compacted"};
    }
    auto& history = store_->history;
    history.erase(history.begin(),
                  std::find_if(history.begin(), history.end(), [&](const MemoryStore::Change& c) {
                    return c.revision >= revision;
                  }));
    store_->compact_revision = revision;
    store_->changed.notify_all();
    return {};
  }

  DatastoreResult<Revision> current_revision() override {
    std::lock_guard lock(store_->mutex);
    return store_->revision;
  }

 private:
  DatastoreError not_found(std::string_view key) const {
    return {DatastoreErrorKind::NotFound,
            "datastore memory: key " + std::string(key) + " not found"};
  }

  // With the mutex held.
  std::optional<DatastoreError> check_revision(std::string_view key, Revision expected) {
    auto it = store_->values.find(key);
    if (it == store_->values.end()) return not_found(key);
    if (it->second.revision != expected) {
      return DatastoreError{DatastoreErrorKind::Conflict,
                            "datastore memory: key " + std::string(key) + ": revision is " +
                                std::to_string(it->second.revision) + ", not the expected " +
                                std::to_string(expected) + " (changed by another writer)"};
    }
    return std::nullopt;
  }

  // With the mutex held.
  Revision write(std::string_view key, std::string_view value) {
    const Revision revision = ++store_->revision;
    auto it = store_->values.find(key);
    std::optional<std::string> previous;
    if (it == store_->values.end()) {
      store_->values.emplace(std::string(key),
                             KeyValue{std::string(key), std::string(value), revision, revision});
    } else {
      previous = std::move(it->second.value);
      it->second.value = std::string(value);
      it->second.revision = revision;
    }
    store_->history.push_back({revision, std::string(key), false, std::string(value), previous});
    store_->changed.notify_all();
    return revision;
  }

  std::shared_ptr<MemoryStore> store_;
};

void run_memory_watch(detail::WatchState& state, MemoryStore& store, const std::string& prefix) {
  Revision scanned = state.last_revision();
  while (!state.stopped()) {
    std::vector<WatchEvent> events;
    std::optional<Revision> compacted;
    {
      std::unique_lock lock(store.mutex);
      // A timed wait: cancel() cannot signal this condition variable without a lost wake-up.
      store.changed.wait_for(lock, std::chrono::milliseconds(20), [&] {
        return state.stopped() || store.revision > scanned || scanned + 1 < store.compact_revision;
      });
      if (scanned + 1 < store.compact_revision) {
        compacted = store.compact_revision;
      } else {
        // The history is in revision order: start after what was scanned.
        auto first = std::partition_point(
            store.history.begin(), store.history.end(),
            [&](const MemoryStore::Change& c) { return c.revision <= scanned; });
        for (auto it = first; it != store.history.end(); ++it) {
          const auto& change = *it;
          if (!has_prefix(change.key, prefix)) continue;
          events.push_back({change.deleted ? WatchEvent::Type::Delete : WatchEvent::Type::Put,
                            change.key, change.value, change.revision, change.previous});
        }
        scanned = std::max(scanned, store.revision);
      }
    }
    if (compacted) {
      state.deliver({WatchEvent::Type::Compacted, "", "", *compacted, {}});
      return;
    }
    for (const auto& event : events) {
      if (!state.deliver(event)) return;
    }
  }
}

DatastoreResult<std::unique_ptr<Watch>> MemoryDatastore::watch(std::string_view prefix,
                                                               Revision from_revision,
                                                               WatchCallback callback) {
  if (from_revision < 0) {
    return DatastoreError{DatastoreErrorKind::InvalidArgument,
                          "datastore memory: watch of " + std::string(prefix) +
                              ": negative revision " + std::to_string(from_revision)};
  }
  if (from_revision == 0) from_revision = *current_revision() + 1;
  auto state = std::make_shared<detail::WatchState>(std::move(callback), from_revision);
  return std::unique_ptr<Watch>(std::make_unique<detail::WatchThread>(
      state, [store = store_, prefix = std::string(prefix)](detail::WatchState& s) {
        run_memory_watch(s, *store, prefix);
      }));
}

}  // namespace

std::unique_ptr<Datastore> open_memory_datastore(std::shared_ptr<MemoryStore> store) {
  return std::make_unique<MemoryDatastore>(std::move(store));
}

}  // namespace tabby::api
