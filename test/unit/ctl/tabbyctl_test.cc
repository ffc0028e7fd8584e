// tabbyctl run in-process against a real SQLite datastore file: calicoctl's verbs, messages,
// output formats and exit codes.

#include "tabby/ctl/tabbyctl.h"

#include <gmock/gmock.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tabby/api/ipam_records.h"
#include "tabby/ipam/ipam.h"

namespace tabby::ctl {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kPools = R"(apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: p1
  labels:
    zone: a
spec:
  cidr: 10.244.0.0/16
  ipipMode: Always
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: p2
spec:
  cidr: 10.245.0.0/16
  natOutgoing: true
)";

constexpr const char* kPeer = R"(apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata:
  name: tor
spec:
  peerIP: 192.168.1.1
  asNumber: 65001
)";

struct Outcome {
  int status;
  std::string out;
  std::string err;
};

class TabbyctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tabbyctl-test-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    env_["TABBY_DATASTORE_PATH"] = (dir_ / "datastore.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::optional<std::string> lookup(std::string_view name) const {
    auto it = env_.find(std::string(name));
    return it == env_.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
  // The datastore tabbyctl uses, for set-up behind its back.
  std::unique_ptr<api::Datastore> open_store() const {
    return api::open_datastore(*api::datastore_config_from_env(
                                   [this](std::string_view name) { return lookup(name); }))
        .value();
  }

  Outcome run(std::vector<std::string> args, const std::string& stdin_text = "") {
    std::istringstream in(stdin_text);
    std::ostringstream out, err;
    const int status =
        run_tabbyctl(args, in, out, err, [this](std::string_view name) { return lookup(name); });
    return {status, out.str(), err.str()};
  }
  std::string file(const std::string& name, const std::string& content) {
    const auto path = dir_ / name;
    std::ofstream(path) << content;
    return path.string();
  }

  // One address from IPAM for a pod (shop/POD) on `node`, as the CNI plugin asks for it.
  std::string assign_pod_address(const std::string& node, const std::string& pod) {
    auto store = open_store();
    ipam::AutoAssignRequest request;
    request.node = node;
    request.num_v4 = 1;
    request.handle_id = "k8s-pod-network." + pod;
    request.attributes = {{"node", node}, {"pod", pod}, {"namespace", "shop"}};
    auto got = ipam::Ipam(*store).auto_assign(request);
    if (!got) {
      ADD_FAILURE() << got.error().message;
      return "";
    }
    return got->v4.at(0).address.to_string();
  }

  std::filesystem::path dir_;
  std::map<std::string, std::string> env_;
};

TEST_F(TabbyctlTest, ApplyGetApplyAgainChangesNothing) {
  const auto pools = file("pools.yaml", kPools);
  Outcome applied = run({"apply", "-f", pools});
  ASSERT_EQ(applied.status, 0) << applied.err;
  EXPECT_EQ(applied.out, "Successfully applied 2 'IPPool' resource(s)\n");

  Outcome first = run({"get", "ippool", "p1", "-o", "yaml"});
  ASSERT_EQ(first.status, 0) << first.err;
  EXPECT_THAT(first.out, HasSubstr("kind: IPPool"));
  EXPECT_THAT(first.out, HasSubstr("cidr: 10.244.0.0/16"));
  EXPECT_THAT(first.out, HasSubstr("ipipMode: Always"));
  EXPECT_THAT(first.out, HasSubstr("resourceVersion:"));
  EXPECT_THAT(first.out, HasSubstr("uid:"));
  EXPECT_THAT(first.out, HasSubstr("creationTimestamp:"));

  ASSERT_EQ(run({"apply", "-f", pools}).status, 0);
  EXPECT_EQ(run({"get", "ippool", "p1", "-o", "yaml"}).out, first.out);  // same revision too

  // What get printed applies back unchanged.
  const auto printed = file("printed.yaml", first.out);
  ASSERT_EQ(run({"apply", "-f", printed}).status, 0);
  EXPECT_EQ(run({"get", "ippool", "p1", "-o", "yaml"}).out, first.out);
}

TEST_F(TabbyctlTest, ApplyUpdatesWhatChanged) {
  ASSERT_EQ(run({"apply", "-f", file("pools.yaml", kPools)}).status, 0);
  std::string changed = kPools;
  changed.replace(changed.find("ipipMode: Always"), 16, "ipipMode: CrossSubnet");
  ASSERT_EQ(run({"apply", "-f", "-"}, changed).status, 0);
  EXPECT_THAT(run({"get", "ippool", "p1", "-o", "json"}).out,
              HasSubstr("\"ipipMode\": \"CrossSubnet\""));
}

