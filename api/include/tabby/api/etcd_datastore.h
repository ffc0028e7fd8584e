#pragma once
// The etcd v3 datastore (DATASTORE_TYPE=etcdv3): a client of etcd's v3 JSON gateway
// (/v3/kv/range, /v3/kv/put, /v3/kv/txn, /v3/kv/deleterange, /v3/watch) over cpp-httplib,
// laying keys out as Calico's etcdv3 datastore does, so calicoctl and tabbyctl share one
// etcd. See docs/datastore.md.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tabby/api/datastore.h"

namespace tabby::api {

struct EtcdDatastoreOptions {
  // "http://10.0.0.1:2379", "https://etcd-0:2379", ...; tried in turn when one fails.
  std::vector<std::string> endpoints;
  // TLS (https endpoints): CA bundle to verify the server, client certificate and key.
  std::string ca_cert_file;
  std::string cert_file;
  std::string key_file;
  // etcd's own authentication (POST /v3/auth/authenticate); empty = none.
  std::string username;
  std::string password;
  // Connecting to one endpoint / one request, and the time a call keeps trying the
  // endpoints (riding out a leader election) before Unavailable.
  std::chrono::milliseconds dial_timeout{2000};
  std::chrono::milliseconds request_timeout{5000};
  std::chrono::milliseconds retry_deadline{8000};
  // A watch stream that stays silent this long is reconnected (resuming where it was).
  std::chrono::milliseconds watch_idle_timeout{15000};
};

// Checks the options (endpoints' form, files readable); does not contact etcd. With an https
// endpoint, SIGPIPE is set to ignored (if it was at its default): OpenSSL would otherwise let
// a connection closed by the server kill the process.
DatastoreResult<std::unique_ptr<Datastore>> open_etcd_datastore(
    const EtcdDatastoreOptions& options);

}  // namespace tabby::api
