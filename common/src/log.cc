#include "tabby/common/log.h"

#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

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

namespace {

constexpr const char* kPattern = "%Y-%m-%d %H:%M:%S.%e [%^%l%$] %n: %v";

// The speaker logs from its own thread while the agent may set up logging again (tests):
// a logger once published is kept alive for the life of the process.
std::atomic<spdlog::logger*> bgp_published{nullptr};

}  // namespace

void setup_logging(std::string_view program, spdlog::level::level_enum level) {
  auto logger = spdlog::stderr_color_mt(std::string(program));
  logger->set_pattern(kPattern);
  logger->set_level(level);
  auto bgp =
      std::make_shared<spdlog::logger>("bgp", logger->sinks().begin(), logger->sinks().end());
  bgp->set_pattern(kPattern);
  bgp->set_level(level);
  static std::mutex keep_mutex;
  static std::vector<std::shared_ptr<spdlog::logger>> kept;
  {
    std::lock_guard lock(keep_mutex);
    kept.push_back(bgp);
  }
  bgp_published.store(bgp.get());
  spdlog::set_default_logger(std::move(logger));
}

spdlog::logger& bgp_logger() {
  if (spdlog::logger* bgp = bgp_published.load()) return *bgp;
  return *spdlog::default_logger_raw();
}

void set_bgp_log_level(spdlog::level::level_enum level) {
  if (spdlog::logger* bgp = bgp_published.load()) bgp->set_level(level);
}

}  // namespace tabby