TEST_F(TabbyctlTest, CreateReplaceDeleteFollowCalicoctl) {
  const auto peer = file("peer.yaml", kPeer);
  Outcome created = run({"create", "-f", peer});
  ASSERT_EQ(created.status, 0) << created.err;
  EXPECT_EQ(created.out, "Successfully created 1 'BGPPeer' resource(s)\n");

  Outcome again = run({"create", "-f", peer});
  EXPECT_EQ(again.status, 1);
  EXPECT_EQ(again.err,
            "Failed to create 'BGPPeer' resource: [resource already exists: BGPPeer(tor)]\n");
  EXPECT_EQ(run({"create", "-f", peer, "--skip-exists"}).status, 0);

  Outcome replaced = run({"replace", "-f", peer});
  EXPECT_EQ(replaced.status, 0) << replaced.err;
  EXPECT_EQ(replaced.out, "Successfully replaced 1 'BGPPeer' resource(s)\n");
  Outcome missing = run({"replace", "-f", file("pools.yaml", kPools)});
  EXPECT_EQ(missing.status, 1);
  EXPECT_THAT(missing.err, HasSubstr("resource does not exist: IPPool(p1)"));

  Outcome deleted = run({"delete", "bgppeer", "tor"});
  EXPECT_EQ(deleted.status, 0) << deleted.err;
  EXPECT_EQ(deleted.out, "Successfully deleted 1 'BGPPeer' resource(s)\n");
  EXPECT_EQ(run({"delete", "bgppeer", "tor"}).status, 1);
  EXPECT_EQ(run({"delete", "bgppeer", "tor", "--skip-not-exists"}).status, 0);
  Outcome gone = run({"get", "bgppeer", "tor"});
  EXPECT_EQ(gone.status, 1);
  EXPECT_EQ(gone.err, "resource does not exist: BGPPeer(tor)\n");
}

TEST_F(TabbyctlTest, PartialSuccessSaysHowFarItGot) {
  ASSERT_EQ(run({"create", "-f", file("peer.yaml", kPeer)}).status, 0);
  std::string mixed = std::string(kPools) + "---\n" + kPeer;
  Outcome partial = run({"create", "-f", "-"}, mixed);
  EXPECT_EQ(partial.status, 1);
  EXPECT_THAT(partial.err, HasSubstr("Partial success: created the first 2 out of 3 resources:"));
  EXPECT_THAT(partial.err, HasSubstr("hit error: resource already exists: BGPPeer(tor)"));
}

TEST_F(TabbyctlTest, GetPrintsTablesListsNamesAndFiltersBySelector) {
  ASSERT_EQ(run({"apply", "-f", file("pools.yaml", kPools)}).status, 0);
  Outcome table = run({"get", "ippools"});
  ASSERT_EQ(table.status, 0) << table.err;
  EXPECT_EQ(table.out,
            "NAME   CIDR            SELECTOR\n"
            "p1     10.244.0.0/16   all()\n"
            "p2     10.245.0.0/16   all()\n");
  Outcome wide = run({"get", "ipp", "-o", "wide"});
  EXPECT_THAT(wide.out, HasSubstr("NAT     IPIPMODE"));
  EXPECT_THAT(wide.out, HasSubstr("p2     10.245.0.0/16   true    Never"));
  Outcome list = run({"get", "pool", "-o", "yaml"});
  EXPECT_THAT(list.out, HasSubstr("kind: IPPoolList"));
  EXPECT_THAT(list.out, HasSubstr("name: p2"));
  EXPECT_EQ(run({"get", "ippool", "-o", "name"}).out, "ippool/p1\nippool/p2\n");
  EXPECT_EQ(run({"get", "ippool", "-o", "name", "-l", "zone == 'a'"}).out, "ippool/p1\n");
  Outcome bad_selector = run({"get", "ippool", "-l", "zone =="});
  EXPECT_EQ(bad_selector.status, 1);
  EXPECT_THAT(bad_selector.err, HasSubstr("selector \"zone ==\""));
}

