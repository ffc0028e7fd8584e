#pragma once
// calicoctl's table output for `get` (-o ps, the default, and -o wide): per-kind columns,
// left-aligned cells separated by three spaces, as Go's tabwriter prints them.

#include <string>
#include <vector>

#include "tabby/api/resource.h"
#include "tabby/common/result.h"

namespace tabby::ctl {

std::string resource_table(const std::vector<api::Resource>& resources, bool wide);

// calicoctl's `-o custom-columns=NAME,CIDR`: the table of only those columns, each one of the
// kind's headings (the wide table's); an unknown one is an error naming the valid ones.
Result<std::string> resource_columns_table(api::Kind kind,
                                           const std::vector<api::Resource>& resources,
                                           const std::vector<std::string>& columns);

}  // namespace tabby::ctl
