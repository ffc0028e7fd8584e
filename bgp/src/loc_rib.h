#pragma once
// The Loc-RIB's table: prefix -> Destination, for a million prefixes in as few octets and cache
// misses as possible (issue 3's benchmark feeds a full table from one peer).
//
// Each family has a PrefixTable: the destinations in an array that grows by fixed-size chunks
// (never moved, so references stay valid and growth never copies the table), found through an
// open-addressing index of 8-octet slots (32 bits of hash, 32 bits of entry number) with linear
// probing and backward-shift deletion. An IPv4 prefix is packed into 8 octets, so an IPv4
// route costs 56 octets of entry plus 8-16 of index, and a lookup touches one index slot and,
// when the hash matches, one entry.

#include <cstdint>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

#include "rib_destination.h"
#include "tabby/common/ip.h"

namespace tabby::bgp::detail {

// IPv4 prefixes as one number: the address above the length.
struct V4Keys {
  using Key = std::uint64_t;
  static constexpr Key kFree = ~Key{0};
  static Key pack(const IpPrefix& prefix) {
    return (Key{prefix.address().v4_value()} << 8) | static_cast<Key>(prefix.length());
  }
  static IpPrefix unpack(Key key) {
    return IpPrefix(IpAddress::v4(static_cast<std::uint32_t>(key >> 8)),
                    static_cast<int>(key & 0xff));
  }
  static std::uint32_t hash(Key key);
};

struct V6Key {
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  std::uint32_t length = 0;
  friend bool operator==(const V6Key&, const V6Key&) = default;
};

struct V6Keys {
  using Key = V6Key;
  static constexpr Key kFree{0, 0, 0xffffffff};
  static Key pack(const IpPrefix& prefix);
  static IpPrefix unpack(const Key& key);
  static std::uint32_t hash(const Key& key);
};

template <typename Keys>
class PrefixTable {
 public:
  using Key = typename Keys::Key;
  struct Entry {
    Key key = Keys::kFree;
    Destination destination;
  };
  static constexpr std::uint32_t kNone = 0xffffffff;

  std::size_t size() const { return size_; }
  // Entry numbers run from 0 to end(); those of erased entries are free (key kFree).
  std::uint32_t end() const { return used_; }
  Entry& entry(std::uint32_t n) { return chunks_[n >> kChunkBits][n & kChunkMask]; }
  const Entry& entry(std::uint32_t n) const { return chunks_[n >> kChunkBits][n & kChunkMask]; }

  std::uint32_t find(const IpPrefix& prefix) const {
    if (size_ == 0) return kNone;
    const Key key = Keys::pack(prefix);
    const std::uint32_t h = Keys::hash(key);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const std::uint64_t slot = slots_[i];
      if (slot == 0) return kNone;
      if (hash_of(slot) == h && entry(number_of(slot)).key == key) return number_of(slot);
    }
  }

  // Starts loading the prefix's first index slot into the cache: a lookup soon after then
  // waits less for memory (the index of a full table is far larger than the cache).
  void prefetch(const IpPrefix& prefix) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[Keys::hash(Keys::pack(prefix)) & mask_]);
  }

  // The prefix's entry number, and whether it was added now.
  std::pair<std::uint32_t, bool> emplace(const IpPrefix& prefix) {
    if ((size_ + 1) * 5 > slots_.size() * 4) grow();
    const Key key = Keys::pack(prefix);
    const std::uint32_t h = Keys::hash(key);
    std::size_t i = h & mask_;
    for (;; i = (i + 1) & mask_) {
      const std::uint64_t slot = slots_[i];
      if (slot == 0) break;
      if (hash_of(slot) == h && entry(number_of(slot)).key == key) return {number_of(slot), false};
    }
    const std::uint32_t n = take_entry();
    entry(n).key = key;
    slots_[i] = (std::uint64_t{h} << 32) | (std::uint64_t{n} + 1);
    ++size_;
    return {n, true};
  }

  void erase(std::uint32_t n) {
    Entry& e = entry(n);
    const std::uint32_t h = Keys::hash(e.key);
    std::size_t i = h & mask_;
    while (number_of(slots_[i]) != n)
      i = (i + 1) & mask_;
    // Backward shift: pull later slots of the same probe run into the gap, so that lookups
    // never need tombstones.
    for (std::size_t j = i;;) {
      j = (j + 1) & mask_;
      if (slots_[j] == 0) break;
      const std::size_t home = hash_of(slots_[j]) & mask_;
      if (((j - home) & mask_) >= ((j - i) & mask_)) {
        slots_[i] = slots_[j];
        i = j;
      }
    }
    slots_[i] = 0;
    e = Entry{};
    free_.push_back(n);
    --size_;
  }

  void clear() {
    chunks_.clear();
    slots_.clear();
    free_.clear();
    used_ = 0;
    size_ = 0;
    mask_ = 0;
  }

 private:
  static constexpr std::uint32_t kChunkBits = 12;
  static constexpr std::uint32_t kChunkMask = (1u << kChunkBits) - 1;

  static std::uint32_t hash_of(std::uint64_t slot) {
    return static_cast<std::uint32_t>(slot >> 32);
  }
  static std::uint32_t number_of(std::uint64_t slot) {
    return static_cast<std::uint32_t>(slot) - 1;
  }

  std::uint32_t take_entry() {
    if (!free_.empty()) {
      const std::uint32_t n = free_.back();
      free_.pop_back();
      return n;
    }
    if (used_ == kNone - 1) throw std::length_error("Loc-RIB: more than 4 billion prefixes");
    if ((used_ >> kChunkBits) == chunks_.size())
      chunks_.push_back(std::make_unique<Entry[]>(std::size_t{1} << kChunkBits));
    return used_++;
  }

  // Doubles the index; entries stay where they are (the slots carry their hashes).
  void grow() {
    std::vector<std::uint64_t> old = std::move(slots_);
    slots_.assign(old.empty() ? 16 : old.size() * 2, 0);
    mask_ = slots_.size() - 1;
    for (const std::uint64_t slot : old) {
      if (slot == 0) continue;
      std::size_t i = hash_of(slot) & mask_;
      while (slots_[i] != 0)
        i = (i + 1) & mask_;
      slots_[i] = slot;
    }
  }

  std::vector<std::unique_ptr<Entry[]>> chunks_;
  std::vector<std::uint64_t> slots_;  // 0: empty; else hash << 32 | (entry number + 1)
  std::vector<std::uint32_t> free_;   // erased entry numbers, reused first
  std::size_t mask_ = 0;
  std::uint32_t used_ = 0;  // entry numbers handed out so far
  std::size_t size_ = 0;
};

