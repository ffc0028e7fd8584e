#pragma once
// The IPAM storm, shared by ipam_processes_test (SQLite) and the lab's ipam_etcd_storm_test
// (etcd): 50 pods starting on each of 5 nodes at the same moment, as 5 ipam_worker processes
// released together at one instant; then all 250 pods deleted at once the same way. After
// each wave the records must agree: no address handed out twice, every allocation under its
// handle, every handle counting what the blocks hold, nothing leaked, and check_ipam clean.

#include <gmock/gmock.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tabby/api/codec.h"
#include "tabby/api/datastore.h"
#include "tabby/api/ipam_records.h"
#include "tabby/api/resource_store.h"
#include "tabby/ipam/block_operations.h"
#include "tabby/ipam/ipam_inspect.h"

namespace tabby::ipam::storm {

inline constexpr int kNodes = 5;
inline constexpr int kPods = 50;
inline constexpr std::string_view kHandlePrefix = "/calico/ipam/v2/handle/";

// The pool the storm allocates from: a /20, 64 blocks for 5 nodes.
inline void add_storm_pool(api::Datastore& datastore) {
  auto pool = api::parse_resource(
      "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: storm}\n"
      "spec: {cidr: 10.244.0.0/20}\n");
  ASSERT_TRUE(pool.ok()) << pool.error().message;
  auto applied = api::ResourceStore(datastore).apply(*pool);
  ASSERT_TRUE(applied.ok()) << applied.error().message;
}

// Runs `worker verb nodeN kPods` for every node at once (each prefixed by `environment`,
// e.g. "DATASTORE_TYPE=etcdv3 ETCD_ENDPOINTS=..."), all told to begin at the same instant;
// returns the lines they printed. Child processes inherit the calling thread's namespace.
inline std::vector<std::string> run_workers(const std::string& worker,
                                            const std::string& environment,
                                            const std::string& verb) {
  const auto start = std::chrono::system_clock::now() + std::chrono::milliseconds(700);
  const auto start_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(start.time_since_epoch()).count();
  std::vector<FILE*> outputs;
  for (int n = 0; n < kNodes; ++n) {
    const std::string command = environment + " TABBY_WORKER_START_AT=" + std::to_string(start_ms) +
                                " " + worker + " " + verb + " node" + std::to_string(n) + " " +
                                std::to_string(kPods);
    outputs.push_back(popen(command.c_str(), "r"));
    EXPECT_NE(outputs.back(), nullptr) << command;
  }
  std::vector<std::string> lines;
  for (FILE* output : outputs) {
    if (!output) continue;
    char line[128];
    while (std::fgets(line, sizeof(line), output))
      lines.emplace_back(line);
    EXPECT_EQ(pclose(output), 0) << "a worker failed (its error is above)";
  }
  return lines;
}

// The allocations the blocks hold, per handle id (pods' handles have one each).
inline std::map<std::string, int> allocations_per_handle(api::Datastore& datastore) {
  std::map<std::string, int> per_handle;
  const auto blocks = datastore.list(api::block_prefix(IpFamily::kV4)).value();
  for (const auto& entry : blocks.entries) {
    auto block = api::decode_block(entry.key, entry.value).value();
    for (const auto& slot : block.allocations) {
      if (!slot) continue;
      const auto& attribute = block.attributes.at(static_cast<std::size_t>(*slot));
      ++per_handle[attribute.handle_id.value_or("<no handle>")];
    }
  }
  return per_handle;
}

// The blocks, the handles and check_ipam agree that exactly `pods` pods hold one address each.
inline void expect_records_agree(api::Datastore& datastore, int pods) {
  const auto per_handle = allocations_per_handle(datastore);
  int allocated = 0;
  for (const auto& [id, count] : per_handle) {
    allocated += count;
    EXPECT_EQ(count, 1) << id << " holds " << count << " addresses";
  }
  EXPECT_EQ(allocated, pods) << "leaked or lost allocations";
  const auto handles = datastore.list(std::string(kHandlePrefix)).value();
  EXPECT_EQ(handles.entries.size(), static_cast<std::size_t>(pods));
  for (const auto& entry : handles.entries) {
    auto handle = api::decode_handle(entry.key, entry.value).value();
    int total = 0;
    for (const auto& [block, count] : handle.block)
      total += count;
    const std::string id = entry.key.substr(kHandlePrefix.size());
    EXPECT_EQ(total, per_handle.contains(id) ? per_handle.at(id) : 0) << id;
  }
  auto report = check_ipam(datastore);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->allocations, static_cast<std::size_t>(pods));
  for (const auto& problem : report->problems)
    ADD_FAILURE() << "ipam check: " << problem.description;
}

// The add wave: every node's pods at once; no address twice; the records agree.
inline void add_wave(api::Datastore& datastore, const std::string& worker,
                     const std::string& environment) {
  const auto lines = run_workers(worker, environment, "add");
  EXPECT_EQ(lines.size(), static_cast<std::size_t>(kNodes * kPods));
  EXPECT_EQ(std::set<std::string>(lines.begin(), lines.end()).size(), lines.size())
      << "an address was handed out twice";
  expect_records_agree(datastore, kNodes * kPods);
  // Each node allocated from blocks of its own: at most the few a /26 holds 50 pods in.
  for (int n = 0; n < kNodes; ++n) {
    const auto affinities =
        datastore.list(api::host_affinity_prefix("node" + std::to_string(n), IpFamily::kV4));
    ASSERT_TRUE(affinities.ok());
    EXPECT_GE(affinities->entries.size(), 1u);
    EXPECT_LE(affinities->entries.size(), 2u) << "node" << n << " claimed blocks it did not need";
  }
}

// The delete wave: every pod gone at once; nothing held, the emptied blocks stay affine.
inline void delete_wave(api::Datastore& datastore, const std::string& worker,
                        const std::string& environment) {
  EXPECT_TRUE(run_workers(worker, environment, "del").empty());
  expect_records_agree(datastore, 0);
  const auto blocks = datastore.list(api::block_prefix(IpFamily::kV4)).value();
  EXPECT_FALSE(blocks.entries.empty());
  for (const auto& entry : blocks.entries) {
    EXPECT_TRUE(is_empty(api::decode_block(entry.key, entry.value).value()))
        << entry.key << " still holds an address";
  }
}

}  // namespace tabby::ipam::storm
