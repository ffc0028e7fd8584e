// CNI ADD and DEL latency (p50, p99) and IPAM allocations per second, with SQLite and with
// etcd, one and eight at a time. The plugin is the real `tabby` binary run as a container
// runtime runs it (test/lab/cni/cni_runtime.h: CNI_* environment, config on stdin, executed
// from the node's network namespace) wiring pods in lab namespaces; every ADD is followed by
// its DEL, so the figures are a pod-churn's. IPAM is the library in-process, each allocator
// with its own datastore client (as separate plugin processes have). etcd is Debian's, one
// member on the node namespace's loopback. Prints figures; needs root.
// Usage: bench_cni [CYCLES]   (ADD/DEL cycles per configuration, default 200)

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "cni_runtime.h"
#include "enter_netns.h"
#include "tabby/api/codec.h"
#include "tabby/api/datastore_factory.h"
#include "tabby/api/resource_store.h"
#include "tabby/common/command_line.h"
#include "tabby/ipam/ipam.h"
#include "tabby/lab/daemons.h"
#include "tabby/lab/lab.h"

namespace {

using namespace tabby;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The nearest-rank percentile of `samples` (sorted here).
double percentile(std::vector<double>& samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * samples.size()));
  return samples[std::clamp<std::size_t>(rank, 1, samples.size()) - 1];
}

struct Backend {
  std::string name;
  json plugin_fields;                      // the conflist's datastore fields
  std::map<std::string, std::string> env;  // the same, as the library reads them
};

class Bench {
 public:
  Bench(lab::Lab& lab, lab::Netns& node, int cycles) : lab_(lab), node_(node), cycles_(cycles) {
    for (int i = 0; i < 8; ++i)
      pods_.push_back(&lab_.add_pod("pod" + std::to_string(i)));
  }

  void run(const Backend& backend) {
    auto store = open(backend);
    api::ResourceStore(*store)
        .apply(*api::parse_resource("apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: "
                                    "{name: bench}\nspec: {cidr: 10.128.0.0/14}\n"))
        .value();
    // The node as its tabby-node registers it: IPAM reads its labels for the pools' selectors.
    api::ResourceStore(*store)
        .apply(*api::parse_resource("apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: "
                                    "{name: bench-node}\nspec: {}\n"))
        .value();
    for (int parallel : {1, 8})
      measure(backend, [&] { cni_latency(backend, parallel); });
    for (int parallel : {1, 8})
      measure(backend, [&] { ipam_rate(backend, parallel, false); });
    measure(backend, [&] { ipam_rate(backend, 8, true); });
  }

 private:
  // A measurement that fails (a plugin error, a datastore giving up) is reported as such and
  // the others still run: a failure under load is a figure too.
  template <typename Measurement>
  static void measure(const Backend& backend, Measurement measurement) {
    try {
      measurement();
    } catch (const lab::LabError& error) {
      std::printf("%-6s  FAILED: %s\n", backend.name.c_str(), error.what());
      std::fflush(stdout);
    }
  }

  std::unique_ptr<api::Datastore> open(const Backend& backend) {
    auto config = api::datastore_config_from_env([&](std::string_view name) {
      auto it = backend.env.find(std::string(name));
      return it == backend.env.end() ? std::nullopt : std::optional<std::string>(it->second);
    });
    if (!config) throw lab::LabError(config.error().message);
    auto store = api::open_datastore(*config);
    if (!store) throw lab::LabError(store.error().message);
    return std::move(*store);
  }

