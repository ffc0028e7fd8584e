#pragma once
// Driving an io_context in a unit test until something has happened (sessions over loopback):
// it runs in slices of 10 ms, so the condition is checked between handlers.

#include <boost/asio/io_context.hpp>
#include <chrono>

namespace tabby::test_support {

// True once `done()` holds; false if it still does not after `timeout`.
template <typename Predicate>
bool run_until(boost::asio::io_context& io, Predicate done,
               std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    io.restart();
    io.run_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace tabby::test_support
