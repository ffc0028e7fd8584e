#pragma once
// The per-type halves of decode_message/encode_message: each works on the body (the bytes
// after the 19-octet header). Private to the codec.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "tabby/bgp/message.h"

namespace tabby::bgp::detail {

// `whole` is the complete message, for the NOTIFICATIONs whose data is the message itself.
WireResult<OpenMessage> decode_open(std::span<const std::uint8_t> body);
WireResult<DecodedMessage> decode_update(std::span<const std::uint8_t> body,
                                         const CodecContext& context);
WireResult<NotificationMessage> decode_notification(std::span<const std::uint8_t> body);
WireResult<RouteRefreshMessage> decode_route_refresh(std::span<const std::uint8_t> body,
                                                     std::span<const std::uint8_t> whole);

Status encode_open(const OpenMessage& open, std::vector<std::uint8_t>& out);
Status encode_update(const UpdateMessage& update, const CodecContext& context,
                     std::vector<std::uint8_t>& out);
Status encode_notification(const NotificationMessage& notification, std::vector<std::uint8_t>& out);
Status encode_route_refresh(const RouteRefreshMessage& refresh, std::vector<std::uint8_t>& out);

// Capabilities inside one optional parameter of type 2.
WireResult<std::vector<Capability>> decode_capabilities(std::span<const std::uint8_t> value);
Status encode_capability(const Capability& capability, std::vector<std::uint8_t>& out);

// Checks the 19-octet header at the start of `bytes` (which may hold only part of the
// message); returns the message length and type.
struct Header {
  std::size_t length = 0;
  MessageType type = MessageType::kKeepalive;
};
WireResult<Header> check_header(std::span<const std::uint8_t> bytes, const CodecContext& context);

std::string hex(std::span<const std::uint8_t> bytes, std::size_t max_bytes = 32);

}  // namespace tabby::bgp::detail
