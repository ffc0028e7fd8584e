#include "tabby/agent/metrics_registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "tabby/agent/metrics_catalog.h"

namespace tabby::agent {
namespace {

using ::testing::HasSubstr;

TEST(MetricsRegistryTest, CountersAndGaugesInTheTextFormat) {
  MetricsRegistry registry;
  auto& errors = registry.counter("tabby_datastore_errors_total",
                                  "Datastore operations that failed.", {"operation"});
  auto& hosts = registry.gauge("felix_cluster_num_hosts", "Nodes in the cluster.");
  errors.inc({"update"});
  errors.inc({"update"}, 2);
  errors.inc({"get"});
  hosts.set(3);
  EXPECT_EQ(registry.exposition(),
            "# HELP felix_cluster_num_hosts Nodes in the cluster.\n"
            "# TYPE felix_cluster_num_hosts gauge\n"
            "felix_cluster_num_hosts 3\n"
            "# HELP tabby_datastore_errors_total Datastore operations that failed.\n"
            "# TYPE tabby_datastore_errors_total counter\n"
            "tabby_datastore_errors_total{operation=\"get\"} 1\n"
            "tabby_datastore_errors_total{operation=\"update\"} 3\n");
}

TEST(MetricsRegistryTest, UnlabelledFamiliesStartAtZeroAndLabelledOnesWithoutSeriesAreOmitted) {
  MetricsRegistry registry;
  registry.counter("felix_resyncs_started", "Resyncs.");
  registry.gauge("tabby_bgp_peer_up", "Up.", {"peer"});
  registry.histogram("tabby_reconcile_duration_seconds", "Latency.", {});
  EXPECT_EQ(registry.exposition(),
            "# HELP felix_resyncs_started Resyncs.\n"
            "# TYPE felix_resyncs_started counter\n"
            "felix_resyncs_started 0\n");
}

TEST(MetricsRegistryTest, HistogramBucketsAreCumulativeWithSumAndCount) {
  MetricsRegistry registry;
  auto& latency = registry.histogram("tabby_reconcile_duration_seconds", "Reconcile latency.",
                                     {"reconciler"}, {0.25, 0.5, 1});
  latency.observe({"bgp"}, 0.125);
  latency.observe({"bgp"}, 0.25);  // on a bound: counts in that bucket (le)
  latency.observe({"bgp"}, 0.75);
  latency.observe({"bgp"}, 3);
  EXPECT_EQ(latency.count({"bgp"}), 4u);
  EXPECT_EQ(registry.exposition(),
            "# HELP tabby_reconcile_duration_seconds Reconcile latency.\n"
            "# TYPE tabby_reconcile_duration_seconds histogram\n"
            "tabby_reconcile_duration_seconds_bucket{reconciler=\"bgp\",le=\"0.25\"} 2\n"
            "tabby_reconcile_duration_seconds_bucket{reconciler=\"bgp\",le=\"0.5\"} 2\n"
            "tabby_reconcile_duration_seconds_bucket{reconciler=\"bgp\",le=\"1\"} 3\n"
            "tabby_reconcile_duration_seconds_bucket{reconciler=\"bgp\",le=\"+Inf\"} 4\n"
            "tabby_reconcile_duration_seconds_sum{reconciler=\"bgp\"} 4.125\n"
            "tabby_reconcile_duration_seconds_count{reconciler=\"bgp\"} 4\n");
}

TEST(MetricsRegistryTest, UnlabelledHistogramHasOnlyTheLeLabel) {
  MetricsRegistry registry;
  registry.histogram("h", "H.", {}, {1}).observe(2);
  EXPECT_EQ(registry.exposition(),
            "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 1\n"
            "h_sum 2\nh_count 1\n");
}

TEST(MetricsRegistryTest, NanCountsOnlyInTheInfBucket) {
  MetricsRegistry registry;
  registry.histogram("h", "H.", {}, {1}).observe(NAN);
  EXPECT_EQ(registry.exposition(),
            "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 1\n"
            "h_sum NaN\nh_count 1\n");
}

TEST(MetricsRegistryTest, EscapesHelpAndLabelValues) {
  MetricsRegistry registry;
  registry.gauge("g", "a \\ back\nslash", {"l"}).set({"quote \" back \\ nl \n end"}, 1);
  EXPECT_EQ(registry.exposition(),
            "# HELP g a \\\\ back\\nslash\n"
            "# TYPE g gauge\n"
            "g{l=\"quote \\\" back \\\\ nl \\n end\"} 1\n");
}

TEST(MetricsRegistryTest, ValuesAsPrometheusWritesThem) {
  EXPECT_EQ(format_metric_value(0), "0");
  EXPECT_EQ(format_metric_value(42), "42");
  EXPECT_EQ(format_metric_value(0.25), "0.25");
  EXPECT_EQ(format_metric_value(1e6), "1e+06");
  EXPECT_EQ(format_metric_value(-1.5), "-1.5");
  EXPECT_EQ(format_metric_value(INFINITY), "+Inf");
  EXPECT_EQ(format_metric_value(-INFINITY), "-Inf");
  EXPECT_EQ(format_metric_value(NAN), "NaN");
}

TEST(MetricsRegistryTest, RemovedSeriesDisappear) {
  MetricsRegistry registry;
  auto& up = registry.gauge("tabby_bgp_peer_up", "Up.", {"peer"});
  up.set({"10.0.0.2"}, 1);
  up.set({"10.0.0.3"}, 0);
  up.remove({"10.0.0.2"});
  up.remove({"10.9.9.9"});
  EXPECT_EQ(registry.exposition(),
            "# HELP tabby_bgp_peer_up Up.\n# TYPE tabby_bgp_peer_up gauge\n"
            "tabby_bgp_peer_up{peer=\"10.0.0.3\"} 0\n");
}

TEST(MetricsRegistryTest, MisuseIsRefusedWithTheMetricsName) {
  MetricsRegistry registry;
  EXPECT_THROW(registry.gauge("9bad", "x"), std::invalid_argument);
  EXPECT_THROW(registry.gauge("bad-name", "x"), std::invalid_argument);
  EXPECT_THROW(registry.gauge("ok", "x", {"__reserved"}), std::invalid_argument);
  EXPECT_THROW(registry.histogram("h", "x", {"le"}), std::invalid_argument);
  EXPECT_THROW(registry.histogram("h2", "x", {}, {1, 1}), std::invalid_argument);
  auto& counter = registry.counter("c", "x", {"a", "b"});
  try {
    counter.inc({"only-one"});
    FAIL() << "one label value for two labels was accepted";
  } catch (const std::invalid_argument& error) {
    EXPECT_THAT(error.what(), HasSubstr("metric c: 1 label values for the labels (a, b)"));
  }
  EXPECT_THROW(counter.inc({"x", "y"}, -1), std::invalid_argument);
  EXPECT_THROW(registry.gauge("c", "x", {"a", "b"}), std::invalid_argument) << "type differs";
  EXPECT_THROW(registry.counter("c", "x", {"a"}), std::invalid_argument) << "labels differ";
  EXPECT_EQ(&registry.counter("c", "x", {"a", "b"}), &counter);
}

TEST(MetricsRegistryTest, ConcurrentUpdatesAreAllCounted) {
  MetricsRegistry registry;
  auto& counter = registry.counter("c", "x", {"t"});
  auto& histogram = registry.histogram("h", "x", {});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        counter.inc({"same"});
        histogram.observe(0.001);
        if (i % 1000 == 0) (void)registry.exposition();
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  EXPECT_EQ(counter.value({"same"}), 40000);
  EXPECT_EQ(histogram.count(), 40000u);
}

TEST(AgentMetricsTest, RegistersTheDocumentedNames) {
  MetricsRegistry registry;
  AgentMetrics metrics(registry);
  const LabelValues peer = {"10.0.0.2", "node-to-node mesh", "4"};
  metrics.bgp_peer_up.set(peer, 1);
  metrics.bgp_peer_state.set(peer, bgp_peer_state_value("Established"));
  metrics.bgp_prefixes_received.set(peer, 2);
  metrics.bgp_prefixes_advertised.set(peer, 1);
  metrics.bgp_session_flaps.inc(peer);
  metrics.routes_programmed.set({"4"}, 5);
  metrics.ipam_blocks.set({"default-ipv4-ippool", "node-a"}, 1);
  metrics.ipam_allocations_in_use.set({"default-ipv4-ippool", "node-a"}, 3);
  metrics.reconcile_duration.observe({"dataplane"}, 0.002);
  metrics.datastore_errors.inc({"watch"});
  const std::string text = registry.exposition();
  for (const char* line :
       {"tabby_bgp_peer_up{peer=\"10.0.0.2\",peer_type=\"node-to-node mesh\",ip_version=\"4\"} 1",
        "tabby_bgp_peer_state{peer=\"10.0.0.2\",peer_type=\"node-to-node mesh\",ip_version=\"4\"} "
        "6",
        "tabby_bgp_peer_prefixes_received{peer=\"10.0.0.2\",peer_type=\"node-to-node "
        "mesh\",ip_version=\"4\"} 2",
        "tabby_bgp_peer_prefixes_advertised{peer=\"10.0.0.2\",peer_type=\"node-to-node "
        "mesh\",ip_version=\"4\"} 1",
        "tabby_bgp_peer_established_transitions_total{peer=\"10.0.0.2\",peer_type=\"node-to-node "
        "mesh\",ip_version=\"4\"} 1",
        "felix_route_table_num_routes{ip_version=\"4\"} 5",
        "ipam_blocks{ippool=\"default-ipv4-ippool\",node=\"node-a\"} 1",
        "ipam_allocations_in_use{ippool=\"default-ipv4-ippool\",node=\"node-a\"} 3",
        "tabby_reconcile_duration_seconds_bucket{reconciler=\"dataplane\",le=\"0.005\"} 1",
        "tabby_datastore_errors_total{operation=\"watch\"} 1", "felix_int_dataplane_failures 0",
        "felix_resyncs_started 0", "felix_cluster_num_hosts 0"}) {
    EXPECT_THAT(text, HasSubstr(std::string(line) + "\n"));
  }
  EXPECT_EQ(bgp_peer_state_value("Idle"), 1);
  EXPECT_EQ(bgp_peer_state_value("Active"), 3);
  EXPECT_EQ(bgp_peer_state_value("Passive"), 0);
}

}  // namespace
}  // namespace tabby::agent
