#pragma once
// Result<T>: the value of an operation that can fail for reasons outside the program (bad
// input, I/O, a peer), or the error that says which input and what is wrong. Clang 14 has no
// std::expected; this is the small subset the project needs.

#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace tabby {

struct Error {
  std::string message;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // Taking the value of a failed result is a programming error, hence the exception.
  T& value() & { return std::get<0>(checked()); }
  const T& value() const& { return std::get<0>(checked()); }
  // By value on a temporary, so `for (auto& x : *make())` does not dangle.
  T value() && { return std::get<0>(std::move(checked())); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T operator*() && { return std::move(*this).value(); }

  const Error& error() const {
    if (ok()) throw std::logic_error("Result::error() on a successful result");
    return std::get<1>(state_);
  }

 private:
  std::variant<T, Error>& checked() {
    if (!ok())
      throw std::logic_error("Result::value() on an error: " + std::get<1>(state_).message);
    return state_;
  }
  const std::variant<T, Error>& checked() const {
    if (!ok())
      throw std::logic_error("Result::value() on an error: " + std::get<1>(state_).message);
    return state_;
  }

  std::variant<T, Error> state_;
};

// Result<void>: success, or an error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT: implicit

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const {
    if (ok()) throw std::logic_error("Result::error() on a successful result");
    return error_;
  }

 private:
  Error error_;
  bool failed_ = false;
};

using Status = Result<void>;

}  // namespace tabby
