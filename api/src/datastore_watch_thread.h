#pragma once
// The machinery both backends' watches share: one background thread that runs the backend's
// delivery loop, and the stop/cancel handshake of the threading contract in datastore.h.
// The thread's state is shared (not owned by the Watch object), so a Watch may be destroyed
// from inside its own callback: the thread then finishes on its own.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "tabby/api/datastore.h"

namespace tabby::api::detail {

class WatchState {
 public:
  WatchState(WatchCallback callback, Revision from_revision)
      : callback_(std::move(callback)), last_(from_revision - 1) {}

  bool stopped() const { return stopped_.load(); }
  Revision last_revision() const { return last_.load(); }

  // Delivers one event unless stopped; returns false once stopped (the loop should end).
  // Compacted ends the watch.
  bool deliver(const WatchEvent& event);

  // Sleeps up to `duration`; returns false if stopped meanwhile.
  bool sleep_for(std::chrono::milliseconds duration);

  // While a blocking call is in progress, `interrupt` is how cancel() breaks it (e.g. shutting
  // down an HTTP stream). Cleared with an empty function.
  void set_interrupt(std::function<void()> interrupt);

  void stop();

 private:
  WatchCallback callback_;
  std::atomic<Revision> last_;
  std::atomic<bool> stopped_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::function<void()> interrupt_;
};

class WatchThread final : public Watch {
 public:
  // Runs body(state) on a new thread; body returns when state.stopped() or on Compacted.
  WatchThread(std::shared_ptr<WatchState> state, std::function<void(WatchState&)> body);
  ~WatchThread() override;

  void cancel() override;
  Revision last_revision() const override { return state_->last_revision(); }

 private:
  std::shared_ptr<WatchState> state_;
  std::thread thread_;
};

}  // namespace tabby::api::detail
