#pragma once
// Interned path attributes: every route that carries the same attributes points at one shared,
// immutable, reference-counted PathAttributes. A table of a million routes learned from one
// peer usually has a few hundred distinct attribute sets, so a route costs a pointer instead
// of a few hundred bytes of vectors.

#include <cstddef>
#include <memory>

#include "tabby/bgp/path_attributes.h"

namespace tabby::bgp {

// A shared, immutable attribute set. Two AttributeSets from the same interner hold equal
// attributes exactly when they are the same pointer, so comparing routes is a pointer compare.
using AttributeSet = std::shared_ptr<const PathAttributes>;

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
