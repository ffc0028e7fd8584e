#pragma once
// The conformance suite every Datastore backend passes: the same tests, instantiated once per
// backend (SQLite on a temp file in the unit tests, a real etcd in the lab tests). A backend
// plugs in with a factory of ConformanceBackend.

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tabby/api/datastore.h"

namespace tabby::api::conformance {

// One store for one test; open() gives as many independent clients of it as a test wants
// (separate connections, as separate processes would have).
class ConformanceBackend {
 public:
  virtual ~ConformanceBackend() = default;
  virtual std::unique_ptr<Datastore> open() = 0;
};

struct BackendFactory {
  std::string name;
  std::function<std::unique_ptr<ConformanceBackend>()> make;
};

// Collects a watch's events for assertions; wait_for() blocks until enough have come.
class EventCollector {
 public:
  WatchCallback callback() {
    return [this](const WatchEvent& event) {
      std::lock_guard lock(mutex_);
      events_.push_back(event);
      arrived_.notify_all();
    };
  }
  // True once `count` events arrived within `timeout`.
  bool wait_for(size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mutex_);
    return arrived_.wait_for(lock, timeout, [&] { return events_.size() >= count; });
  }
  std::vector<WatchEvent> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<WatchEvent> events_;
};

class DatastoreConformance : public ::testing::TestWithParam<BackendFactory> {
 protected:
  void SetUp() override;
  // Keys of this test live under this prefix, unique per run, so backends may share a store.
  std::string key(std::string_view suffix) const { return prefix_ + std::string(suffix); }

  std::unique_ptr<ConformanceBackend> backend_;
  std::unique_ptr<Datastore> store_;
  std::string prefix_;
};

std::string backend_name(const ::testing::TestParamInfo<BackendFactory>& info);

}  // namespace tabby::api::conformance
