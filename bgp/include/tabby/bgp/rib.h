#pragma once
// The RIB of tabby's BGP speaker: Adj-RIB-In per peer, the Loc-RIB with the decision process
// of RFC 4271 section 9.1, Adj-RIB-Out per update group, import and export policy, route
// reflection (RFC 4456), route refresh (RFC 2918, enhanced by RFC 7313) and both sides of
// graceful restart (RFC 4724: the helper's stale routes, the restarting speaker's deferred
// advertisement). Pure: driven by
// calls, no I/O, no clock, single-threaded. The Speaker feeds it decoded UPDATEs and session
// events, and takes from it encoded UPDATEs to send and best-path changes to program.
//
//   Rib rib({.local_as = 64512, .router_id = id});
//   rib.add_peer(config);                       // once per configured peer
//   rib.peer_up(peer, PeerSession::from_opens(our_open, their_open));
//   rib.receive_update(peer, update, verdict);  // each decoded UPDATE
//   rib.originate(prefix, LocalRoute{});        // the owner's own routes
//   for (auto& c : rib.take_best_path_changes()) program(c);
//   for (auto& bytes : rib.take_updates(peer)) send(peer, *bytes);  // after each of the above
//   rib.peer_down(peer, PeerDown::kGraceful);   // session lost
//
// Update groups: peers whose export-relevant settings are equal (session kind, AS numbers,
// reflector client flag, next-hop mode and addresses, export policy, send codec context,
// families) share one Adj-RIB-Out and one stream of encoded UPDATEs: the first member that
// takes its updates computes and encodes them once, the others get the same EncodedUpdate
// pointers. A peer that comes up gets the group's whole table, then End-of-RIB per family,
// then the group's stream. iBGP routes go back to the peer they came from only when it is a
// reflector client (RFC 4456 allows it; the client drops them by ORIGINATOR_ID); an eBGP
// peer may get its own routes back (with our AS prepended, which its loop check drops), the
// price of sharing the stream. A group with ADD-PATH send (RFC 7911) for a family advertises
// every exported path of its prefixes, each under a path identifier kept while the path is
// advertised; the others the best path only.
//
// The Adj-RIB-In is kept inside the Loc-RIB: every received path, accepted or not, sits in
// its prefix's destination with its received (pre-policy) and accepted attribute sets, so a
// changed import policy is re-run without asking the peer for a ROUTE-REFRESH.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tabby/bgp/attribute_set.h"
#include "tabby/bgp/rib_types.h"
#include "tabby/bgp/update.h"
#include "tabby/common/result.h"

namespace tabby::bgp {

class Rib {
 public:
  explicit Rib(RibConfig config);
  ~Rib();
  Rib(const Rib&) = delete;
  Rib& operator=(const Rib&) = delete;

  const RibConfig& config() const;

  // --- peers -----------------------------------------------------------------------------
  // Fails on a duplicate or reserved id, a missing remote AS, or an address family mismatch.
  Status add_peer(RibPeerConfig config);
  // New settings for an existing peer. A changed import policy is re-run over the peer's
  // Adj-RIB-In; if the peer is up and now belongs to another update group, it is sent what
  // differs (withdrawals, then the new group's table).
  Status update_peer(RibPeerConfig config);
  // Withdraws the peer's routes (as a hard down) and forgets it.
  void remove_peer(PeerId peer);

  // The session reached Established. Stale routes (from a graceful down) of families the new
  // session does not negotiate, or whose forwarding state the peer did not preserve, are
  // removed at once; the others wait for the peer's End-of-RIB.
  Status peer_up(PeerId peer, PeerSession session);
  // The session ended. kGraceful keeps the routes of the families in the peer's graceful
  // restart capability as stale (other families, and peers without it, go as with kHard).
  void peer_down(PeerId peer, PeerDown mode);
  // The restart time (or the stale-path time after the peer came back) ran out: every stale
  // route of the peer goes.
  void end_graceful_restart(PeerId peer);
  bool is_up(PeerId peer) const;
  // The peer is up and has sent End-of-RIB for every unicast family of the session: its
  // initial table is in. For the owner's own restart (RFC 4724 section 4.1): the kernel
  // routes kept from before are reconciled once every peer's table is in.
  bool initial_table_received(PeerId peer) const;

