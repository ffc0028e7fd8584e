// ResourceStore over a real SQLite datastore: Calico's client semantics for create, update,
// apply and delete, including compare-and-swap on resourceVersion.

#include "tabby/api/resource_store.h"

#include <gmock/gmock.h>
#include <unistd.h>

#include <filesystem>

#include "tabby/api/codec.h"
#include "tabby/api/sqlite_datastore.h"

namespace tabby::api {
namespace {

using ::testing::HasSubstr;

Resource pool(const std::string& name, const std::string& cidr) {
  return *parse_resource("apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: " +
                         name + "}\nspec: {cidr: " + cidr + "}\n");
}

class ResourceStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("resource-store-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db");
    auto opened = open_sqlite_datastore({.path = path_.string()});
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    datastore_ = std::move(*opened);
    int counter = 0;
    store_ = std::make_unique<ResourceStore>(
        *datastore_, [counter]() mutable { return "uid-" + std::to_string(++counter); },
        [] { return std::string("2026-11-22T00:00:00Z"); });
  }
  void TearDown() override {
    store_.reset();
    datastore_.reset();
    for (const char* suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(path_.string() + suffix);
  }

  std::filesystem::path path_;
  std::unique_ptr<Datastore> datastore_;
  std::unique_ptr<ResourceStore> store_;
};

TEST_F(ResourceStoreTest, CreateSetsServerFieldsAndRefusesAResourceVersion) {
  auto created = store_->create(pool("p1", "10.0.0.0/16"));
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->metadata.uid, "uid-1");
  EXPECT_EQ(created->metadata.creation_timestamp, "2026-11-22T00:00:00Z");
  EXPECT_FALSE(created->metadata.resource_version.empty());
  auto fetched = store_->get(Kind::kIPPool, "", "p1");
  ASSERT_TRUE(fetched.ok());
  EXPECT_EQ(*fetched, *created);

  auto again = store_->create(pool("p1", "10.0.0.0/16"));
  EXPECT_TRUE(again.is(DatastoreErrorKind::AlreadyExists));
  EXPECT_EQ(again.error().message, "resource already exists: IPPool(p1)");

  Resource pinned = pool("p2", "10.1.0.0/16");
  pinned.metadata.resource_version = "7";
  EXPECT_TRUE(store_->create(pinned).is(DatastoreErrorKind::InvalidArgument));
}

TEST_F(ResourceStoreTest, UpdateKeepsServerFieldsAndComparesTheVersion) {
  auto created = *store_->create(pool("p1", "10.0.0.0/16"));
  Resource changed = pool("p1", "10.0.0.0/16");
  changed.spec["natOutgoing"] = true;
  changed.metadata.resource_version = created.metadata.resource_version;
  auto updated = store_->update(changed);
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_EQ(updated->metadata.uid, created.metadata.uid);
  EXPECT_EQ(updated->metadata.creation_timestamp, created.metadata.creation_timestamp);
  EXPECT_NE(updated->metadata.resource_version, created.metadata.resource_version);

  // The same stale version again: someone (we) changed it since.
  changed.spec["natOutgoing"] = false;
  auto stale = store_->update(changed);
  EXPECT_TRUE(stale.is(DatastoreErrorKind::Conflict));
  EXPECT_THAT(stale.error().message, HasSubstr("update conflict: IPPool(p1)"));
  EXPECT_TRUE(store_->update(pool("p9", "10.9.0.0/16")).is(DatastoreErrorKind::NotFound));
}

TEST_F(ResourceStoreTest, ApplyCreatesUpdatesAndLeavesIdenticalResourcesAlone) {
  auto first = store_->apply(pool("p1", "10.0.0.0/16"));
  ASSERT_TRUE(first.ok()) << first.error().message;
  const auto revision = *datastore_->current_revision();
  auto same = store_->apply(pool("p1", "10.0.0.0/16"));
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(*datastore_->current_revision(), revision) << "an identical apply wrote";
  EXPECT_EQ(same->metadata.resource_version, first->metadata.resource_version);

  Resource changed = pool("p1", "10.0.0.0/16");
  changed.metadata.labels["zone"] = "a";
  auto updated = store_->apply(changed);
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->metadata.labels.at("zone"), "a");
  EXPECT_EQ(updated->metadata.uid, first->metadata.uid);
  EXPECT_GT(*datastore_->current_revision(), revision);
}

TEST_F(ResourceStoreTest, DeleteReturnsWhatWasStoredAndHonoursAVersion) {
  auto created = *store_->create(pool("p1", "10.0.0.0/16"));
  const std::string other = std::to_string(std::stoll(created.metadata.resource_version) + 100);
  EXPECT_TRUE(store_->remove(Kind::kIPPool, "", "p1", other).is(DatastoreErrorKind::Conflict));
  auto removed = store_->remove(Kind::kIPPool, "", "p1", created.metadata.resource_version);
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_EQ(removed->spec["cidr"], "10.0.0.0/16");
  EXPECT_TRUE(store_->remove(Kind::kIPPool, "", "p1").is(DatastoreErrorKind::NotFound));
  EXPECT_TRUE(store_->remove(Kind::kIPPool, "", "p1", "x").is(DatastoreErrorKind::InvalidArgument));
}

