// Choosing the datastore from calico-node's environment variables, and the errors for bad
// values.

#include "tabby/api/datastore_factory.h"

#include <gmock/gmock.h>

#include <map>

#include "sqlite_test_dir.h"

namespace tabby::api {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

EnvLookup env(std::map<std::string, std::string> values) {
  return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
    auto it = values.find(std::string(name));
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

TEST(DatastoreFactoryTest, DefaultsToSqliteAtVarLibTabby) {
  auto config = datastore_config_from_env(env({}));
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->type, DatastoreConfig::Type::Sqlite);
  EXPECT_EQ(config->sqlite.path, "/var/lib/tabby/datastore.db");
}

TEST(DatastoreFactoryTest, ReadsSqlitePath) {
  auto config = datastore_config_from_env(
      env({{"DATASTORE_TYPE", "sqlite"}, {"TABBY_DATASTORE_PATH", "/tmp/x.db"}}));
  ASSERT_TRUE(config);
  EXPECT_EQ(config->sqlite.path, "/tmp/x.db");
}

TEST(DatastoreFactoryTest, ReadsEtcdSettingsAsCalicoNamesThem) {
  auto config = datastore_config_from_env(
      env({{"DATASTORE_TYPE", "etcdv3"},
           {"ETCD_ENDPOINTS", "http://10.0.0.1:2379, https://etcd-1:2379/"},
           {"ETCD_CA_CERT_FILE", "/etc/ca.pem"},
           {"ETCD_CERT_FILE", "/etc/cert.pem"},
           {"ETCD_KEY_FILE", "/etc/key.pem"},
           {"ETCD_USERNAME", "calico"},
           {"ETCD_PASSWORD", "s3cret"}}));
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->type, DatastoreConfig::Type::Etcdv3);
  EXPECT_THAT(config->etcd.endpoints, ElementsAre("http://10.0.0.1:2379", "https://etcd-1:2379"));
  EXPECT_EQ(config->etcd.ca_cert_file, "/etc/ca.pem");
  EXPECT_EQ(config->etcd.cert_file, "/etc/cert.pem");
  EXPECT_EQ(config->etcd.key_file, "/etc/key.pem");
  EXPECT_EQ(config->etcd.username, "calico");
  EXPECT_EQ(config->etcd.password, "s3cret");
}

TEST(DatastoreFactoryTest, BadValuesAreNamedInTheError) {
  struct Case {
    std::map<std::string, std::string> env;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{{"DATASTORE_TYPE", "etcd"}}, "DATASTORE_TYPE \"etcd\" is not one of sqlite, etcdv3"},
      {{{"DATASTORE_TYPE", "kubernetes"}}, "DATASTORE_TYPE \"kubernetes\" is not supported"},
      {{{"DATASTORE_TYPE", "etcdv3"}}, "DATASTORE_TYPE is etcdv3 but ETCD_ENDPOINTS is not set"},
      {{{"DATASTORE_TYPE", "etcdv3"}, {"ETCD_ENDPOINTS", "10.0.0.1:2379"}},
       "ETCD_ENDPOINTS entry \"10.0.0.1:2379\" is not of the form http://HOST:PORT"},
      {{{"DATASTORE_TYPE", "etcdv3"}, {"ETCD_ENDPOINTS", "http://a:2379,,http://b:2379"}},
       "ETCD_ENDPOINTS \"http://a:2379,,http://b:2379\" has an empty entry"},
      {{{"DATASTORE_TYPE", "etcdv3"}, {"ETCD_ENDPOINTS", "http://a:2379/v3/kv"}},
       "ETCD_ENDPOINTS entry \"http://a:2379/v3/kv\" is not of the form"},
  };
  for (const auto& c : cases) {
    auto config = datastore_config_from_env(env(c.env));
    ASSERT_FALSE(config) << c.message;
    EXPECT_EQ(config.error().kind, DatastoreErrorKind::InvalidArgument);
    EXPECT_THAT(config.error().message, HasSubstr(c.message));
  }
}

