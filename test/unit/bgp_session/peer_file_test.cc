// bgp-peer's YAML file: what it sets, and errors that name the key.
#include "peer_file.h"

#include <gmock/gmock.h>

#include "rib_text.h"

namespace tabby::bgp_peer {
namespace {

using ::testing::HasSubstr;

TEST(PeerFile, ReadsEverySetting) {
  auto file = parse_peer_file(R"(
local_as: 4200000001
router_id: 10.0.0.1
listen: [10.0.0.1, "fd00::1"]
listen_port: 1790
cluster_id: 1.1.1.1
max_paths: 4
graceful_restart_time: 120
forwarding_state: true
peers:
  - name: bird
    address: 10.0.0.2
    remote_as: 65002
    port: 1791
    accept_port: 1790
    passive: true
    password: s3cret
    ttl_security: 1
    source_address: 10.0.0.1
    rr_client: true
    next_hop: self
    allow_own_as: 2
    enforce_first_as: true
    families: [ipv4, ipv6]
    hold_time: 9
    keepalive_time: 3
    connect_retry: 2
    idle_hold: 1
    local_ipv6: fd00::1
    export: reject
    add_path: both
  - address: fd00::3
    remote_as: 65003
    multihop: 3
originate: [10.100.0.0/24, "2001:db8::/48"]
)");
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(file->speaker.local_as, 4200000001u);
  ASSERT_EQ(file->speaker.listen.size(), 2u);
  EXPECT_EQ(file->speaker.listen[1].address.to_string(), "fd00::1");
  EXPECT_EQ(file->speaker.listen[1].port, 1790);
  EXPECT_EQ(file->speaker.max_paths, 4u);
  EXPECT_EQ(file->speaker.graceful_restart_time, 120);
  EXPECT_TRUE(file->speaker.forwarding_state_preserved);
  ASSERT_EQ(file->peers.size(), 2u);
  const auto& p = file->peers[0];
  EXPECT_EQ(p.name, "bird");
  EXPECT_EQ(p.port, 1791);
  EXPECT_TRUE(p.passive);
  EXPECT_EQ(p.password, "s3cret");
  EXPECT_EQ(p.ttl_security, 1);
  EXPECT_TRUE(p.route_reflector_client);
  EXPECT_EQ(p.next_hop, bgp::NextHopMode::kSelf);
  EXPECT_EQ(p.allow_own_as, 2);
  EXPECT_TRUE(p.enforce_first_as);
  EXPECT_FALSE(file->peers[1].enforce_first_as);  // off unless asked, like BIRD
  EXPECT_EQ(p.families.size(), 2u);
  EXPECT_EQ(p.hold_time_seconds, 9);
  EXPECT_EQ(p.connect_retry_time, std::chrono::seconds(2));
  EXPECT_EQ(p.export_policy, bgp::Policy::reject_all());
  EXPECT_EQ(p.add_path, bgp::AddPathMode::kBoth);
  EXPECT_EQ(file->peers[1].add_path, bgp::AddPathMode::kOff);
  EXPECT_EQ(file->peers[1].name, "fd00::3");  // the address when unnamed
  EXPECT_EQ(file->peers[1].multihop_ttl, 3);
  EXPECT_EQ(file->originate.size(), 2u);
}

TEST(PeerFile, ErrorsNameTheKey) {
  auto error = [](const char* yaml) {
    auto file = parse_peer_file(yaml);
    return file.ok() ? std::string("ok") : file.error().message;
  };
  EXPECT_THAT(error("router_id: 10.0.0.1"), HasSubstr("local_as: missing"));
  EXPECT_THAT(error("local_as: 1\nrouter_id: x"), HasSubstr("router_id: 'x' is not an IP address"));
  EXPECT_THAT(error("local_as: 1\nrouter_id: 10.0.0.1\nhold: 3"), HasSubstr("unknown key 'hold'"));
  EXPECT_THAT(
      error("local_as: 1\nrouter_id: 10.0.0.1\npeers:\n  - address: 10.0.0.2\n    remote_as: 0"),
      HasSubstr("peers[0].remote_as: 0 is outside"));
  EXPECT_THAT(error("local_as: 1\nrouter_id: 10.0.0.1\npeers:\n  - address: 10.0.0.2\n    "
                    "remote_as: 2\n    families: [ipv5]"),
              HasSubstr("'ipv5' is not ipv4 or ipv6"));
  EXPECT_THAT(error("local_as: 1\nrouter_id: 10.0.0.1\npeers:\n  - address: 10.0.0.2\n    "
                    "remote_as: 2\n    add_path: tx"),
              HasSubstr("peers[0].add_path: 'tx' is not off, receive, send or both"));
  EXPECT_THAT(error("local_as: 1\nrouter_id: 10.0.0.1\noriginate: [10.0.0.1/24]"),
              HasSubstr("originate[0]"));
  EXPECT_THAT(error("local_as: [1"), HasSubstr("YAML"));
}

TEST(RibText, PrintsPeersAndRoutes) {
  bgp::PeerStatus peer;
  peer.name = "bird";
  peer.address = IpAddress::parse("10.0.0.2").value();
  peer.state = bgp::State::kEstablished;
  peer.prefixes_received = 1;
  bgp::RoutePath local;
  bgp::RoutePath learned;
  learned.peer = 1;
  learned.peer_address = peer.address;
  learned.next_hop = peer.address;
  bgp::PathAttributes attributes;
  attributes.as_path = bgp::AsPath{{bgp::AsSegment{bgp::AsSegmentType::kSequence, {65002, 65010}}}};
  attributes.local_pref = 100;
  learned.attributes = bgp::AttributeInterner().intern(attributes);
  const std::string text =
      format_rib({peer}, {{IpPrefix::parse("10.100.0.0/24").value(), local},
                          {IpPrefix::parse("10.202.0.0/24").value(), learned}});
  EXPECT_EQ(text,
            "peer bird 10.0.0.2 Established received=1 accepted=0 advertised=0 refused=0 "
            "collisions-lost=0\n"
            "route 10.100.0.0/24 local\n"
            "route 10.202.0.0/24 via 10.0.0.2 peer 10.0.0.2 as-path 65002 65010 local-pref 100\n");
}

TEST(RibText, PrintsReflectionAndCommunityAttributes) {
  bgp::RoutePath reflected;
  reflected.peer = 1;
  reflected.peer_address = IpAddress::parse("10.0.0.2").value();
  reflected.next_hop = IpAddress::parse("10.0.0.3").value();
  reflected.stale = true;
  bgp::PathAttributes attributes;
  attributes.as_path = bgp::AsPath{};
  attributes.local_pref = 200;
  attributes.med = 5;
  attributes.communities = {bgp::make_community(65000, 42), bgp::kNoExport};
  attributes.large_communities = {{4200000001, 1, 2}};
  attributes.originator_id = IpAddress::parse("10.0.0.3").value();
  attributes.cluster_list = {IpAddress::parse("10.255.0.2").value(),
                             IpAddress::parse("10.255.0.9").value()};
  reflected.attributes = bgp::AttributeInterner().intern(attributes);
  EXPECT_EQ(format_rib({}, {{IpPrefix::parse("10.203.0.0/24").value(), reflected}}),
            "route 10.203.0.0/24 via 10.0.0.3 peer 10.0.0.2 as-path - local-pref 200 med 5 "
            "communities 65000:42,no-export large-communities 4200000001:1:2 originator-id "
            "10.0.0.3 cluster-list 10.255.0.2,10.255.0.9 stale\n");
}

TEST(RibText, ListsEveryPathOfAPrefixWithSeveral) {
  bgp::RoutePath first;
  first.peer = 1;
  first.peer_address = IpAddress::parse("10.0.0.2").value();
  first.next_hop = IpAddress::parse("10.0.0.3").value();
  first.path_id = 1;
  bgp::PathAttributes attributes;
  attributes.as_path = bgp::AsPath{{bgp::AsSegment{bgp::AsSegmentType::kSequence, {65002}}}};
  first.attributes = bgp::AttributeInterner().intern(attributes);
  bgp::RoutePath second = first;
  second.next_hop = IpAddress::parse("10.0.0.4").value();
  second.path_id = 7;
  const IpPrefix prefix = IpPrefix::parse("10.50.0.0/24").value();
  EXPECT_EQ(format_rib({}, {{prefix, first}}, {{prefix, {first, second}}}),
            "route 10.50.0.0/24 via 10.0.0.3 peer 10.0.0.2 as-path 65002\n"
            "path 10.50.0.0/24 path-id 1 via 10.0.0.3 peer 10.0.0.2 as-path 65002\n"
            "path 10.50.0.0/24 path-id 7 via 10.0.0.4 peer 10.0.0.2 as-path 65002\n");
}

}  // namespace
}  // namespace tabby::bgp_peer
