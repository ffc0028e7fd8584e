// tabbyctl patch and label as functions: the edits themselves (resource_edit.h) and the
// read-modify-write that survives another writer (edit_commands.h), over the in-memory store.

#include "edit_commands.h"

#include <gmock/gmock.h>

#include <sstream>

#include "resource_edit.h"
#include "tabby/api/codec.h"
#include "tabby/api/datastore_memory.h"
#include "tabby/api/resource_store.h"

namespace tabby::ctl {
namespace {

using ::testing::HasSubstr;

api::Resource pool() {
  return api::parse_resource(R"(apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: p1
  resourceVersion: "7"
  labels: {zone: a, rack: r1}
spec:
  cidr: 10.244.0.0/16
  ipipMode: Always
  natOutgoing: true
)")
      .value();
}

TEST(PatchedResource, AStrategicPatchMergesObjectsAndKeepsTheRest) {
  auto patched = patched_resource(pool(), R"({"spec": {"vxlanMode": "CrossSubnet",
      "ipipMode": "Never"}, "metadata": {"labels": {"rack": null, "row": "3"}}})",
                                  PatchType::kStrategic);
  ASSERT_TRUE(patched.ok()) << patched.error().message;
  EXPECT_EQ(patched->spec["vxlanMode"], "CrossSubnet");
  EXPECT_EQ(patched->spec["ipipMode"], "Never");
  EXPECT_EQ(patched->spec["natOutgoing"], true);
  EXPECT_EQ(patched->spec["cidr"], "10.244.0.0/16");
  EXPECT_EQ(patched->metadata.labels,
            (std::map<std::string, std::string>{{"zone", "a"}, {"row", "3"}}));
  EXPECT_EQ(patched->metadata.resource_version, "7") << "written back over what was read";
}

TEST(PatchedResource, PatchReplaceDropsWhatThePatchDoesNotName) {
  auto patched = patched_resource(
      pool(), R"({"spec": {"$patch": "replace", "cidr": "10.250.0.0/16"}})", PatchType::kStrategic);
  ASSERT_TRUE(patched.ok()) << patched.error().message;
  EXPECT_EQ(patched->spec["cidr"], "10.250.0.0/16");
  EXPECT_EQ(patched->spec["ipipMode"], "Never") << "back to the default";
  EXPECT_EQ(patched->spec.value("natOutgoing", false), false);

  auto deleted = patched_resource(pool(), R"({"metadata": {"labels": {"$patch": "delete"}}})",
                                  PatchType::kStrategic);
  ASSERT_TRUE(deleted.ok()) << deleted.error().message;
  EXPECT_TRUE(deleted->metadata.labels.empty());

  auto unknown =
      patched_resource(pool(), R"({"spec": {"$retainKeys": ["cidr"]}})", PatchType::kStrategic);
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.error().message, HasSubstr("spec.$retainKeys"));
}

TEST(PatchedResource, MergeAndJsonPatches) {
  auto merged = patched_resource(pool(), R"({"spec": {"natOutgoing": null}})", PatchType::kMerge);
  ASSERT_TRUE(merged.ok()) << merged.error().message;
  EXPECT_FALSE(merged->spec.value("natOutgoing", false));

  auto json = patched_resource(pool(),
                               R"([{"op": "test", "path": "/spec/ipipMode", "value": "Always"},
                                   {"op": "replace", "path": "/spec/ipipMode", "value": "CrossSubnet"},
                                   {"op": "add", "path": "/metadata/labels/row", "value": "3"}])",
                               PatchType::kJson);
  ASSERT_TRUE(json.ok()) << json.error().message;
  EXPECT_EQ(json->spec["ipipMode"], "CrossSubnet");
  EXPECT_EQ(json->metadata.labels.at("row"), "3");

  auto failed_test = patched_resource(
      pool(), R"([{"op": "test", "path": "/spec/ipipMode", "value": "Never"}])", PatchType::kJson);
  ASSERT_FALSE(failed_test.ok());
  EXPECT_THAT(failed_test.error().message, HasSubstr("the JSON Patch failed"));
}

TEST(PatchedResource, BadPatchesAreRefusedNamingTheProblem) {
  const auto message = [](std::string_view patch, PatchType type = PatchType::kStrategic) {
    auto patched = patched_resource(pool(), patch, type);
    return patched.ok() ? std::string("accepted") : patched.error().message;
  };
  EXPECT_THAT(message("{\"spec\": "), HasSubstr("the patch is not valid JSON"));
  EXPECT_THAT(message("[1]"), HasSubstr("must be a JSON object"));
  EXPECT_THAT(message(R"({"spec": {}})", PatchType::kJson), HasSubstr("array of operations"));
  EXPECT_THAT(message(R"({"metadata": {"name": "p2"}})"),
              HasSubstr("may not change metadata/name (from \"p1\" to \"p2\")"));
  EXPECT_THAT(message(R"({"kind": "BGPPeer"})"), HasSubstr("may not change kind"));
  // Validated as apply validates: the field and the bad value are named.
  EXPECT_THAT(message(R"({"spec": {"cidr": "10.0.0.0/33"}})"),
              HasSubstr("IPPool \"p1\": spec.cidr: \"10.0.0.0/33\""));
  EXPECT_THAT(message(R"({"spec": {"cdir": "10.0.0.0/8"}})"),
              HasSubstr("spec.cdir: unknown field"));
  EXPECT_THAT(message(R"({"metadata": {"labels": {"bad key!": "x"}}})"),
              HasSubstr("metadata.labels"));
  EXPECT_FALSE(patch_type_from_name("yaml").ok());
  EXPECT_EQ(patch_type_from_name("merge").value(), PatchType::kMerge);
}

