#pragma once
// Conversions between tabby's IpAddress and Boost.Asio's address and endpoint types.

#include <boost/asio/ip/tcp.hpp>

#include "tabby/common/ip.h"

namespace tabby::bgp {

boost::asio::ip::address to_asio(const IpAddress& address);
IpAddress from_asio(const boost::asio::ip::address& address);  // IPv4-mapped unmapped

}  // namespace tabby::bgp
