#pragma once
// The result of a Datastore operation. Like tabby::Result, but the error also carries a kind,
// because callers act on it: IPAM retries a Conflict, tabbyctl reports AlreadyExists as
// calicoctl does, a syncer lists again on Compacted, anyone may retry Unavailable.

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "tabby/common/result.h"

namespace tabby::api {

enum class DatastoreErrorKind {
  NotFound,         // the key does not exist
  AlreadyExists,    // create() of a key that exists
  Conflict,         // compare-and-swap lost: the key's revision is not the expected one
  Unavailable,      // the store cannot be reached or is busy; the operation may be retried
  Compacted,        // the requested revision's history has been discarded: list again
  InvalidArgument,  // bad key, revision or configuration
  Internal,         // the store answered something that makes no sense (corrupt, bug)
};

std::string_view to_string(DatastoreErrorKind kind);

struct DatastoreError {
  DatastoreErrorKind kind = DatastoreErrorKind::Internal;
  std::string message;

  // For callers that only report: tabby::Error with the same message.
  Error to_error() const { return Error{message}; }
};

template <typename T>
class [[nodiscard]] DatastoreResult {
 public:
  DatastoreResult(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
  DatastoreResult(DatastoreError error)                                           // NOLINT
      : state_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  bool is(DatastoreErrorKind kind) const { return !ok() && error().kind == kind; }

  // Taking the value of a failed result is a programming error, hence the exception.
  T& value() & { return std::get<0>(checked()); }
  const T& value() const& { return std::get<0>(checked()); }
  // By value on a temporary, so `for (auto& x : *store.list(...))` does not dangle.
  T value() && { return std::get<0>(std::move(checked())); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T operator*() && { return std::move(*this).value(); }

  const DatastoreError& error() const {
    if (ok()) throw std::logic_error("DatastoreResult::error() on a successful result");
    return std::get<1>(state_);
  }

 private:
  std::variant<T, DatastoreError>& checked() {
    if (!ok()) throw std::logic_error("DatastoreResult::value() on an error: " + error().message);
    return state_;
  }
  const std::variant<T, DatastoreError>& checked() const {
    if (!ok()) throw std::logic_error("DatastoreResult::value() on an error: " + error().message);
    return state_;
  }

  std::variant<T, DatastoreError> state_;
};

template <>
class [[nodiscard]] DatastoreResult<void> {
 public:
  DatastoreResult() = default;
  DatastoreResult(DatastoreError error) : error_(std::move(error)), failed_(true) {}  // NOLINT

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  bool is(DatastoreErrorKind kind) const { return failed_ && error_.kind == kind; }
  const DatastoreError& error() const {
    if (ok()) throw std::logic_error("DatastoreResult::error() on a successful result");
    return error_;
  }

 private:
  DatastoreError error_;
  bool failed_ = false;
};

}  // namespace tabby::api
