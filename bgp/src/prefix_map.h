#pragma once
// A map from prefix to value for the RIB's big tables (the Loc-RIB, each update group's
// Adj-RIB-Out): a million prefixes in as few octets and cache misses as possible (issue 3's
// benchmark feeds a full table from one peer).
//
// Each family has a PrefixTable: the entries (packed prefix and value) in an array that grows
// by fixed-size chunks (never moved, so references stay valid and growth never copies the
// table), found through an open-addressing index of 8-octet slots (32 bits of hash, 32 bits of
// entry number) with linear probing and backward-shift deletion. An IPv4 prefix is packed into
// 8 octets, so a Loc-RIB route costs 56 octets of entry plus 8-16 of index, and a lookup
// touches one index slot and, when the hash matches, one entry.

#include <cstdint>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

#include "tabby/common/ip.h"

namespace tabby::bgp::detail {

// MurmurHash3's 64-bit finaliser: every input bit reaches every output bit, so neighbouring
// prefixes (a table is full of them) spread over the whole index. Inline: it runs for every
// lookup.
inline std::uint64_t mix_bits(std::uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

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
  static std::uint32_t hash(Key key) { return static_cast<std::uint32_t>(mix_bits(key)); }
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
  static std::uint32_t hash(const Key& key) {
    return static_cast<std::uint32_t>(
        mix_bits(key.high ^ mix_bits(key.low ^ (std::uint64_t{key.length} << 56))));
  }
};

template <typename Keys, typename Value>
class PrefixTable {
 public:
  using Key = typename Keys::Key;
  struct Entry {
    Key key = Keys::kFree;
    Value value{};
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
    // The last of a big table gone (a peer with the full table went down): the memory goes
    // too. A small one keeps its first chunk for the next prefix.
    if (--size_ == 0 && chunks_.size() > 1) clear();
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
    if (used_ == kNone - 1) throw std::length_error("prefix table: more than 4 billion prefixes");
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
template <typename Value>
class PrefixMap {
 public:
  struct Reference {
    IpPrefix first;
    Value& second;
  };

  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Reference;
    using difference_type = std::ptrdiff_t;
    using reference = Reference;

    iterator() = default;
    // The prefix is unpacked from its key on each call: what needs only the value asks for
    // that.
    Reference operator*() const {
      if (v6_) {
        auto& e = map_->v6_.entry(number_);
        return {V6Keys::unpack(e.key), e.value};
      }
      auto& e = map_->v4_.entry(number_);
      return {V4Keys::unpack(e.key), e.value};
    }
    Value& value() const {
      return v6_ ? map_->v6_.entry(number_).value : map_->v4_.entry(number_).value;
    }
    iterator& operator++() {
      ++number_;
      skip_free();
      return *this;
    }
    friend bool operator==(const iterator&, const iterator&) = default;

   private:
    friend class PrefixMap;
    iterator(PrefixMap* map, bool v6, std::uint32_t number) : map_(map), v6_(v6), number_(number) {}
    void skip_free() {
      if (!v6_) {
        while (number_ < map_->v4_.end() && map_->v4_.entry(number_).key == V4Keys::kFree)
          ++number_;
        if (number_ < map_->v4_.end()) return;
        v6_ = true;
        number_ = 0;
      }
      while (number_ < map_->v6_.end() && map_->v6_.entry(number_).key == V6Keys::kFree)
        ++number_;
      // Past the last entry is end(), however the tables changed since end() was taken.
      if (number_ >= map_->v6_.end()) number_ = kNone;
    }

    PrefixMap* map_ = nullptr;
    bool v6_ = false;
    std::uint32_t number_ = 0;
  };

  iterator begin() const {
    iterator it(self(), false, 0);
    it.skip_free();
    return it;
  }
  iterator end() const { return iterator(self(), true, kNone); }
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
  // Adds the prefix with the value unless it is there already (then the value is dropped).
  std::pair<iterator, bool> emplace(const IpPrefix& prefix, Value value) {
    auto added = try_emplace(prefix);
    if (added.second) added.first.value() = std::move(value);
    return added;
  }
  std::size_t count(const IpPrefix& prefix) const { return find(prefix) == end() ? 0 : 1; }
  void prefetch(const IpPrefix& prefix) const {
    if (prefix.family() == IpFamily::kV6) {
      v6_.prefetch(prefix);
    } else {
      v4_.prefetch(prefix);
    }
  }
  Value& at(const IpPrefix& prefix) const {
    const auto it = find(prefix);
    if (it == end()) throw std::out_of_range("no " + prefix.to_string() + " in the table");
    return it.value();
  }
  void erase(const iterator& it) {
    if (it.v6_) {
      v6_.erase(it.number_);
    } else {
      v4_.erase(it.number_);
    }
  }
  std::size_t erase(const IpPrefix& prefix) {
    const auto it = find(prefix);
    if (it == end()) return 0;
    erase(it);
    return 1;
  }
  std::size_t size() const { return v4_.size() + v6_.size(); }
  bool empty() const { return size() == 0; }
  void clear() {
    v4_.clear();
    v6_.clear();
  }

 private:
  static constexpr std::uint32_t kNone = PrefixTable<V4Keys, Value>::kNone;
  // Iterators hand out mutable values, as the maps this replaces did through their non-const
  // interface; the RIB's const inspectors only read through them.
  PrefixMap* self() const { return const_cast<PrefixMap*>(this); }

  PrefixTable<V4Keys, Value> v4_;
  PrefixTable<V6Keys, Value> v6_;
};

}  // namespace tabby::bgp::detail
