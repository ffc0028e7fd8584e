#pragma once
// The conformance suite every Datastore backend passes: the same tests, instantiated once per
// backend (SQLite on a temp file in the unit tests, a real etcd in the lab tests). A backend
// plugs in with a factory of ConformanceBackend.

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

#include "datastore_event_collector.h"
#include "tabby/api/datastore.h"

namespace tabby::api::conformance {

// One store for one test; open() gives as many independent clients of it as a test wants
// (separate connections, as separate processes would have).
class ConformanceBackend {
 public:
  virtual ~ConformanceBackend() = default;
  virtual std::unique_ptr<Datastore> open() = 0;
};

struct BackendFactory {
  std::string name;
  std::function<std::unique_ptr<ConformanceBackend>()> make;
};
inline void PrintTo(const BackendFactory& factory, std::ostream* out) {
  *out << factory.name;
}

class DatastoreConformance : public ::testing::TestWithParam<BackendFactory> {
 protected:
  void SetUp() override;
  // Keys of this test live under this prefix, unique per run, so backends may share a store.
  std::string key(std::string_view suffix) const { return prefix_ + std::string(suffix); }

  std::unique_ptr<ConformanceBackend> backend_;
  std::unique_ptr<Datastore> store_;
  std::string prefix_;
};

std::string backend_name(const ::testing::TestParamInfo<BackendFactory>& info);

}  // namespace tabby::api::conformance
