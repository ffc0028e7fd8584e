// The conformance suite on a real etcd 3.4 (Debian's etcd-server), started by the lab in a
// network namespace and reached over its loopback through the v3 JSON gateway. One etcd
// serves the whole suite; each test has its own key prefix.

#include <gtest/gtest.h>
#include <unistd.h>

#include "datastore_conformance.h"
#include "enter_netns.h"
#include "tabby/api/etcd_datastore.h"
#include "tabby/lab/daemons.h"
#include "tabby/lab/lab.h"

namespace tabby::api::conformance {
namespace {

class EtcdEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    ASSERT_EQ(geteuid(), 0u) << "this lab test needs root (it runs etcd in a network "
                                "namespace): run it as root, e.g. `sudo scripts/run test`";
    lab_ = std::make_unique<lab::Lab>("datastore-etcd");
    auto& ns = lab_->add_node("store");
    etcd_ = &lab_->start_etcd(ns, "etcd", "127.0.0.1");
    inside_ = std::make_unique<lab_support::EnterNetns>(ns.name());
  }
  void TearDown() override {
    inside_.reset();
    lab_.reset();
  }
  static std::string url() { return etcd_ ? etcd_->client_url() : ""; }

 private:
  std::unique_ptr<lab::Lab> lab_;
  static inline lab::Etcd* etcd_ = nullptr;
  std::unique_ptr<lab_support::EnterNetns> inside_;
};

[[maybe_unused]] const auto* const environment =
    ::testing::AddGlobalTestEnvironment(new EtcdEnvironment);

class EtcdBackend final : public ConformanceBackend {
 public:
  std::unique_ptr<Datastore> open() override {
    EtcdDatastoreOptions options;
    options.endpoints = {EtcdEnvironment::url()};
    auto store = open_etcd_datastore(options);
    if (!store) {
      ADD_FAILURE() << store.error().message;
      return nullptr;
    }
    return std::move(*store);
  }
};

INSTANTIATE_TEST_SUITE_P(Etcd, DatastoreConformance,
                         ::testing::Values(BackendFactory{
                             "etcdv3", [] { return std::make_unique<EtcdBackend>(); }}),
                         backend_name);

}  // namespace
}  // namespace tabby::api::conformance
