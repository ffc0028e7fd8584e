// Which configured session an incoming connection belongs to.
#include "tabby/bgp/session_match.h"

#include <gmock/gmock.h>

namespace tabby::bgp {
namespace {

IpAddress address(const char* text) {
  return IpAddress::parse(text).value();
}

SessionConfig peer(const char* peer_address, std::uint16_t accept_port) {
  SessionConfig config;
  config.peer_address = address(peer_address);
  config.accept_port = accept_port;
  return config;
}

TEST(Accepts, NeedsThePeerAddressAndTheAcceptPort) {
  const SessionConfig config = peer("10.0.0.2", 179);
  EXPECT_TRUE(accepts(config, {address("10.0.0.2"), address("10.0.0.1"), 179}));
  EXPECT_FALSE(accepts(config, {address("10.0.0.3"), address("10.0.0.1"), 179}));
  EXPECT_FALSE(accepts(config, {address("10.0.0.2"), address("10.0.0.1"), 1790}));
}

TEST(Accepts, ChecksTheSourceAddressWhenConfigured) {
  SessionConfig config = peer("fd00::2", 179);
  config.source_address = address("fd00::1");
  EXPECT_TRUE(accepts(config, {address("fd00::2"), address("fd00::1"), 179}));
  EXPECT_FALSE(accepts(config, {address("fd00::2"), address("fd00::99"), 179}));
}

TEST(MatchIncoming, SessionsToOnePeerDifferByPort) {
  const SessionConfig a = peer("10.0.0.2", 179);
  const SessionConfig b = peer("10.0.0.2", 1790);
  const SessionConfig c = peer("10.0.0.3", 1790);
  const std::vector<const SessionConfig*> configs = {&a, &b, &c};
  EXPECT_EQ(match_incoming(configs, {address("10.0.0.2"), address("10.0.0.1"), 179}), 0u);
  EXPECT_EQ(match_incoming(configs, {address("10.0.0.2"), address("10.0.0.1"), 1790}), 1u);
  EXPECT_EQ(match_incoming(configs, {address("10.0.0.3"), address("10.0.0.1"), 1790}), 2u);
  EXPECT_EQ(match_incoming(configs, {address("10.0.0.3"), address("10.0.0.1"), 179}), std::nullopt);
}

TEST(UnmapV4, TurnsMappedAddressesIntoIpv4) {
  EXPECT_EQ(unmap_v4(address("::ffff:10.1.2.3")), address("10.1.2.3"));
  EXPECT_EQ(unmap_v4(address("fd00::1")), address("fd00::1"));
  EXPECT_EQ(unmap_v4(address("10.1.2.3")), address("10.1.2.3"));
}

}  // namespace
}  // namespace tabby::bgp