TEST(LabelEdits, SetUpdateOverwriteAndRemoveAsCalicoctl) {
  auto resource = pool();
  auto set = apply_label_edit(resource, label_edit_from_arguments("row=3", false, false).value(),
                              "ippools p1");
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(*set, LabelOutcome::kSet);
  EXPECT_EQ(resource.metadata.labels.at("row"), "3");
  EXPECT_EQ(resource.metadata.resource_version, "7");

  auto clash = apply_label_edit(resource, label_edit_from_arguments("zone=b", false, false).value(),
                                "ippools p1");
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().message,
            "failed to update label of ippools p1, key zone is already present. please use "
            "'--overwrite' to set a new value.");
  // The same value again is no clash.
  EXPECT_EQ(apply_label_edit(resource, label_edit_from_arguments("zone=a", false, false).value(),
                             "ippools p1")
                .value(),
            LabelOutcome::kUpdated);
  EXPECT_EQ(apply_label_edit(resource, label_edit_from_arguments("zone=b", true, false).value(),
                             "ippools p1")
                .value(),
            LabelOutcome::kUpdated);
  EXPECT_EQ(resource.metadata.labels.at("zone"), "b");

  EXPECT_EQ(apply_label_edit(resource, label_edit_from_arguments("rack", false, true).value(),
                             "ippools p1")
                .value(),
            LabelOutcome::kRemoved);
  EXPECT_FALSE(resource.metadata.labels.contains("rack"));
  auto missing = apply_label_edit(resource, label_edit_from_arguments("rack", false, true).value(),
                                  "ippools p1");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, "cannot remove label of ippools p1, key rack does not exist");

  auto invalid = apply_label_edit(resource, label_edit_from_arguments("-x=1", false, false).value(),
                                  "ippools p1");
  ASSERT_FALSE(invalid.ok());
  EXPECT_THAT(invalid.error().message, HasSubstr("metadata.labels"));
}

TEST(LabelEdits, ArgumentsThatAreNotALabel) {
  EXPECT_FALSE(label_edit_from_arguments("zone", false, false).ok());
  EXPECT_FALSE(label_edit_from_arguments("=a", false, false).ok());
  EXPECT_FALSE(label_edit_from_arguments("a=b=c", false, false).ok());
  EXPECT_FALSE(label_edit_from_arguments("a=b", false, true).ok());
  EXPECT_FALSE(label_edit_from_arguments("a", true, true).ok());
  auto empty_value = label_edit_from_arguments("a=", false, false);
  ASSERT_TRUE(empty_value.ok());
  EXPECT_EQ(empty_value->value, "");
}

// A store where another writer changes the key between every read and the first `races`
// writes, as the agent rewriting a Node's status does.
class RacingDatastore final : public api::Datastore {
 public:
  RacingDatastore(std::unique_ptr<api::Datastore> inner, int races)
      : inner_(std::move(inner)), races_(races) {}
  std::string describe() const override { return inner_->describe(); }
  api::DatastoreResult<api::KeyValue> get(std::string_view key) override {
    return inner_->get(key);
  }
  api::DatastoreResult<api::ListResult> list(std::string_view prefix) override {
    return inner_->list(prefix);
  }
  api::DatastoreResult<api::Revision> create(std::string_view key,
                                             std::string_view value) override {
    return inner_->create(key, value);
  }
  api::DatastoreResult<api::Revision> update(std::string_view key, std::string_view value,
                                             api::Revision expected) override {
    ++updates;
    if (races_ > 0) {
      --races_;
      auto current = inner_->get(key);
      if (current) (void)inner_->put(key, current->value);  // same value, new revision
    }
    return inner_->update(key, value, expected);
  }
  api::DatastoreResult<api::Revision> put(std::string_view key, std::string_view value) override {
    return inner_->put(key, value);
  }
  api::DatastoreResult<api::KeyValue> remove(std::string_view key,
                                             std::optional<api::Revision> expected) override {
    return inner_->remove(key, expected);
  }
  api::DatastoreResult<std::unique_ptr<api::Watch>> watch(std::string_view prefix,
                                                          api::Revision from,
                                                          api::WatchCallback callback) override {
    return inner_->watch(prefix, from, std::move(callback));
  }
  api::DatastoreResult<void> compact(api::Revision revision) override {
    return inner_->compact(revision);
  }
  api::DatastoreResult<api::Revision> current_revision() override {
    return inner_->current_revision();
  }
  int updates = 0;

