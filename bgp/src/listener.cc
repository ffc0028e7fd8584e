#include "tabby/bgp/listener.h"

#include <boost/asio/ip/v6_only.hpp>

#include "tabby/bgp/asio_address.h"
#include "tabby/bgp/socket_options.h"

namespace tabby::bgp {

namespace asio = boost::asio;
using asio::ip::tcp;

Listener::Listener(asio::io_context& io, IpAddress address)
    : acceptor_(io), address_(std::move(address)) {}

Listener::~Listener() {
  close();
}

Result<std::shared_ptr<Listener>> Listener::open(asio::io_context& io, const IpAddress& address,
                                                 std::uint16_t port, AcceptHandler on_accept) {
  std::shared_ptr<Listener> listener(new Listener(io, address));
  listener->on_accept_ = std::move(on_accept);
  const tcp::endpoint endpoint(to_asio(address), port);
  const std::string where = address.to_string() + " port " + std::to_string(port);
  boost::system::error_code ec;
  listener->acceptor_.open(endpoint.protocol(), ec);
  if (!ec) listener->acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec && address.is_v6()) listener->acceptor_.set_option(asio::ip::v6_only(true), ec);
  if (!ec) listener->acceptor_.bind(endpoint, ec);
  if (!ec) listener->acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Error{"BGP listener on " + where + ": " + ec.message()};
  listener->port_ = listener->acceptor_.local_endpoint().port();
  listener->accept_next();
  return listener;
}

Status Listener::set_md5(const IpAddress& peer, std::string_view password) {
  return set_tcp_md5(acceptor_.native_handle(), peer, password);
}

Status Listener::set_outgoing_ttl(int ttl) {
  return bgp::set_outgoing_ttl(acceptor_.native_handle(), address_.family(), ttl);
}

void Listener::close() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

void Listener::accept_next() {
  acceptor_.async_accept([weak = weak_from_this()](boost::system::error_code ec, tcp::socket s) {
    auto self = weak.lock();
    if (!self || ec == asio::error::operation_aborted || !self->acceptor_.is_open()) return;
    if (!ec) self->on_accept_(std::move(s));
    self->accept_next();
  });
}

}  // namespace tabby::bgp
