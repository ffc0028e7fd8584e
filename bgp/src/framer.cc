#include "tabby/bgp/framer.h"

#include "message_bodies.h"

namespace tabby::bgp {

Frame next_frame(std::span<const std::uint8_t> buffered, const CodecContext& context) {
  if (buffered.size() < kHeaderLength) return Frame{};
  auto header = detail::check_header(buffered.first(kHeaderLength), context);
  if (!header) return Frame{Frame::Status::kError, 0, header.error()};
  if (buffered.size() < header->length) return Frame{};
  return Frame{Frame::Status::kMessage, header->length, std::nullopt};
}

}  // namespace tabby::bgp
