// 50 pods starting on each of 5 nodes at the same moment, as 5 processes on one SQLite file,
// then all deleted at once: no address twice, none leaked, handles and blocks agree, and
// check_ipam finds nothing (ipam_storm.h; the lab runs the same storm against etcd).

#include <gmock/gmock.h>
#include <unistd.h>

#include <filesystem>

#include "ipam_storm.h"
#include "tabby/api/resource_store.h"
#include "tabby/api/sqlite_datastore.h"

namespace tabby::ipam {
namespace {

TEST(IpamProcessesTest, FiftyPodsOnEachOfFiveNodesAtOnceThenAllDeletedAtOnce) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("ipam-processes-" + std::to_string(getpid()) + ".db");
  auto datastore = api::open_sqlite_datastore({.path = path.string()}).value();
  api::ResourceStore store(*datastore);
  ASSERT_TRUE(
      store
          .apply(*api::parse_resource("apiVersion: projectcalico.org/v3\nkind: IPPool\n"
                                      "metadata: {name: p1}\nspec: {cidr: 10.244.0.0/20}\n"))
          .ok());
  const std::string environment = "DATASTORE_TYPE=sqlite TABBY_DATASTORE_PATH=" + path.string();
  storm::add_wave(*datastore, IPAM_WORKER, environment);
  storm::delete_wave(*datastore, IPAM_WORKER, environment);
  datastore.reset();
  for (const char* suffix : {"", "-wal", "-shm"})
    std::filesystem::remove(path.string() + suffix);
}

}  // namespace
}  // namespace tabby::ipam
