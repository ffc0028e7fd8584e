// SessionConfig: validation, and the OPEN, FsmConfig and values derived from it.
#include "tabby/bgp/session_config.h"

#include <gmock/gmock.h>

namespace tabby::bgp {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

IpAddress address(const char* text) {
  return IpAddress::parse(text).value();
}

SessionConfig valid() {
  SessionConfig config;
  config.local_as = 65001;
  config.router_id = address("10.0.0.1");
  config.peer_address = address("10.0.0.2");
  config.peer_as = 65002;
  return config;
}

TEST(ValidateSessionConfig, AcceptsAPlainPeer) {
  EXPECT_TRUE(validate(valid()).ok());
}

TEST(ValidateSessionConfig, NamesTheBadField) {
  auto with = [](auto change) {
    SessionConfig config = valid();
    change(config);
    const Status status = validate(config);
    return status.ok() ? std::string("ok") : status.error().message;
  };
  EXPECT_THAT(with([](SessionConfig& c) { c.local_as = 0; }), HasSubstr("local AS"));
  EXPECT_THAT(with([](SessionConfig& c) { c.router_id = address("fd00::1"); }),
              HasSubstr("router ID fd00::1"));
  EXPECT_THAT(with([](SessionConfig& c) { c.source_address = address("fd00::1"); }),
              HasSubstr("other address family"));
  EXPECT_THAT(with([](SessionConfig& c) { c.hold_time_seconds = 2; }), HasSubstr("hold time 2"));
  EXPECT_THAT(with([](SessionConfig& c) { c.ttl_security = 256; }), HasSubstr("ttl security"));
  EXPECT_THAT(with([](SessionConfig& c) { c.multihop_ttl = -1; }), HasSubstr("multihop"));
  EXPECT_THAT(with([](SessionConfig& c) { c.password = std::string(81, 'x'); }),
              HasSubstr("password"));
  EXPECT_THAT(with([](SessionConfig& c) { c.families.clear(); }), HasSubstr("family"));
  EXPECT_THAT(with([](SessionConfig& c) { c.connect_retry_time = Duration(0); }),
              HasSubstr("connect"));
}

TEST(LocalOpen, CarriesAsTransForAFourOctetAsAndTheCapabilities) {
  SessionConfig config = valid();
  config.local_as = 4200000001;
  config.families = {kIpv4Unicast, kIpv6Unicast};
  config.graceful_restart = GracefulRestartCapability{0, 120, {{kIpv4Unicast, 0x80}}};
  const OpenMessage open = local_open(config, OpenValues{4, 0, 90, 0x0a000001});
  EXPECT_EQ(open.my_as, kAsTrans);
  EXPECT_EQ(open.speaker_as(), 4200000001u);
  EXPECT_EQ(open.hold_time, 90);
  EXPECT_EQ(open.bgp_identifier, address("10.0.0.1"));
  EXPECT_THAT(open.families(), ElementsAre(kIpv4Unicast, kIpv6Unicast));
  EXPECT_NE(open.find<RouteRefreshCapability>(), nullptr);
  EXPECT_NE(open.find<FourOctetAsCapability>(), nullptr);
  ASSERT_NE(open.find<GracefulRestartCapability>(), nullptr);
  EXPECT_EQ(open.find<GracefulRestartCapability>()->restart_time, 120);
  // And the codec takes it.
  EXPECT_TRUE(encode_message(open, CodecContext{}).ok());
}

TEST(LocalOpen, TwoOctetAsGoesInMyAs) {
  const OpenMessage open = local_open(valid(), OpenValues{4, 0, 240, 0x0a000001});
  EXPECT_EQ(open.my_as, 65001);
  EXPECT_EQ(open.find<GracefulRestartCapability>(), nullptr);
}

TEST(LocalOpen, AnnouncesAddPathForEachFamilyInTheConfiguredDirection) {
  SessionConfig config = valid();
  config.families = {kIpv4Unicast, kIpv6Unicast};
  EXPECT_EQ(local_open(config, OpenValues{}).find<AddPathCapability>(), nullptr);
  config.add_path = AddPathMode::kBoth;
  const OpenMessage open = local_open(config, OpenValues{4, 0, 90, 0x0a000001});
  ASSERT_NE(open.find<AddPathCapability>(), nullptr);
  EXPECT_EQ(*open.find<AddPathCapability>(),
            (AddPathCapability{{{kIpv4Unicast, AddPathDirection::kSendReceive},
                                {kIpv6Unicast, AddPathDirection::kSendReceive}}}));
  EXPECT_TRUE(encode_message(open, CodecContext{}).ok());
  config.add_path = AddPathMode::kSend;
  EXPECT_EQ(local_open(config, OpenValues{}).find<AddPathCapability>()->entries[0].direction,
            AddPathDirection::kSend);
  config.add_path = AddPathMode::kReceive;
  EXPECT_EQ(local_open(config, OpenValues{}).find<AddPathCapability>()->entries[1].direction,
            AddPathDirection::kReceive);
}

// RFC 7911 section 4: we send paths of a family only when we announce send and the peer
// receive, and the other way round.
TEST(LocalOpen, AddPathIsNegotiatedPerFamilyAndDirection) {
  auto open_with = [](AddPathMode mode, std::vector<Family> families) {
    SessionConfig config = valid();
    config.families = std::move(families);
    config.add_path = mode;
    return local_open(config, OpenValues{4, 0, 90, 0x0a000001});
  };
  const auto both = open_with(AddPathMode::kBoth, {kIpv4Unicast, kIpv6Unicast});
  auto n = negotiate(both, open_with(AddPathMode::kBoth, {kIpv4Unicast}));
  EXPECT_THAT(n.send.add_path, ElementsAre(kIpv4Unicast));
  EXPECT_THAT(n.receive.add_path, ElementsAre(kIpv4Unicast));
  n = negotiate(both, open_with(AddPathMode::kReceive, {kIpv4Unicast, kIpv6Unicast}));
  EXPECT_THAT(n.send.add_path, ElementsAre(kIpv4Unicast, kIpv6Unicast));
  EXPECT_TRUE(n.receive.add_path.empty());
  n = negotiate(open_with(AddPathMode::kSend, {kIpv4Unicast}),
                open_with(AddPathMode::kSend, {kIpv4Unicast}));
  EXPECT_TRUE(n.send.add_path.empty());
  EXPECT_TRUE(n.receive.add_path.empty());
  n = negotiate(both, open_with(AddPathMode::kOff, {kIpv4Unicast}));
  EXPECT_TRUE(n.send.add_path.empty());
  EXPECT_TRUE(n.receive.add_path.empty());
}

TEST(OpenValuesOf, TakesTheSpeakerAsAndIdentifier) {
  OpenMessage open;
  open.my_as = static_cast<std::uint16_t>(kAsTrans);
  open.hold_time = 9;
  open.bgp_identifier = address("10.0.0.2");
  open.capabilities = {FourOctetAsCapability{4200000002}};
  EXPECT_EQ(open_values(open), (OpenValues{4, 4200000002, 9, 0x0a000002}));
}

TEST(CommonFamilies, KeepsOursThatThePeerAnnounces) {
  OpenMessage ours;
  ours.capabilities = {MultiprotocolCapability{kIpv4Unicast},
                       MultiprotocolCapability{kIpv6Unicast}};
  OpenMessage theirs;  // no multiprotocol capability: IPv4 unicast only
  EXPECT_THAT(common_families(ours, theirs), ElementsAre(kIpv4Unicast));
  theirs.capabilities = {MultiprotocolCapability{kIpv6Unicast}};
  EXPECT_THAT(common_families(ours, theirs), ElementsAre(kIpv6Unicast));
}

TEST(SameSession, AnyChangedSettingCounts) {
  const SessionConfig a = valid();
  SessionConfig b = valid();
  EXPECT_TRUE(same_session(a, b));
  b.password = "x";
  EXPECT_FALSE(same_session(a, b));
  b = valid();
  b.idle_hold.max = std::chrono::seconds(60);
  EXPECT_FALSE(same_session(a, b));
  b = valid();
  b.families.push_back(kIpv6Unicast);
  EXPECT_FALSE(same_session(a, b));
}

TEST(FsmConfigOf, CopiesTheTimersAndIdentity) {
  SessionConfig config = valid();
  config.hold_time_seconds = 9;
  config.delay_open_time = std::chrono::seconds(1);
  const FsmConfig fsm = fsm_config(config);
  EXPECT_EQ(fsm.local_as, 65001u);
  EXPECT_EQ(fsm.local_bgp_identifier, 0x0a000001u);
  EXPECT_EQ(fsm.peer_as, 65002u);
  EXPECT_EQ(fsm.hold_time_seconds, 9);
  EXPECT_EQ(fsm.delay_open_time, std::chrono::seconds(1));
}

TEST(NotificationConversion, RoundTrips) {
  const NotificationMessage wire(CeaseSubcode::kAdministrativeShutdown, {3, 'b', 'y', 'e'});
  EXPECT_EQ(to_wire(to_fsm(wire)), wire);
  EXPECT_THAT(to_fsm(wire).data, Contains('b'));
}

}  // namespace
}  // namespace tabby::bgp
