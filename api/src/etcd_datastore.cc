// The etcd v3 datastore: each operation is one gateway call, compare-and-swap is an etcd
// transaction comparing the key's create_revision (create) or mod_revision (update, delete),
// exactly as Calico's libcalico-go etcdv3 backend does, so both can share one etcd.

#include "tabby/api/etcd_datastore.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>

#include "datastore_watch_thread.h"
#include "etcd_client.h"
#include "tabby/api/datastore_keys.h"
#include "tabby/api/etcd_codec.h"

namespace tabby::api {
namespace {

using detail::EtcdClient;
using etcd::base64_encode;
using etcd::decode_key_value;
using etcd::int64_field;
using nlohmann::json;
using Retry = EtcdClient::Retry;

class EtcdDatastore final : public Datastore {
 public:
  explicit EtcdDatastore(EtcdDatastoreOptions options)
      : client_(std::make_shared<EtcdClient>(std::move(options))) {}

  std::string describe() const override { return client_->describe(); }

  DatastoreResult<KeyValue> get(std::string_view key) override {
    if (auto s = check_key(describe(), key); !s) return s.error();
    auto answer = client_->call("/v3/kv/range", etcd::range_request(key, false), Retry::Idempotent,
                                "get " + std::string(key));
    if (!answer) return answer.error();
    auto kvs = decode_kvs(*answer, "kvs", key);
    if (!kvs) return kvs.error();
    if (kvs->empty()) return not_found(key);
    return std::move(kvs->front());
  }

  DatastoreResult<ListResult> list(std::string_view prefix) override {
    auto answer = client_->call("/v3/kv/range", etcd::range_request(prefix, true),
                                Retry::Idempotent, "list " + std::string(prefix));
    if (!answer) return answer.error();
    auto kvs = decode_kvs(*answer, "kvs", prefix);
    if (!kvs) return kvs.error();
    auto revision = header_revision(*answer, prefix);
    if (!revision) return revision.error();
    return ListResult{std::move(*kvs), *revision};
  }

  DatastoreResult<Revision> create(std::string_view key, std::string_view value) override {
    if (auto s = check_key(describe(), key); !s) return s.error();
    const json body = {
        {"compare",
         {{{"key", base64_encode(key)}, {"target", "CREATE"}, {"create_revision", "0"}}}},
        {"success",
         {{{"request_put", {{"key", base64_encode(key)}, {"value", base64_encode(value)}}}}}},
        {"failure", {{{"request_range", etcd::range_request(key, false)}}}}};
    auto answer = txn(body, "create " + std::string(key));
    if (!answer) return answer.error();
    if (!succeeded(*answer)) {
      auto current = failure_range(*answer, key);
      return DatastoreError{
          DatastoreErrorKind::AlreadyExists,
          "datastore " + describe() + ": key " + std::string(key) + " already exists" +
              (current && !current->empty()
                   ? " (revision " + std::to_string(current->front().revision) + ")"
                   : std::string())};
    }
    return header_revision(*answer, key);
  }

  DatastoreResult<Revision> update(std::string_view key, std::string_view value,
                                   Revision expected_revision) override {
    if (auto s = check_key(describe(), key); !s) return s.error();
    const json body = {
        {"compare", {mod_revision_compare(key, expected_revision)}},
        {"success",
         {{{"request_put", {{"key", base64_encode(key)}, {"value", base64_encode(value)}}}}}},
        {"failure", {{{"request_range", etcd::range_request(key, false)}}}}};
    auto answer = txn(body, "update " + std::string(key));
    if (!answer) return answer.error();
    if (!succeeded(*answer)) return cas_failure(*answer, key, expected_revision);
    return header_revision(*answer, key);
  }

  DatastoreResult<Revision> put(std::string_view key, std::string_view value) override {
    if (auto s = check_key(describe(), key); !s) return s.error();
    auto answer =
        client_->call("/v3/kv/put", {{"key", base64_encode(key)}, {"value", base64_encode(value)}},
                      Retry::SentOnce, "put " + std::string(key));
    if (!answer) return answer.error();
    return header_revision(*answer, key);
  }