  // `parallel` pods churning at once on the node, cycles_ ADD/DEL pairs in all.
  void cni_latency(const Backend& backend, int parallel) {
    json tabby = {
        {"type", "tabby"}, {"nodename", "bench-node"}, {"ipam", {{"type", "tabby-ipam"}}}};
    tabby.update(backend.plugin_fields);
    const json conflist = {{"cniVersion", "1.0.0"}, {"name", "bench"}, {"plugins", {tabby}}};
    std::vector<std::vector<double>> adds(parallel), dels(parallel);
    std::vector<std::string> failures(parallel);
    const auto start = Clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < parallel; ++t) {
      threads.emplace_back([&, t] {
        lab::cni::Runtime runtime({std::filesystem::path(TABBY_CNI_PLUGIN).parent_path().string()},
                                  node_.name());
        for (int c = t; c < cycles_ && failures[t].empty(); c += parallel) {
          lab::cni::Attachment pod{
              .container_id = backend.name + std::to_string(parallel) + "x" + std::to_string(c),
              .netns = "/run/netns/" + pods_[t]->name(),
              .ifname = "eth0",
              .pod_namespace = "bench",
              .pod_name = "pod" + std::to_string(t)};
          auto begin = Clock::now();
          auto added = runtime.add(conflist, pod);
          adds[t].push_back(ms_since(begin));
          begin = Clock::now();
          auto deleted = runtime.del(conflist, pod);
          dels[t].push_back(ms_since(begin));
          if (!added.ok) failures[t] = "ADD: " + added.describe();
          if (!deleted.ok) failures[t] = "DEL: " + deleted.describe();
        }
      });
    }
    for (auto& thread : threads)
      thread.join();
    const double seconds = ms_since(start) / 1000;
    for (const auto& failure : failures) {
      if (!failure.empty()) throw lab::LabError(backend.name + ": " + failure);
    }
    std::vector<double> all_adds, all_dels;
    for (int t = 0; t < parallel; ++t) {
      all_adds.insert(all_adds.end(), adds[t].begin(), adds[t].end());
      all_dels.insert(all_dels.end(), dels[t].begin(), dels[t].end());
    }
    std::printf(
        "%-6s  %d at a time  CNI ADD p50 %7.1f ms  p99 %7.1f ms   DEL p50 %7.1f ms  p99 %7.1f ms"
        "   (%zu pods, %.1f pods/s)\n",
        backend.name.c_str(), parallel, percentile(all_adds, 50), percentile(all_adds, 99),
        percentile(all_dels, 50), percentile(all_dels, 99), all_adds.size(),
        static_cast<double>(all_adds.size()) / seconds);
    std::fflush(stdout);
  }

  // Allocations per second: `parallel` allocators, on one node or each on its own node.
  void ipam_rate(const Backend& backend, int parallel, bool own_nodes) {
    const int per_thread = parallel == 1 ? 400 : 100;
    const std::string run = backend.name + std::to_string(parallel) + (own_nodes ? "n" : "s");
    std::vector<std::string> failures(parallel);
    std::vector<std::unique_ptr<api::Datastore>> stores;
    for (int t = 0; t < parallel; ++t)
      stores.push_back(open(backend));
    const auto start = Clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < parallel; ++t) {
      threads.emplace_back([&, t] {
        ipam::Ipam allocator(*stores[t]);
        for (int i = 0; i < per_thread && failures[t].empty(); ++i) {
          ipam::AutoAssignRequest request;
          request.node = "ipam-" + run + (own_nodes ? std::to_string(t) : "");
          request.num_v4 = 1;
          request.handle_id = "bench." + run + "-" + std::to_string(t) + "-" + std::to_string(i);
          request.attributes = {{"node", request.node}};
          if (auto got = allocator.auto_assign(request); !got) failures[t] = got.error().message;
        }
      });
    }
    for (auto& thread : threads)
      thread.join();
    const double seconds = ms_since(start) / 1000;
    for (const auto& failure : failures) {
      if (!failure.empty()) throw lab::LabError(backend.name + " IPAM: " + failure);
    }
    const int total = per_thread * parallel;
    std::printf("%-6s  %d at a time  IPAM %8.0f allocations/s  (%d allocations%s)\n",
                backend.name.c_str(), parallel, total / seconds, total,
                parallel == 1 ? ""
                : own_nodes   ? ", one node each"
                              : ", all on one node");
    std::fflush(stdout);
  }

  lab::Lab& lab_;
  lab::Netns& node_;
  int cycles_;
  std::vector<lab::Netns*> pods_;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tabby's CNI plugins: ADD/DEL cycles on SQLite and etcd (docs/ipam.md)"};
  int cycles = 200;
  app.add_option("cycles", cycles, "ADD/DEL cycles per datastore (default 200)")
      ->check(CLI::Range(1, 100000));
  if (auto exit_code = tabby::parse_command_line(app, argc, argv)) return *exit_code;
  if (geteuid() != 0) {
    std::fprintf(stderr, "bench_cni needs root (it wires pods in network namespaces)\n");
    return 1;
  }
  try {
    lab::Lab lab("bench-cni");
    auto& node = lab.add_node("node");
    Bench bench(lab, node, cycles);
    const std::string database = (lab.dir() / "datastore.db").string();
    bench.run({"sqlite",
               {{"datastore_type", "sqlite"}, {"datastore_path", database}},
               {{"DATASTORE_TYPE", "sqlite"}, {"TABBY_DATASTORE_PATH", database}}});
    auto& etcd = lab.start_etcd(node, "etcd", "127.0.0.1");
    // The in-process allocators reach etcd on the node's loopback as the plugins do.
    tabby::api::lab_support::EnterNetns inside(node.name());
    bench.run({"etcd",
               {{"datastore_type", "etcdv3"}, {"etcd_endpoints", etcd.client_url()}},
               {{"DATASTORE_TYPE", "etcdv3"}, {"ETCD_ENDPOINTS", etcd.client_url()}}});
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_cni: %s\n", error.what());
    return 1;
  }
  return 0;
}
