// The message header (RFC 4271 section 4.1) and dispatch to the per-type codecs.

#include "tabby/bgp/message.h"

#include <algorithm>

#include "byte_io.h"
#include "message_bodies.h"

namespace tabby::bgp {
namespace detail {
namespace {

std::size_t min_length(MessageType type) {
  switch (type) {
    case MessageType::kOpen:
      return 29;
    case MessageType::kUpdate:
      return 23;
    case MessageType::kNotification:
      return 21;
    case MessageType::kKeepalive:
      return 19;
    case MessageType::kRouteRefresh:
      return 23;
  }
  return kHeaderLength;
}

const char* type_name(MessageType type) {
  switch (type) {
    case MessageType::kOpen:
      return "OPEN";
    case MessageType::kUpdate:
      return "UPDATE";
    case MessageType::kNotification:
      return "NOTIFICATION";
    case MessageType::kKeepalive:
      return "KEEPALIVE";
    case MessageType::kRouteRefresh:
      return "ROUTE-REFRESH";
  }
  return "?";
}

}  // namespace

std::string hex(std::span<const std::uint8_t> bytes, std::size_t max_bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes.size() && i < max_bytes; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 0xF];
  }
  if (bytes.size() > max_bytes) out += "...";
  return out;
}

WireResult<Header> check_header(std::span<const std::uint8_t> bytes, const CodecContext& context) {
  if (bytes.size() < kHeaderLength) {
    return WireError{NotificationMessage(HeaderError::kBadMessageLength),
                     "header: " + std::to_string(bytes.size()) + " octets, 19 needed"};
  }
  ByteReader in(bytes);
  const auto marker = in.take(kMarkerLength);
  if (!std::all_of(marker.begin(), marker.end(), [](std::uint8_t b) { return b == 0xFF; })) {
    return WireError{NotificationMessage(HeaderError::kConnectionNotSynchronized),
                     "header: marker is " + hex(marker) + ", not all ones"};
  }
  const std::uint16_t length = in.u16();
  const std::uint8_t type = in.u8();
  const std::vector<std::uint8_t> length_field{bytes[16], bytes[17]};
  const auto bad_length = [&](const std::string& why) {
    return WireError{NotificationMessage(HeaderError::kBadMessageLength, length_field),
                     "header: length " + std::to_string(length) + " " + why};
  };
  if (length < kHeaderLength) return bad_length("is below 19");
  if (length > context.max_length(MessageType::kUpdate)) {
    return bad_length("exceeds " + std::to_string(context.max_length(MessageType::kUpdate)));
  }
  if (type < 1 || type > 5) {
    return WireError{NotificationMessage(HeaderError::kBadMessageType, {type}),
                     "header: message type " + std::to_string(type)};
  }
  const auto message_type = static_cast<MessageType>(type);
  const char* name = type_name(message_type);
  if (length > context.max_length(message_type)) {
    return bad_length(std::string("exceeds ") + std::to_string(context.max_length(message_type)) +
                      " for " + name);
  }
  if (message_type == MessageType::kKeepalive && length != kHeaderLength) {
    return bad_length("for KEEPALIVE, which is 19");
  }
  if (length < min_length(message_type)) {
    return bad_length(std::string("is below the ") + std::to_string(min_length(message_type)) +
                      " of " + name);
  }
  return Header{length, message_type};
}

WireResult<NotificationMessage> decode_notification(std::span<const std::uint8_t> body) {
  ByteReader in(body);
  NotificationMessage n;
  n.code = in.u8();
  n.subcode = in.u8();
  const auto data = in.rest();
  n.data.assign(data.begin(), data.end());
  return n;
}

Status encode_notification(const NotificationMessage& n, std::vector<std::uint8_t>& out) {
  ByteWriter w(out);
  w.u8(n.code);
  w.u8(n.subcode);
  w.bytes(n.data);
  return {};
}

WireResult<RouteRefreshMessage> decode_route_refresh(std::span<const std::uint8_t> body,
                                                     std::span<const std::uint8_t> whole) {
  // RFC 7313 section 5: the data of this error is the whole message.
  if (body.size() != 4) {
    return WireError{NotificationMessage(RouteRefreshError::kInvalidMessageLength,
                                         std::vector<std::uint8_t>(whole.begin(), whole.end())),
                     "ROUTE-REFRESH: body of " + std::to_string(body.size()) + " octets, not 4"};
  }
  ByteReader in(body);
  RouteRefreshMessage r;
  r.family.afi = in.u16();
  r.subtype = static_cast<RouteRefreshSubtype>(in.u8());
  r.family.safi = in.u8();
  return r;
}

Status encode_route_refresh(const RouteRefreshMessage& r, std::vector<std::uint8_t>& out) {
  ByteWriter w(out);
  w.u16(r.family.afi);
  w.u8(static_cast<std::uint8_t>(r.subtype));
  w.u8(r.family.safi);
  return {};
}

}  // namespace detail

MessageType message_type(const Message& message) {
  return static_cast<MessageType>(message.index() + 1);
}

WireResult<DecodedMessage> decode_message(std::span<const std::uint8_t> bytes,
                                          const CodecContext& context) {
  auto header = detail::check_header(bytes, context);
  if (!header) return header.error();
  if (header->length != bytes.size()) {
    return WireError{NotificationMessage(HeaderError::kBadMessageLength, {bytes[16], bytes[17]}),
                     "header: length " + std::to_string(header->length) + " but the message has " +
                         std::to_string(bytes.size()) + " octets"};
  }
  const auto body = bytes.subspan(kHeaderLength);
  switch (header->type) {
    case MessageType::kOpen: {
      auto open = detail::decode_open(body);
      if (!open) return open.error();
      return DecodedMessage{*open};
    }
    case MessageType::kUpdate:
      return detail::decode_update(body, context);
    case MessageType::kNotification: {
      auto n = detail::decode_notification(body);
      if (!n) return n.error();
      return DecodedMessage{*n};
    }
    case MessageType::kKeepalive:
      return DecodedMessage{KeepaliveMessage{}};
    case MessageType::kRouteRefresh: {
      auto r = detail::decode_route_refresh(body, bytes);
      if (!r) return r.error();
      return DecodedMessage{*r};
    }
  }
  return WireError{NotificationMessage(HeaderError::kBadMessageType), "unreachable"};
}

Result<std::vector<std::uint8_t>> encode_message(const Message& message,
                                                 const CodecContext& context) {
  std::vector<std::uint8_t> out(kMarkerLength, 0xFF);
  detail::ByteWriter w(out);
  const std::size_t length_at = w.reserve_u16();
  const MessageType type = message_type(message);
  w.u8(static_cast<std::uint8_t>(type));
  Status s;
  if (const auto* open = std::get_if<OpenMessage>(&message)) {
    s = detail::encode_open(*open, out);
  } else if (const auto* update = std::get_if<UpdateMessage>(&message)) {
    s = detail::encode_update(*update, context, out);
  } else if (const auto* n = std::get_if<NotificationMessage>(&message)) {
    s = detail::encode_notification(*n, out);
  } else if (const auto* r = std::get_if<RouteRefreshMessage>(&message)) {
    s = detail::encode_route_refresh(*r, out);
  }
  if (!s) return s.error();
  if (out.size() > context.max_length(type)) {
    return Error{std::string(detail::type_name(type)) + ": " + std::to_string(out.size()) +
                 " octets exceed the session's limit of " +
                 std::to_string(context.max_length(type))};
  }
  w.patch_u16(length_at, static_cast<std::uint16_t>(out.size()));
  return out;
}

}  // namespace tabby::bgp
