#pragma once
// The HTTP side of the etcd datastore: unary calls to the v3 JSON gateway with failover
// across endpoints and etcd authentication, and the HTTP clients a watch stream uses.

#include <httplib.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "tabby/api/etcd_datastore.h"

namespace tabby::api::detail {

// What went wrong on the wire, in words ("cannot connect", "TLS handshake failed", ...).
std::string describe_error(httplib::Error error);

class EtcdClient {
 public:
  explicit EtcdClient(EtcdDatastoreOptions options);

  const EtcdDatastoreOptions& options() const { return options_; }
  // "etcdv3:http://a:2379,http://b:2379"
  const std::string& describe() const { return description_; }

  // Whether a call may be sent again after a failure that happened once the request may have
  // reached etcd: reads may; writes may not (a retried create would report AlreadyExists for
  // its own success), they fail Unavailable with "outcome unknown".
  enum class Retry { Idempotent, SentOnce };

  // POSTs `body` to `path` ("/v3/kv/range"), trying the endpoints in turn (starting with the
  // last one that worked) until one answers or retry_deadline passes. `what` names the
  // operation and key for messages.
  DatastoreResult<nlohmann::json> call(std::string_view path, const nlohmann::json& body,
                                       Retry retry, std::string_view what);

  // A fresh HTTP client for `endpoint` with the TLS settings, for a watch stream.
  std::unique_ptr<httplib::Client> make_http_client(const std::string& endpoint,
                                                    std::chrono::milliseconds read_timeout) const;
  // The endpoint a new stream should try on its `attempt`-th connection.
  const std::string& endpoint_for(size_t attempt) const;
  // The Authorization header, fetching a token first if authentication is configured.
  DatastoreResult<httplib::Headers> auth_headers(bool refresh);

 private:
  struct Endpoint {
    std::string url;
    std::mutex mutex;  // an httplib::Client serves one request at a time
    std::unique_ptr<httplib::Client> client;
  };
  DatastoreResult<std::string> authenticate();

  EtcdDatastoreOptions options_;
  std::string description_;
  std::vector<std::unique_ptr<Endpoint>> endpoints_;
  std::atomic<size_t> preferred_{0};
  std::mutex token_mutex_;
  std::string token_;
};

}  // namespace tabby::api::detail
