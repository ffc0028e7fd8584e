#include "process_stats.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "tabby/lab/cleanup.h"

namespace tabby::bench {

std::optional<ProcessSample> sample_process(pid_t pid) {
  const std::string dir = "/proc/" + std::to_string(pid);
  std::ifstream status(dir + "/status");
  std::ifstream stat(dir + "/stat");
  if (!status || !stat) return std::nullopt;
  ProcessSample sample;
  for (std::string line; std::getline(status, line);) {
    std::istringstream fields(line);
    std::string key;
    std::size_t kib = 0;
    fields >> key >> kib;
    if (key == "VmRSS:") sample.rss_bytes = kib * 1024;
    if (key == "VmHWM:") sample.peak_rss_bytes = kib * 1024;
  }
  // utime and stime are fields 14 and 15; the command name (field 2) may hold spaces, so
  // count from the parenthesis that closes it.
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int index = 3; index <= 15 && fields >> field; ++index) {
    if (index == 14) utime = std::stoull(field);
    if (index == 15) stime = std::stoull(field);
  }
  sample.cpu_seconds =
      static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  return sample;
}

std::optional<pid_t> find_process(const std::string& netns, const std::string& comm) {
  for (const pid_t pid : lab::processes_in_netns(netns)) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
    std::string name;
    if (std::getline(in, name) && name == comm) return pid;
  }
  return std::nullopt;
}

}  // namespace tabby::bench
