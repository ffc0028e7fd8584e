#pragma once
// Counts the routes a routing daemon wrote into a lab namespace's kernel, from the kernel
// itself (a netlink dump, counted without building route objects): IPv4 /24 unicast routes in
// the main table that are not the kernel's own connected routes. What the benchmark's feed is.

#include <cstddef>
#include <cstdint>
#include <string>

namespace tabby::bench {

class KernelRouteCounter {
 public:
  explicit KernelRouteCounter(const std::string& netns);
  ~KernelRouteCounter();
  KernelRouteCounter(const KernelRouteCounter&) = delete;
  KernelRouteCounter& operator=(const KernelRouteCounter&) = delete;

  // Throws std::runtime_error when the dump fails.
  std::size_t count();

 private:
  int fd_ = -1;
  std::uint32_t sequence_ = 0;
};

}  // namespace tabby::bench