  DatastoreResult<KeyValue> remove(std::string_view key,
                                   std::optional<Revision> expected_revision) override {
    if (auto s = check_key(describe(), key); !s) return s.error();
    const json request = {{"key", base64_encode(key)}, {"prev_kv", true}};
    json answer;
    json deletion;
    if (expected_revision) {
      const json body = {{"compare", {mod_revision_compare(key, *expected_revision)}},
                         {"success", {{{"request_delete_range", request}}}},
                         {"failure", {{{"request_range", etcd::range_request(key, false)}}}}};
      auto result = txn(body, "delete " + std::string(key));
      if (!result) return result.error();
      if (!succeeded(*result)) return cas_failure(*result, key, *expected_revision);
      answer = std::move(*result);
      deletion = response_at(answer, "response_delete_range");
    } else {
      auto result = client_->call("/v3/kv/deleterange", request, Retry::SentOnce,
                                  "delete " + std::string(key));
      if (!result) return result.error();
      answer = std::move(*result);
      deletion = answer;
    }
    auto previous = decode_kvs(deletion, "prev_kvs", key);
    if (!previous) return previous.error();
    if (previous->empty()) return not_found(key);
    auto revision = header_revision(answer, key);
    if (!revision) return revision.error();
    KeyValue removed = std::move(previous->front());
    removed.revision = *revision;
    return removed;
  }

  DatastoreResult<std::unique_ptr<Watch>> watch(std::string_view prefix, Revision from_revision,
                                                WatchCallback callback) override;

  DatastoreResult<void> compact(Revision revision) override {
    auto answer = client_->call(
        "/v3/kv/compaction", {{"revision", std::to_string(revision)}, {"physical", true}},
        Retry::Idempotent, "compact at revision " + std::to_string(revision));
    if (!answer) return answer.error();
    return {};
  }

  // Any range answers with the store's revision; it ranges over /calico/ (counting only)
  // because that is what a Calico etcd user is granted access to.
  DatastoreResult<Revision> current_revision() override { return revision_via("/calico/"); }

 private:
  DatastoreError not_found(std::string_view key) const {
    return {DatastoreErrorKind::NotFound,
            "datastore " + describe() + ": key " + std::string(key) + " not found"};
  }
  DatastoreError malformed(std::string_view key, std::string_view what) const {
    return {DatastoreErrorKind::Internal, "datastore " + describe() + ": " + std::string(key) +
                                              ": etcd answered " + std::string(what)};
  }

  DatastoreResult<Revision> revision_via(std::string_view prefix) {
    json body = etcd::range_request(prefix, true);
    body["count_only"] = true;
    auto answer = client_->call("/v3/kv/range", body, Retry::Idempotent, "reading the revision");
    if (!answer) return answer.error();
    return header_revision(*answer, prefix);
  }

  DatastoreResult<json> txn(const json& body, const std::string& what) {
    // A transaction is a write: resent only when etcd says it refused it unapplied.
    return client_->call("/v3/kv/txn", body, Retry::SentOnce, what);
  }

  static json mod_revision_compare(std::string_view key, Revision revision) {
    return {
        {"key", base64_encode(key)}, {"target", "MOD"}, {"mod_revision", std::to_string(revision)}};
  }
  static bool succeeded(const json& answer) {
    return answer.contains("succeeded") && answer["succeeded"].is_boolean() &&
           answer["succeeded"].get<bool>();
  }
  // The first response of a txn's branch, of the given kind ("response_range", ...).
  static json response_at(const json& answer, const char* kind) {
    if (!answer.contains("responses") || !answer["responses"].is_array() ||
        answer["responses"].empty())
      return json::object();
    const auto& first = answer["responses"][0];
    return first.contains(kind) ? first[kind] : json::object();
  }

  DatastoreResult<std::vector<KeyValue>> decode_kvs(const json& answer, const char* field,
                                                    std::string_view key) const {
    std::vector<KeyValue> out;
    if (!answer.is_object() || !answer.contains(field)) return out;  // empty = omitted
    if (!answer[field].is_array())
      return malformed(key, std::string(field) + " that is not a list");
    for (const auto& item : answer[field]) {
      auto kv = decode_key_value(item);
      if (!kv) return malformed(key, "a malformed key-value: " + item.dump());
      out.push_back(std::move(*kv));
    }
    return out;
  }

  DatastoreResult<Revision> header_revision(const json& answer, std::string_view key) const {
    const auto revision =
        answer.contains("header") ? int64_field(answer["header"], "revision") : std::nullopt;
    if (!revision || *revision <= 0) return malformed(key, "no header revision: " + answer.dump());
    return *revision;
  }

  DatastoreResult<std::vector<KeyValue>> failure_range(const json& answer, std::string_view key) {
    return decode_kvs(response_at(answer, "response_range"), "kvs", key);
  }