TEST_F(TabbyctlTest, BadInputGetsOneClearLineAndExitStatusOne) {
  Outcome invalid = run({"apply", "-f", "-"},
                        "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p1}\n"
                        "spec: {cidr: 10.0.0.0/33}\n");
  EXPECT_EQ(invalid.status, 1);
  EXPECT_THAT(invalid.err,
              HasSubstr("IPPool \"p1\": spec.cidr: \"10.0.0.0/33\" is not a valid CIDR"));
  EXPECT_EQ(run({"apply", "-f", "-"}, "\n").err, "no resources specified on standard input\n");
  EXPECT_THAT(run({"get", "frobnicators"}).err,
              HasSubstr("resource type 'frobnicators' is not supported"));
  EXPECT_THAT(run({"apply", "-f", (dir_ / "missing.yaml").string()}).err,
              HasSubstr("missing.yaml"));
  EXPECT_EQ(run({"frobnicate"}).status, 1);
  EXPECT_EQ(run({"get", "ippool", "-o", "xml"}).status, 1);

  env_["DATASTORE_TYPE"] = "mongodb";
  Outcome bad_store = run({"get", "ippool"});
  EXPECT_EQ(bad_store.status, 1);
  EXPECT_THAT(bad_store.err, HasSubstr("DATASTORE_TYPE"));
  EXPECT_THAT(bad_store.err, HasSubstr("mongodb"));
  // A flag overrides the environment, and an error then names the flag.
  EXPECT_EQ(run({"--datastore-type", "sqlite", "get", "ippool"}).status, 0);
  EXPECT_THAT(run({"--datastore-type", "consul", "get", "ippool"}).err,
              HasSubstr("--datastore-type \"consul\" is not one of sqlite, etcdv3"));
}

TEST_F(TabbyctlTest, NothingWasWrittenWhenADocumentIsInvalid) {
  std::string text = std::string(kPools) +
                     "---\napiVersion: projectcalico.org/v3\nkind: IPPool\n"
                     "metadata: {name: p3}\nspec: {cdir: 10.9.0.0/16}\n";
  Outcome run_result = run({"apply", "-f", "-"}, text);
  EXPECT_EQ(run_result.status, 1);
  EXPECT_THAT(run_result.err, HasSubstr("spec.cdir"));
  EXPECT_EQ(run({"get", "ippool", "-o", "name"}).out, "");
}

TEST_F(TabbyctlTest, IpamShowCheckAndRelease) {
  ASSERT_EQ(run({"apply", "-f", "-"},
                "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p1}\n"
                "spec: {cidr: 10.244.0.0/24}\n")
                .status,
            0);
  std::vector<IpAddress> addresses;
  {
    auto datastore = open_store();
    ipam::Ipam ipam(*datastore);
    ipam::AutoAssignRequest request;
    request.node = "n1";
    request.num_v4 = 2;
    request.handle_id = "k8s-pod-network.abc";
    request.attributes = {{"node", "n1"}, {"pod", "web"}, {"namespace", "shop"}};
    auto result = ipam.auto_assign(request);
    ASSERT_TRUE(result.ok()) << result.error().message;
    for (const auto& a : result->v4)
      addresses.push_back(a.address);
  }
  const std::string first = addresses[0].to_string();

  Outcome show = run({"ipam", "show"});
  ASSERT_EQ(show.status, 0) << show.err;
  EXPECT_THAT(show.out, HasSubstr("| GROUPING |"));
  EXPECT_THAT(show.out,
              HasSubstr("| IP Pool  | 10.244.0.0/24 | 256       | 2 (1%)     | 254 (99%) |"));
  EXPECT_THAT(run({"ipam", "show", "--show-blocks"}).out, HasSubstr("| Block    |"));
  Outcome owner = run({"ipam", "show", "--ip", first});
  EXPECT_THAT(owner.out, HasSubstr("IP " + first + " is in use"));
  EXPECT_THAT(owner.out, HasSubstr("Handle ID: k8s-pod-network.abc"));
  EXPECT_THAT(owner.out, HasSubstr("pod: web"));
  EXPECT_EQ(run({"ipam", "show", "--ip", "10.244.0.200"}).out, "10.244.0.200 is not assigned\n");

  // No workload endpoint carries them: both are leaks, counted, and named on request.
  Outcome check = run({"ipam", "check"});
  EXPECT_EQ(check.status, 0);
  EXPECT_THAT(check.out, HasSubstr("Found 2 IPs that are allocated in IPAM but not actually in "
                                   "use.\n"));
  EXPECT_THAT(check.out, Not(HasSubstr("(leaked)")));
  EXPECT_THAT(check.out, HasSubstr("Check complete; found 2 problems."));
  EXPECT_THAT(run({"ipam", "check", "--show-problem-ips"}).out, HasSubstr("(leaked)"));
  EXPECT_THAT(run({"ipam", "check", "--show-all-ips"}).out,
              HasSubstr(first + " allocated; attrs Main:k8s-pod-network.abc Extra:"));

  Outcome released = run({"ipam", "release", "--ip", first});
  EXPECT_EQ(released.status, 0) << released.err;
  EXPECT_EQ(released.out, "Successfully released IP address " + first + "\n");
  Outcome again = run({"ipam", "release", "--ip", first});
  EXPECT_EQ(again.status, 1);
  EXPECT_EQ(again.err, "IP address " + first + " is not assigned\n");
  EXPECT_THAT(run({"ipam", "check"}).out, HasSubstr("found 1 problems"));
  EXPECT_EQ(run({"ipam", "release", "--ip", "not-an-ip"}).status, 1);
}

TEST_F(TabbyctlTest, IpamCheckFindsWhatACrashLeavesBehind) {
  ASSERT_EQ(run({"apply", "-f", "-"},
                "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p1}\n"
                "spec: {cidr: 10.244.0.0/24}\n")
                .status,
            0);
  auto datastore = open_store();
  ipam::Ipam ipam(*datastore);
  ipam::AutoAssignRequest request;
  request.node = "n1";
  request.num_v4 = 1;
  request.handle_id = "tunnel";
  ASSERT_TRUE(ipam.auto_assign(request).ok());
  // A crash after the handle write and before the block write, and a lost handle record.
  ASSERT_TRUE(datastore->put(api::handle_key("orphan"), R"({"block":{"10.244.0.0/26":1}})").ok());
  ASSERT_TRUE(datastore->remove(api::handle_key("tunnel")).ok());
  Outcome check = run({"ipam", "check", "--show-problem-ips"});
  EXPECT_THAT(check.out, HasSubstr("handle orphan holds no allocated address"));
  EXPECT_THAT(check.out, HasSubstr("Found 1 handles with no matching IPs (and 0 handles with "
                                   "matches)."));
  EXPECT_THAT(check.out, HasSubstr("Found 1 handles mentioned in blocks with no matching handle "
                                   "resource."));
  EXPECT_THAT(check.out, HasSubstr("allocated to handle tunnel, which does not exist"));
  EXPECT_THAT(check.out, HasSubstr("found 2 problems"));
  // What check found, release can mend.
  Outcome released = run({"ipam", "release", "--handle", "orphan"});
  EXPECT_EQ(released.status, 0) << released.err;
  EXPECT_EQ(released.out, "Successfully released handle orphan\n");
  EXPECT_THAT(run({"ipam", "check"}).out, HasSubstr("found 1 problems"));
  EXPECT_EQ(run({"ipam", "release", "--handle", "orphan"}).status, 1);
  EXPECT_EQ(run({"ipam", "release"}).status, 1);
}

TEST_F(TabbyctlTest, PatchAsCalicosRouteReflectorDocsDoIt) {
  ASSERT_EQ(run({"apply", "-f", "-"}, R"(apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata:
  name: default
spec:
  asNumber: 64512
  logSeverityScreen: Info
)")
                .status,
            0);
  Outcome patched = run({"patch", "bgpconfiguration", "default", "-p",
                         R"({"spec": {"nodeToNodeMeshEnabled": false}})"});
  ASSERT_EQ(patched.status, 0) << patched.err;
  EXPECT_EQ(patched.out, "Successfully patched 1 'BGPConfiguration' resource\n");
  const std::string yaml = run({"get", "bgpconfig", "default", "-o", "yaml"}).out;
  EXPECT_THAT(yaml, HasSubstr("nodeToNodeMeshEnabled: false"));
  EXPECT_THAT(yaml, HasSubstr("asNumber: 64512"));

  // The other patch types, and calicoctl's node example.
  ASSERT_EQ(run({"apply", "-f", "-"}, R"(apiVersion: projectcalico.org/v3
kind: Node
metadata:
  name: node-0
spec:
  bgp:
    ipv4Address: 10.0.0.1/24
)")
                .status,
            0);
  Outcome cluster = run({"patch", "node", "node-0", "--patch",
                         R"({"spec":{"bgp": {"routeReflectorClusterID": "224.0.0.1"}}})"});
  ASSERT_EQ(cluster.status, 0) << cluster.err;
  EXPECT_THAT(run({"get", "node", "node-0", "-o", "yaml"}).out,
              HasSubstr("routeReflectorClusterID: 224.0.0.1"));
  Outcome json = run({"patch", "nodes", "node-0", "--type", "json", "-p",
                      R"([{"op": "remove", "path": "/spec/bgp/routeReflectorClusterID"}])"});
  ASSERT_EQ(json.status, 0) << json.err;
  EXPECT_THAT(run({"get", "node", "node-0", "-o", "yaml"}).out,
              Not(HasSubstr("routeReflectorClusterID")));

  // Refusals leave the stored resource as it was.
  const std::string before = run({"get", "bgpconfig", "default", "-o", "yaml"}).out;
  Outcome invalid = run({"patch", "bgpconfig", "default", "-p", R"({"spec": {"asNumber": "x"}})"});
  EXPECT_EQ(invalid.status, 1);
  EXPECT_THAT(invalid.err, HasSubstr("Failed to patch 'BGPConfiguration' resource: "
                                     "BGPConfiguration \"default\": spec.asNumber"));
  EXPECT_EQ(run({"patch", "bgpconfig", "default", "-p", "{", "-t", "merge"}).status, 1);
  Outcome type = run({"patch", "bgpconfig", "default", "-p", "{}", "-t", "yaml"});
  EXPECT_EQ(type.status, 1);
  EXPECT_THAT(type.err, HasSubstr("patch type \"yaml\""));
  EXPECT_EQ(run({"get", "bgpconfig", "default", "-o", "yaml"}).out, before);
  Outcome missing = run({"patch", "bgpconfig", "nope", "-p", "{}"});
  EXPECT_EQ(missing.status, 1);
  EXPECT_THAT(missing.err, HasSubstr("resource does not exist: BGPConfiguration(nope)"));
  EXPECT_EQ(run({"patch", "bgpconfig", "default"}).status, 1) << "--patch is required";
}

TEST_F(TabbyctlTest, LabelSetsOverwritesAndRemovesAsCalicoctl) {
  ASSERT_EQ(run({"apply", "-f", file("pools.yaml", kPools)}).status, 0);
  ASSERT_EQ(run({"apply", "-f", "-"}, R"(apiVersion: projectcalico.org/v3
kind: Node
metadata:
  name: node1
spec: {}
)")
                .status,
            0);
  Outcome set = run({"label", "nodes", "node1", "cluster=backend"});
  ASSERT_EQ(set.status, 0) << set.err;
  EXPECT_EQ(set.out, "Successfully set label cluster on nodes node1\n");
  Outcome clash = run({"label", "nodes", "node1", "cluster=frontend"});
  EXPECT_EQ(clash.status, 1);
  EXPECT_THAT(clash.err, HasSubstr("key cluster is already present"));
  Outcome overwrite = run({"label", "nodes", "node1", "cluster=frontend", "--overwrite"});
  ASSERT_EQ(overwrite.status, 0) << overwrite.err;
  EXPECT_EQ(overwrite.out, "Successfully updated label cluster on nodes node1\n");
  EXPECT_EQ(run({"get", "node", "-l", "cluster == 'frontend'", "-o", "name"}).out, "node/node1\n");
  Outcome removed = run({"label", "nodes", "node1", "cluster", "--remove"});
  ASSERT_EQ(removed.status, 0) << removed.err;
  EXPECT_EQ(removed.out, "Successfully removed label cluster from nodes node1\n");
  EXPECT_EQ(run({"get", "node", "-l", "has(cluster)", "-o", "name"}).out, "");
  Outcome again = run({"label", "nodes", "node1", "cluster", "--remove"});
  EXPECT_EQ(again.status, 1);
  EXPECT_EQ(again.err, "cannot remove label of nodes node1, key cluster does not exist\n");

  // Other kinds, by any of calicoctl's names.
  ASSERT_EQ(run({"label", "ippool", "p2", "zone=b"}).status, 0);
  EXPECT_EQ(run({"get", "ippools", "-l", "zone == 'b'", "-o", "name"}).out, "ippool/p2\n");
  EXPECT_EQ(run({"label", "nodes", "node9", "a=b"}).err, "nodes node9 not found\n");
  EXPECT_EQ(run({"label", "nodes", "node1", "bad key=x"}).status, 1);
  EXPECT_EQ(run({"label", "nodes", "node1", "a=b", "--overwrite", "--remove"}).status, 1);
  EXPECT_EQ(run({"label", "widgets", "w", "a=b"}).err,
            "resource type 'widgets' is not supported\n");
  EXPECT_EQ(run({"label", "nodes", "node1"}).status, 1) << "the label is required";
}

TEST_F(TabbyctlTest, PoolsAreCheckedAgainstEachOtherAndDeletedWithTheirBlocks) {
  ASSERT_EQ(run({"apply", "-f", file("pools.yaml", kPools)}).status, 0);
  Outcome overlap = run({"create", "-f", "-"}, R"(apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: p3
spec:
  cidr: 10.244.128.0/17
)");
  EXPECT_EQ(overlap.status, 1);
  EXPECT_EQ(overlap.err,
            "Failed to create 'IPPool' resource: [IPPool \"p3\": spec.cidr: \"10.244.128.0/17\" "
            "overlaps with IPPool(p1) CIDR 10.244.0.0/16]\n");
  Outcome moved = run({"patch", "ippool", "p2", "-p", R"({"spec": {"cidr": "10.246.0.0/16"}})"});
  EXPECT_EQ(moved.status, 1);
  EXPECT_THAT(moved.err, HasSubstr("spec.cidr: cannot be modified"));

  // A pool with a node's block: delete disables it and releases the block.
  auto store = open_store();
  ipam::AutoAssignRequest request;
  request.node = "n1";
  request.num_v4 = 1;
  request.handle_id = "k8s-pod-network.c1";
  request.pools_v4 = {"p2"};
  ASSERT_TRUE(ipam::Ipam(*store).auto_assign(request).ok());
  ASSERT_TRUE(ipam::Ipam(*store).release_by_handle("k8s-pod-network.c1").ok());
  ASSERT_FALSE(store->list("/calico/ipam/v2/host/n1/")->entries.empty());
  Outcome deleted = run({"delete", "ippool", "p2"});
  ASSERT_EQ(deleted.status, 0) << deleted.err;
  EXPECT_EQ(deleted.out, "Successfully deleted 1 'IPPool' resource(s)\n");
  EXPECT_TRUE(store->list("/calico/ipam/v2/host/n1/")->entries.empty()) << "an affinity stayed";
  EXPECT_TRUE(store->list("/calico/ipam/v2/assignment/")->entries.empty()) << "a block stayed";
  EXPECT_EQ(run({"delete", "ippool", "p2"}).status, 1);
  EXPECT_EQ(run({"delete", "ippool", "p2", "--skip-not-exists"}).status, 0);
}

TEST_F(TabbyctlTest, IpamConfigureAndShowConfigurationAsCalicoctl) {
  EXPECT_EQ(run({"ipam", "show", "--show-configuration"}).out,
            "+--------------------+-------+\n"
            "|      PROPERTY      | VALUE |\n"
            "+--------------------+-------+\n"
            "| StrictAffinity     | false |\n"
            "| AutoAllocateBlocks | true  |\n"
            "| MaxBlocksPerHost   | 0     |\n"
            "+--------------------+-------+\n");
  Outcome strict = run({"ipam", "configure", "--strictaffinity=true"});
  ASSERT_EQ(strict.status, 0) << strict.err;
  EXPECT_EQ(strict.out, "Successfully set StrictAffinity to: true\n");
  Outcome limit = run({"ipam", "configure", "--max-blocks-per-host", "4"});
  ASSERT_EQ(limit.status, 0) << limit.err;
  EXPECT_EQ(limit.out, "Successfully set MaxBlocksPerHost to: 4\n");
  const std::string shown = run({"ipam", "show", "--show-configuration"}).out;
  EXPECT_THAT(shown, HasSubstr("| StrictAffinity     | true  |"));
  EXPECT_THAT(shown, HasSubstr("| MaxBlocksPerHost   | 4     |")) << "the other setting was lost";
  EXPECT_EQ(run({"ipam", "configure"}).err,
            "at least one configuration option must be specified\n");
  EXPECT_EQ(run({"ipam", "configure", "--strictaffinity=maybe"}).err,
            "invalid value. Use true or false to set strictaffinity\n");
  EXPECT_EQ(run({"ipam", "configure", "--max-blocks-per-host=x"}).err,
            "invalid value for maxblockhost. Use a valid number\n");
  // Calico's rule: a block limit needs strict affinity.
  Outcome loose = run({"ipam", "configure", "--strictaffinity=false"});
  EXPECT_EQ(loose.status, 1);
  EXPECT_THAT(loose.err, HasSubstr("maxBlocksPerHost requires strictAffinity"));
}

TEST_F(TabbyctlTest, IpamShowBorrowedListsAddressesFromOtherNodesBlocks) {
  ASSERT_EQ(run({"apply", "-f", "-"}, R"(apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: tiny
spec:
  cidr: 10.250.0.0/26
  blockSize: 26
)")
                .status,
            0);
  ASSERT_FALSE(assign_pod_address("n1", "web").empty());
  // The pool's only block is n1's: n2 borrows from it.
  const std::string address = assign_pod_address("n2", "db");
  const std::string shown = run({"ipam", "show", "--show-borrowed"}).out;
  EXPECT_THAT(shown, HasSubstr("|     IP     | BORROWING-NODE |     BLOCK     | BLOCK OWNER | TYPE "
                               "| ALLOCATED-TO |"));
  EXPECT_THAT(shown, HasSubstr("| " + address +
                               " | n2             | 10.250.0.0/26 | n1          | "
                               "pod  | shop/db      |"));
  EXPECT_THAT(shown, Not(HasSubstr("shop/web"))) << "n1's own address is not borrowed";
}

TEST_F(TabbyctlTest, CustomColumnsSkipEmptyAndAConfigFile) {
  ASSERT_EQ(run({"apply", "-f", file("pools.yaml", kPools)}).status, 0);
  EXPECT_EQ(run({"get", "ippools", "-o", "custom-columns=NAME,NAT"}).out,
            "NAME   NAT\n"
            "p1     false\n"
            "p2     true\n");
  Outcome unknown = run({"get", "ippools", "-o", "custom-columns=NAME,COLOR"});
  EXPECT_EQ(unknown.status, 1);
  EXPECT_THAT(unknown.err, HasSubstr("unknown heading COLOR, valid values are: NAME, CIDR, NAT"));

  // A directory with an empty file: refused, unless --skip-empty.
  std::filesystem::create_directories(dir_ / "manifests");
  std::ofstream(dir_ / "manifests" / "a-peer.yaml") << kPeer;
  std::ofstream(dir_ / "manifests" / "b-empty.yaml") << "# nothing yet\n";
  const std::string manifests = (dir_ / "manifests").string();
  Outcome empty = run({"apply", "-f", manifests});
  EXPECT_EQ(empty.status, 1);
  EXPECT_THAT(empty.err, HasSubstr("no resources specified in file "));
  EXPECT_THAT(empty.err, HasSubstr("b-empty.yaml"));
  Outcome skipped = run({"apply", "-f", manifests, "--skip-empty"});
  ASSERT_EQ(skipped.status, 0) << skipped.err;
  EXPECT_EQ(skipped.out, "Successfully applied 1 'BGPPeer' resource(s)\n");
  EXPECT_EQ(run({"apply", "-f", file("only-empty.yaml", "\n"), "--skip-empty"}).status, 0);

  // calicoctl's client config file, instead of the environment.
  const std::string other_db = (dir_ / "other.db").string();
  const std::string config = file("calicoctl.cfg",
                                  "apiVersion: projectcalico.org/v3\n"
                                  "kind: CalicoAPIConfig\n"
                                  "metadata: {}\n"
                                  "spec:\n"
                                  "  datastoreType: sqlite\n"
                                  "  datastorePath: " +
                                      other_db + "\n");
  EXPECT_EQ(run({"-c", config, "get", "ippools", "-o", "name"}).out, "") << "the environment's";
  ASSERT_EQ(run({"--config", config, "apply", "-f", file("peer.yaml", kPeer)}).status, 0);
  EXPECT_TRUE(std::filesystem::exists(other_db));
  const std::string kubernetes = file("k8s.cfg",
                                      "apiVersion: projectcalico.org/v3\nkind: CalicoAPIConfig\n"
                                      "spec: {datastoreType: kubernetes, kubeconfig: /x}\n");
  Outcome refused = run({"-c", kubernetes, "get", "ippools"});
  EXPECT_EQ(refused.status, 1);
  EXPECT_THAT(refused.err, HasSubstr("tabby has no Kubernetes datastore"));
  EXPECT_THAT(run({"-c", (dir_ / "missing.cfg").string(), "get", "ippools"}).err,
              HasSubstr("Error reading config file:"));
  EXPECT_THAT(run({"-c", file("bad.cfg", "apiVersion: v1\nkind: Config\n"), "get", "ippools"}).err,
              HasSubstr("unknown APIVersion 'v1'"));
}

