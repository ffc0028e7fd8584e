// The Datastore contract (datastore.h, docs/datastore.md), checked the same way on every
// backend. Instantiated by datastore_sqlite_conformance_test.cc (unit) and
// test/lab/datastore/datastore_etcd_conformance_test.cc (real etcd).

#include "datastore_conformance.h"

#include <gmock/gmock.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <random>
#include <set>
#include <thread>

namespace tabby::api::conformance {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Kind = DatastoreErrorKind;
using Type = WatchEvent::Type;

std::string backend_name(const ::testing::TestParamInfo<BackendFactory>& info) {
  return info.param.name;
}

void DatastoreConformance::SetUp() {
  backend_ = GetParam().make();
  ASSERT_TRUE(backend_);
  store_ = backend_->open();
  ASSERT_TRUE(store_);
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::random_device random;
  prefix_ = "/calico/conformance/" + std::string(info->name()) + "-" + std::to_string(getpid()) +
            "-" + std::to_string(random() % 100000) + "/";
}

namespace {

// Keeps changing a key until the update wins, as IPAM does; returns the winning revision.
Revision increment(Datastore& store, const std::string& key) {
  for (int attempt = 0; attempt < 10000; ++attempt) {
    auto current = store.get(key);
    if (!current) {
      ADD_FAILURE() << current.error().message;
      return 0;
    }
    const int next = std::stoi(current->value) + 1;
    auto updated = store.update(key, std::to_string(next), current->revision);
    if (updated) return *updated;
    if (!updated.is(Kind::Conflict)) {
      ADD_FAILURE() << updated.error().message;
      return 0;
    }
  }
  ADD_FAILURE() << "never won the compare-and-swap on " << key;
  return 0;
}

}  // namespace

// ---- single keys ------------------------------------------------------------------------

TEST_P(DatastoreConformance, GetOfAMissingKeyIsNotFoundNamingStoreAndKey) {
  auto got = store_->get(key("missing"));
  ASSERT_TRUE(got.is(Kind::NotFound)) << (got ? "found" : got.error().message);
  EXPECT_THAT(got.error().message, HasSubstr("datastore " + store_->describe()));
  EXPECT_THAT(got.error().message, HasSubstr(key("missing") + " not found"));
}

TEST_P(DatastoreConformance, CreateThenGetReturnsValueAndRevision) {
  auto created = store_->create(key("p1"), R"({"kind":"IPPool"})");
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_GT(*created, 0);
  auto got = store_->get(key("p1"));
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->key, key("p1"));
  EXPECT_EQ(got->value, R"({"kind":"IPPool"})");
  EXPECT_EQ(got->revision, *created);
  EXPECT_EQ(got->create_revision, *created);
}

TEST_P(DatastoreConformance, CreateOfAnExistingKeyIsAlreadyExistsAndChangesNothing) {
  auto first = store_->create(key("k"), "one");
  ASSERT_TRUE(first) << first.error().message;
  auto second = store_->create(key("k"), "two");
  ASSERT_TRUE(second.is(Kind::AlreadyExists))
      << (second ? "created twice" : second.error().message);
  EXPECT_THAT(second.error().message, HasSubstr(key("k") + " already exists"));
  auto got = store_->get(key("k"));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->value, "one");
  EXPECT_EQ(got->revision, *first);
}

TEST_P(DatastoreConformance, UpdateAtTheCurrentRevisionWins) {
  auto created = store_->create(key("k"), "v1");
  ASSERT_TRUE(created);
  auto updated = store_->update(key("k"), "v2", *created);
  ASSERT_TRUE(updated) << updated.error().message;
  EXPECT_GT(*updated, *created);
  auto got = store_->get(key("k"));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->value, "v2");
  EXPECT_EQ(got->revision, *updated);
  EXPECT_EQ(got->create_revision, *created);  // an update keeps the creation revision
}

