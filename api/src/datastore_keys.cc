#include "tabby/api/datastore_keys.h"

namespace tabby::api {

std::optional<std::string> prefix_range_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(end.back());
    if (last != 0xff) {
      ++last;
      return end;
    }
    end.pop_back();
  }
  return std::nullopt;
}

DatastoreResult<void> check_key(std::string_view backend, std::string_view key) {
  if (key.empty()) {
    return DatastoreError{DatastoreErrorKind::InvalidArgument,
                          "datastore " + std::string(backend) + ": the key is empty"};
  }
  return {};
}

}  // namespace tabby::api
