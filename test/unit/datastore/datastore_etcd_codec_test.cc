// The etcd gateway's encodings, checked against the responses etcd 3.4 really sends
// (../shared/reference/running-peers.md), without an etcd.

#include <gmock/gmock.h>

#include "tabby/api/datastore_keys.h"
#include "tabby/api/etcd_codec.h"

namespace tabby::api::etcd {
namespace {

using nlohmann::json;

TEST(EtcdCodecTest, Base64MatchesTheGatewaysExamples) {
  EXPECT_EQ(base64_encode("routes/node1"), "cm91dGVzL25vZGUx");
  EXPECT_EQ(base64_encode("v1"), "djE=");
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("a"), "YQ==");
  EXPECT_EQ(base64_decode("cm91dGVzL25vZGUx"), "routes/node1");
  EXPECT_EQ(base64_decode("djI="), "v2");
  EXPECT_EQ(base64_decode("YQ=="), "a");
}

TEST(EtcdCodecTest, Base64RoundTripsEveryByte) {
  std::string bytes;
  for (int i = 0; i < 256; ++i)
    bytes += static_cast<char>(255 - i);
  for (size_t length = 0; length < 10; ++length) {
    const auto part = bytes.substr(0, length);
    EXPECT_EQ(base64_decode(base64_encode(part)), part);
  }
  EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes);
}

TEST(EtcdCodecTest, MalformedBase64IsRejected) {
  EXPECT_FALSE(base64_decode("abc"));       // not a multiple of 4
  EXPECT_FALSE(base64_decode("ab!d"));      // not in the alphabet
  EXPECT_FALSE(base64_decode("a=bc"));      // padding in the middle
  EXPECT_FALSE(base64_decode("YQ==YQ=="));  // data after padding
}

TEST(EtcdCodecTest, Int64FieldsAreStringsOrOmittedDefaults) {
  const json header = json::parse(R"({"revision":"42","raft_term":"2","member_id":7})");
  EXPECT_EQ(int64_field(header, "revision"), 42);
  EXPECT_EQ(int64_field(header, "member_id"), 7);
  EXPECT_EQ(int64_field(header, "missing"), 0);
  EXPECT_EQ(int64_field(json::parse(R"({"r":"9223372036854775807"})"), "r"), INT64_MAX);
  EXPECT_FALSE(int64_field(json::parse(R"({"r":"12x"})"), "r"));
  EXPECT_FALSE(int64_field(json::parse(R"({"r":""})"), "r"));
  EXPECT_FALSE(int64_field(json::parse(R"({"r":true})"), "r"));
}

TEST(EtcdCodecTest, KeyValuesDecodeFromTheGatewaysShape) {
  auto kv = decode_key_value(json::parse(
      R"({"key":"cm91dGVzL25vZGUx","create_revision":"2","mod_revision":"3","version":"2","value":"djE="})"));
  ASSERT_TRUE(kv);
  EXPECT_EQ(kv->key, "routes/node1");
  EXPECT_EQ(kv->value, "v1");
  EXPECT_EQ(kv->revision, 3);
  EXPECT_EQ(kv->create_revision, 2);
  // A DELETE event's kv has only the key and the deletion revision.
  auto deleted = decode_key_value(json::parse(R"({"key":"cm91dGVzL25vZGUy","mod_revision":"5"})"));
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->value, "");
  EXPECT_EQ(deleted->revision, 5);
  EXPECT_FALSE(decode_key_value(json::parse(R"({"mod_revision":"5"})")));  // no key
  EXPECT_FALSE(decode_key_value(json::parse(R"({"key":"%%%%","mod_revision":"5"})")));
  EXPECT_FALSE(decode_key_value(json::parse(R"([1,2])")));
}

TEST(EtcdCodecTest, PrefixRangesEndAfterThePrefix) {
  EXPECT_EQ(prefix_range_end("routes/"), "routes0");
  EXPECT_EQ(prefix_range_end("a\xff"), "b");
  EXPECT_EQ(prefix_range_end("\xff\xff"), std::nullopt);
  EXPECT_EQ(prefix_range_end(""), std::nullopt);
  const json range = range_request("routes/", true);
  EXPECT_EQ(range["key"], base64_encode("routes/"));
  EXPECT_EQ(range["range_end"], base64_encode("routes0"));
  // Everything: key "\0", range_end "\0" (etcd's "from key to the end").
  const json all = range_request("", true);
  EXPECT_EQ(all["key"], "AA==");
  EXPECT_EQ(all["range_end"], "AA==");
  EXPECT_FALSE(range_request("k", false).contains("range_end"));
}

TEST(EtcdCodecTest, GrpcErrorsMapToKinds) {
  using Kind = DatastoreErrorKind;
  EXPECT_EQ(kind_of_grpc_error(11, "etcdserver: mvcc: required revision has been compacted"),
            Kind::Compacted);
  EXPECT_EQ(kind_of_grpc_error(11, "etcdserver: mvcc: required revision is a future revision"),
            Kind::InvalidArgument);
  EXPECT_EQ(kind_of_grpc_error(14, "etcdserver: no leader"), Kind::Unavailable);
  EXPECT_EQ(kind_of_grpc_error(3, "etcdserver: key is not provided"), Kind::InvalidArgument);
  EXPECT_EQ(kind_of_grpc_error(2, "something else"), Kind::Internal);
}

}  // namespace
}  // namespace tabby::api::etcd
