#pragma once
// Reading and writing resources: YAML or JSON text (one resource, several `---` documents,
// `<Kind>List` or `List` with `items`), the form calicoctl prints, and the JSON value stored
// under the resource's etcd key.
//
// Reading validates strictly. Every problem is reported, each on its own line, naming the
// resource, the field path and the bad value:
//   IPPool "p1": spec.cidr: "10.0.0.0/33" is not a valid CIDR: prefix length must be 0-32
//   IPPool "p1": spec.cdir: unknown field
// prefixed with `document N: ` when the input holds more than one document and with
// `items[i]: ` inside a list.

#include <string>
#include <string_view>
#include <vector>

#include "tabby/api/resource.h"
#include "tabby/common/result.h"

namespace tabby::api {

// Every resource in the text, in order; empty documents are skipped (an input with none
// gives an empty vector). Fails if any document is invalid.
Result<std::vector<Resource>> parse_resources(std::string_view text);
// Exactly one resource.
Result<Resource> parse_resource(std::string_view text);

// Validates a resource given as JSON (apiVersion, kind, metadata, spec), filling defaults.
// Use it to check a resource built in code: resource_from_json(to_json(r)).
Result<Resource> resource_from_json(const Json& object);

// calicoctl's `-o json` form: kind, apiVersion, metadata, spec, Calico's field order,
// defaults filled in, zero values of omitempty fields left out.
Json to_json(const Resource& resource);
std::string to_json_text(const Resource& resource);  // indented by 2, trailing newline
// calicoctl's `-o yaml` form (keys sorted, as calicoctl prints them).
std::string to_yaml(const Resource& resource);
// A `<Kind>List` (or `List` if the kinds differ), as `calicoctl get` prints several.
std::string to_yaml_list(const std::vector<Resource>& resources,
                         std::string_view list_resource_version = {});
std::string to_json_list_text(const std::vector<Resource>& resources,
                              std::string_view list_resource_version = {});

// The value calico stores in etcd: compact JSON of the whole object without
// metadata.resourceVersion (the key's mod_revision is the resource version).
std::string encode_stored_value(const Resource& resource);
// The inverse, with the revision of the key as resourceVersion. `key` names the input in
// errors and must agree with the resource's kind, namespace and name. Unlike input, a stored
// value may carry fields this build does not know (another writer, say a newer Calico sharing
// the etcd during a migration, put them there): they are left out of the resource and their
// paths ("spec.newField") listed in `ignored_fields`; a bad value of a known field is still an
// error.
Result<Resource> decode_stored_value(std::string_view key, std::string_view value,
                                     std::string_view resource_version,
                                     std::vector<std::string>* ignored_fields = nullptr);

}  // namespace tabby::api
