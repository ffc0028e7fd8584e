#include "tabby/api/node_status.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "tabby/agent/status_server.h"

namespace tabby::api {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

BgpPeerStatus peer(std::string address, PeerType type, std::string state, std::string since,
                   std::string info) {
  BgpPeerStatus status;
  status.address = std::move(address);
  status.type = type;
  status.state = std::move(state);
  status.since = std::move(since);
  status.info = std::move(info);
  return status;
}

TEST(NodeStatusTest, RendersCalicoctlsOutputForOneMeshPeer) {
  NodeStatus status{"node-a",
                    true,
                    {peer("172.17.8.102", PeerType::kNodeMesh, "up", "23:30:04", "Established")},
                    {}};
  EXPECT_EQ(render_node_status(status),
            "Calico process is running.\n"
            "\n"
            "IPv4 BGP status\n"
            "+--------------+-------------------+-------+----------+-------------+\n"
            "| PEER ADDRESS |     PEER TYPE     | STATE |  SINCE   |    INFO     |\n"
            "+--------------+-------------------+-------+----------+-------------+\n"
            "| 172.17.8.102 | node-to-node mesh | up    | 23:30:04 | Established |\n"
            "+--------------+-------------------+-------+----------+-------------+\n"
            "\n"
            "IPv6 BGP status\n"
            "No IPv6 peers found.\n"
            "\n");
}

TEST(NodeStatusTest, EveryPeerTypeAndLongerCellsWidenTheirColumns) {
  NodeStatus status{"node-a",
                    true,
                    {peer("10.250.12.185", PeerType::kNodeMesh, "start", "17:37:59", "Connect"),
                     peer("10.250.12.1", PeerType::kNodeSpecific, "up", "17:38:13", "Established"),
                     peer("192.0.2.1", PeerType::kGlobal, "start", "2026-11-20",
                          "Active Socket: Connection refused")},
                    {peer("fd00:1234:5678:9abc:def0:1234:5678:9abc", PeerType::kGlobal, "up",
                          "17:38:13", "Established")}};
  EXPECT_EQ(
      render_node_status(status),
      "Calico process is running.\n"
      "\n"
      "IPv4 BGP status\n"
      "+---------------+-------------------+-------+------------+----------------------------------"
      "-+\n"
      "| PEER ADDRESS  |     PEER TYPE     | STATE |   SINCE    |               INFO               "
      " |\n"
      "+---------------+-------------------+-------+------------+----------------------------------"
      "-+\n"
      "| 10.250.12.185 | node-to-node mesh | start | 17:37:59   | Connect                          "
      " |\n"
      "| 10.250.12.1   | node specific     | up    | 17:38:13   | Established                      "
      " |\n"
      "| 192.0.2.1     | global            | start | 2026-11-20 | Active Socket: Connection "
      "refused |\n"
      "+---------------+-------------------+-------+------------+----------------------------------"
      "-+\n"
      "\n"
      "IPv6 BGP status\n"
      "+-----------------------------------------+-----------+-------+----------+-------------+\n"
      "|              PEER ADDRESS               | PEER TYPE | STATE |  SINCE   |    INFO     |\n"
      "+-----------------------------------------+-----------+-------+----------+-------------+\n"
      "| fd00:1234:5678:9abc:def0:1234:5678:9abc | global    | up    | 17:38:13 | Established |\n"
      "+-----------------------------------------+-----------+-------+----------+-------------+\n"
      "\n");
}

TEST(NodeStatusTest, NoPeersInEitherFamily) {
  EXPECT_EQ(render_node_status(NodeStatus{"n", true, {}, {}}),
            "Calico process is running.\n\nIPv4 BGP status\nNo IPv4 peers found.\n\n"
            "IPv6 BGP status\nNo IPv6 peers found.\n\n");
}

TEST(NodeStatusTest, WithoutABgpSpeakerSaysSoAsCalicoctl) {
  EXPECT_EQ(render_node_status(NodeStatus{"n", false, {}, {}}),
            "Calico process is running.\n\nThe BGP backend process (BIRD) is not running.\n\n");
}

TEST(NodeStatusTest, JsonRoundTrip) {
  NodeStatus status{"node-a",
                    true,
                    {peer("10.0.0.2", PeerType::kNodeMesh, "up", "10:00:00", "Established"),
                     peer("10.0.0.254:1790", PeerType::kGlobal, "start", "10:00:01",
                          "Active Socket: Connection refused")},
                    {peer("fd00::2", PeerType::kNodeSpecific, "up", "10:00:02", "Established")}};
  status.ipv4_peers[0].prefixes_received = 3;
  status.ipv4_peers[0].prefixes_advertised = 18446744073709551615ull;
  const std::string json = node_status_to_json(status);
  EXPECT_THAT(json, HasSubstr(R"("peerType":"node-to-node mesh")"));
  EXPECT_THAT(json, HasSubstr(R"("nodeName":"node-a")"));
  auto parsed = node_status_from_json(json);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(*parsed, status);

  status.bgp_running = false;
  status.ipv4_peers.clear();
  auto again = node_status_from_json(node_status_to_json(status));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, status);
}

