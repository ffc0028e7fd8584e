#include "tabby/api/datastore_factory.h"

#include <cstdlib>

namespace tabby::api {

namespace {

DatastoreError invalid(std::string message) {
  return {DatastoreErrorKind::InvalidArgument, "datastore configuration: " + std::move(message)};
}

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return std::string(text.substr(first, last - first + 1));
}

}  // namespace

EnvLookup process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (!value) return std::nullopt;
    return std::string(value);
  };
}

DatastoreResult<DatastoreConfig> datastore_config_from_env(const EnvLookup& lookup,
                                                           const EnvLabel& label) {
  auto get = [&](std::string_view name) -> std::string {
    auto value = lookup(name);
    return value ? trim(*value) : std::string();
  };
  auto named = [&](std::string_view name) { return label ? label(name) : std::string(name); };
  DatastoreConfig config;
  const std::string type = get("DATASTORE_TYPE");
  const bool etcd_given = !get("ETCD_ENDPOINTS").empty() || !get("ETCD_DISCOVERY_SRV").empty();
  if (type.empty() && etcd_given) {
    // Calico's etcd manifests give the etcd settings and no DATASTORE_TYPE.
    config.type = DatastoreConfig::Type::Etcdv3;
    config.type_reason =
        "DATASTORE_TYPE is not set and " +
        named(get("ETCD_ENDPOINTS").empty() ? "ETCD_DISCOVERY_SRV" : "ETCD_ENDPOINTS") + " is";
  } else if (type.empty() || type == "sqlite") {
    config.type = DatastoreConfig::Type::Sqlite;
  } else if (type == "etcdv3") {
    config.type = DatastoreConfig::Type::Etcdv3;
  } else if (type == "kubernetes") {
    return invalid(named("DATASTORE_TYPE") +
                   " \"kubernetes\" is not supported by tabby: use sqlite (the default) or "
                   "etcdv3");
  } else {
    return invalid(named("DATASTORE_TYPE") + " \"" + type + "\" is not one of sqlite, etcdv3");
  }

  if (auto path = get("TABBY_DATASTORE_PATH"); !path.empty()) config.sqlite.path = path;

  const std::string endpoints = get("ETCD_ENDPOINTS");
  size_t start = 0;
  while (start <= endpoints.size() && !endpoints.empty()) {
    const auto comma = endpoints.find(',', start);
    const auto item = trim(std::string_view(endpoints).substr(
        start, comma == std::string::npos ? std::string::npos : comma - start));
    if (item.empty()) {
      return invalid(named("ETCD_ENDPOINTS") + " \"" + endpoints + "\" has an empty entry");
    }
    const bool http = item.rfind("http://", 0) == 0;
    const bool https = item.rfind("https://", 0) == 0;
    std::string rest = item.substr(http ? 7 : https ? 8 : 0);
    if (!rest.empty() && rest.back() == '/') rest.pop_back();  // "http://h:2379/" is common
    if ((!http && !https) || rest.empty() || rest.find('/') != std::string::npos) {
      return invalid(named("ETCD_ENDPOINTS") + " entry \"" + item +
                     "\" is not of the form http://HOST:PORT or https://HOST:PORT");
    }
    config.etcd.endpoints.push_back((http ? "http://" : "https://") + rest);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (config.type == DatastoreConfig::Type::Etcdv3 && config.etcd.endpoints.empty()) {
    // tabby does not look etcd up by DNS SRV records; the members must be listed.
    if (const std::string srv = get("ETCD_DISCOVERY_SRV"); !srv.empty()) {
      return invalid(named("ETCD_DISCOVERY_SRV") + " \"" + srv +
                     "\" is not supported by tabby: list the etcd members in ETCD_ENDPOINTS");
    }
    return invalid(named("DATASTORE_TYPE") + " is etcdv3 but ETCD_ENDPOINTS is not set");
  }
  config.etcd.ca_cert_file = get("ETCD_CA_CERT_FILE");
  config.etcd.cert_file = get("ETCD_CERT_FILE");
  config.etcd.key_file = get("ETCD_KEY_FILE");
  config.etcd.username = get("ETCD_USERNAME");
  config.etcd.password = lookup("ETCD_PASSWORD").value_or("");  // spaces may be meant
  return config;
}

DatastoreResult<std::unique_ptr<Datastore>> open_datastore(const DatastoreConfig& config) {
  switch (config.type) {
    case DatastoreConfig::Type::Sqlite:
      return open_sqlite_datastore(config.sqlite);
    case DatastoreConfig::Type::Etcdv3:
      return open_etcd_datastore(config.etcd);
  }
  return invalid("unknown datastore type");
}

}  // namespace tabby::api
