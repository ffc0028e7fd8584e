// The decision process (RFC 4271 9.1.2.2 with RFC 4456's ORIGINATOR_ID and CLUSTER_LIST
// steps): each tie-break step decides when every earlier one ties, the MED rule, ECMP.

#include <gtest/gtest.h>

#include "rib_test_support.h"
#include "tabby/bgp/rib_decision.h"

namespace tabby::bgp {
namespace {

using testing::ip;

PathFacts base() {
  PathFacts f;
  f.local_pref = 100;
  f.as_path_length = 2;
  f.origin = Origin::kIgp;
  f.neighbor_as = 65001;
  f.med = 10;
  f.ebgp = true;
  f.router_id = 0x0a000005;
  f.cluster_list_length = 0;
  f.peer_address = ip("10.0.0.5");
  return f;
}

struct StepCase {
  const char* name;
  void (*make_worse)(PathFacts&);  // applied to the path that must lose
  DecisionStep step;
};

const StepCase kSteps[] = {
    {"local origination beats learned", [](PathFacts& f) { f.local = false; },
     DecisionStep::kLocal},
    {"higher LOCAL_PREF", [](PathFacts& f) { f.local_pref = 90; }, DecisionStep::kLocalPref},
    {"shorter AS_PATH", [](PathFacts& f) { f.as_path_length = 3; }, DecisionStep::kAsPathLength},
    {"lower ORIGIN", [](PathFacts& f) { f.origin = Origin::kEgp; }, DecisionStep::kOrigin},
    {"ORIGIN incomplete loses to EGP", [](PathFacts& f) { f.origin = Origin::kIncomplete; },
     DecisionStep::kOrigin},
    {"lower MED from the same AS", [](PathFacts& f) { f.med = 20; }, DecisionStep::kMed},
    {"eBGP over iBGP", [](PathFacts& f) { f.ebgp = false; }, DecisionStep::kEbgpOverIbgp},
    {"lower router ID", [](PathFacts& f) { f.router_id = 0x0a000009; }, DecisionStep::kRouterId},
    {"shorter CLUSTER_LIST", [](PathFacts& f) { f.cluster_list_length = 1; },
     DecisionStep::kClusterListLength},
    {"lower peer address", [](PathFacts& f) { f.peer_address = ip("10.0.0.6"); },
     DecisionStep::kPeerAddress},
    {"lower path ID", [](PathFacts& f) { f.path_id = 7; }, DecisionStep::kPathId},
};

TEST(DecisionTest, EachStepDecidesWhenTheEarlierOnesTie) {
  for (const auto& c : kSteps) {
    for (std::size_t winner_at : {0u, 1u}) {
      PathFacts good = base();
      if (c.step == DecisionStep::kLocal) good.local = true;
      PathFacts bad = good;
      c.make_worse(bad);
      std::vector<PathFacts> paths =
          winner_at == 0 ? std::vector{good, bad} : std::vector{bad, good};
      const Decision d = decide(paths, false, 1);
      EXPECT_EQ(d.best, winner_at) << c.name;
      EXPECT_EQ(d.decided_by, c.step) << c.name << ": decided by " << to_string(d.decided_by);
      EXPECT_EQ(d.multipath, std::vector<std::size_t>{winner_at}) << c.name;
    }
  }
}

TEST(DecisionTest, EarlierStepsOutrankLaterOnes) {
  // The loser by LOCAL_PREF is better in every later step.
  PathFacts a = base();
  a.local_pref = 200;
  a.as_path_length = 9;
  a.origin = Origin::kIncomplete;
  a.ebgp = false;
  PathFacts b = base();
  b.as_path_length = 1;
  b.med = 0;
  b.router_id = 1;
  EXPECT_EQ(decide(std::vector{b, a}, false, 1).best, 1u);
}

TEST(DecisionTest, OriginatorIdAndClusterListComeFromTheCaller) {
  // Router ID ties (same ORIGINATOR_ID through two reflectors): the shorter CLUSTER_LIST wins.
  PathFacts a = base();
  a.ebgp = false;
  a.cluster_list_length = 2;
  a.peer_address = ip("10.0.0.1");
  PathFacts b = a;
  b.cluster_list_length = 1;
  b.peer_address = ip("10.0.0.2");
  const Decision d = decide(std::vector{a, b}, false, 1);
  EXPECT_EQ(d.best, 1u);
  EXPECT_EQ(d.decided_by, DecisionStep::kClusterListLength);
}

TEST(DecisionTest, MedIsComparedOnlyWithinTheSameNeighborAs) {
  // A (AS 1, MED 50), B (AS 2, MED 10), C (AS 1, MED 20). By the RFC, A is removed by C;
  // B is never compared with C on MED. B and C then go on: B has the lower router ID.
  PathFacts a = base();
  a.neighbor_as = 1;
  a.med = 50;
  a.router_id = 1;
  PathFacts b = base();
  b.neighbor_as = 2;
  b.med = 10;
  b.router_id = 2;
  PathFacts c = base();
  c.neighbor_as = 1;
  c.med = 20;
  c.router_id = 3;
  Decision d = decide(std::vector{a, b, c}, false, 1);
  EXPECT_EQ(d.best, 1u);
  EXPECT_EQ(d.decided_by, DecisionStep::kRouterId);

  // Different ASes, MED ignored: the higher MED wins on router ID.
  b.med = 99;
  b.router_id = 1;
  c.router_id = 3;
  d = decide(std::vector{b, c}, false, 1);
  EXPECT_EQ(d.best, 0u);
  EXPECT_EQ(d.decided_by, DecisionStep::kRouterId);

  // always-compare-med: the lower MED wins across ASes.
  d = decide(std::vector{b, c}, true, 1);
  EXPECT_EQ(d.best, 1u);
  EXPECT_EQ(d.decided_by, DecisionStep::kMed);
}

TEST(DecisionTest, AbsentMedCountsAsZero) {
  PathFacts with_med = base();
  with_med.med = 5;
  with_med.router_id = 1;
  PathFacts without = base();  // the RIB passes 0 for an absent MED
  without.med = 0;
  without.router_id = 2;
  EXPECT_EQ(decide(std::vector{with_med, without}, false, 1).best, 1u);
}

TEST(DecisionTest, MultipathHoldsPathsEqualUpToEbgpOverIbgp) {
  PathFacts a = base();
  a.router_id = 3;
  PathFacts b = base();
  b.router_id = 1;
  PathFacts c = base();
  c.router_id = 2;
  PathFacts worse = base();
  worse.as_path_length = 5;
  PathFacts ibgp = base();
  ibgp.ebgp = false;
  const std::vector paths{a, b, worse, c, ibgp};
  Decision d = decide(paths, false, 8);
  EXPECT_EQ(d.best, 1u);
  EXPECT_EQ(d.multipath, (std::vector<std::size_t>{1, 3, 0}));  // best first, by router ID
  d = decide(paths, false, 2);
  EXPECT_EQ(d.multipath, (std::vector<std::size_t>{1, 3}));
  d = decide(paths, false, 1);
  EXPECT_EQ(d.multipath, (std::vector<std::size_t>{1}));
}

TEST(DecisionTest, OnePathIsTheBest) {
  const Decision d = decide(std::vector{base()}, false, 4);
  EXPECT_EQ(d.best, 0u);
  EXPECT_EQ(d.decided_by, DecisionStep::kOnlyPath);
  EXPECT_EQ(d.multipath, std::vector<std::size_t>{0});
}

}  // namespace
}  // namespace tabby::bgp
