// OPEN messages as byte vectors: what they decode to, that they re-encode to the same
// bytes, and the NOTIFICATION each broken one earns (RFC 4271 section 6.2, RFC 5492,
// RFC 7607, RFC 9072).

#include <gtest/gtest.h>

#include "tabby/bgp/message.h"
#include "wire_bytes.h"

namespace tabby::bgp {
namespace {

using namespace tabby::bgp::testing;

const Bytes kId = hex("0a000001");  // 10.0.0.1

Bytes caps_bird_style() {
  // All capabilities in one optional parameter, as BIRD sends them.
  return tlv(2, cat({
                    tlv(1, hex("0001 00 01")),                   // multiprotocol IPv4 unicast
                    tlv(1, hex("0002 00 01")),                   // multiprotocol IPv6 unicast
                    tlv(2, {}),                                  // route refresh
                    tlv(70, {}),                                 // enhanced route refresh
                    tlv(6, {}),                                  // extended message
                    tlv(64, hex("8078 0001 01 80 0002 01 00")),  // GR: R, 120 s, v4 F, v6
                    tlv(65, hex("0000fde9")),                    // 4-octet AS 65001
                    tlv(69, hex("0001 01 03 0002 01 01")),       // ADD-PATH v4 both, v6 receive
                    tlv(73, hex("02 6831 00")),                  // FQDN (unknown here)
                }));
}

OpenMessage decode_open_ok(const Bytes& bytes) {
  auto decoded = decode_message(bytes, CodecContext{});
  EXPECT_TRUE(decoded.ok()) << (decoded.ok() ? "" : decoded.error().description);
  if (!decoded.ok()) return {};
  EXPECT_EQ(decoded->verdict, UpdateVerdict::kAccept);
  const auto* open = std::get_if<OpenMessage>(&decoded->message);
  EXPECT_NE(open, nullptr);
  return open ? *open : OpenMessage{};
}

void expect_round_trip(const Bytes& bytes) {
  auto decoded = decode_message(bytes, CodecContext{});
  ASSERT_TRUE(decoded.ok()) << decoded.error().description;
  auto encoded = encode_message(decoded->message, CodecContext{});
  ASSERT_TRUE(encoded.ok()) << encoded.error().message;
  EXPECT_EQ(to_hex(*encoded), to_hex(bytes));
}

TEST(OpenTest, DecodesEveryCapabilityInOneParameter) {
  const Bytes bytes = open_message(65001, 240, kId, caps_bird_style());
  const OpenMessage open = decode_open_ok(bytes);
  EXPECT_EQ(open.version, 4);
  EXPECT_EQ(open.my_as, 65001);
  EXPECT_EQ(open.hold_time, 240);
  EXPECT_EQ(open.bgp_identifier.to_string(), "10.0.0.1");
  EXPECT_EQ(open.layout, CapabilityLayout::kAllInOneParameter);
  ASSERT_EQ(open.capabilities.size(), 9u);
  EXPECT_EQ(open.families(), (std::vector<Family>{kIpv4Unicast, kIpv6Unicast}));
  EXPECT_NE(open.find<RouteRefreshCapability>(), nullptr);
  EXPECT_NE(open.find<EnhancedRouteRefreshCapability>(), nullptr);
  EXPECT_NE(open.find<ExtendedMessageCapability>(), nullptr);
  EXPECT_EQ(open.speaker_as(), 65001u);

  const auto* gr = open.find<GracefulRestartCapability>();
  ASSERT_NE(gr, nullptr);
  EXPECT_TRUE(gr->restart_state());
  EXPECT_FALSE(gr->graceful_notification());
  EXPECT_EQ(gr->restart_time, 120);
  ASSERT_EQ(gr->families.size(), 2u);
  EXPECT_EQ(gr->families[0].family, kIpv4Unicast);
  EXPECT_TRUE(gr->families[0].forwarding_state_preserved());
  EXPECT_FALSE(gr->families[1].forwarding_state_preserved());

  const auto* add_path = open.find<AddPathCapability>();
  ASSERT_NE(add_path, nullptr);
  ASSERT_EQ(add_path->entries.size(), 2u);
  EXPECT_TRUE(add_path->entries[0].can_send());
  EXPECT_TRUE(add_path->entries[0].can_receive());
  EXPECT_FALSE(add_path->entries[1].can_send());
  EXPECT_TRUE(add_path->entries[1].can_receive());

  const auto* unknown = open.find<UnknownCapability>();
  ASSERT_NE(unknown, nullptr);
  EXPECT_EQ(unknown->code, 73);
  EXPECT_EQ(to_hex(unknown->value), "02683100");
}

struct RoundTripCase {
  const char* name;
  Bytes bytes;
};

class OpenRoundTripTest : public ::testing::TestWithParam<RoundTripCase> {};

TEST_P(OpenRoundTripTest, ReencodesToTheSameBytes) {
  expect_round_trip(GetParam().bytes);
}

INSTANTIATE_TEST_SUITE_P(
    Vectors, OpenRoundTripTest,
    ::testing::Values(
        RoundTripCase{"AllInOneParameter", open_message(65001, 240, kId, caps_bird_style())},
        RoundTripCase{"OneParameterEach",
                      open_message(65002, 180, kId,
                                   cat({tlv(2, tlv(1, hex("00010001"))), tlv(2, tlv(2, {})),
                                        tlv(2, tlv(65, hex("0000fdea"))),
                                        tlv(2, tlv(128, {}))}))},  // old Cisco route refresh
        RoundTripCase{"NoParameters", open_message(65003, 0, kId, {})},
        RoundTripCase{"AsTransWithFourOctetAs",
                      open_message(23456, 90, kId, tlv(2, tlv(65, hex("fa56ea00"))))},
        RoundTripCase{"GracefulRestartNotificationBitNoFamilies",
                      open_message(65004, 90, kId, tlv(2, tlv(64, hex("4000"))))},
        // RFC 9072: 255, 255, then a 2-octet length and 2-octet parameter lengths.
        RoundTripCase{"ExtendedOptionalParametersLength",
                      message(1, cat({hex("04 fde9 00b4 0a000001 ff ff 0009"), hex("02 0006"),
                                      tlv(65, hex("0000fde9"))}))}),
    CaseName{});

TEST(OpenTest, ExtendedParametersLengthIsUsedWhenTheParametersDoNotFit) {
  OpenMessage open;
  open.my_as = 65001;
  open.hold_time = 90;
  open.bgp_identifier = IpAddress::v4(0x0a000001);
  open.layout = CapabilityLayout::kAllInOneParameter;
  for (int i = 0; i < 40; ++i)
    open.capabilities.push_back(UnknownCapability{200, hex("0102030405")});
  auto bytes = encode_message(open, CodecContext{});
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ((*bytes)[28], 0xFF);  // non-extended length
  EXPECT_EQ((*bytes)[29], 0xFF);  // the RFC 9072 marker type
  auto back = decode_message(*bytes, CodecContext{});
  ASSERT_TRUE(back.ok()) << back.error().description;
  const auto& decoded = std::get<OpenMessage>(back->message);
  EXPECT_TRUE(decoded.extended_parameters_length);
  EXPECT_EQ(decoded.capabilities, open.capabilities);
}

TEST(OpenTest, EmptyCapabilitiesParameterIsNotCanonicalButStable) {
  // An empty capabilities parameter carries nothing and is dropped on re-encoding,
  // and what is re-encoded decodes to the same OPEN.
  auto decoded = decode_message(open_message(65001, 90, kId, tlv(2, {})), CodecContext{});
  ASSERT_TRUE(decoded.ok());
  const auto& open = std::get<OpenMessage>(decoded->message);
  EXPECT_TRUE(open.capabilities.empty());
  auto encoded = encode_message(open, CodecContext{});
  ASSERT_TRUE(encoded.ok());
  EXPECT_EQ(to_hex(*encoded), to_hex(open_message(65001, 90, kId, {})));
  EXPECT_EQ(std::get<OpenMessage>(decode_message(*encoded, CodecContext{})->message), open);
}

struct ErrorCase {
  const char* name;
  Bytes bytes;
  std::uint8_t code;
  std::uint8_t subcode;
  Bytes data;
};

class OpenErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(OpenErrorTest, AnswersWithTheRightNotification) {
  const auto& c = GetParam();
  auto decoded = decode_message(c.bytes, CodecContext{});
  ASSERT_FALSE(decoded.ok());
  const auto& n = decoded.error().notification;
  EXPECT_EQ(n.code, c.code) << decoded.error().description;
  EXPECT_EQ(n.subcode, c.subcode) << decoded.error().description;
  EXPECT_EQ(to_hex(n.data), to_hex(c.data));
  EXPECT_FALSE(decoded.error().description.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Vectors, OpenErrorTest,
    ::testing::Values(
        ErrorCase{"UnsupportedVersion", message(1, hex("03 fde9 00b4 0a000001 00")), 2, 1,
                  hex("0004")},
        ErrorCase{"PeerAsZero", open_message(0, 180, kId, {}), 2, 2, {}},
        ErrorCase{"FourOctetAsZero",
                  open_message(23456, 180, kId, tlv(2, tlv(65, hex("00000000")))),
                  2,
                  2,
                  {}},
        ErrorCase{"HoldTimeOne", open_message(65001, 1, kId, {}), 2, 6, {}},
        ErrorCase{"HoldTimeTwo", open_message(65001, 2, kId, {}), 2, 6, {}},
        ErrorCase{"IdentifierZero", open_message(65001, 180, hex("00000000"), {}), 2, 3, {}},
        ErrorCase{
            "AuthenticationParameter", open_message(65001, 180, kId, tlv(1, hex("00"))), 2, 4, {}},
        ErrorCase{"ParametersLengthTooLong",
                  message(1, hex("04 fde9 00b4 0a000001 0a 02 02 0200")),
                  2,
                  0,
                  {}},
        ErrorCase{"CapabilityOverrunsParameter",
                  open_message(65001, 180, kId, cat({{2, 4}, hex("01 08 0001 0001")})),
                  2,
                  0,
                  {}},
        ErrorCase{"MultiprotocolLengthThree",
                  open_message(65001, 180, kId, tlv(2, tlv(1, hex("000101")))),
                  2,
                  0,
                  {}},
        ErrorCase{"GracefulRestartLengthThree",
                  open_message(65001, 180, kId, tlv(2, tlv(64, hex("807800")))),
                  2,
                  0,
                  {}},
        ErrorCase{"AddPathLengthFive",
                  open_message(65001, 180, kId, tlv(2, tlv(69, hex("0001010300")))),
                  2,
                  0,
                  {}},
        ErrorCase{"RouteRefreshWithValue",
                  open_message(65001, 180, kId, tlv(2, tlv(2, hex("00")))),
                  2,
                  0,
                  {}},
        ErrorCase{
            "Rfc9072LengthCutShort", message(1, hex("04 fde9 00b4 0a000001 ff ff 00")), 2, 0, {}},
        ErrorCase{"ShorterThanTheMinimum", message(1, hex("04 fde9 00b4 0a000001")), 1, 2,
                  hex("001c")}),
    CaseName{});

TEST(OpenTest, OpenLongerThan4096IsRefusedEvenWithExtendedMessages) {
  Bytes parameters = cat({hex("ff ff"), u16(4100 - 32)});
  Bytes body = cat({hex("04 fde9 00b4 0a000001"), parameters, Bytes(4100 - 32, 0)});
  CodecContext extended;
  extended.extended_messages = true;
  auto decoded = decode_message(message(1, body), extended);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().notification.code, 1);
  EXPECT_EQ(decoded.error().notification.subcode, 2);
}

OpenMessage with_capabilities(std::vector<Capability> capabilities) {
  OpenMessage open;
  open.my_as = 65001;
  open.bgp_identifier = IpAddress::v4(1);
  open.capabilities = std::move(capabilities);
  return open;
}

TEST(NegotiateTest, CapabilitiesCountWhenBothSidesHaveThem) {
  const auto local =
      with_capabilities({FourOctetAsCapability{65001}, ExtendedMessageCapability{},
                         AddPathCapability{{{kIpv4Unicast, AddPathDirection::kSendReceive},
                                            {kIpv6Unicast, AddPathDirection::kReceive}}}});
  const auto remote =
      with_capabilities({FourOctetAsCapability{65002},
                         AddPathCapability{{{kIpv4Unicast, AddPathDirection::kSend},
                                            {kIpv6Unicast, AddPathDirection::kReceive}}}});
  const auto n = negotiate(local, remote);
  EXPECT_TRUE(n.receive.four_octet_as);
  EXPECT_TRUE(n.send.four_octet_as);
  EXPECT_FALSE(n.receive.extended_messages);  // only we advertised it
  EXPECT_EQ(n.receive.add_path, std::vector<Family>{kIpv4Unicast});
  EXPECT_TRUE(n.send.add_path.empty());  // the peer receives v6 paths, but we only receive too
  EXPECT_EQ(n.receive.max_length(MessageType::kUpdate), 4096u);
}

TEST(NegotiateTest, ExtendedMessagesRaiseTheLimitButNotForOpenOrKeepalive) {
  const auto both = with_capabilities({ExtendedMessageCapability{}});
  const auto n = negotiate(both, both);
  EXPECT_EQ(n.send.max_length(MessageType::kUpdate), 65535u);
  EXPECT_EQ(n.send.max_length(MessageType::kOpen), 4096u);
  EXPECT_EQ(n.send.max_length(MessageType::kKeepalive), 4096u);
}

TEST(NegotiateTest, MultiprotocolOnlyWhenBothAnnounceAFamily) {
  const auto mp = with_capabilities({MultiprotocolCapability{kIpv4Unicast}});
  const auto plain = with_capabilities({FourOctetAsCapability{65002}});
  EXPECT_TRUE(negotiate(mp, mp).receive.multiprotocol);
  EXPECT_FALSE(negotiate(mp, plain).receive.multiprotocol);
  EXPECT_FALSE(negotiate(plain, mp).send.multiprotocol);
}

TEST(OpenSessionCheckTest, BadPeerAsAndOwnIdentifierOnIbgp) {
  auto open = with_capabilities({FourOctetAsCapability{4200000000}});
  open.my_as = 23456;
  open.bgp_identifier = IpAddress::v4(0x0a000001);

  EXPECT_FALSE(check_open_against_session(open, {.peer_as = 4200000000u}));
  auto bad_as = check_open_against_session(open, {.peer_as = 65002u});
  ASSERT_TRUE(bad_as);
  EXPECT_EQ(bad_as->notification, NotificationMessage(OpenError::kBadPeerAs));

  auto same_id = check_open_against_session(
      open, {.local_bgp_identifier = IpAddress::v4(0x0a000001), .local_as = 4200000000u});
  ASSERT_TRUE(same_id);
  EXPECT_EQ(same_id->notification, NotificationMessage(OpenError::kBadBgpIdentifier));
  // eBGP peers may share an identifier with us.
  EXPECT_FALSE(check_open_against_session(
      open, {.local_bgp_identifier = IpAddress::v4(0x0a000001), .local_as = 65001}));
}

}  // namespace
}  // namespace tabby::bgp