TEST_F(ResourceStoreTest, APoolMayNotOverlapAnotherAsInCalicosClient) {
  ASSERT_TRUE(store_->create(pool("p1", "10.0.0.0/16")).ok());
  ASSERT_TRUE(store_->create(pool("v6", "fd00::/64")).ok());
  auto inside = store_->create(pool("p2", "10.0.4.0/24"));
  EXPECT_TRUE(inside.is(DatastoreErrorKind::InvalidArgument));
  EXPECT_EQ(inside.error().message,
            "IPPool \"p2\": spec.cidr: \"10.0.4.0/24\" overlaps with IPPool(p1) CIDR 10.0.0.0/16");
  EXPECT_TRUE(store_->apply(pool("p3", "10.0.0.0/8")).is(DatastoreErrorKind::InvalidArgument))
      << "a pool around another";
  EXPECT_TRUE(store_->apply(pool("p4", "10.1.0.0/16")).ok()) << "a neighbour";
  EXPECT_TRUE(store_->apply(pool("p5", "fd00:1::/64")).ok());
  // The pool itself, applied again, is no overlap.
  Resource same = pool("p1", "10.0.0.0/16");
  same.spec["natOutgoing"] = true;
  EXPECT_TRUE(store_->apply(same).ok());
}

TEST_F(ResourceStoreTest, APoolsCidrAndBlockSizeCannotChange) {
  ASSERT_TRUE(store_->create(pool("p1", "10.0.0.0/16")).ok());
  auto moved = store_->apply(pool("p1", "10.0.0.0/15"));
  EXPECT_TRUE(moved.is(DatastoreErrorKind::InvalidArgument));
  EXPECT_THAT(moved.error().message,
              HasSubstr("IPPool \"p1\": spec.cidr: cannot be modified (from 10.0.0.0/16 to "
                        "10.0.0.0/15)"));
  Resource resized = pool("p1", "10.0.0.0/16");
  resized.spec["blockSize"] = 28;
  auto resize = store_->apply(resized);
  EXPECT_TRUE(resize.is(DatastoreErrorKind::InvalidArgument));
  EXPECT_THAT(resize.error().message,
              HasSubstr("spec.blockSize: cannot be modified (from 26 to 28)"));
  EXPECT_EQ(store_->get(Kind::kIPPool, "", "p1")->spec["cidr"], "10.0.0.0/16");

  Resource balancer = pool("lb", "10.9.0.0/24");
  balancer.spec["allowedUses"] = Json::array({"LoadBalancer"});
  ASSERT_TRUE(store_->create(*resource_from_json(to_json(balancer))).ok());
  Resource workload = pool("lb", "10.9.0.0/24");
  EXPECT_THAT(store_->apply(workload).error().message,
              HasSubstr("cannot be changed from LoadBalancer to Workload or Tunnel"));
}

TEST_F(ResourceStoreTest, ANewPoolMustFitTheBlocksAlreadyInItsRange) {
  // A /28 block left by an earlier pool of that block size.
  ASSERT_TRUE(datastore_->put("/calico/ipam/v2/assignment/ipv4/block/10.5.0.16-28", "{}").ok());
  auto refused = store_->create(pool("p1", "10.5.0.0/16"));
  EXPECT_TRUE(refused.is(DatastoreErrorKind::InvalidArgument));
  EXPECT_THAT(refused.error().message,
              HasSubstr("spec.blockSize: 26 conflicts with the existing block 10.5.0.16/28"));
  Resource fitting = pool("p1", "10.5.0.0/16");
  fitting.spec["blockSize"] = 28;
  EXPECT_TRUE(store_->create(fitting).ok());
}

TEST_F(ResourceStoreTest, ListIsSortedWithTheSnapshotRevision) {
  ASSERT_TRUE(store_->create(pool("b", "10.2.0.0/16")).ok());
  ASSERT_TRUE(store_->create(pool("a", "10.1.0.0/16")).ok());
  auto list = store_->list(Kind::kIPPool);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->items.size(), 2u);
  EXPECT_EQ(list->items[0].metadata.name, "a");
  EXPECT_EQ(list->revision, *datastore_->current_revision());
}

TEST_F(ResourceStoreTest, AStoredValueThatNoLongerValidatesIsReportedNotHidden) {
  ASSERT_TRUE(
      datastore_->put("/calico/resources/v3/projectcalico.org/ippools/bad", "{not json").ok());
  auto got = store_->get(Kind::kIPPool, "", "bad");
  ASSERT_FALSE(got.ok());
  EXPECT_THAT(got.error().message, HasSubstr("/calico/resources/v3/projectcalico.org/ippools/bad"));
  EXPECT_FALSE(store_->list(Kind::kIPPool).ok());
}

}  // namespace
}  // namespace tabby::api