  // --- inbound ---------------------------------------------------------------------------
  // One decoded UPDATE from an up peer (with the decoder's RFC 7606 verdict: under
  // kTreatAsWithdraw every announced prefix is withdrawn). An End-of-RIB removes what is
  // still stale for its family. Fails (naming the peer) if the peer is unknown or down.
  Result<UpdateReceipt> receive_update(PeerId peer, const UpdateMessage& update,
                                       UpdateVerdict verdict = UpdateVerdict::kAccept);

  // --- route refresh (RFC 2918, RFC 7313) ------------------------------------------------
  // The peer asked for our routes of the family again (a ROUTE-REFRESH request): it is queued
  // what it was still owed, then its update group's whole Adj-RIB-Out of the family (between
  // a BoRR and an EoRR message when the session negotiated enhanced route refresh), for its
  // next take_updates. The other members of its group get nothing. Fails, naming the peer,
  // if it is unknown or down or the family was not negotiated with it.
  Status refresh_peer(PeerId peer, Family family);
  // The peer's own refresh to us, enhanced (RFC 7313 section 4): at its BoRR its routes of
  // the family become stale; at its EoRR those it did not announce again are removed. An
  // EoRR without a BoRR before it changes nothing. Fails if the peer is unknown or down.
  Status begin_route_refresh(PeerId peer, Family family);
  Status end_route_refresh(PeerId peer, Family family);

  // --- the restarting speaker (RFC 4724 section 4.1) --------------------------------------
  // Deferred advertisement: while the owner, restarting, waits for its peers' End-of-RIBs
  // (route selection deferred), take_updates hands out nothing; the Loc-RIB and best-path
  // changes go on as usual. Ending it queues for every up peer its group's whole table as it
  // is now, then End-of-RIB, in place of everything it was owed meanwhile.
  void defer_advertisement();
  Status end_advertisement_deferral();
  bool advertisement_deferred() const;

  // --- origination ---------------------------------------------------------------------------
  // Announces (or changes) our own route; it beats every learned path to the prefix.
  void originate(const IpPrefix& prefix, const LocalRoute& route);
  void withdraw_local(const IpPrefix& prefix);

  // --- outputs ---------------------------------------------------------------------------
  // Prefixes whose best path or multipath set changed since the last call, each with its
  // state now (possibly unchanged again, if it changed back), in no particular order.
  std::vector<BestPathChange> take_best_path_changes();
  // The messages to send to the peer now, in order (empty when the peer is down or up to date,
  // or while advertisement is deferred): UPDATEs, and BoRR/EoRR around a refreshed table.
  // Routes that cannot be sent are not advertised: without a local address of their family
  // to use as next hop, or with attributes too large for the peer's UPDATEs (those leave a
  // line in take_problems()). Fails, naming the peer, only if an UPDATE without such a route
  // cannot be encoded either (a bug): the owner should then reset the session.
  Result<std::vector<EncodedUpdate>> take_updates(PeerId peer);
  // What went wrong since the last call that is not any caller's error, one line each, for
  // the log (routes not advertised because they fit no UPDATE).
  std::vector<std::string> take_problems();

  // --- inspection ------------------------------------------------------------------------
  std::optional<PeerCounters> counters(PeerId peer) const;
  std::optional<RoutePath> best_path(const IpPrefix& prefix) const;
  // Every path to the prefix in the Loc-RIB, best first (then in decision order).
  std::vector<RoutePath> paths(const IpPrefix& prefix) const;
  std::size_t prefix_count() const;  // prefixes with at least one path
  void for_each_best(const std::function<void(const IpPrefix&, const RoutePath&)>& visit) const;
  // Every prefix's multipath set (the best first; one path without ECMP), as the best-path
  // changes report it: for an owner that rebuilds what it derived from the Loc-RIB without
  // keeping a copy of it.
  void for_each_selected(
      const std::function<void(const IpPrefix&, const std::vector<RoutePath>&)>& visit) const;
  // The update group of an up peer (an opaque number; equal for peers that share one).
  std::optional<std::size_t> update_group_of(PeerId peer) const;
  std::size_t update_group_count() const;
  const AttributeInterner& interner() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace tabby::bgp
