#include "tabby/common/log.h"

#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <utility>

namespace tabby {

Result<spdlog::level::level_enum> parse_log_level(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  using spdlog::level::level_enum;
  static constexpr std::array<std::pair<std::string_view, level_enum>, 10> kNames{{
      {"trace", level_enum::trace},
      {"debug", level_enum::debug},
      {"info", level_enum::info},
      {"warning", level_enum::warn},
      {"warn", level_enum::warn},
      {"error", level_enum::err},
      {"fatal", level_enum::critical},
      {"critical", level_enum::critical},
      {"panic", level_enum::critical},
      {"none", level_enum::off},
  }};
  for (const auto& [known, level] : kNames) {
    if (lower == known) return level;
  }
  return Error{fmt::format(
      "\"{}\" is not a log level (allowed: trace, debug, info, warning, error, fatal, none)",
      name)};
}

void setup_logging(std::string_view program, spdlog::level::level_enum level) {
  auto logger = spdlog::stderr_color_mt(std::string(program));
  logger->set_pattern("%Y-%m-%d %H:%M:%S.%e [%^%l%$] %n: %v");
  logger->set_level(level);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace tabby
