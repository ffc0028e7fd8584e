#include "datastore_watch_thread.h"

namespace tabby::api::detail {

bool WatchState::deliver(const WatchEvent& event) {
  if (stopped()) return false;
  // Recorded before the callback runs, so whoever the callback wakes sees it already.
  if (event.type != WatchEvent::Type::Compacted) last_ = event.revision;
  callback_(event);
  if (event.type == WatchEvent::Type::Compacted) {
    stopped_ = true;
    return false;
  }
  return !stopped();
}

bool WatchState::sleep_for(std::chrono::milliseconds duration) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, duration, [&] { return stopped(); });
  return !stopped();
}

void WatchState::set_interrupt(std::function<void()> interrupt) {
  std::lock_guard lock(mutex_);
  interrupt_ = std::move(interrupt);
  // A cancel() that came before the blocking call was armed must still break it.
  if (stopped() && interrupt_) interrupt_();
}

void WatchState::stop() {
  std::lock_guard lock(mutex_);
  stopped_ = true;
  if (interrupt_) interrupt_();
  wake_.notify_all();
}

WatchThread::WatchThread(std::shared_ptr<WatchState> state, std::function<void(WatchState&)> body)
    : state_(std::move(state)) {
  // The thread holds its own reference to the state: it outlives this object if need be.
  thread_ = std::thread([state = state_, body = std::move(body)] { body(*state); });
}

WatchThread::~WatchThread() {
  cancel();
}

void WatchThread::cancel() {
  state_->stop();
  if (!thread_.joinable()) return;
  if (thread_.get_id() == std::this_thread::get_id()) {
    // Called from the callback: the loop sees the flag when the callback returns.
    thread_.detach();
  } else {
    thread_.join();
  }
}

}  // namespace tabby::api::detail
