#pragma once
// Parsers for the value forms calico-node's variables use. Each returns the value, or an
// error that says only what is allowed ("use Always, CrossSubnet or Never"); load_config
// puts the variable and the value in front.

#include <chrono>
#include <cstdint>
#include <string_view>

#include "tabby/agent/config.h"
#include "tabby/common/result.h"

namespace tabby::agent {

// Never (also "off" and empty), Always, CrossSubnet (also "cross-subnet"); any case.
Result<EncapsulationMode> parse_encapsulation_mode(std::string_view text);

// Calico's pool booleans (CALICO_IPVxPOOL_NAT_OUTGOING): false, 0, no, n, f (any case) are
// false; anything else is true. Never an error.
bool parse_lenient_bool(std::string_view text);

// Felix's booleans: true, 1, yes, y, t / false, 0, no, n, f (any case).
Result<bool> parse_felix_bool(std::string_view text);

// A decimal integer within [min, max].
Result<std::uint64_t> parse_unsigned(std::string_view text, std::uint64_t min, std::uint64_t max);

// Felix's "seconds" settings: a non-negative decimal number of seconds ("90", "2.5").
Result<std::chrono::milliseconds> parse_seconds(std::string_view text);

// A Go duration ("60s", "1m30s", "500ms", "2h"); must be positive.
Result<std::chrono::milliseconds> parse_go_duration(std::string_view text);

// An AS number: plain ("64512", up to 4294967295) or asdot ("1.10" = 65546).
Result<std::uint32_t> parse_as_number(std::string_view text);

}  // namespace tabby::agent
