// The agent's operational servers for real: health and metrics over HTTP on loopback with
// ephemeral ports, the status socket in a temporary directory, and tabbyctl reading it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "tabby/agent/health_probe.h"
#include "tabby/agent/health_server.h"
#include "tabby/agent/metrics_catalog.h"
#include "tabby/agent/metrics_server.h"
#include "tabby/agent/status_server.h"
#include "tabby/ctl/tabbyctl.h"

namespace tabby::agent {
namespace {

using std::chrono::seconds;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(HealthServerLabTest, ProbesFollowTheReporters) {
  HealthAggregator health;
  HealthServer server(health);
  // FELIX_HEALTHHOST's default: the IPv4 loopback, where the kubelet probes.
  auto port = server.start("localhost", 0);
  ASSERT_TRUE(port.ok()) << port.error().message;
  httplib::Client client("127.0.0.1", *port);

  auto response = client.Get("/readiness");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 204) << "no reporter registered yet";

  health.register_reporter("datastore", {true, true, seconds(20)});
  health.register_reporter("bgp", {false, true, {}});
  health.report("datastore", {true, true, ""});
  health.report("bgp", {false, false, "BGP not established with 10.0.0.2"});

  response = client.Get("/liveness");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_THAT(response->body, HasSubstr("| datastore | 20s     | reporting live"));
  response = client.Get("/readiness");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 503);
  EXPECT_THAT(response->body, HasSubstr("reporting non-ready | BGP not established with 10.0.0.2"));
  EXPECT_THAT(response->get_header_value("Content-Type"), StartsWith("text/plain"));

  health.report("bgp", {false, true, ""});
  response = client.Get("/readiness");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);

  response = client.Get("/metrics");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 404);
  server.stop();
  EXPECT_FALSE(client.Get("/liveness")) << "stopped servers do not answer";
}

TEST(HealthServerLabTest, ProbeClientAnswersAsCalicoNodeFelixReady) {
  HealthAggregator health;
  health.register_reporter("dataplane", {true, true, seconds(90)});
  health.report("dataplane", {true, false, "first apply not done"});
  HealthServer server(health);
  auto port = server.start("127.0.0.1", 0);
  ASSERT_TRUE(port.ok());
  EXPECT_TRUE(probe_health("127.0.0.1", *port, HealthProbe::kLiveness).ok());
  Status ready = probe_health("127.0.0.1", *port, HealthProbe::kReadiness);
  ASSERT_FALSE(ready.ok());
  EXPECT_EQ(ready.error().message,
            "calico/node is not ready: felix is not ready: readiness probe reporting 503");
  health.report("dataplane", {true, true, ""});
  EXPECT_TRUE(probe_health("127.0.0.1", *port, HealthProbe::kReadiness).ok());

  server.stop();
  Status down =
      probe_health("127.0.0.1", *port, HealthProbe::kLiveness, std::chrono::milliseconds(500));
  ASSERT_FALSE(down.ok());
  EXPECT_THAT(down.error().message,
              StartsWith("calico/node is not ready: Felix is not live: Get \"http://127.0.0.1:" +
                         std::to_string(*port) + "/liveness\": "));
}

TEST(HealthServerLabTest, ABusyPortIsAnErrorNamingIt) {
  HealthAggregator health;
  HealthServer first(health), second(health);
  auto port = first.start("127.0.0.1", 0);
  ASSERT_TRUE(port.ok());
  auto clash = second.start("127.0.0.1", *port);
  ASSERT_FALSE(clash.ok());
  EXPECT_THAT(clash.error().message,
              HasSubstr("health server: cannot listen on 127.0.0.1:" + std::to_string(*port)));
}

TEST(MetricsServerLabTest, ServesTheExposition) {
  MetricsRegistry registry;
  AgentMetrics metrics(registry);
  metrics.bgp_peer_up.set({"10.0.0.2", "global", "4"}, 1);
  MetricsServer server(registry);
  auto port = server.start("127.0.0.1", 0);
  ASSERT_TRUE(port.ok()) << port.error().message;
  httplib::Client client("127.0.0.1", *port);
  auto response = client.Get("/metrics");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->get_header_value("Content-Type"), kMetricsContentType);
  EXPECT_EQ(response->body, registry.exposition());
  EXPECT_THAT(
      response->body,
      HasSubstr("tabby_bgp_peer_up{peer=\"10.0.0.2\",peer_type=\"global\",ip_version=\"4\"} "
                "1\n"));

  metrics.bgp_peer_up.set({"10.0.0.2", "global", "4"}, 0);
  response = client.Get("/metrics");
  ASSERT_TRUE(response);
  EXPECT_THAT(
      response->body,
      HasSubstr("tabby_bgp_peer_up{peer=\"10.0.0.2\",peer_type=\"global\",ip_version=\"4\"} "
                "0\n"));
}

