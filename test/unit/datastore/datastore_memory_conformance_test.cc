// The conformance suite on the in-memory datastore that other modules' unit tests use: it
// must behave as the real backends do.

#include <gtest/gtest.h>

#include "datastore_conformance.h"
#include "tabby/api/datastore_memory.h"

namespace tabby::api::conformance {
namespace {

class MemoryBackend final : public ConformanceBackend {
 public:
  std::unique_ptr<Datastore> open() override { return open_memory_datastore(store_); }

 private:
  std::shared_ptr<MemoryStore> store_ = make_memory_store();
};

INSTANTIATE_TEST_SUITE_P(Memory, DatastoreConformance,
                         ::testing::Values(BackendFactory{
                             "memory", [] { return std::make_unique<MemoryBackend>(); }}),
                         backend_name);

}  // namespace
}  // namespace tabby::api::conformance