// Both families' tables behind the part of std::unordered_map's interface the RIB uses.
// Iteration visits IPv4 then IPv6, each in entry order; erasing the entry an iterator is on
// (or any other) leaves the iterator valid, and so does adding one.
class LocRib {
 public:
  struct Reference {
    IpPrefix first;
    Destination& second;
  };

  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Reference;
    using difference_type = std::ptrdiff_t;
    using reference = Reference;

    iterator() = default;
    // The prefix is unpacked from its key on each call: what needs only the destination asks
    // for that.
    Reference operator*() const;
    Destination& destination() const;
    iterator& operator++() {
      ++number_;
      skip_free();
      return *this;
    }
    friend bool operator==(const iterator&, const iterator&) = default;

   private:
    friend class LocRib;
    iterator(LocRib* rib, bool v6, std::uint32_t number) : rib_(rib), v6_(v6), number_(number) {}
    void skip_free();

    LocRib* rib_ = nullptr;
    bool v6_ = false;
    std::uint32_t number_ = 0;
  };

  iterator begin() const {
    iterator it(self(), false, 0);
    it.skip_free();
    return it;
  }
  iterator end() const { return iterator(self(), true, v6_.end()); }
  iterator find(const IpPrefix& prefix) const {
    const bool v6 = prefix.family() == IpFamily::kV6;
    const std::uint32_t n = v6 ? v6_.find(prefix) : v4_.find(prefix);
    return n == kNone ? end() : iterator(self(), v6, n);
  }
  std::pair<iterator, bool> try_emplace(const IpPrefix& prefix) {
    const bool v6 = prefix.family() == IpFamily::kV6;
    const auto [n, added] = v6 ? v6_.emplace(prefix) : v4_.emplace(prefix);
    return {iterator(this, v6, n), added};
  }
  void prefetch(const IpPrefix& prefix) const {
    if (prefix.family() == IpFamily::kV6) {
      v6_.prefetch(prefix);
    } else {
      v4_.prefetch(prefix);
    }
  }
  Destination& at(const IpPrefix& prefix) const {
    const auto it = find(prefix);
    if (it == end()) throw std::out_of_range("Loc-RIB has no " + prefix.to_string());
    return it.destination();
  }
  void erase(const iterator& it) {
    if (it.v6_) {
      v6_.erase(it.number_);
    } else {
      v4_.erase(it.number_);
    }
  }
  std::size_t size() const { return v4_.size() + v6_.size(); }
  bool empty() const { return size() == 0; }
  void clear() {
    v4_.clear();
    v6_.clear();
  }

 private:
  static constexpr std::uint32_t kNone = PrefixTable<V4Keys>::kNone;
  // Iterators hand out mutable destinations, as the map this replaces did through its
  // non-const interface; the RIB's const inspectors only read through them.
  LocRib* self() const { return const_cast<LocRib*>(this); }

  PrefixTable<V4Keys> v4_;
  PrefixTable<V6Keys> v6_;
};

inline LocRib::Reference LocRib::iterator::operator*() const {
  if (v6_) {
    auto& e = rib_->v6_.entry(number_);
    return {V6Keys::unpack(e.key), e.destination};
  }
  auto& e = rib_->v4_.entry(number_);
  return {V4Keys::unpack(e.key), e.destination};
}

inline Destination& LocRib::iterator::destination() const {
  return v6_ ? rib_->v6_.entry(number_).destination : rib_->v4_.entry(number_).destination;
}

inline void LocRib::iterator::skip_free() {
  if (!v6_) {
    while (number_ < rib_->v4_.end() && rib_->v4_.entry(number_).key == V4Keys::kFree)
      ++number_;
    if (number_ < rib_->v4_.end()) return;
    v6_ = true;
    number_ = 0;
  }
  while (number_ < rib_->v6_.end() && rib_->v6_.entry(number_).key == V6Keys::kFree)
    ++number_;
}

}  // namespace tabby::bgp::detail
