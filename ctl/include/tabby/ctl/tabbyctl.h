#pragma once
// tabbyctl as a function, so tests run it in-process: the arguments after the program name,
// standard input, standard output and error, and the environment (DATASTORE_TYPE,
// TABBY_DATASTORE_PATH, ETCD_ENDPOINTS, ... as the agent reads them). Returns the exit
// status: 0 on success, 1 on any error (with one clear line on stderr), as calicoctl.

#include <iosfwd>
#include <string>
#include <vector>

#include "tabby/api/datastore_factory.h"

namespace tabby::ctl {

int run_tabbyctl(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                 std::ostream& err, const api::EnvLookup& env);

}  // namespace tabby::ctl
