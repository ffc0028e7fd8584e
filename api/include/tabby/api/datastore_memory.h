#pragma once
// An in-memory Datastore with the same contract as the real backends (it passes the same
// conformance suite), for other modules' unit tests: IPAM's compare-and-swap loops, the
// agent's syncer. Fast and private to the process; nothing is persisted.

#include <memory>

#include "tabby/api/datastore.h"

namespace tabby::api {

// The store itself: keys, revisions and change history. Several clients may share it.
class MemoryStore;

std::shared_ptr<MemoryStore> make_memory_store();

// A client of `store` (describe() = "memory"); as many as a test wants, from any threads.
std::unique_ptr<Datastore> open_memory_datastore(std::shared_ptr<MemoryStore> store);

}  // namespace tabby::api
