#pragma once
// Interned path attributes: every route that carries the same attributes points at one shared,
// immutable, reference-counted PathAttributes. A table of a million routes learned from one
// peer usually has a few hundred distinct attribute sets, so a route costs a pointer instead
// of a few hundred bytes of vectors.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "tabby/bgp/path_attributes.h"

namespace tabby::bgp {

class AttributeInterner;

namespace detail {

// One interned set: the attributes and the count of AttributeSets that point at it. The count
// sits next to the attributes (rather than in a shared_ptr's control block) so that a handle
// is one pointer: the Loc-RIB holds two per path, a million paths at a time.
struct InternedAttributes {
  explicit InternedAttributes(PathAttributes a) : attributes(std::move(a)) {}
  PathAttributes attributes;
  // Atomic, so that a copy may be made or dropped on another thread while the RIB holds the
  // set; but the last handle must go on the RIB's thread (the interner's table is not
  // locked).
  mutable std::atomic<std::uint32_t> references{0};
};

// Takes the set out of its interner's table and frees it; called for the last handle.
void release_last(const InternedAttributes* set);

}  // namespace detail

// A shared, immutable attribute set (or null). Two AttributeSets from the same interner hold
// equal attributes exactly when they point at the same set, so comparing routes is a pointer
// compare.
class AttributeSet {
 public:
  AttributeSet() = default;
  AttributeSet(std::nullptr_t) {}  // NOLINT: null converts implicitly, as with a pointer
  AttributeSet(const AttributeSet& other) : set_(other.set_) { acquire(); }
  AttributeSet(AttributeSet&& other) noexcept : set_(other.set_) { other.set_ = nullptr; }
  AttributeSet& operator=(const AttributeSet& other) {
    if (set_ != other.set_) {
      AttributeSet copy(other);
      swap(copy);
    }
    return *this;
  }
  AttributeSet& operator=(AttributeSet&& other) noexcept {
    AttributeSet moved(std::move(other));
    swap(moved);
    return *this;
  }
  ~AttributeSet() { reset(); }

  void reset() {
    if (set_ != nullptr && set_->references.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      detail::release_last(set_);
    }
    set_ = nullptr;
  }
  void swap(AttributeSet& other) noexcept { std::swap(set_, other.set_); }

  const PathAttributes* get() const { return set_ ? &set_->attributes : nullptr; }
  const PathAttributes& operator*() const { return set_->attributes; }
  const PathAttributes* operator->() const { return &set_->attributes; }
  explicit operator bool() const { return set_ != nullptr; }

  friend bool operator==(const AttributeSet& a, const AttributeSet& b) { return a.set_ == b.set_; }
  friend bool operator==(const AttributeSet& a, std::nullptr_t) { return a.set_ == nullptr; }

 private:
  friend class AttributeInterner;
  explicit AttributeSet(const detail::InternedAttributes* set) : set_(set) { acquire(); }
  void acquire() {
    if (set_ != nullptr) set_->references.fetch_add(1, std::memory_order_relaxed);
  }

  const detail::InternedAttributes* set_ = nullptr;
};

// Hash of the values operator== compares (placement left out).
std::size_t hash_value(const PathAttributes& attributes);

// The table of live attribute sets. A set leaves the table when its last AttributeSet goes;
// sets may outlive the interner (the table stays alive as long as any set does). Not
// thread-safe: one interner belongs to one RIB and its thread.
class AttributeInterner {
 public:
  AttributeInterner();
  ~AttributeInterner();
  AttributeInterner(const AttributeInterner&) = delete;
  AttributeInterner& operator=(const AttributeInterner&) = delete;

  // The shared set equal to `attributes` (placement is cleared: it is wire detail).
  AttributeSet intern(PathAttributes attributes);
  // Distinct attribute sets alive now.
  std::size_t size() const;

  struct Table;

 private:
  std::shared_ptr<Table> table_;
};

}  // namespace tabby::bgp
