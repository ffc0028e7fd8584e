#pragma once
// A listening TCP socket for incoming BGP connections (default port 179). The owner (the
// Speaker, or a test) decides which session an accepted connection belongs to
// (session_match.h) and hands it over with Session::accept. Several listeners may run, on
// different addresses or ports. Runs on its io_context's thread.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <string_view>

#include "tabby/common/ip.h"
#include "tabby/common/result.h"

namespace tabby::bgp {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  using AcceptHandler = std::function<void(boost::asio::ip::tcp::socket)>;

  // Binds and listens on address:port (port 0: the kernel chooses; see port()). IPv6
  // listeners take IPv6 only. The error names the address and the system's reason.
  static Result<std::shared_ptr<Listener>> open(boost::asio::io_context& io,
                                                const IpAddress& address, std::uint16_t port,
                                                AcceptHandler on_accept);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  const IpAddress& address() const { return address_; }
  std::uint16_t port() const { return port_; }

  // RFC 2385: the key for connections from `peer` (empty password removes it).
  Status set_md5(const IpAddress& peer, std::string_view password);
  // The TTL of the SYN-ACK and of what accepted sockets send until the session sets its own:
  // 255 when any peer uses GTSM, so its first packets pass the peer's check.
  Status set_outgoing_ttl(int ttl);

  void close();

 private:
  Listener(boost::asio::io_context& io, IpAddress address);
  void accept_next();

  boost::asio::ip::tcp::acceptor acceptor_;
  IpAddress address_;
  std::uint16_t port_ = 0;
  AcceptHandler on_accept_;
};

}  // namespace tabby::bgp
