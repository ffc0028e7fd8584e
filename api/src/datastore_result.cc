#include "tabby/api/datastore_result.h"

namespace tabby::api {

std::string_view to_string(DatastoreErrorKind kind) {
  switch (kind) {
    case DatastoreErrorKind::NotFound:
      return "NotFound";
    case DatastoreErrorKind::AlreadyExists:
      return "AlreadyExists";
    case DatastoreErrorKind::Conflict:
      return "Conflict";
    case DatastoreErrorKind::Unavailable:
      return "Unavailable";
    case DatastoreErrorKind::Compacted:
      return "Compacted";
    case DatastoreErrorKind::InvalidArgument:
      return "InvalidArgument";
    case DatastoreErrorKind::Internal:
      return "Internal";
  }
  return "Unknown";
}

}  // namespace tabby::api
