// The message header and framer (RFC 4271 sections 4.1 and 6.1), KEEPALIVE, NOTIFICATION
// (with the shutdown communication of RFC 8203/9003) and ROUTE-REFRESH (RFC 2918, 7313).

#include "tabby/bgp/message.h"

#include <gtest/gtest.h>

#include "tabby/bgp/framer.h"
#include "wire_bytes.h"

namespace tabby::bgp {
namespace {

using namespace tabby::bgp::testing;

const Bytes kKeepalive = message(4, {});

Bytes with_length(Bytes bytes, std::size_t length) {
  bytes[16] = static_cast<std::uint8_t>(length >> 8);
  bytes[17] = static_cast<std::uint8_t>(length);
  return bytes;
}

struct HeaderCase {
  const char* name;
  Bytes bytes;
  bool extended_messages;
  std::uint8_t code;
  std::uint8_t subcode;
  Bytes data;
};

class HeaderErrorTest : public ::testing::TestWithParam<HeaderCase> {};

TEST_P(HeaderErrorTest, DecoderAndFramerSendTheSameNotification) {
  const auto& c = GetParam();
  CodecContext context;
  context.extended_messages = c.extended_messages;
  auto decoded = decode_message(c.bytes, context);
  ASSERT_FALSE(decoded.ok());
  const auto& n = decoded.error().notification;
  EXPECT_EQ(n.code, c.code) << decoded.error().description;
  EXPECT_EQ(n.subcode, c.subcode) << decoded.error().description;
  EXPECT_EQ(to_hex(n.data), to_hex(c.data));
  // The framer sees header errors before the body arrives; body errors are the decoder's.
  const Frame frame = next_frame(c.bytes, context);
  if (frame.status == Frame::Status::kError) {
    EXPECT_EQ(frame.error->notification, n);
  } else {
    EXPECT_EQ(frame.status, Frame::Status::kMessage);
    EXPECT_EQ(frame.length, static_cast<std::size_t>((c.bytes[16] << 8) | c.bytes[17]));
  }
}

Bytes bad_marker() {
  Bytes b = kKeepalive;
  b[7] = 0xFE;
  return b;
}

INSTANTIATE_TEST_SUITE_P(
    Vectors, HeaderErrorTest,
    ::testing::Values(
        HeaderCase{"BadMarker", bad_marker(), false, 1, 1, {}},
        HeaderCase{"LengthBelow19", with_length(kKeepalive, 18), false, 1, 2, hex("0012")},
        HeaderCase{"LengthAbove4096", with_length(message(2, Bytes(4078, 0)), 4097), false, 1, 2,
                   hex("1001")},
        HeaderCase{"OpenAbove4096WithExtendedMessages",
                   with_length(message(1, Bytes(4078, 0)), 4097), true, 1, 2, hex("1001")},
        HeaderCase{"TypeSix", message(6, {}), false, 1, 3, hex("06")},
        HeaderCase{"TypeZero", message(0, {}), false, 1, 3, hex("00")},
        HeaderCase{"KeepaliveWithBody", message(4, hex("00")), false, 1, 2, hex("0014")},
        HeaderCase{"NotificationWithoutSubcode", message(3, hex("06")), false, 1, 2, hex("0014")},
        HeaderCase{"UpdateTooShort", message(2, hex("000000")), false, 1, 2, hex("0016")},
        HeaderCase{"RouteRefreshTooShort", message(5, hex("000100")), false, 1, 2, hex("0016")},
        HeaderCase{"RouteRefreshTooLong", message(5, hex("0001 00 01 00")), false, 7, 1,
                   message(5, hex("0001 00 01 00"))},
        HeaderCase{"LengthFieldDisagreesWithBytes", cat({with_length(kKeepalive, 19), hex("00")}),
                   false, 1, 2, hex("0013")}),
    CaseName{});

TEST(FramerTest, SplitsAStreamIntoMessages) {
  const Bytes update = message(2, hex("0000 0000"));
  const Bytes stream =
      cat({kKeepalive, update, Bytes(kKeepalive.begin(), kKeepalive.begin() + 10)});
  std::span<const std::uint8_t> rest(stream);
  CodecContext context;

  Frame f = next_frame(rest, context);
  ASSERT_EQ(f.status, Frame::Status::kMessage);
  EXPECT_EQ(f.length, 19u);
  rest = rest.subspan(f.length);
  f = next_frame(rest, context);
  ASSERT_EQ(f.status, Frame::Status::kMessage);
  EXPECT_EQ(f.length, 23u);
  EXPECT_TRUE(decode_message(rest.first(f.length), context).ok());
  rest = rest.subspan(f.length);
  EXPECT_EQ(next_frame(rest, context).status, Frame::Status::kNeedMoreBytes);  // 10 of 19
  // A whole header whose body has not arrived yet.
  EXPECT_EQ(next_frame(std::span(update).first(20), context).status, Frame::Status::kNeedMoreBytes);
  EXPECT_EQ(next_frame({}, context).status, Frame::Status::kNeedMoreBytes);
}

TEST(FramerTest, ExtendedMessagesAllowLongUpdates) {
  Bytes long_update = message(2, cat({hex("0000"), u16(5000), Bytes(5000, 0)}));
  EXPECT_EQ(next_frame(long_update, CodecContext{}).status, Frame::Status::kError);
  CodecContext extended;
  extended.extended_messages = true;
  const Frame f = next_frame(long_update, extended);
  ASSERT_EQ(f.status, Frame::Status::kMessage);
  EXPECT_EQ(f.length, long_update.size());
}

TEST(KeepaliveTest, RoundTrips) {
  auto decoded = decode_message(kKeepalive, {});
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(std::holds_alternative<KeepaliveMessage>(decoded->message));
  EXPECT_EQ(*encode_message(KeepaliveMessage{}, {}), kKeepalive);
}

struct NotificationCase {
  const char* name;
  Bytes bytes;
  NotificationMessage expected;
  const char* description;
};

class NotificationTest : public ::testing::TestWithParam<NotificationCase> {};

TEST_P(NotificationTest, DecodesDescribesAndRoundTrips) {
  const auto& c = GetParam();
  auto decoded = decode_message(c.bytes, {});
  ASSERT_TRUE(decoded.ok()) << decoded.error().description;
  const auto& n = std::get<NotificationMessage>(decoded->message);
  EXPECT_EQ(n, c.expected);
  EXPECT_EQ(describe(n), c.description);
  EXPECT_EQ(to_hex(*encode_message(n, {})), to_hex(c.bytes));
}

INSTANTIATE_TEST_SUITE_P(
    Vectors, NotificationTest,
    ::testing::Values(
        NotificationCase{"HoldTimerExpired", message(3, hex("04 00")), NotificationMessage(4, 0),
                         "Hold Timer Expired (4/0)"},
        NotificationCase{"BadPeerAs", message(3, hex("02 02")),
                         NotificationMessage(OpenError::kBadPeerAs),
                         "OPEN Message Error / Bad Peer AS (2/2)"},
        NotificationCase{"MalformedAsPathWithData", message(3, hex("03 0b 40020102")),
                         NotificationMessage(UpdateError::kMalformedAsPath, hex("40020102")),
                         "UPDATE Message Error / Malformed AS_PATH (3/11)"},
        NotificationCase{"FsmErrorInOpenConfirm", message(3, hex("05 02")),
                         NotificationMessage(FsmError::kUnexpectedMessageInOpenConfirm),
                         "Finite State Machine Error / Receive Unexpected Message in "
                         "OpenConfirm State (5/2)"},
        NotificationCase{"CeaseWithShutdownCommunication",
                         message(3, hex("06 02 0b 6d61696e74656e616e6365")),
                         NotificationMessage(CeaseSubcode::kAdministrativeShutdown,
                                             hex("0b 6d61696e74656e616e6365")),
                         "Cease / Administrative Shutdown (6/2): \"maintenance\""},
        NotificationCase{"CeaseCollision", message(3, hex("06 07")),
                         NotificationMessage(CeaseSubcode::kConnectionCollisionResolution),
                         "Cease / Connection Collision Resolution (6/7)"},
        NotificationCase{"CeaseShutdownCommunicationTooLongForItsData",
                         message(3, hex("06 04 20 6869")),
                         NotificationMessage(CeaseSubcode::kAdministrativeReset, hex("20 6869")),
                         "Cease / Administrative Reset (6/4)"},
        NotificationCase{"RouteRefreshInvalidLength", message(3, hex("07 01")),
                         NotificationMessage(RouteRefreshError::kInvalidMessageLength),
                         "ROUTE-REFRESH Message Error / Invalid Message Length (7/1)"},
        NotificationCase{"UnknownCode", message(3, hex("09 05")), NotificationMessage(9, 5),
                         "Unknown Error Code / subcode 5 (9/5)"}),
    CaseName{});

TEST(ShutdownCommunicationTest, BuildsAndReadsBack) {
  auto n = make_shutdown_notification(CeaseSubcode::kAdministrativeShutdown, "upgrade to 2.1 ✓");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->data[0], n->data.size() - 1);
  EXPECT_EQ(shutdown_communication(*n), "upgrade to 2.1 ✓");

