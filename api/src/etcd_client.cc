#include "etcd_client.h"

#include <chrono>
#include <thread>

#include "tabby/api/etcd_codec.h"

namespace tabby::api::detail {

using nlohmann::json;

std::string describe_error(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection:
      return "cannot connect";
    case httplib::Error::ConnectionTimeout:
      return "connecting timed out";
    case httplib::Error::Read:
      return "connection lost while waiting for the answer";
    case httplib::Error::Write:
      return "connection lost while sending";
    case httplib::Error::SSLConnection:
      return "TLS handshake failed";
    case httplib::Error::SSLLoadingCerts:
      return "cannot load the TLS certificates or key";
    case httplib::Error::SSLServerVerification:
      return "the server's TLS certificate is not trusted (ETCD_CA_CERT_FILE)";
    case httplib::Error::Canceled:
      return "canceled";
    default:
      return httplib::to_string(error);
  }
}

namespace {

struct Exchange {
  httplib::Error error = httplib::Error::Unknown;
  bool answered = false;  // a status and a complete JSON body arrived
  int status = 0;
  std::string body;
};

// One POST. The gateway sends its error bodies chunked with an HTTP trailer
// (Grpc-Trailer-Content-Type), which cpp-httplib 0.11 cannot parse: it reports a read error
// after having received the whole body. So the status and body are captured as they arrive,
// and a complete JSON body counts as the answer whatever the trailer did.
Exchange post(httplib::Client& client, std::string_view path, const httplib::Headers& headers,
              const std::string& payload) {
  Exchange exchange;
  httplib::Request request;
  request.method = "POST";
  request.path = std::string(path);
  request.headers = headers;
  request.set_header("Content-Type", "application/json");
  request.body = payload;
  request.response_handler = [&](const httplib::Response& response) {
    exchange.status = response.status;
    return true;
  };
  request.content_receiver = [&](const char* data, size_t length, uint64_t, uint64_t) {
    exchange.body.append(data, length);
    return true;
  };
  auto result = client.send(request);
  exchange.error = result.error();
  exchange.answered =
      exchange.status != 0 && (result || (exchange.status >= 400 &&
                                          json::parse(exchange.body, nullptr, false).is_object()));
  return exchange;
}

}  // namespace

EtcdClient::EtcdClient(EtcdDatastoreOptions options) : options_(std::move(options)) {
  description_ = "etcdv3:";
  for (size_t i = 0; i < options_.endpoints.size(); ++i) {
    description_ += (i ? "," : "") + options_.endpoints[i];
    auto endpoint = std::make_unique<Endpoint>();
    endpoint->url = options_.endpoints[i];
    endpoints_.push_back(std::move(endpoint));
  }
}

std::unique_ptr<httplib::Client> EtcdClient::make_http_client(
    const std::string& endpoint, std::chrono::milliseconds read_timeout) const {
  auto client = options_.cert_file.empty() ? std::make_unique<httplib::Client>(endpoint)
                                           : std::make_unique<httplib::Client>(
                                                 endpoint, options_.cert_file, options_.key_file);
  if (!options_.ca_cert_file.empty()) client->set_ca_cert_path(options_.ca_cert_file);
  client->enable_server_certificate_verification(true);
  client->set_connection_timeout(options_.dial_timeout);
  client->set_read_timeout(read_timeout);
  client->set_write_timeout(options_.request_timeout);
  client->set_keep_alive(true);
  client->set_tcp_nodelay(true);
  return client;
}

const std::string& EtcdClient::endpoint_for(size_t attempt) const {
  return endpoints_[(preferred_.load() + attempt) % endpoints_.size()]->url;
}

DatastoreResult<std::string> EtcdClient::authenticate() {
  const json body = {{"name", options_.username}, {"password", options_.password}};
  std::string failures;
  for (const auto& endpoint : endpoints_) {
    auto client = make_http_client(endpoint->url, options_.request_timeout);
    const auto exchange = post(*client, "/v3/auth/authenticate", {}, body.dump());
    if (!exchange.answered) {
      failures += "; " + endpoint->url + ": " + describe_error(exchange.error);
      continue;
    }
    const auto answer = json::parse(exchange.body, nullptr, false);
    if (exchange.status == 200 && answer.is_object() && answer.contains("token") &&
        answer["token"].is_string()) {
      return answer["token"].get<std::string>();
    }
    std::string message =
        answer.is_object() && answer.contains("message") && answer["message"].is_string()
            ? answer["message"].get<std::string>()
            : exchange.body;
    return DatastoreError{DatastoreErrorKind::InvalidArgument,
                          "datastore " + description_ + ": authenticating as user " +
                              options_.username + ": " + message};
  }
  return DatastoreError{DatastoreErrorKind::Unavailable,
                        "datastore " + description_ + ": authenticating as user " +
                            options_.username + ": no endpoint answered" + failures};
}

