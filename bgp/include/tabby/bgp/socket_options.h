#pragma once
// The per-peer TCP socket options of a BGP session, on a plain file descriptor so that the
// Boost.Asio shell and tests can use them alike: TCP MD5 signatures (RFC 2385), GTSM / TTL
// security (RFC 5082) and the TTL of multihop eBGP. IPv4 and IPv6.

#include <string_view>

#include "tabby/common/ip.h"
#include "tabby/common/result.h"

namespace tabby::bgp {

// Linux's limit on an MD5 key (TCP_MD5SIG_MAXKEYLEN).
inline constexpr std::size_t kMaxMd5KeyLength = 80;

// Installs (or, with an empty password, removes) the RFC 2385 key for segments to and from
// `peer` on `fd`. On a listening socket this is per peer address and inherited by the
// connections it accepts; on a connecting socket it must be set before connect().
Status set_tcp_md5(int fd, const IpAddress& peer, std::string_view password);

// RFC 5082: the smallest TTL (IPv4) or hop limit (IPv6) a packet from a peer `hops` hops away
// arrives with when it was sent with 255. Valid for 1..255 hops.
int gtsm_min_ttl(int hops);

// GTSM: send with TTL / hop limit 255 and drop what arrives with less than gtsm_min_ttl(hops).
// `family` is the family of the socket (an IPv6 socket talks to IPv4 peers only through
// mapped addresses, which tabby does not use).
Status set_ttl_security(int fd, IpFamily family, int hops);

// The TTL / hop limit of what we send (1..255): 1 for directly connected eBGP as BIRD does,
// more for multihop.
Status set_outgoing_ttl(int fd, IpFamily family, int ttl);

}  // namespace tabby::bgp