  auto empty = make_shutdown_notification(CeaseSubcode::kAdministrativeReset, "");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->data.empty());
  EXPECT_FALSE(shutdown_communication(*empty));

  EXPECT_TRUE(
      make_shutdown_notification(CeaseSubcode::kAdministrativeShutdown, std::string(255, 'x'))
          .ok());
  EXPECT_FALSE(
      make_shutdown_notification(CeaseSubcode::kAdministrativeShutdown, std::string(256, 'x'))
          .ok());
  EXPECT_FALSE(make_shutdown_notification(CeaseSubcode::kAdministrativeShutdown, "\xc3\x28").ok());
  EXPECT_FALSE(make_shutdown_notification(CeaseSubcode::kPeerDeconfigured, "bye").ok());
  // Not UTF-8 on the wire: ignored rather than passed on.
  EXPECT_FALSE(shutdown_communication(
      NotificationMessage(CeaseSubcode::kAdministrativeShutdown, hex("02 c328"))));
}

struct RefreshCase {
  const char* name;
  Bytes bytes;
  RouteRefreshMessage expected;
  bool known;
};

class RouteRefreshTest : public ::testing::TestWithParam<RefreshCase> {};

TEST_P(RouteRefreshTest, DecodesAndRoundTrips) {
  const auto& c = GetParam();
  auto decoded = decode_message(c.bytes, {});
  ASSERT_TRUE(decoded.ok()) << decoded.error().description;
  const auto& r = std::get<RouteRefreshMessage>(decoded->message);
  EXPECT_EQ(r, c.expected);
  EXPECT_EQ(r.known_subtype(), c.known);
  EXPECT_EQ(to_hex(*encode_message(r, {})), to_hex(c.bytes));
}

INSTANTIATE_TEST_SUITE_P(
    Vectors, RouteRefreshTest,
    ::testing::Values(
        RefreshCase{"Ipv4Request",
                    message(5, hex("0001 00 01")),
                    {kIpv4Unicast, RouteRefreshSubtype::kRequest},
                    true},
        RefreshCase{"Ipv6BeginningOfRouteRefresh",
                    message(5, hex("0002 01 01")),
                    {kIpv6Unicast, RouteRefreshSubtype::kBeginningOfRouteRefresh},
                    true},
        RefreshCase{"Ipv6EndOfRouteRefresh",
                    message(5, hex("0002 02 01")),
                    {kIpv6Unicast, RouteRefreshSubtype::kEndOfRouteRefresh},
                    true},
        // RFC 7313 section 5: other subtypes are ignored by the session, not an error.
        RefreshCase{"UnknownSubtype",
                    message(5, hex("0001 07 01")),
                    {kIpv4Unicast, static_cast<RouteRefreshSubtype>(7)},
                    false}),
    CaseName{});

}  // namespace
}  // namespace tabby::bgp
