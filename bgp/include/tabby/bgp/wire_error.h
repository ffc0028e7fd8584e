#pragma once
// WireError: bytes from a peer that the session cannot go on with. It carries the
// NOTIFICATION to send (RFC 4271 section 6, RFC 7606) and a description for the log that
// names the message part and what is wrong with it. WireResult<T> is a T or a WireError.

#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

#include "tabby/bgp/notification.h"

namespace tabby::bgp {

struct WireError {
  NotificationMessage notification;  // what to send before closing the session
  std::string description;           // "UPDATE: MP_REACH_NLRI next hop length 5 ..."

  friend bool operator==(const WireError&, const WireError&) = default;
};

template <typename T>
class [[nodiscard]] WireResult {
 public:
  WireResult(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit
  WireResult(WireError error)                                                // NOLINT: implicit
      : state_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // Taking the value of an error is a programming error, hence the exception.
  const T& value() const& {
    if (!ok()) throw std::logic_error("WireResult::value() on an error: " + error().description);
    return std::get<0>(state_);
  }
  T& value() & {
    if (!ok()) throw std::logic_error("WireResult::value() on an error: " + error().description);
    return std::get<0>(state_);
  }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  const T& operator*() const& { return value(); }

  const WireError& error() const {
    if (ok()) throw std::logic_error("WireResult::error() on a success");
    return std::get<1>(state_);
  }

 private:
  std::variant<T, WireError> state_;
};

}  // namespace tabby::bgp
