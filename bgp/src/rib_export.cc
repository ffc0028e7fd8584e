// Export order: the rules that decide whether the route goes at all, then the attribute
// changes the protocol demands before policy (so that policy can set MED or LOCAL_PREF and
// keep them), export policy, then our AS prepended and the next hop (as FRR and BIRD do:
// a policy prepend ends up behind our own AS).

#include "tabby/bgp/rib_export.h"

#include "tabby/bgp/as4_path.h"

namespace tabby::bgp {
namespace {

bool may_advertise(const PathAttributes& route, const ExportSource& source,
                   const ExportTarget& target, bool& reflecting) {
  if (route.has_community(kNoAdvertise)) return false;
  if (target.ebgp && (route.has_community(kNoExport) || route.has_community(kNoExportSubconfed))) {
    return false;
  }
  reflecting = false;
  if (source.source == RouteSource::kIbgp && !target.ebgp) {
    // RFC 4456 section 6: client routes go to clients and non-clients, non-client routes to
    // clients only; without reflection, iBGP routes never go to iBGP peers.
    if (!source.route_reflector_client && !target.route_reflector_client) return false;
    reflecting = true;
  }
  return true;
}

bool set_next_hop(const IpPrefix& prefix, const PathAttributes& route, bool self,
                  const LocalAddresses& local, PathAttributes& out) {
  out.next_hop.reset();
  out.mp_reach.reset();
  if (prefix.family() == IpFamily::kV4) {
    std::optional<IpAddress> hop = self ? local.ipv4 : route.next_hop;
    if (!hop && !self) hop = local.ipv4;  // e.g. an IPv6 next hop (RFC 8950) we cannot keep
    if (!hop || !hop->is_v4()) return false;
    out.next_hop = hop;
    return true;
  }
  MpReachNlri reach;
  reach.family = kIpv6Unicast;
  if (!self && route.mp_reach && route.mp_reach->next_hop.is_v6()) {
    reach.next_hop = route.mp_reach->next_hop;
    reach.link_local_next_hop = route.mp_reach->link_local_next_hop;
  } else {
    if (!local.ipv6) return false;
    reach.next_hop = *local.ipv6;
    reach.link_local_next_hop = local.ipv6_link_local;
  }
  out.mp_reach = std::move(reach);
  return true;
}

}  // namespace

std::optional<IpAddress> next_hop_of(const PathAttributes& attributes) {
  if (attributes.mp_reach) return attributes.mp_reach->next_hop;
  return attributes.next_hop;
}

std::optional<PathAttributes> export_route(const IpPrefix& prefix, const PathAttributes& route,
                                           const ExportSource& source, const ExportTarget& target,
                                           const ExportRules& rules) {
  bool reflecting = false;
  if (!may_advertise(route, source, target, reflecting)) return std::nullopt;

  PathAttributes out = attributes_to_pass_on(route);
  out.mp_unreach.reset();
  if (!out.origin) out.origin = Origin::kIgp;
  if (!out.as_path) out.as_path.emplace();
  // Policy sees the route's LOCAL_PREF (its priority) also toward eBGP, where it is dropped
  // after policy.
  if (!out.local_pref) out.local_pref = rules.default_local_pref;
  if (target.ebgp) {
    // ORIGINATOR_ID and CLUSTER_LIST stay inside the AS; a MED learned from a neighbouring
    // AS is not passed to another (RFC 4271 5.1.4); our own MED is.
    out.originator_id.reset();
    out.cluster_list.clear();
    if (source.source != RouteSource::kLocal) out.med.reset();
  } else {
    if (reflecting) {
      if (!out.originator_id) out.originator_id = source.router_id;
      out.cluster_list.insert(out.cluster_list.begin(), rules.cluster_id);
    }
  }

  bool policy_next_hop_self = false;
  if (target.policy) {
    const RouteContext context{prefix,          source.peer, source.source,
                               target.local_as, target.ebgp, source.interface};
    const PolicyOutcome outcome = apply_policy(*target.policy, context, out);
    if (!outcome.accepted) return std::nullopt;
    policy_next_hop_self = outcome.next_hop_self;
  }

  if (target.ebgp) {
    out.local_pref.reset();  // LOCAL_PREF stays inside the AS
    prepend_as(out, target.local_as);
  }
  const bool self = source.source == RouteSource::kLocal || policy_next_hop_self ||
                    target.next_hop == NextHopMode::kSelf ||
                    (target.next_hop == NextHopMode::kAuto && target.ebgp);
  if (!set_next_hop(prefix, route, self, target.local, out)) return std::nullopt;
  if (!target.four_octet_as) out = to_two_octet_peer(out);
  return out;
}

}  // namespace tabby::bgp
