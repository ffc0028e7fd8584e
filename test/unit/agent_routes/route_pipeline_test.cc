// RoutePipeline on a real io_context over the fake netlink layer: slices that yield the loop,
// a pod's route ahead of a full table's, the restart hold released only once the queue is
// written, and failures reported.

#include "tabby/agent/route_pipeline.h"

#include <gmock/gmock.h>

#include <boost/asio/post.hpp>

#include "tabby/dataplane/fake_netlink.h"

namespace tabby::agent {
namespace {

using dataplane::Route;

IpPrefix net(const std::string& text) {
  return *IpPrefix::parse(text);
}
IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}
Route learned(int i) {
  Route route = dataplane::ipip_route(
      net("198.51." + std::to_string(i / 256) + "." + std::to_string(i % 256) + "/32"),
      ip("10.0.0.3"), 0, dataplane::kProtoBird);
  route.metric = 1024;
  return route;
}

class RoutePipelineTest : public ::testing::Test {
 protected:
  RoutePipelineTest() {
    fake_.add_interface("tunl0");
    fake_.add_interface("cali0123456789a");
    pipeline_.on_written = [this](const RouteWriteReport& report) { reports_.push_back(report); };
  }
  bool in_kernel(const Route& route) {
    auto routes = fake_.dump_routes();
    return routes && std::find(routes->begin(), routes->end(), route.normalized()) != routes->end();
  }
  void learn(int count) {
    for (int i = 0; i < count; ++i)
      pipeline_.set_destination(RouteSource::kBgpLearned, learned(i).destination, learned(i));
  }

  boost::asio::io_context io_;
  dataplane::FakeNetlink fake_;
  dataplane::RouteReconciler reconciler_{fake_};
  RoutePipeline pipeline_{io_, reconciler_, /*slice=*/10};
  std::vector<RouteWriteReport> reports_;
};

TEST_F(RoutePipelineTest, WritesInSlicesAndLetsTheLoopRunBetweenThem) {
  ASSERT_TRUE(reconciler_.resync().ok());
  const std::size_t before = fake_.route_count();
  learn(25);
  EXPECT_EQ(fake_.route_count(), before) << "nothing is written before the loop runs";
  std::size_t seen_by_other_work = 0;
  boost::asio::post(io_, [&] { seen_by_other_work = fake_.route_count() - before; });
  io_.run();
  EXPECT_EQ(seen_by_other_work, 10u) << "other work ran after the first slice";
  EXPECT_EQ(fake_.route_count() - before, 25u);
  ASSERT_EQ(reports_.size(), 3u);
  EXPECT_EQ(reports_[0].changes, 10u);
  EXPECT_EQ(reports_[2].changes, 5u);
  for (const auto& report : reports_)
    EXPECT_TRUE(report.status.ok());
  EXPECT_EQ(pipeline_.claims().wanted_count(IpFamily::kV4), 25u);
}

TEST_F(RoutePipelineTest, APodsRouteGoesInWithTheFirstSliceWhateverIsQueued) {
  ASSERT_TRUE(reconciler_.resync().ok());
  learn(100);
  const Route pod = dataplane::workload_route(ip("10.244.2.7"), "cali0123456789a");
  pipeline_.set_source(RouteSource::kWorkload, {pod});
  io_.run_one();
  EXPECT_TRUE(in_kernel(pod));
  EXPECT_FALSE(in_kernel(learned(99)));
  io_.run();
  EXPECT_TRUE(in_kernel(learned(99)));
}

TEST_F(RoutePipelineTest, AWithdrawnPrefixLeavesTheKernelAndChurnIsWrittenOnce) {
  ASSERT_TRUE(reconciler_.resync().ok());
  learn(5);
  io_.run();
  io_.restart();
  const auto writes = reconciler_.stats().added + reconciler_.stats().replaced;
  // Flapping between two next hops, then withdrawn: one write, the removal.
  Route other = learned(3);
  other.next_hops[0].gateway = ip("10.0.0.4");
  for (int i = 0; i < 10; ++i) {
    pipeline_.set_destination(RouteSource::kBgpLearned, other.destination, other);
    pipeline_.set_destination(RouteSource::kBgpLearned, other.destination, learned(3));
  }
  pipeline_.set_destination(RouteSource::kBgpLearned, other.destination, std::nullopt);
  io_.run();
  EXPECT_FALSE(in_kernel(learned(3)));
  EXPECT_EQ(reconciler_.stats().added + reconciler_.stats().replaced, writes);
  EXPECT_EQ(reconciler_.stats().removed, 1u);
}

TEST_F(RoutePipelineTest, KeepsTheRoutesFromBeforeARestartUntilReleasedAndWritten) {
  const Route stale = learned(200);
  fake_.add_foreign_route(stale);  // left by the agent before its restart
  pipeline_.keep_unwanted(true);
  ASSERT_TRUE(reconciler_.resync().ok());
  EXPECT_TRUE(in_kernel(stale));
  learn(25);
  pipeline_.keep_unwanted(false);  // released with 25 claims queued: applied after them
  EXPECT_TRUE(in_kernel(stale));
  io_.run_one();
  EXPECT_TRUE(in_kernel(stale));
  io_.run();
  EXPECT_FALSE(in_kernel(stale));
  EXPECT_TRUE(in_kernel(learned(24)));
  EXPECT_EQ(reconciler_.stats().removed, 1u);
}

TEST_F(RoutePipelineTest, AFailedWriteIsReportedAndRetriedByTheReconciler) {
  ASSERT_TRUE(reconciler_.resync().ok());
  const Route pod = dataplane::workload_route(ip("10.244.2.8"), "cali00000miss01");
  pipeline_.set_source(RouteSource::kWorkload, {pod});
  io_.run();
  ASSERT_EQ(reports_.size(), 1u);
  ASSERT_FALSE(reports_[0].status.ok());
  EXPECT_THAT(reports_[0].status.error().message, ::testing::HasSubstr("cali00000miss01"));
  EXPECT_FALSE(reconciler_.in_sync());
  fake_.add_interface("cali00000miss01");
  ASSERT_TRUE(reconciler_.resync().ok());
  EXPECT_TRUE(in_kernel(pod));
}

TEST_F(RoutePipelineTest, WriteAllWritesEverythingWithoutTheLoop) {
  ASSERT_TRUE(reconciler_.resync().ok());
  learn(25);
  ASSERT_TRUE(pipeline_.write_all().ok());
  EXPECT_EQ(pipeline_.pending(), 0u);
  EXPECT_TRUE(in_kernel(learned(24)));
}

}  // namespace
}  // namespace tabby::agent
