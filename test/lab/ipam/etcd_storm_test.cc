// 50 pods starting on each of 5 nodes at the same moment against a real etcd (Debian's
// etcd-server, started by the lab on a namespace's loopback): 5 ipam_worker processes, each
// its own etcd client, as 5 nodes' CNI plugins would be; then every pod deleted at once.
// Neither wave may hand out an address twice or leak one, and `tabbyctl ipam check` (the
// binary, over the same environment an operator would use) must report no problems.

#include <gmock/gmock.h>

#include "enter_netns.h"
#include "ipam_storm.h"
#include "tabby/api/etcd_datastore.h"
#include "tabby/lab/lab_test.h"

namespace tabby::lab {
namespace {

using ::testing::HasSubstr;

class IpamEtcdStormTest : public LabTest {};

TEST_F(IpamEtcdStormTest, FiftyPodsOnEachOfFiveNodesAtOnceThenAllDeletedAtOnce) {
  auto& ns = lab().add_node("store");
  auto& etcd = lab().start_etcd(ns, "etcd", "127.0.0.1");
  // The test, its workers and tabbyctl all reach etcd on the namespace's loopback.
  api::lab_support::EnterNetns inside(ns.name());
  auto datastore = api::open_etcd_datastore({.endpoints = {etcd.client_url()}}).value();
  ipam::storm::add_storm_pool(*datastore);
  if (HasFatalFailure()) return;
  const std::vector<std::string> env = {"env", "DATASTORE_TYPE=etcdv3",
                                        "ETCD_ENDPOINTS=" + etcd.client_url()};
  const std::string environment = env[1] + " " + env[2];
  const auto tabbyctl_ipam_check = [&] {
    auto argv = env;
    argv.insert(argv.end(), {TABBYCTL, "ipam", "check"});
    return run_command(argv);
  };

  ipam::storm::add_wave(*datastore, IPAM_WORKER, environment);
  auto checked = tabbyctl_ipam_check();
  ASSERT_TRUE(checked.ok()) << checked.output;
  EXPECT_THAT(checked.output, HasSubstr(" 250 allocations, 250 handles."));
  EXPECT_THAT(checked.output, HasSubstr("found 0 problems")) << checked.output;

  ipam::storm::delete_wave(*datastore, IPAM_WORKER, environment);
  checked = tabbyctl_ipam_check();
  ASSERT_TRUE(checked.ok()) << checked.output;
  EXPECT_THAT(checked.output, HasSubstr(" 0 allocations, 0 handles."));
  EXPECT_THAT(checked.output, HasSubstr("found 0 problems")) << checked.output;
  EXPECT_TRUE(etcd.running()) << etcd.log();
}

}  // namespace
}  // namespace tabby::lab
