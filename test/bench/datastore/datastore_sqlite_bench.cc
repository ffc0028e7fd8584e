// The SQLite datastore's throughput and watch latency on this machine's disk (synchronous=FULL:
// every write is an fsync of the WAL): writes, reads and compare-and-swap per second with one
// and eight writers (each with its own connection, as separate processes would have), and
// the time from an acknowledged write to its watch event.

#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>

#include "tabby/api/sqlite_datastore.h"

namespace {

using tabby::api::Datastore;
using tabby::api::Revision;
using tabby::api::WatchEvent;

// One database file for the whole run, in a private temporary directory.
const std::string& database_path() {
  static const std::string path = [] {
    std::string dir = (std::filesystem::temp_directory_path() / "tabby-bench-XXXXXX").string();
    if (!mkdtemp(dir.data())) std::abort();
    std::atexit(
        [] { std::filesystem::remove_all(std::filesystem::path(database_path()).parent_path()); });
    return dir + "/datastore.db";
  }();
  return path;
}

std::unique_ptr<Datastore> open_store() {
  auto store = tabby::api::open_sqlite_datastore({.path = database_path()});
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().message.c_str());
    std::abort();
  }
  return std::move(*store);
}

const std::string kValue(512, 'x');  // about an IPPool or a block affinity

void BM_SqlitePut(benchmark::State& state) {
  auto store = open_store();
  const std::string prefix = "/calico/bench/put/" + std::to_string(state.thread_index()) + "/";
  int i = 0;
  for (auto _ : state) {
    if (!store->put(prefix + std::to_string(i++ % 1000), kValue)) state.SkipWithError("put failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SqlitePut)->Threads(1)->Threads(8)->UseRealTime();

void BM_SqliteGet(benchmark::State& state) {
  auto store = open_store();
  static std::once_flag populated;
  std::call_once(populated, [&] {
    for (int i = 0; i < 1000; ++i)
      (void)store->put("/calico/bench/get/" + std::to_string(i), kValue);
  });
  int i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(store->get("/calico/bench/get/" + std::to_string(i++ % 1000)));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SqliteGet)->Threads(1)->Threads(8)->UseRealTime();

// Every thread increments one shared counter with get + update(revision), retrying on
// Conflict, as IPAM updates a block; counts the increments that won.
void BM_SqliteCompareAndSwap(benchmark::State& state) {
  auto store = open_store();
  const std::string key = "/calico/bench/counter";
  if (state.thread_index() == 0) (void)store->put(key, "0");
  std::int64_t conflicts = 0;
  for (auto _ : state) {
    while (true) {
      auto current = store->get(key);
      if (!current) continue;  // the first thread may not have created it yet
      auto updated =
          store->update(key, std::to_string(std::stol(current->value) + 1), current->revision);
      if (updated) break;
      ++conflicts;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["conflicts"] = static_cast<double>(conflicts);
}
BENCHMARK(BM_SqliteCompareAndSwap)->Threads(1)->Threads(8)->UseRealTime();

// From put() returning to the watch callback seeing that revision.
void BM_SqliteWatchLatency(benchmark::State& state) {
  auto writer = open_store();
  auto reader = open_store();
  std::mutex mutex;
  std::condition_variable seen;
  Revision last_seen = 0;
  auto watch = reader->watch("/calico/bench/watch/", 0, [&](const WatchEvent& event) {
    std::lock_guard lock(mutex);
    last_seen = event.revision;
    seen.notify_all();
  });
  if (!watch) {
    state.SkipWithError(watch.error().message.c_str());
    return;
  }
  for (auto _ : state) {
    auto revision = writer->put("/calico/bench/watch/k", kValue);
    const auto acknowledged = std::chrono::steady_clock::now();
    std::unique_lock lock(mutex);
    seen.wait(lock, [&] { return last_seen >= *revision; });
    state.SetIterationTime(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - acknowledged).count());
  }
}
BENCHMARK(BM_SqliteWatchLatency)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace
