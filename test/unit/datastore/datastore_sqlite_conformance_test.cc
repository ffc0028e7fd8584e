// The conformance suite on the SQLite backend: a fresh database file per test, each client a
// separate connection to it (as separate processes would have).

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "datastore_conformance.h"
#include "sqlite_test_dir.h"
#include "tabby/api/sqlite_datastore.h"

namespace tabby::api::conformance {
namespace {

class SqliteBackend final : public ConformanceBackend {
 public:
  std::unique_ptr<Datastore> open() override {
    SqliteDatastoreOptions options;
    options.path = (dir_.path() / "datastore.db").string();
    auto store = open_sqlite_datastore(options);
    if (!store) {
      ADD_FAILURE() << store.error().message;
      return nullptr;
    }
    return std::move(*store);
  }

 private:
  test_support::TempDir dir_;
};

INSTANTIATE_TEST_SUITE_P(Sqlite, DatastoreConformance,
                         ::testing::Values(BackendFactory{
                             "sqlite", [] { return std::make_unique<SqliteBackend>(); }}),
                         backend_name);

}  // namespace
}  // namespace tabby::api::conformance
