// UPDATE messages as byte vectors: what each attribute decodes to, that canonical messages
// re-encode to the same bytes in every codec context, End-of-RIB, and RFC 7606: which
// malformations cost the routes (treat-as-withdraw), the attribute (attribute-discard) or
// the session (with the exact NOTIFICATION).

#include <gtest/gtest.h>

#include "tabby/bgp/message.h"
#include "wire_bytes.h"

namespace tabby::bgp {
namespace {

using namespace tabby::bgp::testing;

const Bytes kOrigin = attribute(0x40, 1, hex("00"));
const Bytes kAsPath = attribute(0x40, 2, hex("02 01 fde9"));  // SEQUENCE 65001, 2-octet
const Bytes kNextHop = attribute(0x40, 3, hex("0a000001"));
const Bytes kNlri = hex("18 0a0101");  // 10.1.1.0/24

CodecContext two_octet() {
  return CodecContext{};
}
CodecContext four_octet() {
  CodecContext c;
  c.four_octet_as = true;
  return c;
}
CodecContext multiprotocol() {
  CodecContext c = four_octet();
  c.multiprotocol = true;
  return c;
}
CodecContext with_add_path(std::vector<Family> families) {
  CodecContext c = four_octet();
  c.add_path = std::move(families);
  return c;
}

IpPrefix prefix(const char* text) {
  return IpPrefix::parse(text).value();
}
IpAddress address(const char* text) {
  return IpAddress::parse(text).value();
}

DecodedMessage decode_ok(const Bytes& bytes, const CodecContext& context) {
  auto decoded = decode_message(bytes, context);
  EXPECT_TRUE(decoded.ok()) << (decoded.ok() ? "" : decoded.error().description);
  if (!decoded.ok()) return DecodedMessage{KeepaliveMessage{}};
  return *decoded;
}

UpdateMessage as_update(const DecodedMessage& d) {
  return std::get<UpdateMessage>(d.message);
}

TEST(UpdateTest, DecodesEveryIpv4Attribute) {
  const Bytes bytes = update(
      {},
      cat({kOrigin, kAsPath, kNextHop, attribute(0x80, 4, hex("00000064")),
           attribute(0x40, 5, hex("000000c8")), attribute(0x40, 6, {}),
           attribute(0xc0, 7, hex("fde9 0a000009")),
           attribute(0xc0, 8, hex("fde90064 ffffff01 ffffff02 ffffff03")),
           attribute(0x80, 9, hex("0a000002")), attribute(0x80, 10, hex("0a000003 0a000004")),
           attribute(0xc0, 32, hex("0000fde9 00000001 00000002")), attribute(0xc0, 99, hex("abcd")),
           attribute(0x80, 240, hex("01"))}),
      hex("10 0a01  18 c0a801  00"));
  const auto decoded = decode_ok(bytes, two_octet());
  EXPECT_EQ(decoded.verdict, UpdateVerdict::kAccept);
  EXPECT_TRUE(decoded.problems.empty());
  const UpdateMessage u = as_update(decoded);
  const auto& a = u.attributes;
  EXPECT_EQ(a.origin, Origin::kIgp);
  ASSERT_TRUE(a.as_path);
  EXPECT_EQ(a.as_path->segments, (std::vector<AsSegment>{{AsSegmentType::kSequence, {65001}}}));
  EXPECT_EQ(a.next_hop, address("10.0.0.1"));
  EXPECT_EQ(a.med, 100u);
  EXPECT_EQ(a.local_pref, 200u);
  EXPECT_TRUE(a.atomic_aggregate);
  EXPECT_EQ(a.aggregator, (Aggregator{65001, address("10.0.0.9")}));
  EXPECT_EQ(a.communities, (std::vector<Community>{make_community(65001, 100), kNoExport,
                                                   kNoAdvertise, kNoExportSubconfed}));
  EXPECT_TRUE(a.has_community(kNoExport));
  EXPECT_EQ(a.originator_id, address("10.0.0.2"));
  EXPECT_EQ(a.cluster_list, (std::vector<IpAddress>{address("10.0.0.3"), address("10.0.0.4")}));
  EXPECT_EQ(a.large_communities, (std::vector<LargeCommunity>{{65001, 1, 2}}));
  ASSERT_EQ(a.unknown.size(), 2u);
  EXPECT_EQ(a.unknown[0], (UnknownAttribute{0xc0, 99, hex("abcd")}));
  EXPECT_EQ(a.unknown[1], (UnknownAttribute{0x80, 240, hex("01")}));
  EXPECT_EQ(u.nlri,
            (std::vector<Nlri>{
                {prefix("10.1.0.0/16")}, {prefix("192.168.1.0/24")}, {prefix("0.0.0.0/0")}}));
}

TEST(UpdateTest, DecodesIpv6MpReachWithLinkLocalNextHop) {
  const Bytes mp_reach = attribute(
      0x90, 14,
      hex("0002 01 20 20010db8000000000000000000000001 fe800000000000000000000000000001 00"
          "40 20010db800010000  30 20010db80002"));
  const auto decoded = decode_ok(
      update({}, cat({mp_reach, kOrigin, attribute(0x50, 2, hex("02 02 0000fde9 0000fdea"))}), {}),
      four_octet());
  EXPECT_EQ(decoded.verdict, UpdateVerdict::kAccept);
  const PathAttributes a = as_update(decoded).attributes;
  ASSERT_TRUE(a.mp_reach);
  EXPECT_EQ(a.mp_reach->family, kIpv6Unicast);
  EXPECT_EQ(a.mp_reach->next_hop, address("2001:db8::1"));
  EXPECT_EQ(a.mp_reach->link_local_next_hop, address("fe80::1"));
  EXPECT_EQ(a.mp_reach->nlri,
            (std::vector<Nlri>{{prefix("2001:db8:1::/64")}, {prefix("2001:db8:2::/48")}}));
  EXPECT_EQ(a.as_path->segments,
            (std::vector<AsSegment>{{AsSegmentType::kSequence, {65001, 65002}}}));
  EXPECT_FALSE(a.next_hop);  // not needed: no IPv4 NLRI
}

TEST(UpdateTest, DecodesAddPathIdentifiers) {
  const Bytes bytes = update(hex("00000007 18 0a0202"), cat({kOrigin, kAsPath, kNextHop}),
                             hex("00000001 18 0a0101  00000002 18 0a0101"));
  CodecContext context = with_add_path({kIpv4Unicast});
  context.four_octet_as = false;
  const UpdateMessage u = as_update(decode_ok(bytes, context));
  EXPECT_EQ(u.withdrawn, (std::vector<Nlri>{{prefix("10.2.2.0/24"), 7}}));
  EXPECT_EQ(u.nlri, (std::vector<Nlri>{{prefix("10.1.1.0/24"), 1}, {prefix("10.1.1.0/24"), 2}}));
}

struct RoundTripCase {
  const char* name;
  Bytes bytes;
  CodecContext context;
};

class UpdateRoundTripTest : public ::testing::TestWithParam<RoundTripCase> {};

TEST_P(UpdateRoundTripTest, ReencodesToTheSameBytes) {
  const auto& c = GetParam();
  auto decoded = decode_message(c.bytes, c.context);
  ASSERT_TRUE(decoded.ok()) << decoded.error().description;
  EXPECT_EQ(decoded->verdict, UpdateVerdict::kAccept);
  auto encoded = encode_message(decoded->message, c.context);
  ASSERT_TRUE(encoded.ok()) << encoded.error().message;
  EXPECT_EQ(to_hex(*encoded), to_hex(c.bytes));
}

INSTANTIATE_TEST_SUITE_P(
    Vectors, UpdateRoundTripTest,
    ::testing::Values(
        RoundTripCase{
            "Ipv4AllAttributes",
            update({},
                   cat({kOrigin, kAsPath, kNextHop, attribute(0x80, 4, hex("00000064")),
                        attribute(0x40, 5, hex("00000064")), attribute(0x40, 6, {}),
                        attribute(0xc0, 7, hex("fde9 0a000009")),
                        attribute(0xc0, 8, hex("fde90064")), attribute(0x80, 9, hex("0a000002")),
                        attribute(0x80, 10, hex("0a000003")),
                        attribute(0xc0, 32, hex("0000fde9 00000001 00000002")),
                        attribute(0xe0, 99, hex("abcd"))}),
                   hex("10 0a01 18 c0a801 20 0a010101 00")),
            two_octet()},
        RoundTripCase{"FourOctetSegmentsOfEveryType",
                      update({},
                             cat({kOrigin,
                                  attribute(0x40, 2,
                                            hex("02 02 fa56ea00 0000fde9  01 02 00000001 00000002"
                                                "03 01 0000fdf2  04 01 0000fdf3")),
                                  kNextHop}),
                             kNlri),
                      four_octet()},
        RoundTripCase{"Ipv6MpReachWithExtendedLengthFlag",
                      update({},
                             cat({attribute(0x90, 14,
                                            hex("0002 01 10 20010db8000000000000000000000001 00"
                                                "40 20010db800010000")),
                                  kOrigin, attribute(0x40, 2, hex("02 01 0000fde9"))}),
                             {}),
                      four_octet()},
        RoundTripCase{"Ipv6Withdraw",
                      update({}, attribute(0x80, 15, hex("0002 01 40 20010db800010000")), {}),
                      four_octet()},
        RoundTripCase{"Ipv4WithdrawOnly", update(hex("18 0a0101 10 0a02"), {}, {}), two_octet()},
        RoundTripCase{"Ipv4NlriOverMpReach",
                      update({},
                             cat({kOrigin, kAsPath,
                                  attribute(0x80, 14, hex("0001 01 04 0a000001 00 18 0a0101"))}),
                             {}),
                      two_octet()},
        RoundTripCase{"AddPathIpv4AndIpv6",
                      update(hex("00000003 18 0a0303"),
                             cat({attribute(0x80, 14,
                                            hex("0002 01 10 20010db8000000000000000000000001 00"
                                                "0000000a 40 20010db800010000")),
                                  kOrigin, attribute(0x40, 2, hex("02 01 0000fde9")), kNextHop}),
                             hex("00000001 18 0a0101")),
                      with_add_path({kIpv4Unicast, kIpv6Unicast})},
        RoundTripCase{"As4PathAndAs4AggregatorFromTwoOctetSpeaker",
                      update({},
                             cat({kOrigin, attribute(0x40, 2, hex("02 02 5ba0 fde9")), kNextHop,
                                  attribute(0xc0, 7, hex("5ba0 0a000009")),
                                  attribute(0xc0, 17, hex("02 02 fa56ea00 0000fde9")),
                                  attribute(0xc0, 18, hex("fa56ea00 0a000009"))}),
                             kNlri),
                      two_octet()},
        RoundTripCase{"ExtendedLengthOnShortAttributeAndPartialBit",
                      update({},
                             cat({kOrigin, attribute(0x50, 2, hex("02 01 fde9")), kNextHop,
                                  attribute(0xe0, 8, hex("fde90001"))}),
                             kNlri),
                      two_octet()},
        RoundTripCase{
            "LongAsPathNeedsExtendedLength",
            update({},
                   cat({kOrigin, attribute(0x50, 2, cat({hex("02 80"), Bytes(128 * 4, 0x01)})),
                        kNextHop}),
                   kNlri),
            four_octet()},
        RoundTripCase{"Ipv4EndOfRib", update({}, {}, {}), two_octet()},
        RoundTripCase{"Ipv6EndOfRib", update({}, attribute(0x80, 15, hex("0002 01")), {}),
                      two_octet()},
        RoundTripCase{"EvpnMpReachKeptAsUnknown",
                      update({}, attribute(0x90, 14, hex("0019 46 04 0a000001 00 0102")), {}),
                      four_octet()}),
    CaseName{});

TEST(EndOfRibTest, RecognisesAndBuildsEachFamily) {
  for (Family family : {kIpv4Unicast, kIpv6Unicast, Family{kAfiIpv4, kSafiMulticast}}) {
    const UpdateMessage eor = make_end_of_rib(family);
    EXPECT_EQ(end_of_rib_family(eor), family) << family.to_string();
    auto bytes = encode_message(eor, CodecContext{});
    ASSERT_TRUE(bytes.ok());
    EXPECT_EQ(end_of_rib_family(as_update(decode_ok(*bytes, CodecContext{}))), family);
  }
  EXPECT_EQ(to_hex(*encode_message(make_end_of_rib(kIpv4Unicast), {})), to_hex(update({}, {}, {})));
  EXPECT_EQ(to_hex(*encode_message(make_end_of_rib(kIpv6Unicast), {})),
            to_hex(update({}, attribute(0x80, 15, hex("0002 01")), {})));
  // EVPN's End-of-RIB, a family the codec keeps as an unknown attribute.
  EXPECT_EQ(end_of_rib_family(
                as_update(decode_ok(update({}, attribute(0x80, 15, hex("0019 46")), {}), {}))),
            (Family{25, 70}));

  EXPECT_FALSE(end_of_rib_family(as_update(decode_ok(update(kNlri, {}, {}), {}))));
  EXPECT_FALSE(end_of_rib_family(
      as_update(decode_ok(update({}, attribute(0x80, 15, hex("0002 01 00")), {}), {}))));
}

// RFC 7606: errors that leave the session up.
struct VerdictCase {
  const char* name;
  Bytes attributes;
  Bytes nlri;
  CodecContext context;
  UpdateVerdict verdict;
};

class UpdateVerdictTest : public ::testing::TestWithParam<VerdictCase> {};

TEST_P(UpdateVerdictTest, GivesTheRfc7606Verdict) {
  const auto& c = GetParam();
  auto decoded = decode_message(update({}, c.attributes, c.nlri), c.context);
  ASSERT_TRUE(decoded.ok()) << decoded.error().description;
  EXPECT_EQ(decoded->verdict, c.verdict);
  if (c.verdict == UpdateVerdict::kAccept) {
    EXPECT_TRUE(decoded->problems.empty());
  } else {
    EXPECT_FALSE(decoded->problems.empty());
  }
  // The NLRI are still there: with treat-as-withdraw the session withdraws them.
  EXPECT_EQ(as_update(*decoded).nlri.empty(), c.nlri.empty());
}

constexpr auto kWithdraw = UpdateVerdict::kTreatAsWithdraw;
constexpr auto kDiscard = UpdateVerdict::kAttributeDiscard;
constexpr auto kAccept = UpdateVerdict::kAccept;

INSTANTIATE_TEST_SUITE_P(
    Vectors, UpdateVerdictTest,
    ::testing::Values(
        VerdictCase{"OriginLengthTwo", cat({attribute(0x40, 1, hex("0000")), kAsPath, kNextHop}),
                    kNlri, two_octet(), kWithdraw},
        VerdictCase{"OriginValueThree", cat({attribute(0x40, 1, hex("03")), kAsPath, kNextHop}),
                    kNlri, two_octet(), kWithdraw},
        VerdictCase{"OriginFlaggedOptional",
                    cat({attribute(0xc0, 1, hex("00")), kAsPath, kNextHop}), kNlri, two_octet(),
                    kWithdraw},
        VerdictCase{"AsPathSegmentOverrun",
                    cat({kOrigin, attribute(0x40, 2, hex("02 02 fde9")), kNextHop}), kNlri,
                    two_octet(), kWithdraw},
        VerdictCase{"AsPathSegmentTypeFive",
                    cat({kOrigin, attribute(0x40, 2, hex("05 01 fde9")), kNextHop}), kNlri,
                    two_octet(), kWithdraw},
        VerdictCase{"AsPathEmptySegment",
                    cat({kOrigin, attribute(0x40, 2, hex("02 00")), kNextHop}), kNlri, two_octet(),
                    kWithdraw},
        VerdictCase{"AsPathTwoOctetReadAsFourOctet", cat({kOrigin, kAsPath, kNextHop}), kNlri,
                    four_octet(), kWithdraw},
        VerdictCase{"NextHopLengthFive",
                    cat({kOrigin, kAsPath, attribute(0x40, 3, hex("0a00000100"))}), kNlri,
                    two_octet(), kWithdraw},
        // RFC 7606 section 7.3: a next hop no packet can go to; the session stays up.
        VerdictCase{"NextHopZero", cat({kOrigin, kAsPath, attribute(0x40, 3, hex("00000000"))}),
                    kNlri, two_octet(), kWithdraw},
        VerdictCase{"NextHopThisNetwork",
                    cat({kOrigin, kAsPath, attribute(0x40, 3, hex("00010203"))}), kNlri,
                    two_octet(), kWithdraw},
        VerdictCase{"NextHopMulticast",
                    cat({kOrigin, kAsPath, attribute(0x40, 3, hex("e0000005"))}), kNlri,
                    two_octet(), kWithdraw},
        VerdictCase{"NextHopClassE", cat({kOrigin, kAsPath, attribute(0x40, 3, hex("f0000001"))}),
                    kNlri, two_octet(), kWithdraw},
        VerdictCase{"NextHopBroadcast",
                    cat({kOrigin, kAsPath, attribute(0x40, 3, hex("ffffffff"))}), kNlri,
                    two_octet(), kWithdraw},
        // RFC 4760 section 3: without NLRI field the NEXT_HOP is not used, so not fatal.
        VerdictCase{"UnusableNextHopBesideOnlyMpReach",
                    cat({kOrigin, kAsPath, attribute(0x40, 3, hex("00000000")),
                         attribute(0x80, 14,
                                   hex("0002 01 10 20010db8000000000000000000000001 00 "
                                       "40 20010db800010000"))}),
                    {},
                    two_octet(),
                    kDiscard},
        VerdictCase{"MpReachNextHopUnspecified",
                    cat({kOrigin, kAsPath,
                         attribute(0x80, 14,
                                   hex("0002 01 10 00000000000000000000000000000000 00 "
                                       "40 20010db800010000"))}),
                    {},
                    two_octet(),
                    kWithdraw},
        VerdictCase{"MpReachNextHopMulticast",
                    cat({kOrigin, kAsPath,
                         attribute(0x80, 14,
                                   hex("0002 01 10 ff020000000000000000000000000001 00 "
                                       "40 20010db800010000"))}),
                    {},
                    two_octet(),
                    kWithdraw},
        VerdictCase{
            "MpReachLinkLocalInTheGlobalField",
            cat({kOrigin, kAsPath,
                 attribute(0x80, 14,
                           hex("0002 01 20 fe800000000000000000000000000001 "
                               "fe800000000000000000000000000001 00 40 20010db800010000"))}),
            {},
            two_octet(),
            kWithdraw},
        VerdictCase{
            "MpReachIpv4NextHopZero",
            cat({kOrigin, kAsPath, attribute(0x80, 14, hex("0001 01 04 00000000 00 18 0a0101"))}),
            {},
            two_octet(),
            kWithdraw},
        VerdictCase{"MedLengthThree",
                    cat({kOrigin, kAsPath, kNextHop, attribute(0x80, 4, hex("000064"))}), kNlri,
                    two_octet(), kWithdraw},
        VerdictCase{"LocalPrefLengthTwo",
                    cat({kOrigin, kAsPath, kNextHop, attribute(0x40, 5, hex("0064"))}), kNlri,
                    two_octet(), kWithdraw},
        VerdictCase{"CommunitiesLengthSix",
                    cat({kOrigin, kAsPath, kNextHop, attribute(0xc0, 8, hex("fde900640001"))}),
                    kNlri, two_octet(), kWithdraw},
        VerdictCase{"OriginatorIdLengthThree",
                    cat({kOrigin, kAsPath, kNextHop, attribute(0x80, 9, hex("0a0000"))}), kNlri,
                    two_octet(), kWithdraw},
        VerdictCase{"ClusterListLengthFive",
                    cat({kOrigin, kAsPath, kNextHop, attribute(0x80, 10, hex("0a00000300"))}),
                    kNlri, two_octet(), kWithdraw},
        VerdictCase{"LargeCommunitiesLengthThirteen",
                    cat({kOrigin, kAsPath, kNextHop, attribute(0xc0, 32, Bytes(13, 1))}), kNlri,
                    two_octet(), kWithdraw},
        VerdictCase{"MissingOrigin", cat({kAsPath, kNextHop}), kNlri, two_octet(), kWithdraw},
        VerdictCase{"MissingAsPath", cat({kOrigin, kNextHop}), kNlri, two_octet(), kWithdraw},
        VerdictCase{"MissingNextHop", cat({kOrigin, kAsPath}), kNlri, two_octet(), kWithdraw},
        VerdictCase{"AttributeOverrunsTheAttributes",
                    cat({kOrigin, kAsPath, kNextHop, hex("c0 08 08 fde90064")}), kNlri, two_octet(),
                    kWithdraw},
        VerdictCase{"AttributeHeaderCutShort", cat({kOrigin, kAsPath, kNextHop, hex("c0 08")}),
                    kNlri, two_octet(), kWithdraw},
        // Both MP attributes read before the overrun: nothing can hide in the rest.
        VerdictCase{"OverrunAfterBothMpAttributesOnMultiprotocolSession",
                    cat({attribute(0x80, 15, hex("0002 01")),
                         attribute(0x80, 14,
                                   hex("0002 01 10 20010db8000000000000000000000001 00 "
                                       "40 20010db800010000")),
                         kOrigin, attribute(0x40, 2, hex("02 01 0000fde9")), hex("c0 08 08 01")}),
                    {},
                    multiprotocol(),
                    kWithdraw},
        VerdictCase{"AtomicAggregateLengthOne",
                    cat({kOrigin, kAsPath, kNextHop, attribute(0x40, 6, hex("00"))}), kNlri,
                    two_octet(), kDiscard},
        VerdictCase{"AggregatorLengthSeven",
                    cat({kOrigin, kAsPath, kNextHop, attribute(0xc0, 7, hex("fde9 0a00000900"))}),
                    kNlri, two_octet(), kDiscard},
        VerdictCase{"AggregatorFourOctetInTwoOctetSession",
                    cat({kOrigin, kAsPath, kNextHop, attribute(0xc0, 7, hex("0000fde9 0a000009"))}),
                    kNlri, two_octet(), kDiscard},
        VerdictCase{"AggregatorFlaggedWellKnown",
                    cat({kOrigin, kAsPath, kNextHop, attribute(0x40, 7, hex("fde9 0a000009"))}),
                    kNlri, two_octet(), kDiscard},
        VerdictCase{"As4PathFromFourOctetSpeaker",
                    cat({kOrigin, attribute(0x40, 2, hex("02 01 0000fde9")), kNextHop,
                         attribute(0xc0, 17, hex("02 01 0000fde9"))}),
                    kNlri, four_octet(), kDiscard},
        VerdictCase{"As4PathMalformed",
                    cat({kOrigin, kAsPath, kNextHop, attribute(0xc0, 17, hex("02 02 0000fde9"))}),
                    kNlri, two_octet(), kDiscard},
        VerdictCase{"As4AggregatorLengthSix",
                    cat({kOrigin, kAsPath, kNextHop, attribute(0xc0, 18, hex("fde9 0a000009"))}),
                    kNlri, two_octet(), kDiscard},
        VerdictCase{"CommunitiesTwice",
                    cat({kOrigin, kAsPath, kNextHop, attribute(0xc0, 8, hex("fde90001")),
                         attribute(0xc0, 8, hex("fde90002"))}),
                    kNlri, two_octet(), kDiscard},
        VerdictCase{"WithdrawOnlyNeedsNoAttributes", {}, {}, two_octet(), kAccept},
        VerdictCase{"MpReachNeedsNoNextHop",
                    cat({kOrigin, kAsPath,
                         attribute(0x80, 14,
                                   hex("0002 01 10 20010db8000000000000000000000001 00 "
                                       "40 20010db800010000"))}),
                    {},
                    two_octet(),
                    kAccept},
        VerdictCase{"MpReachWithoutOriginIsWithdrawn",
                    cat({kAsPath, attribute(0x80, 14,
                                            hex("0002 01 10 20010db8000000000000000000000001 00 "
                                                "40 20010db800010000"))}),
                    {},
                    two_octet(),
                    kWithdraw}),
    CaseName{});

TEST(UpdateVerdictTest, DiscardedAttributeIsGoneAndTheRestKept) {
  auto decoded =
      decode_message(update({},
                            cat({kOrigin, kAsPath, kNextHop, attribute(0x40, 6, hex("00")),
                                 attribute(0xc0, 8, hex("fde90001"))}),
                            kNlri),
                     two_octet());
  ASSERT_TRUE(decoded.ok());
  const PathAttributes a = as_update(*decoded).attributes;
  EXPECT_FALSE(a.atomic_aggregate);
  EXPECT_EQ(a.communities, std::vector<Community>{make_community(65001, 1)});
  ASSERT_EQ(decoded->problems.size(), 1u);
  EXPECT_NE(decoded->problems[0].find("ATOMIC_AGGREGATE"), std::string::npos)
      << decoded->problems[0];
}

TEST(UpdateVerdictTest, UnusableNextHopIsNamedAndDropped) {
  auto decoded = decode_message(
      update({}, cat({kOrigin, kAsPath, attribute(0x40, 3, hex("e0000005"))}), kNlri), two_octet());
  ASSERT_TRUE(decoded.ok());
  EXPECT_FALSE(as_update(*decoded).attributes.next_hop);
  ASSERT_EQ(decoded->problems.size(), 1u);
  EXPECT_NE(decoded->problems[0].find("NEXT_HOP 224.0.0.5 is multicast"), std::string::npos)
      << decoded->problems[0];
}

TEST(UpdateVerdictTest, FirstCopyOfARepeatedAttributeWins) {
  auto decoded = decode_message(
      update({}, cat({kOrigin, kAsPath, kNextHop, attribute(0x40, 3, hex("0a0000ff"))}), kNlri),
      two_octet());
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(as_update(*decoded).attributes.next_hop, address("10.0.0.1"));
}

// Errors that reset the session, with the exact NOTIFICATION.
struct ResetCase {
  const char* name;
  Bytes bytes;
  CodecContext context;
  std::uint8_t subcode;  // of UPDATE Message Error (3), unless code says otherwise
  Bytes data;
};

class UpdateResetTest : public ::testing::TestWithParam<ResetCase> {};

TEST_P(UpdateResetTest, SendsTheRightNotification) {
  const auto& c = GetParam();
  auto decoded = decode_message(c.bytes, c.context);
  ASSERT_FALSE(decoded.ok());
  const auto& n = decoded.error().notification;
  EXPECT_EQ(n.code, 3) << decoded.error().description;
  EXPECT_EQ(n.subcode, c.subcode) << decoded.error().description;
  EXPECT_EQ(to_hex(n.data), to_hex(c.data));
}

const Bytes kBadMpNextHop = attribute(0x80, 14, hex("0002 01 05 0102030405 00"));
const Bytes kLongMpPrefix =
    attribute(0x80, 14, hex("0002 01 10 20010db8000000000000000000000001 00 81 00"));
const Bytes kShortMpUnreach = attribute(0x80, 15, hex("0002"));
const Bytes kMpReachNotOptional =
    attribute(0x40, 14, hex("0002 01 10 20010db8000000000000000000000001 00"));
const Bytes kUnknownWellKnown = attribute(0x40, 99, hex("00"));
// RFC 8950's IPv6 next hop for IPv4 routes, never negotiated by tabby.
const Bytes kIpv4WithIpv6NextHop =
    attribute(0x80, 14, hex("0001 01 10 20010db8000000000000000000000001 00 18 0a0101"));

INSTANTIATE_TEST_SUITE_P(
    Vectors, UpdateResetTest,
    ::testing::Values(
        ResetCase{"WithdrawnLengthOverruns", message(2, hex("0010 0000")), two_octet(), 1, {}},
        ResetCase{
            "AttributesLengthOverruns", message(2, hex("0000 0010 40010100")), two_octet(), 1, {}},
        ResetCase{
            "WithdrawnPrefixLength33", update(hex("21 0a010101 01"), {}, {}), two_octet(), 10, {}},
        ResetCase{"NlriPrefixOverruns",
                  update({}, cat({kOrigin, kAsPath, kNextHop}), hex("18 0a01")),
                  two_octet(),
                  10,
                  {}},
        ResetCase{"NlriPrefixLength33",
                  update({}, cat({kOrigin, kAsPath, kNextHop}), hex("21 0a010101 01")),
                  two_octet(),
                  10,
                  {}},
        ResetCase{"AddPathExpectedButMissing",
                  update({}, cat({kOrigin, kAsPath, kNextHop}), kNlri),
                  with_add_path({kIpv4Unicast}),
                  10,
                  {}},
        ResetCase{"UnrecognizedWellKnownAttribute",
                  update({}, cat({kOrigin, kUnknownWellKnown}), {}), two_octet(), 2,
                  kUnknownWellKnown},
        ResetCase{
            "MpReachTwice",
            update({},
                   cat({attribute(0x80, 14, hex("0002 01 10 20010db8000000000000000000000001 00")),
                        attribute(0x80, 14,
                                  hex("0002 01 10 20010db8000000000000000000000001 00"))}),
                   {}),
            two_octet(),
            1,
            {}},
        ResetCase{"MpReachNextHopLengthFive", update({}, kBadMpNextHop, {}), two_octet(), 9,
                  kBadMpNextHop},
        ResetCase{"MpReachIpv4WithIpv6NextHop", update({}, kIpv4WithIpv6NextHop, {}), two_octet(),
                  9, kIpv4WithIpv6NextHop},
        ResetCase{"MpReachPrefixLength129", update({}, kLongMpPrefix, {}), two_octet(), 9,
                  kLongMpPrefix},
        ResetCase{"MpUnreachTooShort", update({}, kShortMpUnreach, {}), two_octet(), 5,
                  kShortMpUnreach},
        ResetCase{"MpReachFlaggedWellKnown", update({}, kMpReachNotOptional, {}), two_octet(), 4,
                  kMpReachNotOptional},
        // RFC 7606 section 5.3: on a multiprotocol session an overrun before the MP
        // attributes were read leaves their routes unlocated.
        ResetCase{"OverrunBeforeMpAttributesOnMultiprotocolSession",
                  update({},
                         cat({kOrigin, attribute(0x40, 2, hex("02 01 0000fde9")), kNextHop,
                              hex("c0 08 08 fde90064")}),
                         kNlri),
                  multiprotocol(),
                  1,
                  {}},
        ResetCase{"HeaderCutShortOnMultiprotocolSession",
                  update({},
                         cat({kOrigin, attribute(0x40, 2, hex("02 01 0000fde9")), kNextHop,
                              hex("c0 08")}),
                         kNlri),
                  multiprotocol(),
                  1,
                  {}},
        ResetCase{
            "OverrunAfterOnlyMpReachOnMultiprotocolSession",
            update({},
                   cat({attribute(0x80, 14,
                                  hex("0002 01 10 20010db8000000000000000000000001 00 "
                                      "40 20010db800010000")),
                        kOrigin, attribute(0x40, 2, hex("02 01 0000fde9")), hex("c0 08 08 01")}),
                   {}),
            multiprotocol(),
            1,
            {}}),
    CaseName{});

UpdateMessage announce(std::vector<std::uint32_t> path) {
  UpdateMessage u;
  u.attributes.origin = Origin::kIgp;
  u.attributes.as_path = AsPath{{{AsSegmentType::kSequence, std::move(path)}}};
  u.attributes.next_hop = address("10.0.0.1");
  u.nlri.push_back({prefix("10.1.1.0/24")});
  return u;
}

TEST(UpdateEncodeTest, RefusesWhatTheSessionCannotCarry) {
  auto wide_as = encode_message(announce({4200000000u}), two_octet());
  ASSERT_FALSE(wide_as.ok());
  EXPECT_NE(wide_as.error().message.find("to_two_octet_peer"), std::string::npos);

  UpdateMessage v6_in_v4_field = announce({65001});
  v6_in_v4_field.nlri.push_back({prefix("2001:db8::/32")});
  EXPECT_FALSE(encode_message(v6_in_v4_field, four_octet()).ok());

  UpdateMessage as4_to_new = announce({65001});
  as4_to_new.attributes.as4_path = AsPath{{{AsSegmentType::kSequence, {65001}}}};
  EXPECT_FALSE(encode_message(as4_to_new, four_octet()).ok());

  UpdateMessage big = announce({65001});
  for (std::uint32_t i = 0; i < 1500; ++i) {
    big.nlri.push_back({IpPrefix(IpAddress::v4(0x0b000000 + (i << 8)), 24)});
  }
  EXPECT_FALSE(encode_message(big, four_octet()).ok());
  CodecContext extended = four_octet();
  extended.extended_messages = true;
  auto bytes = encode_message(big, extended);
  ASSERT_TRUE(bytes.ok());
  EXPECT_GT(bytes->size(), 4096u);
  EXPECT_EQ(as_update(decode_ok(*bytes, extended)), big);
}

TEST(UpdateEncodeTest, LongSequencesAreSplitIntoSegments) {
  std::vector<std::uint32_t> path(300, 65001);
  auto bytes = encode_message(announce(path), four_octet());
  ASSERT_TRUE(bytes.ok());
  const UpdateMessage decoded = as_update(decode_ok(*bytes, four_octet()));
  ASSERT_EQ(decoded.attributes.as_path->segments.size(), 2u);
  EXPECT_EQ(decoded.attributes.as_path->length(), 300u);
}

TEST(PassOnTest, UnknownTransitiveGetsPartialAndNonTransitiveIsDropped) {
  auto decoded = decode_ok(update({},
                                  cat({kOrigin, kAsPath, kNextHop, attribute(0xc0, 99, hex("abcd")),
                                       attribute(0x80, 240, hex("01"))}),
                                  kNlri),
                           two_octet());
  UpdateMessage out = as_update(decoded);
  out.attributes = attributes_to_pass_on(out.attributes);
  ASSERT_EQ(out.attributes.unknown.size(), 1u);
  EXPECT_EQ(out.attributes.unknown[0].flags, 0xe0);
  auto bytes = encode_message(out, two_octet());
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(to_hex(*bytes),
            to_hex(update({}, cat({kOrigin, kAsPath, kNextHop, attribute(0xe0, 99, hex("abcd"))}),
                          kNlri)));
}

}  // namespace
}  // namespace tabby::bgp
