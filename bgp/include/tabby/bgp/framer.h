#pragma once
// Splits a TCP byte stream into BGP messages by their headers (RFC 4271 section 4.1). It
// checks the marker, the length and the type, so a broken stream is refused with the
// NOTIFICATION of section 6.1 before any body is looked at.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "tabby/bgp/wire_error.h"
#include "tabby/bgp/wire_types.h"

namespace tabby::bgp {

struct Frame {
  enum class Status : std::uint8_t {
    kNeedMoreBytes,  // no complete message yet; read more
    kMessage,        // the first `length` bytes are one message
    kError,          // the stream is broken: send error->notification and close
  };
  Status status = Status::kNeedMoreBytes;
  std::size_t length = 0;          // kMessage: the message's length
  std::optional<WireError> error;  // kError
};

// Looks at the start of `buffered` (what has been read and not yet consumed).
Frame next_frame(std::span<const std::uint8_t> buffered, const CodecContext& context);

}  // namespace tabby::bgp
