#pragma once
// ROUTE-REFRESH (RFC 2918) and the Beginning/End-of-Route-Refresh subtypes of RFC 7313.

#include <cstdint>

#include "tabby/bgp/wire_types.h"

namespace tabby::bgp {

enum class RouteRefreshSubtype : std::uint8_t {
  kRequest = 0,
  kBeginningOfRouteRefresh = 1,
  kEndOfRouteRefresh = 2,
};

struct RouteRefreshMessage {
  Family family;
  // Raw: RFC 7313 says a message with another subtype is ignored, which is the session's
  // call; the codec keeps it.
  RouteRefreshSubtype subtype = RouteRefreshSubtype::kRequest;

  bool known_subtype() const { return static_cast<std::uint8_t>(subtype) <= 2; }
  friend bool operator==(const RouteRefreshMessage&, const RouteRefreshMessage&) = default;
};

}  // namespace tabby::bgp
