#pragma once
// Moves the calling thread into a lab namespace, and back on destruction, so the test's own
// datastore clients reach the etcd serving on the namespace's loopback. Threads the test
// starts while inside (a watch's thread) inherit the namespace.

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

namespace tabby::api::lab_support {

class EnterNetns {
 public:
  explicit EnterNetns(const std::string& netns_name) {
    original_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    const int target = open(("/run/netns/" + netns_name).c_str(), O_RDONLY | O_CLOEXEC);
    if (original_ < 0 || target < 0 || setns(target, CLONE_NEWNET) != 0) {
      if (target >= 0) close(target);
      throw std::runtime_error("cannot enter network namespace " + netns_name);
    }
    close(target);
  }
  ~EnterNetns() {
    if (original_ >= 0) {
      (void)setns(original_, CLONE_NEWNET);
      close(original_);
    }
  }
  EnterNetns(const EnterNetns&) = delete;
  EnterNetns& operator=(const EnterNetns&) = delete;

 private:
  int original_ = -1;
};

}  // namespace tabby::api::lab_support
