#pragma once
// What /proc says about a target process: resident memory now and at its peak (VmRSS,
// VmHWM: the whole process, every thread), and the CPU time it has used (utime + stime).

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>

namespace tabby::bench {

struct ProcessSample {
  std::size_t rss_bytes = 0;
  std::size_t peak_rss_bytes = 0;
  double cpu_seconds = 0;
};

// nullopt when the process is gone.
std::optional<ProcessSample> sample_process(pid_t pid);

// The process in the lab namespace `netns` whose command name (/proc/<pid>/comm) is `comm`.
std::optional<pid_t> find_process(const std::string& netns, const std::string& comm);

}  // namespace tabby::bench