  DatastoreError cas_failure(const json& answer, std::string_view key, Revision expected) {
    auto current = failure_range(answer, key);
    if (!current) return current.error();
    if (current->empty()) return not_found(key);
    return {DatastoreErrorKind::Conflict,
            "datastore " + describe() + ": key " + std::string(key) + ": revision is " +
                std::to_string(current->front().revision) + ", not the expected " +
                std::to_string(expected) + " (changed by another writer)"};
  }

  std::shared_ptr<EtcdClient> client_;
};

// ---- watch ------------------------------------------------------------------------------

// One watch stream at a time on POST /v3/watch; when it ends for any reason other than
// cancel or compaction, a new one starts on the next endpoint from the revision after the
// last one delivered (or after the last progress notification), so nothing is missed or
// repeated.
void run_etcd_watch(detail::WatchState& state, EtcdClient& client, const std::string& prefix) {
  Revision resume_after = state.last_revision();
  size_t attempt = 0;
  auto backoff = std::chrono::milliseconds(100);
  bool refresh_token = false;
  json create = etcd::range_request(prefix, true);
  create["prev_kv"] = true;
  create["progress_notify"] = true;

  while (!state.stopped()) {
    const std::string endpoint = client.endpoint_for(attempt);
    auto headers = client.auth_headers(refresh_token);
    refresh_token = false;
    if (!headers) {
      spdlog::warn("{}; watch of {} retries", headers.error().message, prefix);
      ++attempt;
      if (!state.sleep_for(backoff)) return;
      backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
      continue;
    }
    auto http = client.make_http_client(endpoint, client.options().watch_idle_timeout);
    create["start_revision"] = std::to_string(resume_after + 1);

    httplib::Request request;
    request.method = "POST";
    request.path = "/v3/watch";
    request.headers = *headers;
    request.set_header("Content-Type", "application/json");
    request.body = json{{"create_request", create}}.dump();

    std::string buffer;
    std::string stream_error;
    std::optional<Revision> compacted;
    bool delivered_any = false;
    auto handle_line = [&](std::string_view line) -> bool {
      const auto message = json::parse(line, nullptr, false);
      if (!message.is_object()) {
        stream_error = "unreadable line: " + std::string(line.substr(0, 200));
        return false;
      }
      if (message.contains("error")) {
        const auto& error = message["error"];
        stream_error = error.is_object() ? error.value("message", error.dump()) : error.dump();
        if (error.is_object() && error.value("grpc_code", 0) == 16) refresh_token = true;
        return false;
      }
      if (!message.contains("result") || !message["result"].is_object()) return true;
      const auto& result = message["result"];
      if (const auto compact = int64_field(result, "compact_revision"); compact && *compact > 0) {
        compacted = *compact;
        return false;
      }
      if (result.value("canceled", false)) {
        stream_error = "canceled by etcd: " + result.value("cancel_reason", std::string());
        return false;
      }
      const bool has_events =
          result.contains("events") && result["events"].is_array() && !result["events"].empty();
      if (!has_events) {
        // A progress notification: everything up to its revision has been sent.
        if (!result.value("created", false) && result.contains("header")) {
          if (const auto r = int64_field(result["header"], "revision"); r && *r > resume_after)
            resume_after = *r;
        }
        return true;
      }
      for (const auto& item : result["events"]) {
        auto kv = item.contains("kv") ? decode_key_value(item["kv"]) : std::nullopt;
        if (!kv) {
          stream_error = "malformed event: " + item.dump();
          return false;
        }
        if (kv->revision <= resume_after) continue;  // already delivered before a reconnect
        WatchEvent event;
        event.type = item.value("type", std::string("PUT")) == "DELETE" ? WatchEvent::Type::Delete
                                                                        : WatchEvent::Type::Put;
        event.key = std::move(kv->key);
        event.revision = kv->revision;
        if (event.type == WatchEvent::Type::Put) event.value = std::move(kv->value);
        if (item.contains("prev_kv")) {
          if (auto previous = decode_key_value(item["prev_kv"]))
            event.previous_value = previous->value;
        }
        if (!state.deliver(event)) return false;
        resume_after = event.revision;
        delivered_any = true;
      }
      return true;
    };
    // A line of an unexpected shape (a field of another type) makes nlohmann::json throw:
    // it ends this stream like any other bad answer, never the process.
    auto handle = [&](std::string_view line) {
      try {
        return handle_line(line);
      } catch (const nlohmann::json::exception& error) {
        stream_error = "unexpected answer (" + std::string(error.what()) + ")";
        return false;
      }
    };
    request.content_receiver = [&](const char* data, size_t length, uint64_t, uint64_t) {
      buffer.append(data, length);
      for (size_t end; (end = buffer.find('\n')) != std::string::npos;) {
        const std::string line = buffer.substr(0, end);
        buffer.erase(0, end + 1);
        if (!line.empty() && !handle(line)) return false;
      }
      return !state.stopped();
    };

    state.set_interrupt([raw = http.get()] { raw->stop(); });
    auto response = http->send(request);
    state.set_interrupt({});
    // A last line without its newline (the stream closed right after it).
    if (!buffer.empty() && !compacted && stream_error.empty() && !state.stopped()) handle(buffer);

    if (compacted) {
      state.deliver(WatchEvent{WatchEvent::Type::Compacted, "", "", *compacted, {}});
      return;
    }
    if (state.stopped()) return;
    if (stream_error.empty()) {
      stream_error = response ? "stream ended (HTTP " + std::to_string(response->status) + ")"
                              : detail::describe_error(response.error());
    }
    spdlog::info("datastore {}: watch of {} on {}: {}; resuming from revision {}",
                 client.describe(), prefix, endpoint, stream_error, resume_after + 1);
    if (delivered_any) backoff = std::chrono::milliseconds(100);
    ++attempt;  // the next endpoint: this one may be gone
    if (!state.sleep_for(backoff)) return;
    backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
  }
}

DatastoreResult<std::unique_ptr<Watch>> EtcdDatastore::watch(std::string_view prefix,
                                                             Revision from_revision,
                                                             WatchCallback callback) {
  if (from_revision < 0) {
    return DatastoreError{DatastoreErrorKind::InvalidArgument,
                          "datastore " + describe() + ": watch of " + std::string(prefix) +
                              ": negative revision " + std::to_string(from_revision)};
  }
  if (from_revision == 0) {
    // Pinning "now" here is what makes every write completed after watch() returns visible.
    // (Through the watched prefix, which a restricted user may read.)
    auto current = revision_via(prefix);
    if (!current) return current.error();
    from_revision = *current + 1;
  }
  auto state = std::make_shared<detail::WatchState>(std::move(callback), from_revision);
  return std::unique_ptr<Watch>(std::make_unique<detail::WatchThread>(
      state, [client = client_, prefix = std::string(prefix)](detail::WatchState& s) {
        run_etcd_watch(s, *client, prefix);
      }));
}

// OpenSSL writes to its socket with write(), not send(MSG_NOSIGNAL): a TLS connection the
// server closed would kill the whole process with SIGPIPE. As gRPC's clients do, ignore it
// (only if nobody installed a handler of their own); the write then fails with EPIPE and the
// call is retried or reported.
void ignore_sigpipe() {
  struct sigaction current {};
  if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
    signal(SIGPIPE, SIG_IGN);
  }
}

DatastoreError bad_option(const std::string& message) {
  return {DatastoreErrorKind::InvalidArgument, "datastore etcdv3: " + message};
}

}  // namespace

