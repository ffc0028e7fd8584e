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
// Also the "bgp" logger (bgp_logger), at the same level until set_bgp_log_level.
void setup_logging(std::string_view program, spdlog::level::level_enum level);

// The BGP speaker's logger: the program's sinks under the name "bgp" with a level of its own,
// because BGPConfiguration's logSeverityScreen sets the speaker's level as Calico sets BIRD's
// debug level, apart from Felix's (FELIX_LOGSEVERITYSCREEN). Before setup_logging, the
// default logger.
spdlog::logger& bgp_logger();

// Sets the "bgp" logger's level; nothing before setup_logging (the default logger keeps its).
void set_bgp_log_level(spdlog::level::level_enum level);

}  // namespace tabby
