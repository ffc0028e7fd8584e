// A separate process that uses the SQLite datastore, for the tests that need several real
// processes on one file or a process killed with -9. Modes:
//   increment PATH KEY N      N compare-and-swap increments of KEY; prints each value it wrote
//   race PATH PREFIX ROUNDS   create(PREFIX/<round>) for each round; prints the rounds it won
//   stream PATH PREFIX        puts PREFIX/<i> = "value-<i>" for i = 0, 1, ... until killed,
//                             printing i once the write is acknowledged
// Any unexpected datastore error is printed on stderr with exit status 1.

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "tabby/api/sqlite_datastore.h"

using tabby::api::DatastoreErrorKind;

int fail(const std::string& message) {
  std::cerr << message << "\n";
  return 1;
}

int main(int argc, char** argv) {
  if (argc < 4) return fail("usage: datastore_sqlite_worker increment|race|stream PATH ARGS...");
  const std::string mode = argv[1];
  tabby::api::SqliteDatastoreOptions options;
  options.path = argv[2];
  options.busy_timeout = std::chrono::seconds(20);
  auto opened = tabby::api::open_sqlite_datastore(options);
  if (!opened) return fail(opened.error().message);
  auto& store = **opened;

  if (mode == "increment" && argc == 5) {
    const std::string key = argv[3];
    const int count = std::atoi(argv[4]);
    for (int i = 0; i < count;) {
      auto current = store.get(key);
      if (!current) return fail(current.error().message);
      const long next = std::stol(current->value) + 1;
      auto updated = store.update(key, std::to_string(next), current->revision);
      if (updated) {
        std::printf("%ld\n", next);
        ++i;
      } else if (!updated.is(DatastoreErrorKind::Conflict)) {
        return fail(updated.error().message);
      }
    }
    return 0;
  }
  if (mode == "race" && argc == 5) {
    const std::string prefix = argv[3];
    const int rounds = std::atoi(argv[4]);
    for (int r = 0; r < rounds; ++r) {
      auto created = store.create(prefix + std::to_string(r), "won");
      if (created) {
        std::printf("%d\n", r);
      } else if (!created.is(DatastoreErrorKind::AlreadyExists)) {
        return fail(created.error().message);
      }
    }
    return 0;
  }
  if (mode == "stream" && argc == 4) {
    const std::string prefix = argv[3];
    for (long i = 0;; ++i) {
      auto put = store.put(prefix + std::to_string(i), "value-" + std::to_string(i));
      if (!put) return fail(put.error().message);
      // Acknowledged: the test may now rely on it being stored.
      std::printf("%ld\n", i);
      std::fflush(stdout);
    }
  }
  return fail("bad arguments for mode " + mode);
}