TEST_P(DatastoreConformance, UpdateAtAStaleRevisionIsConflictAndChangesNothing) {
  auto created = store_->create(key("k"), "v1");
  ASSERT_TRUE(created);
  auto updated = store_->update(key("k"), "v2", *created);
  ASSERT_TRUE(updated);
  auto stale = store_->update(key("k"), "v3", *created);
  ASSERT_TRUE(stale.is(Kind::Conflict)) << (stale ? "stale update won" : stale.error().message);
  EXPECT_THAT(stale.error().message, HasSubstr(key("k")));
  EXPECT_THAT(stale.error().message, HasSubstr("not the expected " + std::to_string(*created)));
  EXPECT_EQ(store_->get(key("k"))->value, "v2");
}

TEST_P(DatastoreConformance, UpdateOfAMissingKeyIsNotFound) {
  auto updated = store_->update(key("nothing"), "v", 1);
  ASSERT_TRUE(updated.is(Kind::NotFound)) << (updated ? "updated" : updated.error().message);
  EXPECT_TRUE(store_->get(key("nothing")).is(Kind::NotFound));
}

TEST_P(DatastoreConformance, PutCreatesAndReplacesUnconditionally) {
  auto first = store_->put(key("k"), "a");
  ASSERT_TRUE(first) << first.error().message;
  auto second = store_->put(key("k"), "b");
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_GT(*second, *first);
  auto got = store_->get(key("k"));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->value, "b");
  EXPECT_EQ(got->create_revision, *first);
}

TEST_P(DatastoreConformance, RemoveReturnsTheDeletedEntryAndTheKeyIsGone) {
  auto created = store_->create(key("k"), "v");
  ASSERT_TRUE(created);
  auto removed = store_->remove(key("k"));
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_EQ(removed->key, key("k"));
  EXPECT_EQ(removed->value, "v");
  EXPECT_GT(removed->revision, *created);  // the deletion's own revision
  EXPECT_TRUE(store_->get(key("k")).is(Kind::NotFound));
  auto again = store_->remove(key("k"));
  EXPECT_TRUE(again.is(Kind::NotFound)) << (again ? "removed twice" : again.error().message);
}

TEST_P(DatastoreConformance, RemoveWithARevisionIsCompareAndSwap) {
  auto created = store_->create(key("k"), "v1");
  ASSERT_TRUE(created);
  auto updated = store_->update(key("k"), "v2", *created);
  ASSERT_TRUE(updated);
  auto stale = store_->remove(key("k"), *created);
  ASSERT_TRUE(stale.is(Kind::Conflict)) << (stale ? "stale delete won" : stale.error().message);
  EXPECT_EQ(store_->get(key("k"))->value, "v2");
  auto removed = store_->remove(key("k"), *updated);
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_EQ(removed->value, "v2");
  EXPECT_TRUE(store_->remove(key("k"), *updated).is(Kind::NotFound));
}

TEST_P(DatastoreConformance, AnEmptyKeyIsInvalidArgument) {
  EXPECT_TRUE(store_->get("").is(Kind::InvalidArgument));
  EXPECT_TRUE(store_->create("", "v").is(Kind::InvalidArgument));
  EXPECT_TRUE(store_->put("", "v").is(Kind::InvalidArgument));
  EXPECT_TRUE(store_->update("", "v", 1).is(Kind::InvalidArgument));
  EXPECT_TRUE(store_->remove("").is(Kind::InvalidArgument));
}

TEST_P(DatastoreConformance, ValuesRoundTripByteForByte) {
  std::string binary;
  for (int i = 0; i < 256; ++i)
    binary += static_cast<char>(i);
  const std::vector<std::string> values = {"", "{\"a\":\"line1\\nline2\"}\n", "émoji ✓ 日本",
                                           binary, std::string(200000, 'x')};
  for (size_t i = 0; i < values.size(); ++i) {
    const auto k = key("v" + std::to_string(i));
    ASSERT_TRUE(store_->put(k, values[i])) << i;
    auto got = store_->get(k);
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(got->value, values[i]) << "value " << i;
  }
  // Keys are byte strings too (Calico's keys are ASCII paths, but nothing may break on more).
  const auto odd = key("ключ with spaces");
  ASSERT_TRUE(store_->create(odd, "x"));
  EXPECT_EQ(store_->get(odd)->value, "x");
}

// ---- revisions --------------------------------------------------------------------------

