#pragma once
// What the kernel tells of incoming BGP connections it dropped before tabby could see them:
// a segment without the TCP MD5 signature a peer's key requires, one signed where no key is
// set, one with the wrong signature, and one below the GTSM minimum TTL (RFC 5082). The
// kernel drops these silently (no accept(), no error) and only counts them, per network
// namespace, in /proc/net/netstat's TcpExt line; they count segments, not connections.

#include <cstdint>
#include <string_view>

#include "tabby/common/result.h"

namespace tabby::bgp {

struct KernelTcpDrops {
  std::uint64_t md5_not_found = 0;   // TCPMD5NotFound: a key is set, the segment is unsigned
  std::uint64_t md5_unexpected = 0;  // TCPMD5Unexpected: signed, but no key is set
  std::uint64_t md5_failure = 0;     // TCPMD5Failure: the signature does not match the key
  std::uint64_t min_ttl_drop = 0;    // TCPMinTTLDrop: TTL under IP_MINTTL (GTSM)

  bool operator==(const KernelTcpDrops&) const = default;
};

// Parses /proc/net/netstat: the "TcpExt:" header line and the value line after it. A counter
// this kernel does not have stays 0; a file without TcpExt lines, or with a header and values
// that do not pair up, is an error naming the problem.
Result<KernelTcpDrops> parse_kernel_tcp_drops(std::string_view netstat);

// Reads and parses /proc/net/netstat of the calling thread's network namespace.
Result<KernelTcpDrops> read_kernel_tcp_drops();

}  // namespace tabby::bgp
