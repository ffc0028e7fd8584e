// The RIB's share of issue 3's benchmark: a peer's table of distinct IPv4 /24s, 1,000 to an
// UPDATE, into the Loc-RIB and out to one eBGP peer as encoded UPDATEs. Prints the time per
// route and the heap octets each route costs (Loc-RIB, Adj-RIB-In inside it, one update
// group's Adj-RIB-Out), measured with mallinfo2.

#include <benchmark/benchmark.h>
#include <malloc.h>

#include <string>
#include <vector>

#include "tabby/bgp/rib.h"

namespace {

using namespace tabby;
using namespace tabby::bgp;

std::vector<UpdateMessage> table(std::size_t routes) {
  std::vector<UpdateMessage> updates;
  for (std::size_t i = 0; i < routes; i += 1000) {
    UpdateMessage u;
    u.attributes.origin = Origin::kIgp;
    u.attributes.as_path = AsPath{{{AsSegmentType::kSequence, {65001, 65100}}}};
    u.attributes.next_hop = IpAddress::v4(0xc6336409);
    for (std::size_t k = i; k < std::min(routes, i + 1000); ++k) {
      const auto n = static_cast<std::uint32_t>(k);
      u.nlri.push_back({IpPrefix(IpAddress::v4(0x0b000000 + (n << 8)), 24), 0});
    }
    updates.push_back(std::move(u));
  }
  return updates;
}

PeerSession session(std::uint32_t router_id) {
  PeerSession s;
  s.router_id = IpAddress::v4(router_id);
  s.families = {kIpv4Unicast};
  s.receive.four_octet_as = s.send.four_octet_as = true;
  return s;
}

RibPeerConfig peer(PeerId id, std::uint32_t address, std::uint32_t as) {
  RibPeerConfig c;
  c.id = id;
  c.address = IpAddress::v4(address);
  c.remote_as = as;
  c.local.ipv4 = IpAddress::v4(0xc0000201);
  return c;
}

// Octets allocated: small blocks in the arenas plus large ones mmapped on their own.
std::size_t heap_in_use() {
  const auto info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

void BM_LearnAndAdvertise(benchmark::State& state) {
  const auto routes = static_cast<std::size_t>(state.range(0));
  const auto updates = table(routes);
  double octets = 0;
  for (auto _ : state) {
    const auto heap_before = heap_in_use();
    {
      Rib rib(RibConfig{65000, IpAddress::v4(0x0aff0001), std::nullopt, false, 1, 100});
      (void)rib.add_peer(peer(1, 0x0a000002, 65001));
      (void)rib.add_peer(peer(2, 0x0a000003, 65002));
      (void)rib.peer_up(1, session(0x0a000002));
      (void)rib.peer_up(2, session(0x0a000003));
      (void)rib.take_updates(2);
      for (const auto& u : updates)
        (void)rib.receive_update(1, u);
      {
        auto out = rib.take_updates(2);
        benchmark::DoNotOptimize(out);
      }
      (void)rib.take_updates(1);
      rib.take_best_path_changes();
      octets =
          static_cast<double>(mallinfo2().uordblks - heap_before) / static_cast<double>(routes);
    }
  }
  state.counters["heap_octets_per_route"] = octets;
  state.counters["routes_per_second"] =
      benchmark::Counter(static_cast<double>(routes) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_LearnAndAdvertise)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond);

// Issue 3's second figure: 200 route-reflector clients, each sending 4 prefixes, until every
// client has been sent every route (one update group: the reflected stream is encoded once).
void BM_ReflectToClients(benchmark::State& state) {
  constexpr PeerId kClients = 200;
  for (auto _ : state) {
    Rib rib(RibConfig{65000, IpAddress::v4(0x0aff0001), std::nullopt, false, 1, 100});
    for (PeerId id = 1; id <= kClients; ++id) {
      RibPeerConfig c = peer(id, 0x0a010000 + id, 65000);
      c.route_reflector_client = true;
      (void)rib.add_peer(c);
      (void)rib.peer_up(id, session(0x0a010000 + id));
      (void)rib.take_updates(id);
    }
    for (PeerId id = 1; id <= kClients; ++id) {
      UpdateMessage u;
      u.attributes.origin = Origin::kIgp;
      u.attributes.as_path = AsPath{};
      u.attributes.next_hop = IpAddress::v4(0x0a010000 + id);
      u.attributes.local_pref = 100;
      for (std::uint32_t k = 0; k < 4; ++k)
        u.nlri.push_back({IpPrefix(IpAddress::v4(0x0a800000 + (id << 8) + (k << 6)), 26), 0});
      (void)rib.receive_update(id, u);
    }
    std::size_t messages = 0;
    for (PeerId id = 1; id <= kClients; ++id)
      messages += rib.take_updates(id)->size();
    benchmark::DoNotOptimize(messages);
  }
}
BENCHMARK(BM_ReflectToClients)->Unit(benchmark::kMillisecond);

}  // namespace