struct Outcome {
  int status;
  std::string out, err;
};

Outcome tabbyctl_node_status(const std::string& socket) {
  std::istringstream in;
  std::ostringstream out, err;
  const int status =
      ctl::run_tabbyctl({"node", "status"}, in, out, err, [socket](std::string_view name) {
        return name == "TABBY_STATUS_SOCKET" ? std::optional<std::string>(socket) : std::nullopt;
      });
  return {status, out.str(), err.str()};
}

class StatusSocketLabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("tabby-status-lab-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string socket() const { return (dir_ / "run" / "status.sock").string(); }
  std::filesystem::path dir_;
};

TEST_F(StatusSocketLabTest, TabbyctlPrintsTheLiveStatusAndNotRunningAfterStop) {
  std::mutex mutex;
  api::NodeStatus current{"node-a", true, {}, {}};
  StatusServer server([&] {
    std::lock_guard lock(mutex);
    return current;
  });
  ASSERT_TRUE(server.start(socket()).ok()) << "the directory is created on the way";
  EXPECT_TRUE(std::filesystem::is_socket(socket()));

  Outcome outcome = tabbyctl_node_status(socket());
  EXPECT_EQ(outcome.status, 0) << outcome.err;
  EXPECT_EQ(outcome.out,
            "Calico process is running.\n\nIPv4 BGP status\nNo IPv4 peers found.\n\n"
            "IPv6 BGP status\nNo IPv6 peers found.\n\n");

  {
    std::lock_guard lock(mutex);
    current.ipv4_peers.push_back(
        {"172.17.8.102", api::PeerType::kNodeMesh, "up", "23:30:04", "Established", 2, 1});
  }
  outcome = tabbyctl_node_status(socket());
  EXPECT_EQ(outcome.status, 0) << outcome.err;
  // The exact layout is node_status_test's; here: the peer crossed the socket intact.
  EXPECT_EQ(outcome.out, api::render_node_status(current));
  EXPECT_THAT(outcome.out,
              HasSubstr("| 172.17.8.102 | node-to-node mesh | up    | 23:30:04 | Established |\n"));

  server.stop();
  EXPECT_FALSE(std::filesystem::exists(socket())) << "stop removes the socket file";
  outcome = tabbyctl_node_status(socket());
  EXPECT_EQ(outcome.status, 1);
  EXPECT_EQ(outcome.out, "Calico process is not running.\n");
  EXPECT_THAT(outcome.err, HasSubstr("No such file or directory"));
}

TEST_F(StatusSocketLabTest, TheAgentsErrorReachesTabbyctl) {
  StatusServer server([]() -> api::NodeStatus { throw std::runtime_error("not started yet"); });
  ASSERT_TRUE(server.start(socket()).ok());
  Outcome outcome = tabbyctl_node_status(socket());
  EXPECT_EQ(outcome.status, 1);
  EXPECT_EQ(outcome.out, "");
  EXPECT_EQ(outcome.err, "tabby-node: cannot collect the node status: not started yet\n");
}

TEST_F(StatusSocketLabTest, RefusesALiveSocketAndReplacesAStaleOne) {
  auto provider = [] { return api::NodeStatus{"n", true, {}, {}}; };
  StatusServer first(provider), second(provider);
  ASSERT_TRUE(first.start(socket()).ok());
  Status clash = second.start(socket());
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().message,
            "status socket \"" + socket() + "\": another tabby-node is serving it");

  // A socket file left by a run that died (bound, nobody listening): the next start takes
  // its place.
  first.stop();
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, socket().c_str(), sizeof address.sun_path - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ::close(fd);
  ASSERT_TRUE(std::filesystem::is_socket(socket()));
  Status restarted = second.start(socket());
  ASSERT_TRUE(restarted.ok()) << restarted.error().message;
  EXPECT_EQ(tabbyctl_node_status(socket()).status, 0);

  // A regular file is not ours to remove.
  const std::string file = (dir_ / "run" / "not-a-socket").string();
  { std::ofstream(file) << "x"; }
  StatusServer third(provider);
  Status refused = third.start(file);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message,
            "status socket \"" + file + "\": the path exists and is not a socket");
}

}  // namespace
}  // namespace tabby::agent