TEST_P(DatastoreConformance, EveryWriteGetsAHigherStoreWideRevision) {
  std::vector<Revision> revisions;
  revisions.push_back(*store_->create(key("a"), "1"));
  revisions.push_back(*store_->create(key("b"), "1"));
  revisions.push_back(*store_->update(key("a"), "2", revisions[0]));
  revisions.push_back(*store_->put(key("c"), "1"));
  revisions.push_back(store_->remove(key("b"))->revision);
  for (size_t i = 1; i < revisions.size(); ++i)
    EXPECT_GT(revisions[i], revisions[i - 1]);
  auto current = store_->current_revision();
  ASSERT_TRUE(current);
  EXPECT_GE(*current, revisions.back());
  // A failed write does not consume a revision.
  EXPECT_FALSE(store_->create(key("a"), "x"));
  EXPECT_FALSE(store_->update(key("a"), "x", 1));
  auto after = store_->current_revision();
  ASSERT_TRUE(after);
  EXPECT_EQ(*after, *current);
}

TEST_P(DatastoreConformance, ClientsOfOneStoreSeeEachOthersWrites) {
  auto other = backend_->open();
  ASSERT_TRUE(store_->create(key("shared"), "from-first"));
  auto got = other->get(key("shared"));
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->value, "from-first");
  ASSERT_TRUE(other->update(key("shared"), "from-second", got->revision));
  EXPECT_EQ(store_->get(key("shared"))->value, "from-second");
}

// ---- list -------------------------------------------------------------------------------

TEST_P(DatastoreConformance, ListReturnsExactlyThePrefixSortedWithItsRevision) {
  ASSERT_TRUE(store_->put(key("pools/b"), "B"));
  ASSERT_TRUE(store_->put(key("pools/a"), "A"));
  ASSERT_TRUE(store_->put(key("pools/c/nested"), "C"));
  ASSERT_TRUE(store_->put(key("pools0"), "sibling after the prefix's last byte"));
  ASSERT_TRUE(store_->put(key("pool"), "shorter"));
  auto last = store_->put(key("poolsx"), "not under pools/");
  ASSERT_TRUE(last);

  auto listed = store_->list(key("pools/"));
  ASSERT_TRUE(listed) << listed.error().message;
  std::vector<std::string> keys;
  for (const auto& kv : listed->entries)
    keys.push_back(kv.key);
  EXPECT_THAT(keys, ElementsAre(key("pools/a"), key("pools/b"), key("pools/c/nested")));
  EXPECT_EQ(listed->entries[0].value, "A");
  EXPECT_GE(listed->revision, *last);
  for (const auto& kv : listed->entries)
    EXPECT_LE(kv.revision, listed->revision);

  auto none = store_->list(key("nothing/"));
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->entries.empty());
  EXPECT_GE(none->revision, *last);

  auto all = store_->list("");
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_GE(all->entries.size(), 6u);
}

// ---- watch ------------------------------------------------------------------------------

TEST_P(DatastoreConformance, WatchDeliversEveryChangeInOrderWithPreviousValues) {
  EventCollector events;
  auto watch = store_->watch(key("w/"), 0, events.callback());
  ASSERT_TRUE(watch) << watch.error().message;
  auto writer = backend_->open();
  const Revision r1 = *writer->create(key("w/a"), "1");
  const Revision r2 = *writer->update(key("w/a"), "2", r1);
  const Revision r3 = *writer->put(key("w/b"), "x");
  ASSERT_TRUE(writer->put(key("elsewhere"), "not watched"));
  const Revision r4 = writer->remove(key("w/a"))->revision;

  ASSERT_TRUE(events.wait_for(4)) << events.events().size() << " events";
  auto got = events.events();
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].type, Type::Put);
  EXPECT_EQ(got[0].key, key("w/a"));
  EXPECT_EQ(got[0].value, "1");
  EXPECT_EQ(got[0].revision, r1);
  EXPECT_FALSE(got[0].previous_value);
  EXPECT_EQ(got[1].value, "2");
  EXPECT_EQ(got[1].revision, r2);
  EXPECT_EQ(got[1].previous_value, "1");
  EXPECT_EQ(got[2].key, key("w/b"));
  EXPECT_EQ(got[2].revision, r3);
  EXPECT_EQ(got[3].type, Type::Delete);
  EXPECT_EQ(got[3].key, key("w/a"));
  EXPECT_EQ(got[3].revision, r4);
  EXPECT_EQ(got[3].previous_value, "2");
  EXPECT_EQ((*watch)->last_revision(), r4);
}