DatastoreResult<std::unique_ptr<Datastore>> open_etcd_datastore(
    const EtcdDatastoreOptions& options) {
  if (options.endpoints.empty()) return bad_option("no endpoints (ETCD_ENDPOINTS is empty)");
  for (const auto& endpoint : options.endpoints) {
    const bool http = endpoint.rfind("http://", 0) == 0;
    const bool https = endpoint.rfind("https://", 0) == 0;
    const auto rest = endpoint.substr(http ? 7 : https ? 8 : 0);
    if ((!http && !https) || rest.empty() || rest.find('/') != std::string::npos) {
      return bad_option("endpoint \"" + endpoint +
                        "\" is not of the form http://HOST:PORT or https://HOST:PORT");
    }
  }
  for (const auto& [name, file] : {std::pair{"ETCD_CA_CERT_FILE", &options.ca_cert_file},
                                   std::pair{"ETCD_CERT_FILE", &options.cert_file},
                                   std::pair{"ETCD_KEY_FILE", &options.key_file}}) {
    if (!file->empty() && access(file->c_str(), R_OK) != 0) {
      return bad_option(std::string(name) + " " + *file + " cannot be read");
    }
  }
  if (options.cert_file.empty() != options.key_file.empty()) {
    return bad_option(
        "ETCD_CERT_FILE and ETCD_KEY_FILE go together (a client certificate and its key)");
  }
  if (options.username.empty() != options.password.empty()) {
    return bad_option("ETCD_USERNAME and ETCD_PASSWORD go together");
  }
  for (const auto& endpoint : options.endpoints) {
    if (endpoint.rfind("https://", 0) == 0) ignore_sigpipe();
  }
  return std::unique_ptr<Datastore>(std::make_unique<EtcdDatastore>(options));
}

}  // namespace tabby::api
