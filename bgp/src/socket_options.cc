#include "tabby/bgp/socket_options.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace tabby::bgp {
namespace {

// linux/in6.h; glibc's netinet/in.h does not always define it.
#ifndef IPV6_MINHOPCOUNT
constexpr int IPV6_MINHOPCOUNT = 73;
#endif

Status set_int_option(int fd, int level, int name, int value, std::string_view what) {
  if (::setsockopt(fd, level, name, &value, sizeof(value)) != 0)
    return Error{"setsockopt " + std::string(what) + "=" + std::to_string(value) + ": " +
                 std::strerror(errno)};
  return {};
}

}  // namespace

Status set_tcp_md5(int fd, const IpAddress& peer, std::string_view password) {
  if (password.size() > kMaxMd5KeyLength)
    return Error{"TCP MD5 password for " + peer.to_string() + " is " +
                 std::to_string(password.size()) + " bytes; Linux takes at most " +
                 std::to_string(kMaxMd5KeyLength)};
  tcp_md5sig sig{};
  if (peer.is_v4()) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    std::memcpy(&sin.sin_addr, peer.bytes(), 4);
    std::memcpy(&sig.tcpm_addr, &sin, sizeof(sin));
  } else {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    std::memcpy(&sin6.sin6_addr, peer.bytes(), 16);
    std::memcpy(&sig.tcpm_addr, &sin6, sizeof(sin6));
  }
  sig.tcpm_keylen = static_cast<std::uint16_t>(password.size());
  std::memcpy(sig.tcpm_key, password.data(), password.size());
  if (::setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &sig, sizeof(sig)) != 0)
    return Error{"setsockopt TCP_MD5SIG for " + peer.to_string() + ": " + std::strerror(errno)};
  return {};
}

int gtsm_min_ttl(int hops) {
  return 256 - hops;
}

Status set_ttl_security(int fd, IpFamily family, int hops) {
  if (hops < 1 || hops > 255)
    return Error{"TTL security hops " + std::to_string(hops) + " is outside 1..255"};
  if (auto sent = set_outgoing_ttl(fd, family, 255); !sent) return sent;
  if (family == IpFamily::kV4)
    return set_int_option(fd, IPPROTO_IP, IP_MINTTL, gtsm_min_ttl(hops), "IP_MINTTL");
  return set_int_option(fd, IPPROTO_IPV6, IPV6_MINHOPCOUNT, gtsm_min_ttl(hops), "IPV6_MINHOPCOUNT");
}

Status set_outgoing_ttl(int fd, IpFamily family, int ttl) {
  if (ttl < 1 || ttl > 255) return Error{"TTL " + std::to_string(ttl) + " is outside 1..255"};
  if (family == IpFamily::kV4) return set_int_option(fd, IPPROTO_IP, IP_TTL, ttl, "IP_TTL");
  return set_int_option(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, ttl, "IPV6_UNICAST_HOPS");
}

}  // namespace tabby::bgp
