// Bytes from a BGP peer, however broken, must never crash the framer or the decoder, and
// never read out of bounds (ASan watches). Every input is read as a TCP stream under each
// of the 32 codec contexts (4-octet AS, extended messages, ADD-PATH for IPv4 and for IPv6,
// multiprotocol); every message that decodes must re-encode, and the re-encoding must decode
// to the same message and encode to the same bytes again.

#include <cstdint>
#include <cstdlib>
#include <span>

#include "tabby/bgp/as4_path.h"
#include "tabby/bgp/framer.h"
#include "tabby/bgp/message.h"

namespace {

using namespace tabby::bgp;

CodecContext context_for(unsigned bits) {
  CodecContext c;
  c.four_octet_as = (bits & 1) != 0;
  c.extended_messages = (bits & 2) != 0;
  if (bits & 4) c.add_path.push_back(kIpv4Unicast);
  if (bits & 8) c.add_path.push_back(kIpv6Unicast);
  c.multiprotocol = (bits & 16) != 0;
  return c;
}

void check_error(const WireError& error) {
  const auto code = error.notification.code;
  if (code < 1 || code > 7 || error.description.empty()) std::abort();
}

void exercise(const DecodedMessage& decoded, const CodecContext& context) {
  auto encoded = encode_message(decoded.message, context);
  if (!encoded.ok()) std::abort();  // whatever decodes can be sent back
  auto again = decode_message(*encoded, context);
  if (!again.ok() || !(again->message == decoded.message)) std::abort();
  auto encoded_again = encode_message(again->message, context);
  if (!encoded_again.ok() || *encoded_again != *encoded) std::abort();

  if (const auto* update = std::get_if<UpdateMessage>(&decoded.message)) {
    (void)end_of_rib_family(*update);
    const PathAttributes passed = attributes_to_pass_on(update->attributes);
    if (!context.four_octet_as) {
      const PathAttributes merged = from_two_octet_peer(update->attributes);
      UpdateMessage toward_old = *update;
      toward_old.attributes = to_two_octet_peer(merged);
      (void)encode_message(toward_old, context);
    }
    UpdateMessage forwarded = *update;
    forwarded.attributes = passed;
    (void)encode_message(forwarded, context);
  } else if (const auto* n = std::get_if<NotificationMessage>(&decoded.message)) {
    if (describe(*n).empty()) std::abort();
    (void)shutdown_communication(*n);
  } else if (const auto* open = std::get_if<OpenMessage>(&decoded.message)) {
    (void)negotiate(*open, *open);
    (void)open->families();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  for (unsigned bits = 0; bits < 32; ++bits) {
    const CodecContext context = context_for(bits);
    std::span<const std::uint8_t> stream = input;
    while (true) {
      const Frame frame = next_frame(stream, context);
      if (frame.status == Frame::Status::kNeedMoreBytes) break;
      if (frame.status == Frame::Status::kError) {
        check_error(*frame.error);
        break;
      }
      if (frame.length < kHeaderLength || frame.length > stream.size()) std::abort();
      auto decoded = decode_message(stream.first(frame.length), context);
      if (decoded.ok()) {
        exercise(*decoded, context);
      } else {
        check_error(decoded.error());
      }
      stream = stream.subspan(frame.length);
    }
    // The whole input as one message, as a caller without the framer would pass it.
    auto whole = decode_message(input, context);
    if (!whole.ok()) check_error(whole.error());
  }
  return 0;
}
