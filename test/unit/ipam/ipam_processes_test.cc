// 50 pods starting on each of 5 nodes at the same moment, as 5 processes on one SQLite
// file: no address twice, none leaked, handles and blocks agree.

#include <gmock/gmock.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <set>

#include "tabby/api/codec.h"
#include "tabby/api/ipam_records.h"
#include "tabby/api/resource_store.h"
#include "tabby/api/sqlite_datastore.h"
#include "tabby/ipam/block_operations.h"
#include "tabby/ipam/ipam_inspect.h"

namespace tabby::ipam {
namespace {

constexpr int kNodes = 5;
constexpr int kPods = 50;

TEST(IpamProcessesTest, FiftyPodsOnEachOfFiveNodesAtOnce) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("ipam-processes-" + std::to_string(getpid()) + ".db");
  {
    auto datastore = api::open_sqlite_datastore({.path = path.string()}).value();
    api::ResourceStore store(*datastore);
    ASSERT_TRUE(
        store
            .apply(*api::parse_resource("apiVersion: projectcalico.org/v3\nkind: IPPool\n"
                                        "metadata: {name: p1}\nspec: {cidr: 10.244.0.0/20}\n"))
            .ok());
  }
  std::vector<FILE*> outputs;
  for (int n = 0; n < kNodes; ++n) {
    const std::string command = std::string(IPAM_WORKER) + " " + path.string() + " node" +
                                std::to_string(n) + " " + std::to_string(kPods);
    outputs.push_back(popen(command.c_str(), "r"));
    ASSERT_NE(outputs.back(), nullptr);
  }
  std::multiset<std::string> addresses;
  for (FILE* output : outputs) {
    char line[64];
    while (std::fgets(line, sizeof(line), output))
      addresses.insert(std::string(line));
    EXPECT_EQ(pclose(output), 0) << "a worker failed";
  }
  EXPECT_EQ(addresses.size(), static_cast<std::size_t>(kNodes * kPods));
  EXPECT_EQ(std::set<std::string>(addresses.begin(), addresses.end()).size(), addresses.size())
      << "an address was handed out twice";

  // The records agree: every allocation has its handle, every handle counts its addresses.
  auto datastore = api::open_sqlite_datastore({.path = path.string()}).value();
  int allocated = 0;
  std::map<std::string, int> per_handle;
  const auto blocks = datastore->list(api::block_prefix(IpFamily::kV4)).value();
  for (const auto& entry : blocks.entries) {
    auto block = *api::decode_block(entry.key, entry.value);
    allocated += static_cast<int>(block.size()) - free_count(block);
    for (const auto& slot : block.allocations) {
      if (slot) ++per_handle[*block.attributes.at(static_cast<std::size_t>(*slot)).handle_id];
    }
  }
  EXPECT_EQ(allocated, kNodes * kPods) << "leaked or lost allocations";
  const auto handles = datastore->list("/calico/ipam/v2/handle/").value();
  for (const auto& entry : handles.entries) {
    auto handle = *api::decode_handle(entry.key, entry.value);
    int total = 0;
    for (const auto& [block, count] : handle.block)
      total += count;
    const std::string id = entry.key.substr(std::string("/calico/ipam/v2/handle/").size());
    EXPECT_EQ(total, per_handle[id]) << id;
  }
  EXPECT_EQ(datastore->list("/calico/ipam/v2/handle/")->entries.size(),
            static_cast<std::size_t>(kNodes * kPods));
  // And ipam check agrees: nothing leaked or inconsistent (the workers' pods have no
  // WorkloadEndpoints, so only their structural consistency is judged here).
  auto report = check_ipam(*datastore);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->allocations, static_cast<std::size_t>(kNodes * kPods));
  for (const auto& problem : report->problems) {
    EXPECT_THAT(problem.description, ::testing::HasSubstr("(leaked)"))
        << "inconsistent after the storm";
  }
  datastore.reset();
  for (const char* suffix : {"", "-wal", "-shm"})
    std::filesystem::remove(path.string() + suffix);
}

}  // namespace
}  // namespace tabby::ipam
