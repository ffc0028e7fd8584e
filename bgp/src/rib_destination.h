#pragma once
// One Loc-RIB destination: every path received for a prefix (accepted or not) and which of
// them the decision process selected. Sized for a million of them: a path is 32 octets, and
// the one path nearly every prefix has lives inside the destination, so a single-path route
// costs no allocation of its own.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

#include "tabby/bgp/attribute_set.h"

namespace tabby::bgp::detail {

struct PeerState;

struct Candidate {
  PeerState* peer = nullptr;  // null: the owner's own route
  AttributeSet received;      // as received (next hop included), before import policy
  AttributeSet accepted;      // after import policy; null when refused
  std::uint32_t path_id = 0;
  bool stale = false;
};

// The paths of a destination, in one contiguous run: in place while there is one, on the heap
// (capacity the next power of two of the size) when there are more.
class PathList {
 public:
  PathList() = default;
  PathList(PathList&& other) noexcept { take(other); }
  PathList& operator=(PathList&& other) noexcept {
    if (this != &other) {
      clear();
      take(other);
    }
    return *this;
  }
  ~PathList() = default;

  Candidate* begin() { return data(); }
  Candidate* end() { return data() + size_; }
  const Candidate* begin() const { return data(); }
  const Candidate* end() const { return data() + size_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  Candidate& operator[](std::size_t i) { return data()[i]; }
  const Candidate& operator[](std::size_t i) const { return data()[i]; }
  Candidate& front() { return data()[0]; }
  const Candidate& front() const { return data()[0]; }

  void push_back(Candidate c) {
    if (size_ == 0) {
      one_ = std::move(c);
    } else {
      if (size_ == capacity()) relocate(capacity() * 2);
      heap_[size_] = std::move(c);
    }
    ++size_;
  }

  // Removes the paths `pred` selects, keeping the order of the rest; returns how many went.
  template <typename Pred>
  std::size_t erase_if(Pred pred) {
    Candidate* d = data();
    std::uint32_t kept = 0;
    for (std::uint32_t i = 0; i < size_; ++i) {
      if (pred(std::as_const(d[i]))) continue;
      if (kept != i) d[kept] = std::move(d[i]);
      ++kept;
    }
    for (std::uint32_t i = kept; i < size_; ++i)
      d[i] = Candidate{};
    const std::uint32_t gone = size_ - kept;
    if (gone != 0) {
      const std::size_t old_capacity = capacity();
      size_ = kept;
      if (heap_ && capacity_for(size_) != old_capacity) relocate(capacity_for(size_), size_);
    }
    return gone;
  }

  void clear() {
    one_ = Candidate{};
    heap_.reset();
    size_ = 0;
  }

 private:
  static std::size_t capacity_for(std::size_t size) { return size <= 1 ? 1 : std::bit_ceil(size); }
  std::size_t capacity() const { return heap_ ? capacity_for(size_) : 1; }
  Candidate* data() { return heap_ ? heap_.get() : &one_; }
  const Candidate* data() const { return heap_ ? heap_.get() : &one_; }

  // Moves the first `count` paths (all by default) to storage for `capacity`: in place for 1.
  void relocate(std::size_t capacity, std::size_t count = SIZE_MAX) {
    count = std::min<std::size_t>(count, size_);
    Candidate* from = data();
    if (capacity <= 1) {
      if (count == 1 && heap_) one_ = std::move(from[0]);
      heap_.reset();
      return;
    }
    auto to = std::make_unique<Candidate[]>(capacity);
    for (std::size_t i = 0; i < count; ++i)
      to[i] = std::move(from[i]);
    one_ = Candidate{};
    heap_ = std::move(to);
  }

  void take(PathList& other) {
    one_ = std::move(other.one_);
    heap_ = std::move(other.heap_);
    size_ = other.size_;
    other.size_ = 0;
  }

  Candidate one_;
  std::unique_ptr<Candidate[]> heap_;
  std::uint32_t size_ = 0;
};

struct Destination {
  // Shares the path list's tail padding with the fields below: 48 octets in all.
  [[no_unique_address]] PathList paths;
  // paths[0, multipath) is the multipath set, best first; 0 when no path is accepted.
  std::uint8_t multipath = 0;
  // Listed in the RIB's best-path changes not yet taken (each prefix listed once).
  bool change_pending = false;
};

static_assert(sizeof(Candidate) == 32);
static_assert(sizeof(Destination) == 48);

}  // namespace tabby::bgp::detail
