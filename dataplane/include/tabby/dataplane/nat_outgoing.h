#pragma once
// IP pools' natOutgoing, as Felix does it: traffic from a pool with natOutgoing to an address
// outside every pool is masqueraded (Felix's cali-nat-outgoing rule: source in the
// masquerade pools set, destination not in the all-pools set, MASQUERADE --random-fully).
// tabby writes it with nftables, in tables of its own, `ip tabby-nat` and `ip6 tabby-nat`:
// each update replaces them whole in one nft transaction, and a family with no natOutgoing
// pool has no table.

#include <string>
#include <vector>

#include "tabby/common/ip.h"
#include "tabby/common/result.h"

namespace tabby::dataplane {

inline constexpr const char* kNatTable = "tabby-nat";

struct NatOutgoingPools {
  std::vector<IpPrefix> masquerade;  // pools with natOutgoing, either family
  std::vector<IpPrefix> all;         // every pool, either family

  friend bool operator==(const NatOutgoingPools&, const NatOutgoingPools&) = default;
};

// The nft script (for `nft -f`) that makes both families' tables what `pools` asks for.
std::string nat_outgoing_script(const NatOutgoingPools& pools);
// The script that removes both tables (nothing when they are absent).
std::string nat_outgoing_removal_script();

// Runs `nft -f` on `script` (nft from PATH); the error carries nft's message.
Status run_nft_script(const std::string& script);

}  // namespace tabby::dataplane