DatastoreResult<httplib::Headers> EtcdClient::auth_headers(bool refresh) {
  if (options_.username.empty()) return httplib::Headers{};
  std::lock_guard lock(token_mutex_);
  if (token_.empty() || refresh) {
    auto token = authenticate();
    if (!token) return token.error();
    token_ = std::move(*token);
  }
  return httplib::Headers{{"Authorization", token_}};
}

DatastoreResult<json> EtcdClient::call(std::string_view path, const json& body, Retry retry,
                                       std::string_view what) {
  const auto deadline = std::chrono::steady_clock::now() + options_.retry_deadline;
  const std::string payload = body.dump();
  const std::string prefix = "datastore " + description_ + ": " + std::string(what) + ": ";
  std::string last_failure;
  bool refreshed_token = false;
  for (size_t attempt = 0;; ++attempt) {
    if (attempt > 0 && attempt % endpoints_.size() == 0) {
      // A whole round failed: give the cluster a moment (an election takes about a second).
      if (std::chrono::steady_clock::now() >= deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    auto headers = auth_headers(false);
    if (!headers) return headers.error();
    const size_t index = (preferred_.load() + (attempt % endpoints_.size())) % endpoints_.size();
    Endpoint& endpoint = *endpoints_[index];

    Exchange exchange;
    {
      std::lock_guard lock(endpoint.mutex);
      if (!endpoint.client)
        endpoint.client = make_http_client(endpoint.url, options_.request_timeout);
      exchange = post(*endpoint.client, path, *headers, payload);
      if (!exchange.answered || exchange.error != httplib::Error::Success)
        endpoint.client.reset();  // a fresh connection next time
    }
    if (!exchange.answered) {
      const auto error = exchange.error;
      last_failure = endpoint.url + ": " + describe_error(error);
      const bool not_sent = error == httplib::Error::Connection ||
                            error == httplib::Error::ConnectionTimeout ||
                            error == httplib::Error::SSLConnection;
      if (error == httplib::Error::SSLLoadingCerts ||
          error == httplib::Error::SSLServerVerification) {
        return DatastoreError{DatastoreErrorKind::Unavailable, prefix + last_failure};
      }
      if (!not_sent && retry == Retry::SentOnce) {
        return DatastoreError{
            DatastoreErrorKind::Unavailable,
            prefix + last_failure + " (outcome unknown: the request may " + "have been applied)"};
      }
      if (std::chrono::steady_clock::now() >= deadline) break;
      continue;
    }
    const auto answer = json::parse(exchange.body, nullptr, false);
    if (exchange.status == 200 && answer.is_object()) {
      preferred_ = index;
      return answer;
    }
    int code = 2;  // UNKNOWN
    std::string message = exchange.body;
    if (answer.is_object()) {
      if (answer.contains("code") && answer["code"].is_number_integer()) code = answer["code"];
      if (answer.contains("message") && answer["message"].is_string()) message = answer["message"];
    }
    last_failure = endpoint.url + ": HTTP " + std::to_string(exchange.status) + ": " + message;
    if (code == 16 && !refreshed_token && !options_.username.empty()) {
      // The token expired (etcd's simple tokens last 5 minutes): log in again once.
      refreshed_token = true;
      if (auto h = auth_headers(true); !h) return h.error();
      --attempt;
      continue;
    }
    const auto kind = etcd::kind_of_grpc_error(code, message);
    // Whatever answered without a message (a proxy, a firewall) is named by its status.
    if (kind != DatastoreErrorKind::Unavailable)
      return DatastoreError{kind,
                            prefix + (message.empty() ? last_failure + "(empty answer)" : message)};
    // No leader, leader changed, timed out, stopping: another member may do better. A write
    // is resent only when etcd says it was refused unapplied ("no leader"); after "leader
    // changed" or "request timed out" it may still be committed.
    if (retry == Retry::SentOnce && message.find("no leader") == std::string::npos) {
      return DatastoreError{DatastoreErrorKind::Unavailable,
                            prefix + last_failure + " (outcome unknown)"};
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
  }
  return DatastoreError{DatastoreErrorKind::Unavailable,
                        prefix + "no endpoint answered in time (last: " + last_failure + ")"};
}

}  // namespace tabby::api::detail
