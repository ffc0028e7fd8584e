// Parsing and matching prefixes sits on every path that reads resources or routes.

#include <benchmark/benchmark.h>

#include "tabby/common/ip.h"

namespace {

void BM_ParseIpv4Prefix(benchmark::State& state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(tabby::IpPrefix::parse("192.168.123.64/26"));
}
BENCHMARK(BM_ParseIpv4Prefix);

void BM_ParseIpv6Prefix(benchmark::State& state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(tabby::IpPrefix::parse("fd00:1234:5678::40/122"));
}
BENCHMARK(BM_ParseIpv6Prefix);

void BM_PrefixContainsAddress(benchmark::State& state) {
  const auto block = *tabby::IpPrefix::parse("10.244.17.0/26");
  auto address = *tabby::IpAddress::parse("10.244.17.0");
  for (auto _ : state) {
    benchmark::DoNotOptimize(block.contains(address));
    address = address.plus(1);
  }
}
BENCHMARK(BM_PrefixContainsAddress);

}  // namespace
