#pragma once
// Logging: spdlog, configured from Calico's severity names (FELIX_LOGSEVERITYSCREEN,
// the CNI config's log_level) so the same values work unchanged.

#include <spdlog/spdlog.h>

#include <string_view>

#include "tabby/common/result.h"

namespace tabby {

// Accepts Calico's/Felix's names, case-insensitively: trace, debug, info, warning (warn),
// error, fatal (critical, panic), none (off).
Result<spdlog::level::level_enum> parse_log_level(std::string_view name);

// Sets up the default logger for a program: to stderr, "<time> [<level>] <program>: message".
void setup_logging(std::string_view program, spdlog::level::level_enum level);

}  // namespace tabby
