#pragma once
// calicoctl's table output for `get` (-o ps, the default, and -o wide): per-kind columns,
// left-aligned cells separated by three spaces, as Go's tabwriter prints them.

#include <string>
#include <vector>

#include "tabby/api/resource.h"

namespace tabby::ctl {

std::string resource_table(const std::vector<api::Resource>& resources, bool wide);

}  // namespace tabby::ctl