TEST_F(TabbyctlTest, ACheckReportReleasesOnlyWhatIsStillLeaked) {
  ASSERT_EQ(run({"apply", "-f", "-"},
                "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p1}\n"
                "spec: {cidr: 10.244.0.0/24}\n")
                .status,
            0);
  const std::vector<std::string> addresses = {assign_pod_address("n1", "gone"),
                                              assign_pod_address("n1", "back")};
  auto store = open_store();
  ASSERT_TRUE(store->put(api::handle_key("empty"), R"({"block":{}})").ok());
  const std::string report = (dir_ / "report.json").string();
  ASSERT_EQ(run({"ipam", "check", "-o", report}).status, 0);
  std::ifstream written(report);
  const auto parsed = nlohmann::json::parse(written);
  EXPECT_EQ(parsed["allocations"][addresses[0]][0]["inUse"], false);
  EXPECT_EQ(parsed["allocations"][addresses[0]][0]["pod"], "gone");
  EXPECT_EQ(parsed["leakedHandles"][0]["ID"], "empty");

  // The pod "back" gets its endpoint after the report: it is not leaked any more.
  ASSERT_EQ(run({"apply", "-f", "-"},
                "apiVersion: projectcalico.org/v3\nkind: WorkloadEndpoint\n"
                "metadata: {name: n1-k8s-back-eth0, namespace: shop}\n"
                "spec: {orchestrator: k8s, node: n1, pod: back, endpoint: eth0, "
                "interfaceName: cali0123456789a, ipNetworks: [" +
                    addresses[1] + "/32]}\n")
                .status,
            0);
  Outcome released = run({"ipam", "release", "--from-report", report});
  ASSERT_EQ(released.status, 0) << released.err;
  EXPECT_THAT(released.out, HasSubstr("Releasing 1 old IPs...\nReleased 1 IPs successfully\n"));
  EXPECT_THAT(released.out,
              HasSubstr("1 addresses marked as leaked in the report had already been cleaned up."));
  EXPECT_THAT(released.out, HasSubstr("Released 1 handles; 0 skipped; 0 errors."));
  EXPECT_EQ(run({"ipam", "show", "--ip", addresses[0]}).out, addresses[0] + " is not assigned\n");
  EXPECT_THAT(run({"ipam", "show", "--ip", addresses[1]}).out, HasSubstr("is in use"));
  EXPECT_THAT(run({"ipam", "check"}).out, HasSubstr("found 0 problems"));
  EXPECT_EQ(run({"ipam", "release", "--from-report", file("bad.json", "{}")}).status, 1);
}

TEST_F(TabbyctlTest, IpamSplitCutsAPoolKeepingItsBlocks) {
  ASSERT_EQ(run({"apply", "-f", "-"},
                "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: big}\n"
                "spec: {cidr: 10.244.0.0/24, natOutgoing: true}\n")
                .status,
            0);
  const std::string address = assign_pod_address("n1", "web");
  auto store = open_store();
  const auto blocks_before = store->list("/calico/ipam/v2/assignment/")->entries.size();
  const auto affinities_before = store->list("/calico/ipam/v2/host/")->entries.size();

  Outcome split = run({"ipam", "split", "4", "--name", "big"});
  ASSERT_EQ(split.status, 0) << split.err;
  EXPECT_EQ(split.out,
            "IP Pool big was successfully split into 4 smaller pools.\n"
            "Created split-big-0 with CIDR 10.244.0.0/26.\n"
            "Created split-big-1 with CIDR 10.244.0.64/26.\n"
            "Created split-big-2 with CIDR 10.244.0.128/26.\n"
            "Created split-big-3 with CIDR 10.244.0.192/26.\n");
  EXPECT_EQ(run({"get", "ippools", "-o", "custom-columns=NAME,CIDR,NAT,DISABLED"}).out,
            "NAME          CIDR              NAT    DISABLED\n"
            "split-big-0   10.244.0.0/26     true   false\n"
            "split-big-1   10.244.0.64/26    true   false\n"
            "split-big-2   10.244.0.128/26   true   false\n"
            "split-big-3   10.244.0.192/26   true   false\n");
  // The pod keeps its address, the node its block.
  EXPECT_THAT(run({"ipam", "show", "--ip", address}).out, HasSubstr("is in use"));
  EXPECT_EQ(store->list("/calico/ipam/v2/assignment/")->entries.size(), blocks_before);
  EXPECT_EQ(store->list("/calico/ipam/v2/host/")->entries.size(), affinities_before);
  EXPECT_THAT(run({"ipam", "check"}).out, HasSubstr("Found 0 in-use IPs that are not in active"));

  EXPECT_THAT(run({"ipam", "split", "3", "--name", "split-big-0"}).err,
              HasSubstr("not a valid power of 2: 3"));
  EXPECT_THAT(run({"ipam", "split", "2", "--cidr", "10.244.0.0/26"}).err,
              HasSubstr("is not large enough to be split into 2 parts"));
  EXPECT_THAT(run({"ipam", "split", "2"}).err, HasSubstr("no name or CIDR provided"));
  EXPECT_THAT(run({"ipam", "split", "2", "--name", "nope"}).err,
              HasSubstr("resource does not exist: IPPool(nope)"));
}

TEST_F(TabbyctlTest, VersionAndTheVerbsThisBuildLacks) {
  EXPECT_THAT(run({"version"}).out, HasSubstr("Client Version:"));
  Outcome node = run({"node", "status"});
  EXPECT_EQ(node.status, 1);
  EXPECT_THAT(node.err, Not(HasSubstr("Successfully")));
}

}  // namespace
}  // namespace tabby::ctl
