#include "tabby/api/resource_store.h"

#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <random>

#include "stored_rules.h"
#include "tabby/api/codec.h"

namespace tabby::api {
namespace {

std::string random_uid() {
  std::random_device random;
  std::uniform_int_distribution<int> nibble(0, 15);
  std::string uid = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx";  // RFC 4122 version 4
  for (char& c : uid) {
    if (c == 'x') c = "0123456789abcdef"[nibble(random)];
    if (c == 'y') c = "89ab"[nibble(random) % 4];
  }
  return uid;
}

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

DatastoreError with_message(DatastoreError error, std::string message) {
  error.message = std::move(message);
  return error;
}

// What a user may change: everything but the server-set metadata.
bool same_content(const Resource& a, const Resource& b) {
  return a.spec == b.spec && a.status == b.status && a.metadata.labels == b.metadata.labels &&
         a.metadata.annotations == b.metadata.annotations;
}

constexpr int kApplyAttempts = 5;

}  // namespace

std::string resource_id(Kind kind, std::string_view namespace_, std::string_view name) {
  const KindInfo& info = kind_info(kind);
  if (info.namespaced) return fmt::format("{}({}/{})", info.name, namespace_, name);
  return fmt::format("{}({})", info.name, name);
}

std::string resource_id(const Resource& resource) {
  return resource_id(resource.kind, resource.metadata.namespace_, resource.metadata.name);
}

ResourceStore::ResourceStore(Datastore& datastore)
    : ResourceStore(datastore, random_uid, utc_now) {}

ResourceStore::ResourceStore(Datastore& datastore, std::function<std::string()> make_uid,
                             std::function<std::string()> now_rfc3339)
    : datastore_(datastore), make_uid_(std::move(make_uid)), now_rfc3339_(std::move(now_rfc3339)) {}

DatastoreResult<Resource> ResourceStore::decode(const KeyValue& entry) {
  auto resource = decode_stored_value(entry.key, entry.value, std::to_string(entry.revision));
  if (!resource) {
    return DatastoreError{DatastoreErrorKind::Internal,
                          fmt::format("{}: stored value of {} is invalid: {}",
                                      datastore_.describe(), entry.key, resource.error().message)};
  }
  return std::move(resource).value();
}

DatastoreResult<Resource> ResourceStore::create(Resource resource) {
  return create_within(std::move(resource), {});
}

DatastoreResult<Resource> ResourceStore::create_within(Resource resource,
                                                       std::string_view parent_pool) {
  const std::string id = resource_id(resource);
  if (!resource.metadata.resource_version.empty()) {
    return DatastoreError{
        DatastoreErrorKind::InvalidArgument,
        fmt::format("error with field Metadata.ResourceVersion = '{}' (field must "
                    "not be set for a Create request)",
                    resource.metadata.resource_version)};
  }
  if (auto checked = detail::check_against_stored(datastore_, resource, nullptr, parent_pool);
      !checked) {
    return checked.error();
  }
  if (resource.metadata.uid.empty()) resource.metadata.uid = make_uid_();
  if (resource.metadata.creation_timestamp.empty()) {
    resource.metadata.creation_timestamp = now_rfc3339_();
  }
  auto revision = datastore_.create(resource_key(resource), encode_stored_value(resource));
  if (revision.is(DatastoreErrorKind::AlreadyExists)) {
    return with_message(revision.error(), "resource already exists: " + id);
  }
  if (!revision) return revision.error();
  resource.metadata.resource_version = std::to_string(*revision);
  return resource;
}

DatastoreResult<Resource> ResourceStore::update(Resource resource) {
  const std::string id = resource_id(resource);
  auto stored = datastore_.get(resource_key(resource));
  if (stored.is(DatastoreErrorKind::NotFound)) {
    return with_message(stored.error(), "resource does not exist: " + id);
  }
  if (!stored) return stored.error();
  if (!resource.metadata.resource_version.empty() &&
      resource.metadata.resource_version != std::to_string(stored->revision)) {
    return DatastoreError{DatastoreErrorKind::Conflict,
                          fmt::format("update conflict: {}: resource version '{}' is out of date "
                                      "(stored: '{}')",
                                      id, resource.metadata.resource_version, stored->revision)};
  }
  auto current = decode(*stored);
  if (!current) return current.error();
  // The server-set fields stay as they were.
  resource.metadata.uid = current->metadata.uid;
  resource.metadata.creation_timestamp = current->metadata.creation_timestamp;
  if (same_content(resource, *current)) return current;
  if (auto checked = detail::check_against_stored(datastore_, resource, &*current); !checked) {
    return checked.error();
  }
  auto revision =
      datastore_.update(resource_key(resource), encode_stored_value(resource), stored->revision);
  if (revision.is(DatastoreErrorKind::Conflict)) {
    return with_message(revision.error(), "update conflict: " + id);
  }
  if (revision.is(DatastoreErrorKind::NotFound)) {
    return with_message(revision.error(), "resource does not exist: " + id);
  }
  if (!revision) return revision.error();
  resource.metadata.resource_version = std::to_string(*revision);
  return resource;
}

DatastoreResult<Resource> ResourceStore::apply(Resource resource) {
  for (int attempt = 1;; ++attempt) {
    // A pinned resourceVersion means "update exactly that": no create.
    DatastoreResult<Resource> result =
        resource.metadata.resource_version.empty() ? create(resource) : update(resource);
    if (result.is(DatastoreErrorKind::AlreadyExists)) result = update(resource);
    // Someone else wrote in between (created, changed or deleted it): try again, unless the
    // user pinned a resourceVersion, which then really is out of date.
    const bool raced =
        result.is(DatastoreErrorKind::Conflict) || result.is(DatastoreErrorKind::NotFound);
    if (!raced || !resource.metadata.resource_version.empty() || attempt == kApplyAttempts) {
      return result;
    }
  }
}

DatastoreResult<Resource> ResourceStore::remove(Kind kind, std::string_view namespace_,
                                                std::string_view name,
                                                std::string_view resource_version) {
  const std::string id = resource_id(kind, namespace_, name);
  std::optional<Revision> expected;
  if (!resource_version.empty()) {
    try {
      expected = std::stoll(std::string(resource_version));
    } catch (const std::exception&) {
      return DatastoreError{
          DatastoreErrorKind::InvalidArgument,
          fmt::format("{}: resourceVersion '{}' is not a revision", id, resource_version)};
    }
  }
  auto removed = datastore_.remove(resource_key(kind, namespace_, name), expected);
  if (removed.is(DatastoreErrorKind::NotFound)) {
    return with_message(removed.error(), "resource does not exist: " + id);
  }
  if (removed.is(DatastoreErrorKind::Conflict)) {
    return with_message(removed.error(), "update conflict: " + id);
  }
  if (!removed) return removed.error();
  return decode(*removed);
}

DatastoreResult<Resource> ResourceStore::get(Kind kind, std::string_view namespace_,
                                             std::string_view name) {
  auto stored = datastore_.get(resource_key(kind, namespace_, name));
  if (stored.is(DatastoreErrorKind::NotFound)) {
    return with_message(stored.error(),
                        "resource does not exist: " + resource_id(kind, namespace_, name));
  }
  if (!stored) return stored.error();
  return decode(*stored);
}

DatastoreResult<ResourceList> ResourceStore::list(Kind kind, std::string_view namespace_) {
  auto listed = datastore_.list(resource_prefix(kind, namespace_));
  if (!listed) return listed.error();
  ResourceList list;
  list.revision = listed->revision;
  for (const auto& entry : listed->entries) {
    auto resource = decode(entry);
    if (!resource) return resource.error();
    list.items.push_back(std::move(*resource));
  }
  return list;
}

}  // namespace tabby::api
