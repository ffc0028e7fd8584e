#include "kernel_route_counter.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "enter_netns.h"

namespace tabby::bench {

KernelRouteCounter::KernelRouteCounter(const std::string& netns) {
  // A netlink socket talks to the namespace it was made in.
  api::lab_support::EnterNetns inside(netns);
  fd_ = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd_ < 0) throw std::runtime_error(std::string("netlink socket: ") + std::strerror(errno));
  const int buffer = 8 << 20;
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
}

KernelRouteCounter::~KernelRouteCounter() {
  if (fd_ >= 0) ::close(fd_);
}

std::size_t KernelRouteCounter::count() {
  struct {
    nlmsghdr header;
    rtmsg route;
  } request{};
  request.header.nlmsg_len = sizeof request;
  request.header.nlmsg_type = RTM_GETROUTE;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  request.header.nlmsg_seq = ++sequence_;
  request.route.rtm_family = AF_INET;
  if (::send(fd_, &request, sizeof request, 0) < 0)
    throw std::runtime_error(std::string("netlink dump request: ") + std::strerror(errno));
  std::vector<char> buffer(1 << 20);
  std::size_t routes = 0;
  while (true) {
    const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error(std::string("netlink dump: ") + std::strerror(errno));
    // Walked by hand: the NLMSG_* macros are C casts.
    const auto align = [](std::size_t length) { return (length + 3) & ~std::size_t{3}; };
    const auto size = static_cast<std::size_t>(n);
    for (std::size_t at = 0; at + sizeof(nlmsghdr) <= size;) {
      nlmsghdr header;
      std::memcpy(&header, buffer.data() + at, sizeof header);
      if (header.nlmsg_len < sizeof header || at + header.nlmsg_len > size) break;
      const std::size_t body = at + align(sizeof header);
      const bool holds_route = header.nlmsg_len >= align(sizeof header) + sizeof(rtmsg);
      at += align(header.nlmsg_len);
      if (header.nlmsg_seq != sequence_) continue;
      if (header.nlmsg_type == NLMSG_DONE) return routes;
      if (header.nlmsg_type == NLMSG_ERROR) throw std::runtime_error("netlink dump: error");
      if (header.nlmsg_type != RTM_NEWROUTE || !holds_route) continue;
      rtmsg route;
      std::memcpy(&route, buffer.data() + body, sizeof route);
      if (route.rtm_table == RT_TABLE_MAIN && route.rtm_dst_len == 24 &&
          route.rtm_type == RTN_UNICAST && route.rtm_protocol != RTPROT_KERNEL)
        ++routes;
    }
  }
}

}  // namespace tabby::bench
