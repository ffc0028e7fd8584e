#pragma once
// CLI11's parse for every program's main(), with one change: an argument the program does not
// know is reported first. CLI11 checks required options and subcommands before it looks at
// leftovers, so `prog --mistyped-flag` would say "--config is required" and hide the typo.
// Header-only; the program links CLI11.

#include <CLI/CLI.hpp>
#include <optional>

namespace tabby {

// The error to report instead of `error` after a failed parse: the arguments the program does
// not know, when there are any (a request for help is never replaced).
inline std::optional<CLI::ExtrasError> unexpected_arguments(const CLI::App& app,
                                                            const CLI::ParseError& error) {
  if (error.get_exit_code() == 0 || app.remaining().empty()) return std::nullopt;
  return CLI::ExtrasError(app.remaining());
}

// nullopt: parsed, go on. Otherwise the exit status after CLI11 printed help (0) or the error.
inline std::optional<int> parse_command_line(CLI::App& app, int argc, const char* const* argv) {
  try {
    app.parse(argc, argv);
    return std::nullopt;
  } catch (const CLI::ParseError& error) {
    if (auto extras = unexpected_arguments(app, error)) return app.exit(*extras);
    return app.exit(error);
  }
}

}  // namespace tabby
