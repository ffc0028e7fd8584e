// Route installation throughput: the reconciler (batched, pipelined netlink) against
// `ip -batch` (one request, one acknowledgement at a time), for 100,000 and 1,000,000 routes
// in a fresh namespace; and the time to notice and repair one deleted route among them.
// Prints figures; needs root. Usage: bench_route_install [COUNT...]

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>

#include "tabby/common/command_line.h"
#include "tabby/dataplane/libnl_netlink.h"
#include "tabby/dataplane/route_reconciler.h"
#include "tabby/dataplane/route_sync_loop.h"
#include "tabby/lab/lab.h"

namespace {

using namespace tabby;
using namespace tabby::dataplane;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::vector<Route> make_routes(std::size_t count) {
  std::vector<Route> routes;
  routes.reserve(count);
  const IpAddress gateway = *IpAddress::parse("10.0.0.2");
  const IpAddress first = *IpAddress::parse("20.0.0.0");
  for (std::size_t i = 0; i < count; ++i) {
    routes.push_back(direct_route(IpPrefix::host(first.plus(i)), gateway, "eth0"));
  }
  return routes;
}

void run(std::size_t count) {
  lab::Lab lab("bench");
  auto& node = lab.add_node("node");
  auto& peer = lab.add_namespace("peer");
  lab.link(node, "eth0", "10.0.0.1/24", peer, "eth1", "10.0.0.2/24");
  auto netlink = LibnlNetlink::open("/run/netns/" + node.name());
  if (!netlink) throw lab::LabError(netlink.error().message);
  const auto routes = make_routes(count);

  // The reconciler: dump, plan, install.
  RouteReconciler reconciler(**netlink);
  auto start = Clock::now();
  if (auto status = reconciler.set_desired(routes); !status)
    throw lab::LabError(status.error().message);
  const double install = seconds_since(start);
  std::printf("%9zu routes  reconciler install   %7.2f s  %10.0f routes/s\n", count, install,
              count / install);

  // Repair of one deleted route: from `ip route del` returning to the repair written, with
  // the loop waiting on the notification socket as in the agent.
  {
    (void)reconciler.handle_events();  // drain the install's own notifications
    boost::asio::io_context io;
    RouteSyncLoop loop(io, **netlink, reconciler, std::chrono::hours(1));
    loop.start();
    io.poll();
    const auto repaired_before = reconciler.stats().repaired;
    node.must("ip route del " + routes[count / 2].to_string());
    start = Clock::now();
    while (reconciler.stats().repaired == repaired_before && seconds_since(start) < 10) {
      io.run_one_for(std::chrono::milliseconds(100));
    }
    const double repair = seconds_since(start);
    const bool back = !node.routes(routes[count / 2].destination.to_string()).empty();
    std::printf("%9zu routes  repair of one route  %7.2f ms%s\n", count, repair * 1000,
                back ? "" : "  (NOT repaired within 10 s)");
  }

  start = Clock::now();
  if (auto status = reconciler.set_desired({}); !status)
    throw lab::LabError(status.error().message);
  const double removal = seconds_since(start);
  std::printf("%9zu routes  reconciler removal   %7.2f s  %10.0f routes/s\n", count, removal,
              count / removal);

  // The same routes with iproute2's batch mode.
  const auto file = lab.dir() / "routes.batch";
  {
    std::ofstream batch(file);
    for (const auto& route : routes)
      batch << "route add " << route.to_string() << "\n";
  }
  start = Clock::now();
  auto result = node.exec({"ip", "-batch", file.string()}, std::chrono::minutes(30));
  const double batch = seconds_since(start);
  if (!result.ok()) throw lab::LabError("ip -batch failed: " + result.output.substr(0, 500));
  std::printf("%9zu routes  ip -batch install    %7.2f s  %10.0f routes/s\n", count, batch,
              count / batch);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Routes into the kernel: tabby's netlink writer against ip -batch (docs/dataplane.md)"};
  std::vector<std::size_t> counts = {100000, 1000000};
  app.add_option("counts", counts, "route counts to install (default 100000 1000000)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 24));
  if (auto exit_code = tabby::parse_command_line(app, argc, argv)) return *exit_code;
  if (geteuid() != 0) {
    std::fprintf(stderr, "bench_route_install needs root (it works in a network namespace)\n");
    return 1;
  }
  try {
    for (auto count : counts)
      run(count);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_route_install: %s\n", error.what());
    return 1;
  }
  return 0;
}
