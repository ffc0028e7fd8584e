// End-of-RIB (RFC 4724 section 2): an UPDATE that announces and withdraws nothing, in the
// family's own encoding.

#include "tabby/bgp/update.h"

namespace tabby::bgp {

UpdateMessage make_end_of_rib(Family family) {
  UpdateMessage update;
  if (family != kIpv4Unicast) update.attributes.mp_unreach = MpUnreachNlri{family, {}};
  return update;
}

std::optional<Family> end_of_rib_family(const UpdateMessage& update) {
  if (!update.withdrawn.empty() || !update.nlri.empty()) return std::nullopt;
  PathAttributes rest = update.attributes;
  if (rest == PathAttributes{}) return kIpv4Unicast;

  std::optional<Family> family;
  if (rest.mp_unreach && rest.mp_unreach->withdrawn.empty()) {
    family = rest.mp_unreach->family;
    rest.mp_unreach.reset();
  } else if (!rest.mp_unreach && rest.unknown.size() == 1 &&
             rest.unknown[0].type == attr::kMpUnreachNlri && rest.unknown[0].value.size() == 3) {
    // A family without prefix NLRI, which the decoder keeps as an unknown attribute.
    const auto& v = rest.unknown[0].value;
    family = Family{static_cast<std::uint16_t>((v[0] << 8) | v[1]), v[2]};
    rest.unknown.clear();
  }
  if (family && rest == PathAttributes{}) return family;
  return std::nullopt;
}

}  // namespace tabby::bgp
