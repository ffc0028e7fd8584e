#pragma once
// Key-space helpers both backends share: the range a prefix covers, and what a valid key is.

#include <optional>
#include <string>
#include <string_view>

#include "tabby/api/datastore_result.h"

namespace tabby::api {

// The first key after every key that starts with `prefix` (the prefix with its last byte
// incremented, dropping trailing 0xff bytes), as etcd's range_end; nullopt when no such key
// exists ("" or all 0xff: the range runs to the end of the key space).
std::optional<std::string> prefix_range_end(std::string_view prefix);

// A key is any non-empty byte string. `backend` names the store for the message.
DatastoreResult<void> check_key(std::string_view backend, std::string_view key);

}  // namespace tabby::api
