#pragma once
// Collects a watch's events for assertions, from the watch's thread to the test's.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "tabby/api/datastore.h"

namespace tabby::api::conformance {

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

}  // namespace tabby::api::conformance
