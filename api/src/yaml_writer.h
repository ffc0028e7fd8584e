#pragma once
// JSON values written as YAML the way calicoctl prints them (Go's yaml.v2 through
// ghodss/yaml): keys sorted, lists not indented under their key, strings quoted only when
// they would otherwise read as something else.

#include <string>

#include "tabby/api/resource.h"

namespace tabby::api::detail {

std::string write_yaml(const Json& value);

}  // namespace tabby::api::detail
