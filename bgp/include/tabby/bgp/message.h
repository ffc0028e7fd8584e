#pragma once
// A BGP message of any type: decode one from its bytes, encode one to bytes. Pure functions;
// the session splits its TCP stream with the framer (framer.h) and hands each message here.

#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "tabby/bgp/notification.h"
#include "tabby/bgp/open.h"
#include "tabby/bgp/route_refresh.h"
#include "tabby/bgp/update.h"
#include "tabby/bgp/wire_error.h"
#include "tabby/common/result.h"

namespace tabby::bgp {

struct KeepaliveMessage {
  friend bool operator==(const KeepaliveMessage&, const KeepaliveMessage&) = default;
};

using Message = std::variant<OpenMessage, UpdateMessage, NotificationMessage, KeepaliveMessage,
                             RouteRefreshMessage>;

MessageType message_type(const Message& message);

struct DecodedMessage {
  Message message;
  // For UPDATEs: RFC 7606's verdict; kAccept for every other type.
  UpdateVerdict verdict = UpdateVerdict::kAccept;
  // What was wrong and what was done about it, one line each, for the log.
  std::vector<std::string> problems;
};

// Decodes one whole message (header included: `bytes` is exactly one message, as the framer
// delivers it). An error means the session must send error.notification and close.
WireResult<DecodedMessage> decode_message(std::span<const std::uint8_t> bytes,
                                          const CodecContext& context);

// Encodes a message for a peer with `context`. Fails, naming the field, if the message
// cannot be expressed there (too long, a 4-octet AS in a 2-octet session, a prefix of the
// wrong family, ...).
Result<std::vector<std::uint8_t>> encode_message(const Message& message,
                                                 const CodecContext& context);

}  // namespace tabby::bgp
