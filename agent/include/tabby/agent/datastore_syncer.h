#pragma once
// Keeps a DatastoreSnapshot in step with the datastore: one list, then a watch from the next
// revision. Watch events arrive on the Watch's own thread and are posted to the agent's
// io_context; bursts (a node claiming a block writes three keys) are coalesced so the
// calculation runs once per burst. A compacted history means: list again. A datastore that
// cannot be listed is retried every second, and in_sync() says false meanwhile (readiness).

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>

#include "tabby/agent/datastore_snapshot.h"
#include "tabby/api/datastore.h"

namespace tabby::agent {

class DatastoreSyncer {
 public:
  using OnChange = std::function<void(const DatastoreSnapshot&)>;

  DatastoreSyncer(boost::asio::io_context& io, api::Datastore& datastore, OnChange on_change,
                  std::chrono::milliseconds coalesce = std::chrono::milliseconds(50));
  ~DatastoreSyncer();
  DatastoreSyncer(const DatastoreSyncer&) = delete;
  DatastoreSyncer& operator=(const DatastoreSyncer&) = delete;

  void start();
  void stop();

  bool in_sync() const { return in_sync_; }
  const DatastoreSnapshot& snapshot() const { return snapshot_; }
  // Failed reads of the datastore, all kinds, and by the operation that failed.
  std::uint64_t errors() const { return list_errors_ + watch_errors_; }
  std::uint64_t list_errors() const { return list_errors_; }
  std::uint64_t watch_errors() const { return watch_errors_; }
  // Full listings started (the first, and one after every failure or compaction).
  std::uint64_t resyncs() const { return resyncs_; }

 private:
  void resync();
  void on_event(const api::WatchEvent& event);
  void schedule_change();

  boost::asio::io_context& io_;
  api::Datastore& datastore_;
  OnChange on_change_;
  std::chrono::milliseconds coalesce_;
  boost::asio::steady_timer retry_timer_;
  boost::asio::steady_timer change_timer_;
  std::unique_ptr<api::Watch> watch_;
  DatastoreSnapshot snapshot_;
  bool in_sync_ = false;
  bool change_pending_ = false;
  bool stopped_ = false;
  std::uint64_t list_errors_ = 0, watch_errors_ = 0;
  std::uint64_t resyncs_ = 0;
  // Events posted by a watch that has since been replaced are dropped by generation.
  std::shared_ptr<int> generation_ = std::make_shared<int>(0);
};

}  // namespace tabby::agent
