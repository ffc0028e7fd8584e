// The datastore backends' throughput and watch latency on this machine: writes, reads and
// compare-and-swap per second with one and eight writers (each with its own client, as
// separate processes would have), and the time from an acknowledged write to its watch
// event. SQLite runs with synchronous=FULL (every write is an fsync of the WAL); etcd is a
// single local member on loopback (its own fsyncs included).

#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>

#include "etcd_bench_server.h"
#include "tabby/api/etcd_datastore.h"
#include "tabby/api/sqlite_datastore.h"

namespace {

using tabby::api::Datastore;
using tabby::api::Revision;
using tabby::api::WatchEvent;
using Opener = std::unique_ptr<Datastore> (*)(std::string& error);

// One SQLite file for the whole run, in a private temporary directory.
const std::string& sqlite_path() {
  static const std::string path = [] {
    std::string dir = (std::filesystem::temp_directory_path() / "tabby-bench-XXXXXX").string();
    if (!mkdtemp(dir.data())) std::abort();
    std::atexit(
        [] { std::filesystem::remove_all(std::filesystem::path(sqlite_path()).parent_path()); });
    return dir + "/datastore.db";
  }();
  return path;
}

std::unique_ptr<Datastore> open_sqlite(std::string& error) {
  auto store = tabby::api::open_sqlite_datastore({.path = sqlite_path()});
  if (!store) {
    error = store.error().message;
    return nullptr;
  }
  return std::move(*store);
}

std::unique_ptr<Datastore> open_etcd(std::string& error) {
  const std::string url = tabby::bench::benchmark_etcd_url(error);
  if (url.empty()) return nullptr;
  auto store = tabby::api::open_etcd_datastore({.endpoints = {url}});
  if (!store) {
    error = store.error().message;
    return nullptr;
  }
  return std::move(*store);
}

// The store for this benchmark thread, or nullptr after marking the benchmark failed.
std::unique_ptr<Datastore> open_or_skip(benchmark::State& state, Opener open) {
  std::string error;
  auto store = open(error);
  if (!store) state.SkipWithError(error.c_str());
  return store;
}

const std::string kValue(512, 'x');  // about an IPPool or a block affinity

void BM_Put(benchmark::State& state, Opener open) {
  auto store = open_or_skip(state, open);
  if (!store) return;
  const std::string prefix = "/calico/bench/put/" + std::to_string(state.thread_index()) + "/";
  int i = 0;
  for (auto _ : state) {
    if (!store->put(prefix + std::to_string(i++ % 1000), kValue)) {
      state.SkipWithError("put failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_Put, sqlite, open_sqlite)->Threads(1)->Threads(8)->UseRealTime();
BENCHMARK_CAPTURE(BM_Put, etcd, open_etcd)->Threads(1)->Threads(8)->UseRealTime();

void BM_Get(benchmark::State& state, Opener open) {
  auto store = open_or_skip(state, open);
  if (!store) return;
  // Populated once per backend (Google Benchmark calls this function many times).
  static std::mutex populating;
  static std::set<Opener> populated;
  {
    std::lock_guard lock(populating);
    if (populated.insert(open).second) {
      for (int i = 0; i < 100; ++i)
        (void)store->put("/calico/bench/get/" + std::to_string(i), kValue);
    }
  }
  int i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(store->get("/calico/bench/get/" + std::to_string(i++ % 100)));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_Get, sqlite, open_sqlite)->Threads(1)->Threads(8)->UseRealTime();
BENCHMARK_CAPTURE(BM_Get, etcd, open_etcd)->Threads(1)->Threads(8)->UseRealTime();

// Every thread increments one shared counter with get + update(revision), retrying on
// Conflict, as IPAM updates a block; counts the increments that won.
void BM_CompareAndSwap(benchmark::State& state, Opener open) {
  auto store = open_or_skip(state, open);
  if (!store) return;
  const std::string key = "/calico/bench/counter";
  (void)store->create(key, "0");
  std::int64_t conflicts = 0;
  for (auto _ : state) {
    while (true) {
      auto current = store->get(key);
      if (!current) continue;
      auto updated =
          store->update(key, std::to_string(std::stol(current->value) + 1), current->revision);
      if (updated) break;
      ++conflicts;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["conflicts"] = static_cast<double>(conflicts);
}
BENCHMARK_CAPTURE(BM_CompareAndSwap, sqlite, open_sqlite)->Threads(1)->Threads(8)->UseRealTime();
BENCHMARK_CAPTURE(BM_CompareAndSwap, etcd, open_etcd)->Threads(1)->Threads(8)->UseRealTime();

// From put() returning to the watch callback seeing that revision.
void BM_WatchLatency(benchmark::State& state, Opener open) {
  auto writer = open_or_skip(state, open);
  if (!writer) return;
  auto reader = open_or_skip(state, open);
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
BENCHMARK_CAPTURE(BM_WatchLatency, sqlite, open_sqlite)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_WatchLatency, etcd, open_etcd)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace
