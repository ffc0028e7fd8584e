// The etcd datastore when etcd fails: a three-member cluster on loopback whose leader is
// killed with SIGKILL mid-run (writes continue on the survivors, the watch resumes, nothing
// acknowledged is lost), a lone member stopped and restarted under a watch, etcd's
// user/password authentication, and TLS with a client certificate.

#include <gmock/gmock.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "datastore_event_collector.h"
#include "enter_netns.h"
#include "tabby/api/etcd_datastore.h"
#include "tabby/lab/cleanup.h"
#include "tabby/lab/lab_test.h"

namespace tabby::api {
namespace {

using namespace std::chrono_literals;
using conformance::EventCollector;
using lab::Etcd;
using lab::Netns;
using ::testing::HasSubstr;

class EtcdFailoverTest : public lab::LabTest {
 protected:
  // SIGKILL to the etcd process of `member` (found by its private data directory).
  void kill9(const Netns& ns, const Etcd& member) {
    const std::string data_dir = "--data-dir=" + (member.dir() / "data").string();
    for (pid_t pid : lab::processes_in_netns(ns.name())) {
      std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
      std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (cmdline.find(data_dir + '\0') != std::string::npos) {
        ASSERT_EQ(kill(pid, SIGKILL), 0);
        return;
      }
    }
    FAIL() << "no etcd process with " << data_dir;
  }

  std::unique_ptr<Datastore> open(EtcdDatastoreOptions options) {
    auto store = open_etcd_datastore(options);
    if (!store) throw std::runtime_error(store.error().message);
    return std::move(*store);
  }
};

TEST_F(EtcdFailoverTest, ThreeMemberClusterLosesNothingWhenItsLeaderIsKilled) {
  auto& ns = lab().add_node("etcd");
  const std::vector<std::string> addresses = {"127.0.0.1", "127.0.0.2", "127.0.0.3"};
  std::string initial_cluster;
  for (size_t i = 0; i < addresses.size(); ++i) {
    initial_cluster += (i ? "," : "") + std::string("m") + std::to_string(i + 1) + "=http://" +
                       addresses[i] + ":2380";
  }
  std::vector<Etcd*> members;
  for (size_t i = 0; i < addresses.size(); ++i) {
    members.push_back(
        &lab().start_etcd(ns, "m" + std::to_string(i + 1), addresses[i],
                          {"--initial-cluster=" + initial_cluster, "--initial-cluster-state=new",
                           "--initial-cluster-token=tabby-datastore-failover"}));
  }
  ASSERT_TRUE(lab::eventually(
      [&] {
        for (auto* m : members)
          if (!m->etcdctl({"endpoint", "health"}).ok()) return false;
        return true;
      },
      30s))
      << members[0]->log();

  // Who leads: the member whose own id is the leader id it reports.
  Etcd* leader = nullptr;
  for (auto* m : members) {
    auto status = m->etcdctl({"endpoint", "status", "-w", "json"});
    ASSERT_TRUE(status.ok()) << status.output;
    const auto parsed = nlohmann::json::parse(status.output)[0]["Status"];
    if (parsed["header"]["member_id"] == parsed["leader"]) leader = m;
  }
  ASSERT_NE(leader, nullptr);

  // The client knows all three, the leader first: its requests and its watch stream start on
  // the member that will die, so both must fail over.
  EtcdDatastoreOptions options;
  options.endpoints.push_back(leader->client_url());
  for (auto* m : members)
    if (m != leader) options.endpoints.push_back(m->client_url());
  lab_support::EnterNetns inside(ns.name());
  auto store = open(options);
  EventCollector events;
  auto watch = store->watch("/calico/failover/", 0, events.callback());
  ASSERT_TRUE(watch) << watch.error().message;

  // The writer puts k<i> = v<i> in order; a write that fails (Unavailable while the cluster
  // elects a new leader) is retried until acknowledged.
  std::map<int, Revision> acknowledged;
  std::atomic<int> acked{0};
  std::atomic<bool> stop{false};
  std::vector<std::string> failures;
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      while (!stop) {
        auto put = store->put("/calico/failover/k" + std::to_string(i), "v" + std::to_string(i));
        if (put) {
          acknowledged[i] = *put;
          ++acked;
          break;
        }
        failures.push_back(put.error().message);
        if (!put.is(DatastoreErrorKind::Unavailable)) return;
        std::this_thread::sleep_for(50ms);
      }
    }
  });
  auto wait_acked = [&](int count) { return lab::eventually([&] { return acked >= count; }, 40s); };
  ASSERT_TRUE(wait_acked(100));
  kill9(ns, *leader);
  const int at_kill = acked;
  const bool continued = wait_acked(at_kill + 150);
  stop = true;
  writer.join();
  ASSERT_TRUE(continued) << "writes did not resume after the leader died; failures: "
                         << (failures.empty() ? "" : failures.back());
  for (const auto& failure : failures)
    EXPECT_THAT(failure, HasSubstr("datastore etcdv3:"));

  // Every acknowledged write is in the surviving cluster.
  auto listed = store->list("/calico/failover/");
  ASSERT_TRUE(listed) << listed.error().message;
  std::map<std::string, std::string> stored;
  for (const auto& kv : listed->entries)
    stored[kv.key] = kv.value;
  for (const auto& [i, revision] : acknowledged) {
    EXPECT_EQ(stored["/calico/failover/k" + std::to_string(i)], "v" + std::to_string(i));
  }

  // The watch resumed on a survivor and saw every acknowledged write, in revision order,
  // each revision once.
  const Revision last = acknowledged.rbegin()->second;
  ASSERT_TRUE(lab::eventually([&] { return (*watch)->last_revision() >= last; }, 20s))
      << "watch stopped at " << (*watch)->last_revision() << ", last write " << last;
  const auto seen = events.events();
  std::set<Revision> revisions;
  for (size_t n = 0; n < seen.size(); ++n) {
    if (n > 0) {
      EXPECT_GT(seen[n].revision, seen[n - 1].revision);
    }
    revisions.insert(seen[n].revision);
  }
  for (const auto& [i, revision] : acknowledged) {
    EXPECT_TRUE(revisions.count(revision)) << "watch missed k" << i << " at revision " << revision;
  }
  std::printf("leader killed after %d writes; %zu acknowledged in all, %zu failed attempts\n",
              at_kill, acknowledged.size(), failures.size());
}

TEST_F(EtcdFailoverTest, AWatchResumesWhenItsEtcdIsRestarted) {
  auto& ns = lab().add_node("etcd");
  auto& first = lab().start_etcd(ns, "single", "127.0.0.1");
  lab_support::EnterNetns inside(ns.name());
  EtcdDatastoreOptions options;
  options.endpoints = {first.client_url()};
  options.retry_deadline = 1s;  // the get while it is down fails sooner
  auto store = open(options);
  EventCollector events;
  auto watch = store->watch("/calico/restart/", 0, events.callback());
  ASSERT_TRUE(watch) << watch.error().message;
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(store->put("/calico/restart/before" + std::to_string(i), "x"));
  ASSERT_TRUE(events.wait_for(5));

  first.stop();
  auto down = store->get("/calico/restart/before0");
  EXPECT_TRUE(down.is(DatastoreErrorKind::Unavailable));

  // The same member again (same data directory, same name), under another lab daemon name.
  const std::string data_dir = (first.dir() / "data").string();
  auto& again = lab().start_etcd(ns, "single-again", "127.0.0.1",
                                 {"--data-dir=" + data_dir, "--name=single",
                                  "--initial-cluster=single=http://127.0.0.1:2380"});
  ASSERT_TRUE(lab::eventually(
      [&] {
        return again.etcdctl({"endpoint", "health"}).ok();
      },
      20s))
      << again.log();
  std::vector<Revision> written;
  for (int i = 0; i < 5; ++i) {
    auto put = store->put("/calico/restart/after" + std::to_string(i), "y");
    ASSERT_TRUE(put) << put.error().message;
    written.push_back(*put);
  }
  ASSERT_TRUE(events.wait_for(10)) << events.events().size() << " events";
  const auto seen = events.events();
  ASSERT_EQ(seen.size(), 10u);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(seen[5 + static_cast<size_t>(i)].revision, written[static_cast<size_t>(i)]);
}

TEST_F(EtcdFailoverTest, AuthenticatesWithUserAndPassword) {
  auto& ns = lab().add_node("etcd");
  auto& etcd = lab().start_etcd(ns, "auth", "127.0.0.1");
  ASSERT_TRUE(etcd.etcdctl({"user", "add", "root:rootpw"}).ok());
  ASSERT_TRUE(etcd.etcdctl({"user", "add", "calico:s3cret"}).ok());
  ASSERT_TRUE(etcd.etcdctl({"role", "add", "calico"}).ok());
  ASSERT_TRUE(
      etcd.etcdctl({"role", "grant-permission", "calico", "--prefix=true", "readwrite", "/calico/"})
          .ok());
  ASSERT_TRUE(etcd.etcdctl({"user", "grant-role", "calico", "calico"}).ok());
  auto enabled = etcd.etcdctl({"auth", "enable"});
  ASSERT_TRUE(enabled.ok()) << enabled.output;

  lab_support::EnterNetns inside(ns.name());
  EtcdDatastoreOptions options;
  options.endpoints = {etcd.client_url()};
  options.username = "calico";
  options.password = "s3cret";
  auto store = open(options);
  auto created = store->create("/calico/resources/v3/projectcalico.org/ippools/p1", "{}");
  ASSERT_TRUE(created) << created.error().message;
  EventCollector events;
  auto watch = store->watch("/calico/", 0, events.callback());
  ASSERT_TRUE(watch) << watch.error().message;
  ASSERT_TRUE(store->put("/calico/k", "v"));
  ASSERT_TRUE(events.wait_for(1));
  EXPECT_EQ(events.events()[0].key, "/calico/k");

  options.password = "wrong";
  auto wrong = open(options)->get("/calico/k");
  ASSERT_FALSE(wrong);
  EXPECT_THAT(wrong.error().message, HasSubstr("authenticating as user calico"));
  EXPECT_THAT(wrong.error().message, HasSubstr("authentication failed"));

  options.username.clear();
  options.password.clear();
  auto anonymous = open(options)->get("/calico/k");
  ASSERT_FALSE(anonymous);
  EXPECT_THAT(anonymous.error().message, HasSubstr("user name is empty"));
}

// A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl. The
// server's certificate also allows client use: etcd's JSON gateway dials etcd's own gRPC
// port with it, and --client-cert-auth refuses it otherwise (HTTP 503 "connection closed").
void make_certificates(const Netns& ns, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  ns.must("set -e; cd '" + dir.string() + R"(';
    key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$1" 2>/dev/null; }
    key ca.key; key server.key; key client.key; key other-ca.key
    openssl req -x509 -new -key ca.key -out ca.pem -days 2 -subj /CN=tabby-test-ca
    openssl req -x509 -new -key other-ca.key -out other-ca.pem -days 2 -subj /CN=someone-else
    openssl req -new -key server.key -out server.csr -subj /CN=etcd
    printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n' > server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext -out server.pem 2>/dev/null
    openssl req -new -key client.key -out client.csr -subj /CN=calico
    printf 'extendedKeyUsage=clientAuth\n' > client.ext
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile client.ext -out client.pem 2>/dev/null
  )");
}

TEST_F(EtcdFailoverTest, SpeaksTlsWithAClientCertificate) {
  auto& ns = lab().add_node("etcd");
  const auto pki = lab().dir() / "pki";
  make_certificates(ns, pki);
  const std::string url = "https://127.0.0.1:2379";
  // --initial-cluster given, so the lab only waits for the port (its health check speaks
  // plain http); the client below waits for the real answer.
  lab().start_etcd(ns, "tls", "127.0.0.1",
                   {"--listen-client-urls=" + url, "--advertise-client-urls=" + url,
                    "--cert-file=" + (pki / "server.pem").string(),
                    "--key-file=" + (pki / "server.key").string(),
                    "--trusted-ca-file=" + (pki / "ca.pem").string(), "--client-cert-auth",
                    "--initial-cluster=tls=http://127.0.0.1:2380"});
  lab_support::EnterNetns inside(ns.name());
  EtcdDatastoreOptions options;
  options.endpoints = {url};
  options.ca_cert_file = (pki / "ca.pem").string();
  options.cert_file = (pki / "client.pem").string();
  options.key_file = (pki / "client.key").string();
  auto store = open(options);
  ASSERT_TRUE(lab::eventually([&] { return store->current_revision().ok(); }, 20s))
      << store->current_revision().error().message;
  EventCollector events;
  auto watch = store->watch("/calico/", 0, events.callback());
  ASSERT_TRUE(watch) << watch.error().message;
  auto created = store->create("/calico/resources/v3/projectcalico.org/ippools/p1", "{}");
  ASSERT_TRUE(created) << created.error().message;
  ASSERT_TRUE(events.wait_for(1));
  EXPECT_EQ(events.events()[0].revision, *created);

  // Without a client certificate the server refuses the handshake.
  auto no_certificate = options;
  no_certificate.cert_file.clear();
  no_certificate.key_file.clear();
  no_certificate.retry_deadline = 500ms;
  auto refused = open(no_certificate)->get("/calico/k");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, DatastoreErrorKind::Unavailable);
  EXPECT_THAT(refused.error().message, HasSubstr("https://127.0.0.1:2379"));

  // A server the CA does not vouch for is not trusted.
  auto other_ca = options;
  other_ca.ca_cert_file = (pki / "other-ca.pem").string();
  auto untrusted = open(other_ca)->get("/calico/k");
  ASSERT_FALSE(untrusted);
  EXPECT_THAT(untrusted.error().message, HasSubstr("the server's TLS certificate is not trusted"));
}

}  // namespace
}  // namespace tabby::api
