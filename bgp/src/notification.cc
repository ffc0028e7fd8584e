#include "tabby/bgp/notification.h"

namespace tabby::bgp {
namespace {

const char* code_name(std::uint8_t code) {
  switch (code) {
    case 1:
      return "Message Header Error";
    case 2:
      return "OPEN Message Error";
    case 3:
      return "UPDATE Message Error";
    case 4:
      return "Hold Timer Expired";
    case 5:
      return "Finite State Machine Error";
    case 6:
      return "Cease";
    case 7:
      return "ROUTE-REFRESH Message Error";
    default:
      return nullptr;
  }
}

const char* subcode_name(std::uint8_t code, std::uint8_t subcode) {
  switch (code) {
    case 1:
      switch (subcode) {
        case 1:
          return "Connection Not Synchronized";
        case 2:
          return "Bad Message Length";
        case 3:
          return "Bad Message Type";
      }
      break;
    case 2:
      switch (subcode) {
        case 0:
          return "Unspecific";
        case 1:
          return "Unsupported Version Number";
        case 2:
          return "Bad Peer AS";
        case 3:
          return "Bad BGP Identifier";
        case 4:
          return "Unsupported Optional Parameter";
        case 6:
          return "Unacceptable Hold Time";
        case 7:
          return "Unsupported Capability";
        case 11:
          return "Role Mismatch";
      }
      break;
    case 3:
      switch (subcode) {
        case 1:
          return "Malformed Attribute List";
        case 2:
          return "Unrecognized Well-known Attribute";
        case 3:
          return "Missing Well-known Attribute";
        case 4:
          return "Attribute Flags Error";
        case 5:
          return "Attribute Length Error";
        case 6:
          return "Invalid ORIGIN Attribute";
        case 8:
          return "Invalid NEXT_HOP Attribute";
        case 9:
          return "Optional Attribute Error";
        case 10:
          return "Invalid Network Field";
        case 11:
          return "Malformed AS_PATH";
      }
      break;
    case 5:
      switch (subcode) {
        case 0:
          return "Unspecified Error";
        case 1:
          return "Receive Unexpected Message in OpenSent State";
        case 2:
          return "Receive Unexpected Message in OpenConfirm State";
        case 3:
          return "Receive Unexpected Message in Established State";
      }
      break;
    case 6:
      switch (subcode) {
        case 1:
          return "Maximum Number of Prefixes Reached";
        case 2:
          return "Administrative Shutdown";
        case 3:
          return "Peer De-configured";
        case 4:
          return "Administrative Reset";
        case 5:
          return "Connection Rejected";
        case 6:
          return "Other Configuration Change";
        case 7:
          return "Connection Collision Resolution";
        case 8:
          return "Out of Resources";
        case 9:
          return "Hard Reset";
        case 10:
          return "BFD Down";
      }
      break;
    case 7:
      if (subcode == 1) return "Invalid Message Length";
      break;
  }
  return nullptr;
}

bool is_shutdown(const NotificationMessage& n) {
  return n.code == static_cast<std::uint8_t>(ErrorCode::kCease) &&
         (n.subcode == static_cast<std::uint8_t>(CeaseSubcode::kAdministrativeShutdown) ||
          n.subcode == static_cast<std::uint8_t>(CeaseSubcode::kAdministrativeReset));
}

// RFC 3629 well-formedness: no overlongs, no surrogates, nothing above U+10FFFF.
bool valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t extra = 0;
    std::uint32_t min = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1, min = 0x80, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2, min = 0x800, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3, min = 0x10000, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= text.size()) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

}  // namespace

std::string describe(const NotificationMessage& n) {
  const char* code = code_name(n.code);
  const char* subcode = subcode_name(n.code, n.subcode);
  std::string text = code ? code : "Unknown Error Code";
  if (subcode) {
    text += std::string(" / ") + subcode;
  } else if (n.subcode != 0 || code == nullptr) {
    text += " / subcode " + std::to_string(n.subcode);
  }
  text += " (" + std::to_string(n.code) + "/" + std::to_string(n.subcode) + ")";
  if (auto message = shutdown_communication(n)) text += ": \"" + *message + "\"";
  return text;
}

Result<NotificationMessage> make_shutdown_notification(CeaseSubcode subcode,
                                                       std::string_view message) {
  if (subcode != CeaseSubcode::kAdministrativeShutdown &&
      subcode != CeaseSubcode::kAdministrativeReset) {
    return Error{"shutdown communication: only Administrative Shutdown and Reset carry one"};
  }
  if (message.size() > kMaxShutdownCommunicationLength) {
    return Error{"shutdown communication: " + std::to_string(message.size()) +
                 " octets, RFC 9003 allows at most 255"};
  }
  if (!valid_utf8(message)) return Error{"shutdown communication: not valid UTF-8"};
  std::vector<std::uint8_t> data;
  if (!message.empty()) {
    data.push_back(static_cast<std::uint8_t>(message.size()));
    data.insert(data.end(), message.begin(), message.end());
  }
  return NotificationMessage(subcode, std::move(data));
}

std::optional<std::string> shutdown_communication(const NotificationMessage& n) {
  if (!is_shutdown(n) || n.data.empty()) return std::nullopt;
  const std::size_t length = n.data[0];
  if (length == 0 || length + 1 > n.data.size()) return std::nullopt;
  std::string text(n.data.begin() + 1, n.data.begin() + 1 + static_cast<std::ptrdiff_t>(length));
  if (!valid_utf8(text)) return std::nullopt;
  return text;
}

}  // namespace tabby::bgp