 private:
  std::unique_ptr<api::Datastore> inner_;
  int races_;
};

class EditCommandsTest : public ::testing::Test {
 protected:
  void store_pool(int races) {
    store_ = std::make_unique<RacingDatastore>(api::open_memory_datastore(api::make_memory_store()),
                                               races);
    auto resource = pool();
    resource.metadata.resource_version.clear();
    ASSERT_TRUE(api::ResourceStore(*store_).create(resource).ok());
  }
  api::Resource stored() {
    return api::ResourceStore(*store_).get(api::Kind::kIPPool, "", "p1").value();
  }

  std::unique_ptr<RacingDatastore> store_;
  std::ostringstream out_, err_;
  const ResourceRef target_{api::Kind::kIPPool, "", "p1", "ippool p1"};
};

TEST_F(EditCommandsTest, APatchThatLosesARaceIsRedoneOnTheNewRevision) {
  store_pool(2);
  EXPECT_EQ(patch_command(*store_, target_, R"({"spec": {"natOutgoing": false}})",
                          PatchType::kStrategic, out_, err_),
            0)
      << err_.str();
  EXPECT_EQ(out_.str(), "Successfully patched 1 'IPPool' resource\n");
  EXPECT_EQ(store_->updates, 3);
  EXPECT_FALSE(stored().spec.value("natOutgoing", false));
  EXPECT_EQ(stored().spec["cidr"], "10.244.0.0/16");
}

TEST_F(EditCommandsTest, APatchNamingAVersionGetsThatVersionOrAConflict) {
  store_pool(0);
  const std::string version = stored().metadata.resource_version;
  ASSERT_EQ(label_command(*store_, target_, {"row", "1", false}, out_, err_), 0) << err_.str();
  const std::string patch =
      R"({"metadata": {"resourceVersion": ")" + version + R"("}, "spec": {"natOutgoing": false}})";
  EXPECT_EQ(patch_command(*store_, target_, patch, PatchType::kStrategic, out_, err_), 1);
  EXPECT_THAT(err_.str(), HasSubstr("Failed to patch 'IPPool' resource: update conflict"));
  EXPECT_TRUE(stored().spec.value("natOutgoing", false)) << "nothing written";
}

TEST_F(EditCommandsTest, ALabelSurvivesFiveRacesAndReportsTheSixth) {
  store_pool(4);
  ASSERT_EQ(label_command(*store_, target_, {"row", "1", false}, out_, err_), 0) << err_.str();
  EXPECT_EQ(out_.str(), "Successfully set label row on ippool p1\n");
  store_pool(5);
  EXPECT_EQ(label_command(*store_, target_, {"row", "1", false}, out_, err_), 1);
  EXPECT_THAT(err_.str(), HasSubstr("failed to update ippool p1, label not changed"));
  EXPECT_FALSE(stored().metadata.labels.contains("row"));
}

TEST_F(EditCommandsTest, AMissingResourceIsNamed) {
  store_pool(0);
  const ResourceRef missing{api::Kind::kIPPool, "", "p9", "ippools p9"};
  EXPECT_EQ(label_command(*store_, missing, {"row", "1", false}, out_, err_), 1);
  EXPECT_EQ(err_.str(), "ippools p9 not found\n");
  std::ostringstream patch_err;
  EXPECT_EQ(patch_command(*store_, missing, "{}", PatchType::kStrategic, out_, patch_err), 1);
  EXPECT_THAT(patch_err.str(), HasSubstr("resource does not exist: IPPool(p9)"));
}

TEST_F(EditCommandsTest, AResourceWithFieldsThisBuildLacksIsNotRewritten) {
  store_pool(0);
  const std::string key = "/calico/resources/v3/projectcalico.org/ippools/p1";
  const std::string value =
      R"({"kind":"IPPool","apiVersion":"projectcalico.org/v3","metadata":{"name":"p1"},)"
      R"("spec":{"cidr":"10.244.0.0/16","futureMode":"Fast"}})";
  ASSERT_TRUE(store_->put(key, value).ok());
  EXPECT_EQ(patch_command(*store_, target_, R"({"spec": {"natOutgoing": true}})",
                          PatchType::kStrategic, out_, err_),
            1);
  EXPECT_THAT(err_.str(),
              HasSubstr("IPPool(p1) holds fields tabby does not know (spec.futureMode)"));
  EXPECT_EQ(label_command(*store_, target_, {"row", "1", false}, out_, err_), 1);
  EXPECT_EQ(store_->get(key)->value, value) << "the newer Calico's fields were dropped";
}

}  // namespace
}  // namespace tabby::ctl