TEST_P(DatastoreConformance, WatchFromAPastRevisionReplaysTheHistory) {
  const Revision r1 = *store_->create(key("h/a"), "1");
  const Revision r2 = *store_->put(key("h/a"), "2");
  const Revision r3 = store_->remove(key("h/a"))->revision;
  EventCollector events;
  auto watch = store_->watch(key("h/"), r2, events.callback());
  ASSERT_TRUE(watch) << watch.error().message;
  ASSERT_TRUE(events.wait_for(2));
  auto got = events.events();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].revision, r2);
  EXPECT_EQ(got[0].value, "2");
  EXPECT_EQ(got[1].revision, r3);
  EXPECT_EQ(got[1].type, Type::Delete);
  // And from the very first revision of the key.
  EventCollector all;
  auto watch_all = store_->watch(key("h/"), r1, all.callback());
  ASSERT_TRUE(watch_all);
  ASSERT_TRUE(all.wait_for(3));
  EXPECT_EQ(all.events().front().revision, r1);
}

TEST_P(DatastoreConformance, ListThenWatchFromTheListRevisionMissesNothing) {
  // A writer keeps going while a syncer lists and then watches: the state rebuilt from the
  // list plus the events must be the store's final state.
  auto writer_store = backend_->open();
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::atomic<Revision> last_write{0};
  std::thread writer([&] {
    for (int i = 0; !stop && i < 400; ++i) {
      const auto k = key("s/k" + std::to_string(i % 17));
      if (i % 5 == 4) {
        if (auto removed = writer_store->remove(k)) last_write = removed->revision;
      } else {
        auto put = writer_store->put(k, std::to_string(i));
        ASSERT_TRUE(put) << put.error().message;
        last_write = *put;
      }
      ++written;
    }
  });
  while (written < 40)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto listed = store_->list(key("s/"));
  ASSERT_TRUE(listed) << listed.error().message;
  std::map<std::string, std::string> state;
  for (const auto& kv : listed->entries)
    state[kv.key] = kv.value;
  std::mutex mutex;
  Revision last = listed->revision;
  bool ordered = true;
  auto watch = store_->watch(key("s/"), listed->revision + 1, [&](const WatchEvent& event) {
    std::lock_guard lock(mutex);
    ordered = ordered && event.revision > last;
    last = event.revision;
    if (event.type == Type::Put) {
      state[event.key] = event.value;
    } else {
      state.erase(event.key);
    }
  });
  ASSERT_TRUE(watch) << watch.error().message;
  writer.join();
  auto final_list = store_->list(key("s/"));
  ASSERT_TRUE(final_list);
  for (int i = 0; i < 1000; ++i) {
    {
      std::lock_guard lock(mutex);
      if (last >= last_write) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  (*watch)->cancel();
  std::map<std::string, std::string> expected;
  for (const auto& kv : final_list->entries)
    expected[kv.key] = kv.value;
  std::lock_guard lock(mutex);
  EXPECT_TRUE(ordered);
  EXPECT_EQ(state, expected);
}

TEST_P(DatastoreConformance, CancelStopsDeliveryEvenFromInsideTheCallback) {
  std::atomic<int> calls{0};
  std::unique_ptr<Watch> watch;
  std::mutex mutex;
  auto created = store_->watch(key("c/"), 0, [&](const WatchEvent&) {
    ++calls;
    std::lock_guard lock(mutex);
    watch->cancel();  // allowed: returns without waiting for itself
  });
  ASSERT_TRUE(created) << created.error().message;
  {
    std::lock_guard lock(mutex);
    watch = std::move(*created);
  }
  ASSERT_TRUE(store_->put(key("c/1"), "a"));
  ASSERT_TRUE(store_->put(key("c/2"), "b"));
  for (int i = 0; i < 500 && calls == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(store_->put(key("c/3"), "c"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(calls, 1);

  // cancel() from outside: once it returns, nothing more arrives.
  EventCollector events;
  auto second = store_->watch(key("c/"), 0, events.callback());
  ASSERT_TRUE(second);
  ASSERT_TRUE(store_->put(key("c/4"), "d"));
  ASSERT_TRUE(events.wait_for(1));
  (*second)->cancel();
  ASSERT_TRUE(store_->put(key("c/5"), "e"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(events.events().size(), 1u);
}

TEST_P(DatastoreConformance, ANegativeWatchRevisionIsInvalidArgument) {
  auto watch = store_->watch(key("x/"), -1, [](const WatchEvent&) {});
  EXPECT_TRUE(watch.is(Kind::InvalidArgument));
}

// ---- compaction -------------------------------------------------------------------------

TEST_P(DatastoreConformance, WatchFromCompactedHistoryIsToldToListAgain) {
  const Revision r1 = *store_->create(key("old/a"), "1");
  ASSERT_TRUE(store_->put(key("old/a"), "2"));
  const Revision r3 = *store_->put(key("old/a"), "3");
  auto compacted = store_->compact(r3);
  ASSERT_TRUE(compacted) << compacted.error().message;

  // Current values survive compaction.
  EXPECT_EQ(store_->get(key("old/a"))->value, "3");

  EventCollector events;
  auto watch = store_->watch(key("old/"), r1, events.callback());
  ASSERT_TRUE(watch) << watch.error().message;
  ASSERT_TRUE(events.wait_for(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto got = events.events();
  ASSERT_EQ(got.size(), 1u) << "Compacted must be the only and last event";
  EXPECT_EQ(got[0].type, Type::Compacted);
  EXPECT_GE(got[0].revision, r3);

  // From the compaction revision on, history is still there.
  EventCollector recent;
  auto from_r3 = store_->watch(key("old/"), r3, recent.callback());
  ASSERT_TRUE(from_r3);
  ASSERT_TRUE(recent.wait_for(1));
  EXPECT_EQ(recent.events()[0].type, Type::Put);
  EXPECT_EQ(recent.events()[0].value, "3");
}

TEST_P(DatastoreConformance, CompactingTwiceOrIntoTheFutureFailsByKind) {
  const Revision r = *store_->put(key("k"), "v");
  ASSERT_TRUE(store_->compact(r));
  auto again = store_->compact(r);
  EXPECT_TRUE(again.is(Kind::Compacted)) << (again ? "ok" : again.error().message);
  auto future = store_->compact(r + 1000000);
  EXPECT_TRUE(future.is(Kind::InvalidArgument)) << (future ? "ok" : future.error().message);
}

// ---- concurrency ------------------------------------------------------------------------

TEST_P(DatastoreConformance, CompareAndSwapFromManyClientsLosesNoIncrement) {
  ASSERT_TRUE(store_->create(key("counter"), "0"));
  constexpr int kClients = 4;
  constexpr int kIncrements = 25;
  std::vector<std::thread> threads;
  std::vector<std::vector<Revision>> won(kClients);
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      auto client = backend_->open();
      for (int i = 0; i < kIncrements; ++i)
        won[c].push_back(increment(*client, key("counter")));
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(store_->get(key("counter"))->value, std::to_string(kClients * kIncrements));
  std::set<Revision> distinct;
  for (const auto& revisions : won)
    distinct.insert(revisions.begin(), revisions.end());
  EXPECT_EQ(distinct.size(), static_cast<size_t>(kClients * kIncrements));
}

TEST_P(DatastoreConformance, ExactlyOneCreateWinsEachRound) {
  constexpr int kClients = 4;
  constexpr int kRounds = 20;
  std::vector<std::thread> threads;
  std::atomic<int> wins[kRounds] = {};
  std::atomic<int> other_errors{0};
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      auto client = backend_->open();
      for (int r = 0; r < kRounds; ++r) {
        auto created = client->create(key("round/" + std::to_string(r)), std::to_string(c));
        if (created) {
          ++wins[r];
        } else if (!created.is(Kind::AlreadyExists)) {
          ++other_errors;
        }
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(other_errors, 0);
  for (int r = 0; r < kRounds; ++r)
    EXPECT_EQ(wins[r], 1) << "round " << r;
}

}  // namespace tabby::api::conformance