TEST(DatastoreFactoryTest, EtcdSettingsWithoutATypeMeanEtcdv3) {
  auto config = datastore_config_from_env(env({{"ETCD_ENDPOINTS", "http://10.0.0.1:2379"}}));
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->type, DatastoreConfig::Type::Etcdv3);
  EXPECT_EQ(config->type_reason, "DATASTORE_TYPE is not set and ETCD_ENDPOINTS is");
  EXPECT_THAT(config->etcd.endpoints, ElementsAre("http://10.0.0.1:2379"));
  auto srv = datastore_config_from_env(env({{"ETCD_DISCOVERY_SRV", "example.com"}}));
  ASSERT_FALSE(srv);
  EXPECT_THAT(srv.error().message,
              HasSubstr("ETCD_DISCOVERY_SRV \"example.com\" is not supported by tabby"));
  auto given = datastore_config_from_env(
      env({{"DATASTORE_TYPE", "etcdv3"}, {"ETCD_ENDPOINTS", "http://10.0.0.1:2379"}}));
  ASSERT_TRUE(given);
  EXPECT_EQ(given->type_reason, "");
}

TEST(DatastoreFactoryTest, ErrorsNameVariablesAsTheLabelSays) {
  auto config =
      datastore_config_from_env(env({{"DATASTORE_TYPE", "etcd"}}),
                                [](std::string_view name) { return "--" + std::string(name); });
  ASSERT_FALSE(config);
  EXPECT_THAT(config.error().message, HasSubstr("--DATASTORE_TYPE \"etcd\" is not one of"));
}

TEST(DatastoreFactoryTest, EtcdOptionsAreCheckedWhenOpening) {
  EtcdDatastoreOptions options;
  options.endpoints = {"http://127.0.0.1:1"};
  options.ca_cert_file = "/nonexistent/ca.pem";
  auto store = open_etcd_datastore(options);
  ASSERT_FALSE(store);
  EXPECT_THAT(store.error().message,
              HasSubstr("ETCD_CA_CERT_FILE /nonexistent/ca.pem cannot be read"));
  options.ca_cert_file.clear();
  options.username = "calico";
  EXPECT_THAT(open_etcd_datastore(options).error().message,
              HasSubstr("ETCD_USERNAME and ETCD_PASSWORD go together"));
}

TEST(DatastoreFactoryTest, OpensTheConfiguredSqliteFile) {
  test_support::TempDir dir;
  const auto path = (dir.path() / "store.db").string();
  auto config = datastore_config_from_env(env({{"TABBY_DATASTORE_PATH", path}}));
  ASSERT_TRUE(config);
  auto store = open_datastore(*config);
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ((*store)->describe(), "sqlite:" + path);
  EXPECT_TRUE((*store)->put("/calico/k", "v"));
}

TEST(DatastoreFactoryTest, AnUnreachableEtcdIsUnavailableNamingTheEndpoints) {
  EtcdDatastoreOptions options;
  // Port 1 on loopback: refused at once, so the test is quick.
  options.endpoints = {"http://127.0.0.1:1", "http://127.0.0.1:2"};
  options.retry_deadline = std::chrono::milliseconds(300);
  auto store = open_etcd_datastore(options);
  ASSERT_TRUE(store) << store.error().message;
  auto got = (*store)->get("/calico/k");
  ASSERT_TRUE(got.is(DatastoreErrorKind::Unavailable)) << (got ? "found" : got.error().message);
  EXPECT_THAT(got.error().message,
              HasSubstr("datastore etcdv3:http://127.0.0.1:1,http://127.0.0.1:2: get /calico/k"));
  EXPECT_THAT(got.error().message, HasSubstr("no endpoint answered"));
}

}  // namespace
}  // namespace tabby::api
