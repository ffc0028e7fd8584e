#pragma once
// Per kind: the spec's fields (Calico's names and order), the defaults Calico's client
// library fills in, and the rules that involve more than one field.

#include "schema.h"
#include "tabby/api/resource.h"

namespace tabby::api::detail {

struct KindSchema {
  const Schema* spec;
  const Schema* status;  // null when the kind has none
  void (*apply_defaults)(Json& spec);
  // Cross-field rules over the decoded spec; `spec` paths are prefixed by the caller.
  void (*check)(const Json& spec, const ObjectMeta& metadata, Errors& errors);
};

const KindSchema& kind_schema(Kind kind);
const Schema& metadata_schema();

}  // namespace tabby::api::detail
