#pragma once
// UPDATE (RFC 4271 section 4.3), End-of-RIB (RFC 4724 section 2) and the RFC 7606 verdict a
// decoded UPDATE comes with.

#include <optional>
#include <string>
#include <vector>

#include "tabby/bgp/path_attributes.h"

namespace tabby::bgp {

struct UpdateMessage {
  std::vector<Nlri> withdrawn;  // IPv4 unicast
  PathAttributes attributes;
  std::vector<Nlri> nlri;  // IPv4 unicast

  friend bool operator==(const UpdateMessage&, const UpdateMessage&) = default;
};

// The End-of-RIB marker of a family: an empty UPDATE for IPv4 unicast, an UPDATE with only
// an empty MP_UNREACH_NLRI for the others.
UpdateMessage make_end_of_rib(Family family);
// The family whose End-of-RIB this UPDATE is, if it is one.
std::optional<Family> end_of_rib_family(const UpdateMessage& update);

// RFC 7606: how much of a malformed UPDATE survives, from least to most severe. (The most
// severe, session reset, is a WireError instead of a decoded UPDATE.)
enum class UpdateVerdict : std::uint8_t {
  kAccept = 0,            // nothing wrong
  kAttributeDiscard = 1,  // bad attributes dropped (listed in problems); use the rest
  kTreatAsWithdraw = 2,   // every prefix in nlri and mp_reach is to be treated as withdrawn
};

}  // namespace tabby::bgp