TEST(NodeStatusTest, APeerThatIsNotUpSaysWhyBelowTheTable) {
  BgpPeerStatus down = peer("192.0.2.1", PeerType::kGlobal, "start", "10:00:05",
                            "Active connect: Connection refused");
  down.last_connect_error = "connect: Connection refused";
  down.last_connect_error_at = "10:00:05";
  down.last_reset = "hold timer expired, sent Hold Timer Expired (4/0)";
  down.last_reset_at = "09:58:00";
  down.last_attempt = "10:00:05";
  down.connections_refused = 2;
  down.last_refusal = "peer disabled or administratively down";
  NodeStatus status{"n",
                    true,
                    {peer("10.0.0.2", PeerType::kNodeMesh, "up", "10:00:00", "Established"), down},
                    {}};
  const std::string text = render_node_status(status);
  EXPECT_THAT(text,
              HasSubstr("+\n\nPeer 192.0.2.1 is not up (Active connect: Connection refused):\n"
                        "  Last connect error:  connect: Connection refused (at 10:00:05)\n"
                        "  Last reset:          hold timer expired, sent Hold Timer Expired "
                        "(4/0) (at 09:58:00)\n"
                        "  Last attempt:        10:00:05\n"
                        "  Refused connections: 2 (last: peer disabled or administratively "
                        "down)\n\nIPv6 BGP status\n"));
  EXPECT_THAT(text, Not(HasSubstr("Peer 10.0.0.2 is not up")));

  auto parsed = node_status_from_json(node_status_to_json(status));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(*parsed, status);
  // An up peer, or one with nothing to tell, adds no lines: calicoctl's output stays as it is.
  status.ipv4_peers[1] = peer("192.0.2.1", PeerType::kGlobal, "start", "10:00:05", "Idle");
  EXPECT_THAT(render_node_status(status), Not(HasSubstr("is not up")));
}

TEST(NodeStatusTest, BadDocumentsNameTheFieldAndTheValue) {
  const std::pair<const char*, const char*> cases[] = {
      {"not json", "node status: not a JSON document: \"not json\""},
      {"[]", "node status: the document must be a JSON object"},
      {"{}", "node status: status.nodeName: missing"},
      {R"({"nodeName": 7})", "node status: status.nodeName: 7 is not a string"},
      {R"({"nodeName": "n", "bgpRunning": "yes"})",
       "node status: status.bgpRunning: \"yes\" is not true or false"},
      {R"({"nodeName": "n", "bgp": {"ipv4": {}}})", "node status: bgp.ipv4: must be a list"},
      {R"({"nodeName": "n", "bgp": {"ipv6": [{"peerAddress": "fd00::1", "peerType": "mesh",
          "state": "up", "since": "x", "info": "y"}]}})",
       "node status: bgp.ipv6[0].peerType: \"mesh\" is not a peer type (node-to-node mesh, "
       "global, node specific)"},
      {R"({"nodeName": "n", "bgp": {"ipv4": [{"peerAddress": "10.0.0.1",
          "peerType": "global", "state": "up", "since": "x"}]}})",
       "node status: bgp.ipv4[0].info: missing"},
      {R"({"nodeName": "n", "bgp": {"ipv4": [{"peerAddress": "10.0.0.1", "peerType": "global",
          "state": "up", "since": "x", "info": "y", "prefixesReceived": -1}]}})",
       "node status: bgp.ipv4[0].prefixesReceived: -1 is not a non-negative integer"},
      {R"({"error": "the BGP speaker is not started"})",
       "tabby-node: the BGP speaker is not started"},
  };
  for (const auto& [text, message] : cases) {
    auto parsed = node_status_from_json(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.error().message, message) << text;
  }
}

TEST(NodeStatusTest, BirdColumnsFromTheSpeakersView) {
  EXPECT_EQ(bird_protocol_state("Established", false), "up");
  EXPECT_EQ(bird_protocol_state("Active", false), "start");
  EXPECT_EQ(bird_protocol_state("Idle", true), "down");
  EXPECT_EQ(bird_info("Established", ""), "Established");
  EXPECT_EQ(bird_info("Active", "Socket: Connection refused"), "Active Socket: Connection refused");

  ::setenv("TZ", "UTC", 1);
  ::tzset();
  const std::time_t since = 1795390204;  // 2026-11-22 23:30:04 UTC
  EXPECT_EQ(bird_since(since, since + 60), "23:30:04");
  EXPECT_EQ(bird_since(since, since + 20 * 3600 - 1), "23:30:04");
  EXPECT_EQ(bird_since(since, since + 20 * 3600), "2026-11-22");
}

TEST(StatusReplyTest, AnswersTheStatusRequestAndRefusesOthers) {
  const agent::NodeStatusProvider provider = [] { return NodeStatus{"node-a", true, {}, {}}; };
  auto reply = node_status_from_json(agent::status_reply("status", provider));
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->node_name, "node-a");

  auto refused = node_status_from_json(agent::status_reply("GET / HTTP/1.1", provider));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message,
            "tabby-node: unknown request \"GET / HTTP/1.1\": send \"status\"");

  const agent::NodeStatusProvider failing = []() -> NodeStatus {
    throw std::runtime_error("BGP speaker not started");
  };
  auto failed = node_status_from_json(agent::status_reply("status", failing));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message,
            "tabby-node: cannot collect the node status: BGP speaker not started");
}

}  // namespace
}  // namespace tabby::api
