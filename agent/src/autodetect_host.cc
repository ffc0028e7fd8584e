#include "tabby/agent/autodetect_host.h"

#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "tabby/common/unique_fd.h"

namespace tabby::agent {

namespace {

struct AddrinfoFree {
  void operator()(addrinfo* info) const { freeaddrinfo(info); }
};

}  // namespace

Result<IpAddress> source_address_towards(const std::string& destination, IpFamily family) {
  addrinfo hints{};
  hints.ai_family = family == IpFamily::kV4 ? AF_INET : AF_INET6;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* raw = nullptr;
  if (int err = getaddrinfo(destination.c_str(), "80", &hints, &raw); err != 0) {
    return Error{fmt::format("resolving {}: {}", destination, gai_strerror(err))};
  }
  std::unique_ptr<addrinfo, AddrinfoFree> resolved(raw);
  UniqueFd sock(::socket(resolved->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock.valid()) return Error{fmt::format("socket: {}", std::strerror(errno))};
  // A UDP connect only selects the route and the source address; nothing is sent.
  if (::connect(sock.get(), resolved->ai_addr, resolved->ai_addrlen) != 0) {
    return Error{fmt::format("connect: {}", std::strerror(errno))};
  }
  sockaddr_storage local{};
  socklen_t length = sizeof(local);
  if (::getsockname(sock.get(), reinterpret_cast<sockaddr*>(&local), &length) != 0) {
    return Error{fmt::format("getsockname: {}", std::strerror(errno))};
  }
  if (local.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&local);
    return IpAddress::from_bytes(IpFamily::kV4,
                                 reinterpret_cast<const std::uint8_t*>(&in->sin_addr));
  }
  const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&local);
  return IpAddress::from_bytes(IpFamily::kV6, in6->sin6_addr.s6_addr);
}

Result<DetectedAddress> detect_host_address(
    const AutodetectionMethod& method, IpFamily family,
    const std::optional<std::vector<NodeAddress>>& kubernetes_addresses) {
  auto interfaces = dataplane::list_interface_addresses();
  if (!interfaces) return interfaces.error();
  DetectionInputs inputs;
  inputs.kubernetes_addresses = kubernetes_addresses;
  if (method.kind == AutodetectionMethod::Kind::kCanReach) {
    inputs.can_reach_source = source_address_towards(method.destination, family);
  }
  return detect_address(method, family, *interfaces, inputs);
}

}  // namespace tabby::agent
