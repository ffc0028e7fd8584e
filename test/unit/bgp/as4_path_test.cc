// RFC 6793: 4-octet AS paths toward 2-octet speakers and back (sections 4.2.2 and 4.2.3).

#include "tabby/bgp/as4_path.h"

#include <gtest/gtest.h>

#include "tabby/bgp/message.h"

namespace tabby::bgp {
namespace {

constexpr auto kSeq = AsSegmentType::kSequence;
constexpr auto kSet = AsSegmentType::kSet;
constexpr auto kConfedSeq = AsSegmentType::kConfedSequence;

AsPath path(std::vector<AsSegment> segments) {
  return AsPath{std::move(segments)};
}

struct MergeCase {
  const char* name;
  AsPath as_path;
  AsPath as4_path;
  AsPath expected;
};

class MergeAs4PathTest : public ::testing::TestWithParam<MergeCase> {};

TEST_P(MergeAs4PathTest, Section423) {
  EXPECT_EQ(merge_as4_path(GetParam().as_path, GetParam().as4_path), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Vectors, MergeAs4PathTest,
    ::testing::Values(
        // Two 2-octet speakers in front of the 4-octet ones keep their ASes.
        MergeCase{"LeadingTwoOctetAses", path({{kSeq, {65010, 65011, 23456, 23456}}}),
                  path({{kSeq, {4200000001, 4200000002}}}),
                  path({{kSeq, {65010, 65011, 4200000001, 4200000002}}})},
        MergeCase{"SameLength", path({{kSeq, {23456}}}), path({{kSeq, {4200000001}}}),
                  path({{kSeq, {4200000001}}})},
        MergeCase{"As4PathLongerIsIgnored", path({{kSeq, {23456}}}),
                  path({{kSeq, {4200000001, 4200000002}}}), path({{kSeq, {23456}}})},
        MergeCase{"SetCountsAsOne", path({{kSeq, {65010}}, {kSet, {1, 2, 3}}, {kSeq, {23456}}}),
                  path({{kSeq, {4200000001}}}),
                  path({{kSeq, {65010}}, {kSet, {1, 2, 3}}, {kSeq, {4200000001}}})},
        MergeCase{"LeadingConfederationKept", path({{kConfedSeq, {65100}}, {kSeq, {65010, 23456}}}),
                  path({{kSeq, {4200000001}}}),
                  path({{kConfedSeq, {65100}}, {kSeq, {65010, 4200000001}}})},
        MergeCase{"ConfederationInAs4PathDropped", path({{kSeq, {65010, 23456}}}),
                  path({{kConfedSeq, {4200000009}}, {kSeq, {4200000001}}}),
                  path({{kSeq, {65010, 4200000001}}})}),
    [](const auto& case_info) { return std::string(case_info.param.name); });

PathAttributes four_octet_attributes() {
  PathAttributes a;
  a.origin = Origin::kIgp;
  a.as_path = path({{kConfedSeq, {65100}}, {kSeq, {4200000001, 65010}}});
  a.aggregator = Aggregator{4200000001, IpAddress::v4(0x0a000009)};
  a.next_hop = IpAddress::v4(0x0a000001);
  return a;
}

TEST(TwoOctetPeerTest, SubstitutesAsTransAndAddsAs4Attributes) {
  const PathAttributes out = to_two_octet_peer(four_octet_attributes());
  EXPECT_EQ(out.as_path, path({{kConfedSeq, {65100}}, {kSeq, {23456, 65010}}}));
  EXPECT_EQ(out.as4_path, path({{kSeq, {4200000001, 65010}}}));
  EXPECT_EQ(out.aggregator, (Aggregator{kAsTrans, IpAddress::v4(0x0a000009)}));
  EXPECT_EQ(out.as4_aggregator, (Aggregator{4200000001, IpAddress::v4(0x0a000009)}));
}

TEST(TwoOctetPeerTest, NoAs4PathWhenEveryAsFitsTwoOctets) {
  PathAttributes a;
  a.as_path = path({{kSeq, {65001, 65002}}});
  a.aggregator = Aggregator{65001, IpAddress::v4(1)};
  const PathAttributes out = to_two_octet_peer(a);
  EXPECT_EQ(out, a);
  EXPECT_FALSE(out.as4_path);
  EXPECT_FALSE(out.as4_aggregator);
}

TEST(TwoOctetPeerTest, ThroughTheWireAndBack) {
  UpdateMessage u;
  u.attributes = to_two_octet_peer(four_octet_attributes());
  u.nlri.push_back({IpPrefix::parse("10.1.0.0/16").value()});
  auto bytes = encode_message(u, CodecContext{});
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  auto decoded = decode_message(*bytes, CodecContext{});
  ASSERT_TRUE(decoded.ok());
  const auto& received = std::get<UpdateMessage>(decoded->message).attributes;
  EXPECT_EQ(from_two_octet_peer(received), four_octet_attributes());
}

TEST(TwoOctetPeerTest, RealTwoOctetAggregatorMeansAs4AttributesAreStale) {
  PathAttributes a;
  a.as_path = path({{kSeq, {23456}}});
  a.aggregator = Aggregator{65001, IpAddress::v4(1)};
  a.as4_path = path({{kSeq, {4200000001}}});
  a.as4_aggregator = Aggregator{4200000001, IpAddress::v4(1)};
  const PathAttributes out = from_two_octet_peer(a);
  EXPECT_EQ(out.as_path, path({{kSeq, {23456}}}));
  EXPECT_EQ(out.aggregator->as, 65001u);
  EXPECT_FALSE(out.as4_path);
}

}  // namespace
}  // namespace tabby::bgp
