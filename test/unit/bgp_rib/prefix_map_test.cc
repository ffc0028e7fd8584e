// The RIB's storage: PrefixMap (the Loc-RIB's and Adj-RIB-Out's table) checked against
// std::map under random operations, PathList (a destination's paths, one in place), and
// AttributeSet's reference counting.

#include "prefix_map.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "rib_destination.h"

namespace tabby::bgp::detail {
namespace {

IpPrefix prefix(const std::string& text) {
  return IpPrefix::parse(text).value();
}

std::map<IpPrefix, int> contents(const PrefixMap<int>& map) {
  std::map<IpPrefix, int> out;
  for (const auto& [p, value] : map)
    EXPECT_TRUE(out.emplace(p, value).second) << p.to_string() << " visited twice";
  return out;
}

// A pool of prefixes of both families and every kind of length, small enough that random
// operations hit the same ones again and again.
std::vector<IpPrefix> prefix_pool(std::mt19937& random, std::size_t count) {
  std::set<IpPrefix> pool;
  while (pool.size() < count) {
    const bool v6 = random() % 4 == 0;
    if (v6) {
      std::uint8_t bytes[16];
      for (auto& b : bytes)
        b = static_cast<std::uint8_t>(random());
      pool.insert(
          IpPrefix(IpAddress::from_bytes(IpFamily::kV6, bytes), static_cast<int>(random() % 129)));
    } else {
      pool.insert(IpPrefix(IpAddress::v4(static_cast<std::uint32_t>(random())),
                           static_cast<int>(random() % 33)));
    }
  }
  return {pool.begin(), pool.end()};
}

TEST(PrefixMapTest, RandomOperationsAgreeWithStdMap) {
  std::mt19937 random(20261204);
  const auto pool = prefix_pool(random, 5000);
  PrefixMap<int> map;
  std::map<IpPrefix, int> model;
  for (int step = 0; step < 300000; ++step) {
    const IpPrefix& p = pool[random() % pool.size()];
    switch (random() % 5) {
      case 0:
      case 1: {  // add or overwrite
        const int value = static_cast<int>(random());
        auto [it, added] = map.try_emplace(p);
        ASSERT_EQ(added, model.count(p) == 0) << p.to_string();
        it.value() = value;
        model[p] = value;
        break;
      }
      case 2: {  // erase by prefix
        ASSERT_EQ(map.erase(p), model.erase(p)) << p.to_string();
        break;
      }
      case 3: {  // erase through an iterator found first
        auto it = map.find(p);
        ASSERT_EQ(it != map.end(), model.count(p) == 1) << p.to_string();
        if (it != map.end()) {
          ASSERT_EQ((*it).first, p);
          map.erase(it);
          model.erase(p);
        }
        break;
      }
      default: {  // look up
        auto it = map.find(p);
        if (model.count(p)) {
          ASSERT_NE(it, map.end()) << p.to_string();
          ASSERT_EQ(it.value(), model[p]);
        } else {
          ASSERT_EQ(it, map.end()) << p.to_string();
        }
      }
    }
    ASSERT_EQ(map.size(), model.size());
    if (step % 20000 == 0) {
      ASSERT_EQ(contents(map), model) << "at step " << step;
    }
  }
  EXPECT_EQ(contents(map), model);
  map.clear();
  EXPECT_TRUE(map.empty());
  EXPECT_EQ(map.begin(), map.end());
  EXPECT_EQ(map.find(pool.front()), map.end());
}

TEST(PrefixMapTest, AFullTableGrowsWithoutMovingValuesAndEmptiesAgain) {
  PrefixMap<int> map;
  auto [first, added] = map.try_emplace(prefix("11.0.0.0/24"));
  ASSERT_TRUE(added);
  first.value() = 7;
  int* address = &first.value();
  constexpr std::uint32_t kRoutes = 300000;
  for (std::uint32_t i = 1; i < kRoutes; ++i)
    map.emplace(IpPrefix(IpAddress::v4(0x0b000000 + (i << 8)), 24), static_cast<int>(i));
  EXPECT_EQ(map.size(), kRoutes);
  EXPECT_EQ(&map.at(prefix("11.0.0.0/24")), address);  // not moved by growth
  EXPECT_EQ(*address, 7);
  EXPECT_EQ(map.at(IpPrefix(IpAddress::v4(0x0b000000 + (12345u << 8)), 24)), 12345);
  // The same address with another length is another prefix.
  EXPECT_EQ(map.count(prefix("11.0.0.0/16")), 0u);
  EXPECT_THROW(map.at(prefix("11.0.0.0/16")), std::out_of_range);
  // emplace leaves a present value alone.
  EXPECT_FALSE(map.emplace(prefix("11.0.0.0/24"), 99).second);
  EXPECT_EQ(*address, 7);
  for (std::uint32_t i = 0; i < kRoutes; i += 2)
    ASSERT_EQ(map.erase(IpPrefix(IpAddress::v4(0x0b000000 + (i << 8)), 24)), 1u);
  EXPECT_EQ(map.size(), kRoutes / 2);
  std::size_t visited = 0;
  for (const auto& [p, value] : map) {
    EXPECT_EQ(static_cast<std::uint32_t>(value) % 2, 1u) << p.to_string();
    ++visited;
  }
  EXPECT_EQ(visited, kRoutes / 2);
  // Erased entries are reused: adding as many again keeps every prefix findable.
  for (std::uint32_t i = 0; i < kRoutes; i += 2)
    map.emplace(IpPrefix(IpAddress::v4(0x0c000000 + (i << 8)), 24), -1);
  EXPECT_EQ(map.size(), kRoutes);
  for (std::uint32_t i = 1; i < kRoutes; i += 2)
    ASSERT_EQ(map.at(IpPrefix(IpAddress::v4(0x0b000000 + (i << 8)), 24)), static_cast<int>(i));
}

TEST(PrefixMapTest, IteratesIpv4ThenIpv6AndKeepsEveryLength) {
  PrefixMap<int> map;
  const std::vector<std::string> prefixes = {"::/0",        "0.0.0.0/0",         "fd00::/8",
                                             "10.1.2.3/32", "2001:db8::1/128",   "10.0.0.0/8",
                                             "fd00:1::/64", "255.255.255.255/32"};
  for (const auto& text : prefixes)
    map.emplace(prefix(text), 1);
  std::vector<IpPrefix> seen;
  for (const auto& [p, value] : map)
    seen.push_back(p);
  ASSERT_EQ(seen.size(), prefixes.size());
  const auto first_v6 = std::find_if(seen.begin(), seen.end(),
                                     [](const IpPrefix& p) { return p.family() == IpFamily::kV6; });
  EXPECT_TRUE(std::all_of(first_v6, seen.end(),
                          [](const IpPrefix& p) { return p.family() == IpFamily::kV6; }));
  EXPECT_EQ(first_v6 - seen.begin(), 4);
  for (const auto& text : prefixes)
    EXPECT_NE(std::find(seen.begin(), seen.end(), prefix(text)), seen.end()) << text;
}

TEST(PrefixMapTest, ErasingWhileIteratingVisitsTheRest) {
  PrefixMap<int> map;
  for (int i = 0; i < 100; ++i)
    map.emplace(IpPrefix(IpAddress::v4(0x0a000000 + static_cast<std::uint32_t>(i << 8)), 24), i);
  int visited = 0;
  for (auto it = map.begin(); it != map.end(); ++it) {
    ++visited;
    if (it.value() % 3 == 0) map.erase(it);
  }
  EXPECT_EQ(visited, 100);
  EXPECT_EQ(map.size(), 66u);
  // Everything erased on the way, IPv6 last: the loop ends at end() taken before.
  map.emplace(prefix("fd00::/64"), 1);
  map.emplace(prefix("fd00:1::/64"), 2);
  const auto end = map.end();
  visited = 0;
  for (auto it = map.begin(); it != end; ++it) {
    ++visited;
    map.erase(it);
  }
  EXPECT_EQ(visited, 68);
  EXPECT_TRUE(map.empty());
}

struct PathListTest : ::testing::Test {
  AttributeInterner interner;
  AttributeSet attributes(std::uint32_t med) {
    PathAttributes a;
    a.origin = Origin::kIgp;
    a.med = med;
    return interner.intern(std::move(a));
  }
  static std::vector<std::uint32_t> ids(const PathList& paths) {
    std::vector<std::uint32_t> out;
    for (const auto& c : paths)
      out.push_back(c.path_id);
    return out;
  }
};

TEST_F(PathListTest, GrowsOutOfPlaceAndBackKeepingOrder) {
  PathList paths;
  EXPECT_TRUE(paths.empty());
  for (std::uint32_t id = 1; id <= 9; ++id)
    paths.push_back(Candidate{nullptr, attributes(id), attributes(id), id, false});
  EXPECT_EQ(ids(paths), (std::vector<std::uint32_t>{1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(interner.size(), 9u);
  EXPECT_EQ(paths[4].received->med, 5u);

  EXPECT_EQ(paths.erase_if([](const Candidate& c) { return c.path_id % 2 == 0; }), 4u);
  EXPECT_EQ(ids(paths), (std::vector<std::uint32_t>{1, 3, 5, 7, 9}));
  EXPECT_EQ(interner.size(), 5u);  // the erased paths' sets are released

  EXPECT_EQ(paths.erase_if([](const Candidate& c) { return c.path_id != 7; }), 4u);
  EXPECT_EQ(ids(paths), (std::vector<std::uint32_t>{7}));
  EXPECT_EQ(paths.front().accepted->med, 7u);
  paths.push_back(Candidate{nullptr, attributes(8), nullptr, 8, true});
  EXPECT_EQ(ids(paths), (std::vector<std::uint32_t>{7, 8}));
  EXPECT_TRUE(paths[1].stale);
  EXPECT_FALSE(paths[1].accepted);

  PathList moved(std::move(paths));
  EXPECT_EQ(ids(moved), (std::vector<std::uint32_t>{7, 8}));
  EXPECT_TRUE(paths.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
  PathList single;
  single.push_back(Candidate{nullptr, attributes(1), attributes(1), 1, false});
  moved = std::move(single);
  EXPECT_EQ(ids(moved), (std::vector<std::uint32_t>{1}));
  EXPECT_EQ(interner.size(), 1u);
  EXPECT_EQ(moved.erase_if([](const Candidate&) { return true; }), 1u);
  EXPECT_TRUE(moved.empty());
  EXPECT_EQ(interner.size(), 0u);
}

TEST(AttributeSetTest, HandlesShareOneSetThatGoesWithTheLastOne) {
  auto interner = std::make_unique<AttributeInterner>();
  PathAttributes a;
  a.origin = Origin::kEgp;
  a.communities = {0xfde80001};
  AttributeSet first = interner->intern(a);
  AttributeSet second = interner->intern(a);
  EXPECT_EQ(first, second);
  EXPECT_EQ(first.get(), second.get());
  EXPECT_EQ(interner->size(), 1u);
  a.med = 5;
  AttributeSet other = interner->intern(a);
  EXPECT_FALSE(other == first);
  EXPECT_EQ(interner->size(), 2u);
  other.reset();
  EXPECT_FALSE(other);
  EXPECT_TRUE(other == nullptr);
  EXPECT_EQ(interner->size(), 1u);
  AttributeSet copy = first;
  first = nullptr;
  second = AttributeSet();
  EXPECT_EQ(interner->size(), 1u);  // `copy` still holds it
  interner.reset();                 // sets may outlive their interner
  EXPECT_EQ(copy->communities, (std::vector<std::uint32_t>{0xfde80001}));
  AttributeSet& alias = copy;
  copy = std::move(alias);  // a self-move leaves it as it was
  EXPECT_EQ(copy->origin, Origin::kEgp);
}

}  // namespace
}  // namespace tabby::bgp::detail
