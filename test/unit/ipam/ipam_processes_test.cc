// 50 pods starting on each of 5 nodes at the same moment, as 5 processes on one SQLite file,
// then all deleted at once: no address twice, none leaked, handles and blocks agree, and
// check_ipam finds nothing (ipam_storm.h; the lab runs the same storm against etcd).

#include <gmock/gmock.h>
#include <unistd.h>

#include <filesystem>

#include "ipam_storm.h"
#include "tabby/api/sqlite_datastore.h"

namespace tabby::ipam {
namespace {

TEST(IpamProcessesTest, FiftyPodsOnEachOfFiveNodesAtOnceThenAllDeletedAtOnce) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("ipam-processes-" + std::to_string(getpid()) + ".db");
  auto datastore = api::open_sqlite_datastore({.path = path.string()}).value();
  storm::add_storm_pool(*datastore);
  if (HasFatalFailure()) return;
  const std::string environment = "DATASTORE_TYPE=sqlite TABBY_DATASTORE_PATH=" + path.string();
  storm::add_wave(*datastore, IPAM_WORKER, environment);
  storm::delete_wave(*datastore, IPAM_WORKER, environment);
  datastore.reset();
  for (const char* suffix : {"", "-wal", "-shm"})
    std::filesystem::remove(path.string() + suffix);
}

}  // namespace
}  // namespace tabby::ipam
