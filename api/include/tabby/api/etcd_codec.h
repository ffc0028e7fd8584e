#pragma once
// The encodings of etcd v3's JSON gateway (grpc-gateway over etcd's protobufs): keys and
// values are base64, int64 fields are JSON strings, fields at their default value are left
// out (a PUT event has no "type", a failed txn no "succeeded", revision 0 no "mod_revision").
// Pure functions, so they are unit-tested without an etcd.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "tabby/api/datastore.h"

namespace tabby::api::etcd {

std::string base64_encode(std::string_view bytes);
// nullopt if `text` is not valid (padded, standard-alphabet) base64.
std::optional<std::string> base64_decode(std::string_view text);

// An int64 field: absent = 0 (its default), a string of digits, or a plain JSON number.
// nullopt if it is something else.
std::optional<std::int64_t> int64_field(const nlohmann::json& object, std::string_view name);

// A "kv" object (mvccpb.KeyValue) as a KeyValue; nullopt if malformed.
std::optional<KeyValue> decode_key_value(const nlohmann::json& kv);

// The body of a range request for one key, or for every key under a prefix.
nlohmann::json range_request(std::string_view key, bool prefix);

// A gRPC error status in a gateway error body ({"error": "...", "code": 14, "message": ...})
// mapped to a datastore error kind.
DatastoreErrorKind kind_of_grpc_error(int grpc_code, std::string_view message);

}  // namespace tabby::api::etcd
