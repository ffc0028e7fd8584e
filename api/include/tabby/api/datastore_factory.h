#pragma once
// Choosing and opening the datastore from configuration, with calico-node's variable names:
//   DATASTORE_TYPE        sqlite | etcdv3   ("kubernetes" is not supported). Unset: etcdv3
//                         when ETCD_ENDPOINTS or ETCD_DISCOVERY_SRV is set (Calico's etcd
//                         manifests set only those), else sqlite.
//   TABBY_DATASTORE_PATH  the SQLite file (default /var/lib/tabby/datastore.db)
//   ETCD_ENDPOINTS        comma-separated http(s)://host:port
//   ETCD_DISCOVERY_SRV    not supported: without ETCD_ENDPOINTS it is an error naming it
//   ETCD_CA_CERT_FILE, ETCD_CERT_FILE, ETCD_KEY_FILE, ETCD_USERNAME, ETCD_PASSWORD
// The agent, the CNI plugins and tabbyctl all use this, so they open the same store.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "tabby/api/datastore.h"
#include "tabby/api/etcd_datastore.h"
#include "tabby/api/sqlite_datastore.h"

namespace tabby::api {

struct DatastoreConfig {
  enum class Type { Sqlite, Etcdv3 };
  Type type = Type::Sqlite;
  // Why `type` was chosen when DATASTORE_TYPE did not say, for the start-up log
  // ("DATASTORE_TYPE is not set and ETCD_ENDPOINTS is"); empty when it was given.
  std::string type_reason;
  SqliteDatastoreOptions sqlite;
  EtcdDatastoreOptions etcd;
};

// Looks a variable up; nullopt when unset. Tests pass a map, programs the environment.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
EnvLookup process_environment();

// How to name a variable in an error: what the user actually set ("--datastore-type",
// "CALICO_DATASTORE_TYPE"). Unset labels a variable by its plain name.
using EnvLabel = std::function<std::string(std::string_view name)>;

// Reads the variables above; an unknown type or a malformed endpoint list is an
// InvalidArgument naming the variable (as `label` names it) and its value. Empty variables
// count as unset.
DatastoreResult<DatastoreConfig> datastore_config_from_env(const EnvLookup& lookup,
                                                           const EnvLabel& label = {});

// Opens the configured backend.
DatastoreResult<std::unique_ptr<Datastore>> open_datastore(const DatastoreConfig& config);

}  // namespace tabby::api
