#include "tabby/bgp/asio_address.h"

#include <algorithm>

#include "tabby/bgp/session_match.h"

namespace tabby::bgp {

boost::asio::ip::address to_asio(const IpAddress& address) {
  if (address.is_v4()) return boost::asio::ip::address_v4(address.v4_value());
  boost::asio::ip::address_v6::bytes_type bytes;
  std::copy_n(address.bytes(), 16, bytes.begin());
  return boost::asio::ip::address_v6(bytes);
}

IpAddress from_asio(const boost::asio::ip::address& address) {
  if (address.is_v4()) return IpAddress::v4(address.to_v4().to_uint());
  const auto bytes = address.to_v6().to_bytes();
  return unmap_v4(IpAddress::from_bytes(IpFamily::kV6, bytes.data()));
}

}  // namespace tabby::bgp
