// tabby-node's run loop: start-up in Calico's order, then everything on one io_context.
//
//   datastore --watch--> DatastoreSnapshot --calc--> DesiredBgp + exports --> BgpPort
//                                            '-----> VXLAN / IPIP devices, routes --> kernel
//   BgpPort --best-path changes--> learned routes --> RoutePipeline --> kernel
//
// Each datastore change recomputes from the whole snapshot (as confd re-renders BIRD's
// configuration) and applies differences only: the BgpPort keeps unchanged sessions, the
// RoutePipeline writes only the routes that differ. A best-path change costs one learned
// route, never a pass over the table.

#include "tabby/agent/node_agent.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "tabby/agent/autodetect_host.h"
#include "tabby/agent/calc_ipam_usage.h"
#include "tabby/agent/calc_snapshot.h"
#include "tabby/agent/calc_vxlan.h"
#include "tabby/agent/datastore_syncer.h"
#include "tabby/agent/felix_settings.h"
#include "tabby/agent/health_aggregator.h"
#include "tabby/agent/health_bgp.h"
#include "tabby/agent/health_server.h"
#include "tabby/agent/local_workloads.h"
#include "tabby/agent/metrics_catalog.h"
#include "tabby/agent/metrics_server.h"
#include "tabby/agent/nodename_file.h"
#include "tabby/agent/route_pipeline.h"
#include "tabby/agent/startup.h"
#include "tabby/agent/status_server.h"
#include "tabby/api/datastore_factory.h"
#include "tabby/common/log.h"
#include "tabby/dataplane/cleanup.h"
#include "tabby/dataplane/interface_addresses.h"
#include "tabby/dataplane/ipip_tunnel.h"
#include "tabby/dataplane/libnl_netlink.h"
#include "tabby/dataplane/mtu.h"
#include "tabby/dataplane/mtu_file.h"
#include "tabby/dataplane/nat_outgoing.h"
#include "tabby/dataplane/route_reconciler.h"
#include "tabby/dataplane/route_sync_loop.h"
#include "tabby/dataplane/sysctls.h"
#include "tabby/dataplane/vxlan_tunnel.h"
#include "tabby/ipam/tunnel_addresses.h"

namespace tabby::agent {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

constexpr const char* kDatastoreReporter = "datastore";
constexpr const char* kDataplaneReporter = "dataplane";
constexpr const char* kBgpReporter = "bgp";
constexpr auto kLivenessTimeout = std::chrono::seconds(30);

StartupHost startup_host(const AgentConfig& config) {
  StartupHost host;
  if (auto interfaces = dataplane::list_interface_addresses()) {
    host.all_interfaces = *interfaces;
  } else {
    spdlog::warn("cannot list the host's interfaces: {}", interfaces.error().message);
  }
  for (const HostInterface& interface : host.all_interfaces) {
    if (!interface.loopback && !excluded_by_default(interface.name))
      host.node_interfaces.push_back(interface);
  }
  // kubernetes-internal-ip reads the stored Node's InternalIP addresses: there is no
  // Kubernetes API, the Calico Node resource plays the Kubernetes Node's part.
  host.autodetect = [&config](IpFamily family, const std::vector<NodeAddress>& node_addresses) {
    return detect_host_address(family == IpFamily::kV4 ? config.ipv4_method : config.ipv6_method,
                               family, node_addresses);
  };
  host.sleep = [](std::chrono::milliseconds duration) { std::this_thread::sleep_for(duration); };
  host.random_byte = [] {
    static std::random_device device;
    return static_cast<std::uint8_t>(device());
  };
  return host;
}

class NodeAgent {
 public:
  // `environment` is load_config's; `felix` the FelixConfiguration read at start-up over it.
  NodeAgent(const AgentConfig& environment, const FelixSettingsUpdate& felix, asio::io_context& io,
            api::Datastore& datastore, dataplane::NetlinkLayer& netlink)
      : config_(felix.config),
        environment_(environment),
        felix_errors_(felix.errors),
        felix_ignored_(felix.ignored),
        io_(io),
        datastore_(datastore),
        netlink_(netlink),
        reconciler_(netlink),
        routes_(io, reconciler_),
        route_loop_(io, netlink, reconciler_,
                    config_.route_refresh_interval.count() > 0 ? config_.route_refresh_interval
                                                               : std::chrono::milliseconds(24h)),
        syncer_(io, datastore,
                [this](const DatastoreSnapshot& snapshot) { on_snapshot(snapshot); }),
        metrics_(registry_),
        health_server_(health_),
        metrics_server_(registry_),
        status_server_([this] { return status_copy(); }),
        tick_(io),
        redetect_(io) {
    secrets_dir_ = config_.secrets_dir;
    mtu_file_ = config_.mtu_file;
    // Until the first snapshot's routes (and, with BGP, every peer's table) are written, the
    // routes already in the kernel stay: a restarted agent keeps the node forwarding.
    routes_.keep_unwanted(true);
    routes_.on_written = [this](const RouteWriteReport& report) { on_routes_written(report); };
  }

  Status start(const BgpPortFactory& make_bgp, const StartupOutcome& outcome) {
    node_ = outcome.node;
    started_ = HealthClock::now();
    // The loop reports every second; a loop stuck for kLivenessTimeout is not live, and the
    // kubelet restarts the agent (as Felix's health timeouts do).
    health_.register_reporter(kDatastoreReporter, {.timeout = kLivenessTimeout});
    health_.register_reporter(kDataplaneReporter, {.timeout = kLivenessTimeout});
    if (bird()) {
      health_.register_reporter(kBgpReporter,
                                {.reports_liveness = false, .timeout = kLivenessTimeout});
    }
    if (config_.health_enabled) {
      auto port = health_server_.start(config_.health_host, config_.health_port);
      if (!port) return Error{"health endpoint: " + port.error().message};
      spdlog::info("health on {}:{} (/liveness, /readiness)", config_.health_host, *port);
    }
    if (config_.prometheus_metrics_enabled) {
      auto port =
          metrics_server_.start(config_.prometheus_metrics_host, config_.prometheus_metrics_port);
      if (!port) return Error{"metrics endpoint: " + port.error().message};
      spdlog::info("Prometheus metrics on :{}/metrics", *port);
    }
    if (Status served = status_server_.start(config_.status_socket); !served) {
      return Error{"status socket " + config_.status_socket + ": " + served.error().message};
    }
    if (Status sysctls = dataplane::apply_sysctls(netlink_, dataplane::global_sysctls(ipv6()));
        !sysctls) {
      spdlog::warn("setting sysctls: {}", sysctls.error().message);
    }
    if (bird()) {
      bgp_ = make_bgp(io_);
      bgp_->set_restarting(restarted_with_routes());
      bgp_->on_best_paths = [this](const std::vector<LearnedPrefix>& changes) {
        program_learned_routes(changes);
      };
    }
    route_loop_.on_error = [this](const Status& status) {
      metrics_.dataplane_failures.inc();
      spdlog::warn("dataplane: {}", status.error().message);
    };
    route_loop_.start();
    // Zero series for the operations that can fail, so a scrape shows the family from the start.
    for (const char* operation : {"list", "watch", "update"})
      metrics_.datastore_errors.inc({operation}, 0);
    syncer_.start();
    schedule_tick();
    schedule_redetection();
    return {};
  }

  // Why the agent stopped by itself (the run loop ended without a signal), if it did.
  const std::optional<Error>& fatal() const { return fatal_; }
  // Set when a FelixConfiguration change needs a restart: the agent has stopped and exits
  // with kConfigChangedExitCode.
  bool restart_requested() const { return restart_requested_; }

  // `for_restart`: the agent stops only to start again at once (a FelixConfiguration change
  // that needs a restart), so --cleanup-on-exit does not apply: the node keeps forwarding and
  // its peers keep its routes through the graceful restart.
  void stop(bool for_restart = false) {
    const bool cleanup = config_.cleanup_on_exit && !for_restart;
    syncer_.stop();
    tick_.cancel();
    redetect_.cancel();
    route_loop_.stop();
    if (bgp_) bgp_->shutdown(/*graceful=*/!cleanup);
    status_server_.stop();
    health_server_.stop();
    metrics_server_.stop();
    if (cleanup) {
      if (Status removed = dataplane::run_nft_script(dataplane::nat_outgoing_removal_script());
          !removed) {
        spdlog::warn("clean-up of the {} tables: {}", dataplane::kNatTable,
                     removed.error().message);
      }
      auto report = dataplane::remove_everything(netlink_, dataplane::OwnershipPolicy{});
      if (report) {
        spdlog::info("cleaned up: {} routes, {} links", report->routes_removed,
                     report->links_removed.size());
      } else {
        spdlog::warn("clean-up: {}", report.error().message);
      }
    } else {
      spdlog::info("leaving routes in the kernel (graceful restart)");
    }
  }

 private:
  bool bird() const { return config_.backend == NetworkingBackend::kBird; }

  // Routes of tabby's (or of the Felix and BIRD it replaces) already in the kernel at start:
  // the agent restarted while the dataplane kept forwarding, which makes the BGP speaker's
  // start a graceful restart (RFC 4724). A failed dump counts as a fresh start: the peers then
  // drop our old routes at once rather than keep ones that may no longer be forwarded.
  bool restarted_with_routes() {
    auto routes = netlink_.dump_routes();
    if (!routes) {
      spdlog::warn("routes: {}; starting BGP afresh", routes.error().message);
      return false;
    }
    const dataplane::OwnershipPolicy& ours = reconciler_.policy();
    const auto kept =
        std::count_if(routes->begin(), routes->end(),
                      [&](const dataplane::Route& route) { return ours.owns(route); });
    if (kept > 0)
      spdlog::info("routes: {} of ours in the kernel from before; BGP restarts gracefully", kept);
    return kept > 0;
  }
  bool ipv6() const { return config_.ipv6_support; }

  void on_snapshot(const DatastoreSnapshot& snapshot) {
    const auto started = std::chrono::steady_clock::now();
    if (!apply_felix_configuration(snapshot)) return;
    snapshot_ = &snapshot;
    if (const api::Resource* node = snapshot.find(api::Kind::kNode, config_.nodename)) {
      node_ = *node;
    } else {
      spdlog::warn("Node \"{}\" is not in the datastore; keeping the last known state",
                   config_.nodename);
    }
    keep_tunnel_addresses(snapshot);
    calc_ = calc_snapshot(snapshot, config_.nodename, secrets_dir_);
    parent_interface_ = find_parent_interface();
    // IPv6 routes leave by the NIC holding the node's IPv6 address, found as VXLAN finds it.
    parent_interface_v6_ = vxlan_parent_interface(IpFamily::kV6);
    compute_bgp();
    compute_tunnels();
    program_routes();
    program_nat_outgoing();
    resync_after_felix_change();
    refresh_status();
    publish_ipam_usage();
    metrics_.cluster_num_hosts.set(static_cast<double>(calc_.nodes.size()));
    metrics_.reconcile_duration.observe(
        {"calculation"},
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }

  // Felix's settings from FelixConfiguration default and node.<name> (under the environment's).
  // What can change live does: the tunnels computed next pick up MTUs, VNI and port (a new VNI
  // or port recreates the device), the log level applies at once. Anything else stops the
  // agent, which exits with kConfigChangedExitCode for the DaemonSet to start it again, as
  // Felix does. Returns false when stopping.
  bool apply_felix_configuration(const DatastoreSnapshot& snapshot) {
    if (restart_requested_) return false;  // stopping already
    FelixSettingsUpdate update = resolve_felix_settings(
        environment_, snapshot.find(api::Kind::kFelixConfiguration, "default"),
        snapshot.find(api::Kind::kFelixConfiguration,
                      node_felix_configuration_name(config_.nodename)),
        config_);
    if (update.errors != felix_errors_) {
      for (const std::string& error : update.errors)
        spdlog::error("{}", error);
      felix_errors_ = update.errors;
    }
    if (update.ignored != felix_ignored_) {
      for (const std::string& ignored : update.ignored)
        spdlog::warn("{}", ignored);
      felix_ignored_ = update.ignored;
    }
    for (const FelixSettingChange& change : update.changes) {
      spdlog::info("FelixConfiguration: {} changed from {} to {}{}", change.field, change.before,
                   change.after,
                   change.effect == FelixSettingEffect::kRestart ? " (needs a restart)" : "");
    }
    if (update.needs_restart()) {
      spdlog::warn("config changed, restarting (exit code {})", kConfigChangedExitCode);
      restart_requested_ = true;
      asio::post(io_, [this] {
        stop(/*for_restart=*/true);
        io_.stop();
      });
      return false;
    }
    config_ = std::move(update.config);
    spdlog::set_level(config_.log_severity);
    felix_changed_ = !update.changes.empty();
    return true;
  }

  // A new VNI or port recreates a tunnel device, and the kernel drops the routes through the
  // old one without a notification: after a live FelixConfiguration change the routes are
  // checked against the kernel rather than the reconciler's memory.
  void resync_after_felix_change() {
    if (!felix_changed_) return;
    felix_changed_ = false;
    if (Status resynced = reconciler_.resync(); !resynced)
      spdlog::warn("routes: {}", resynced.error().message);
  }

  // calico-node keeps the tunnel addresses in line with the pools while it runs.
  void keep_tunnel_addresses(const DatastoreSnapshot& snapshot) {
    std::map<std::string, std::string> pools;
    for (const auto& [name, pool] : snapshot.of(api::Kind::kIPPool))
      pools[name] = pool.spec.dump();
    if (pools == last_pools_) return;
    last_pools_ = pools;
    for (auto type :
         {ipam::TunnelType::kIpip, ipam::TunnelType::kVxlan, ipam::TunnelType::kVxlanV6}) {
      if (type == ipam::TunnelType::kIpip && !bird()) continue;
      if (auto address = ipam::ensure_tunnel_address(datastore_, config_.nodename, type);
          !address) {
        metrics_.datastore_errors.inc({"update"});
        spdlog::warn("tunnel address: {}", address.error().message);
      }
    }
  }

  void compute_bgp() {
    if (!bird()) return;
    BgpCalcOptions options;
    if (config_.router_id.mode == RouterIdSetting::Mode::kExplicit)
      options.router_id = config_.router_id.address;
    options.router_id_from_hash = config_.router_id.mode == RouterIdSetting::Mode::kHash;
    auto desired = desired_bgp(calc_, options);
    if (!desired) {
      spdlog::warn("BGP: {}", desired.error().message);
      return;
    }
    for (const std::string& warning : desired->warnings) {
      if (warnings_seen_.insert(warning).second) spdlog::warn("BGP: {}", warning);
    }
    // BGPConfiguration logSeverityScreen sets the speaker's level, as confd turns it into
    // BIRD's debug setting (Debug: everything; Info: state changes; higher: no debug).
    if (auto level = parse_log_level(desired->log_severity)) {
      set_bgp_log_level(*level);
    } else if (warnings_seen_.insert(level.error().message).second) {
      spdlog::warn("BGPConfiguration logSeverityScreen: {}", level.error().message);
    }
    desired_bgp_ = *desired;
    exports_ = bgp_export(calc_, *desired_bgp_);
    route_context_ = bgp_route_context(calc_, *desired_bgp_, exports_);
    route_context_.parent_interface = parent_interface_;
    route_context_.parent_interface_v6 = parent_interface_v6_;
    route_context_.ipip_mtu = ipip_mtu();
    // reachableBy gateways go on the interface of their subnet; one dump, only when needed.
    if (!route_context_.peer_host_routes.empty()) {
      if (auto interfaces = dataplane::list_interface_addresses())
        route_context_.interfaces = std::move(*interfaces);
      else
        spdlog::warn("reachableBy: cannot list the interfaces: {}", interfaces.error().message);
    }
    if (Status applied = bgp_->apply(*desired_bgp_, exports_); !applied)
      spdlog::warn("BGP: {}", applied.error().message);
  }

  // The NIC holding the node's IPv4 address: one netlink dump per datastore change.
  std::string find_parent_interface() const {
    const NodeBgpAddress address = node_address();
    if (!address.v4) return {};
    auto interfaces = dataplane::list_interface_addresses();
    if (!interfaces) return {};
    auto local = find_local_address(*address.v4, *interfaces);
    return local ? local->interface : std::string();
  }

  struct NodeBgpAddress {
    std::optional<IpAddress> v4, v6;
  };
  NodeBgpAddress node_address() const {
    const api::NodeBgpView view = api::node_bgp_view(node_);
    return {view.ipv4_address, view.ipv6_address};
  }

  std::uint32_t host_mtu() {
    if (!host_mtu_) {
      auto links = netlink_.dump_links();
      std::optional<std::uint32_t> detected;
      if (links) {
        if (auto mtu = dataplane::detect_host_mtu(*links, config_.mtu_iface_pattern); mtu)
          detected = *mtu;
      }
      if (!detected) {
        spdlog::warn("no up interface matches FELIX_MTUIFACEPATTERN \"{}\": assuming MTU {}",
                     config_.mtu_iface_pattern, dataplane::kFallbackHostMtu);
      }
      host_mtu_ = detected.value_or(dataplane::kFallbackHostMtu);
    }
    return *host_mtu_;
  }
  // FELIX_IPINIPMTU / FELIX_VXLANMTU(V6), else the host's MTU less the encapsulation (20, 50
  // bytes; 70 over IPv6, the larger header).
  dataplane::Mtus tunnel_mtus() {
    return dataplane::compute_mtus(
        host_mtu(),
        {.ipip = config_.ipip_mtu, .vxlan = config_.vxlan_mtu, .vxlan_v6 = config_.vxlan_mtu_v6});
  }
  std::uint32_t ipip_mtu() { return tunnel_mtus().ipip; }
  std::uint32_t vxlan_mtu(IpFamily family) {
    return family == IpFamily::kV4 ? tunnel_mtus().vxlan : tunnel_mtus().vxlan_v6;
  }

  bool any_pool(bool (*wants)(const api::IpPoolView&)) const {
    for (const api::IpPoolView& pool : pool_views(calc_.ip_pools)) {
      if (!pool.disabled && wants(pool)) return true;
    }
    return false;
  }

  void compute_tunnels() {
    const api::NodeBgpView view = api::node_bgp_view(node_);
    const bool ipip = bird() && any_pool([](const api::IpPoolView& pool) {
                        return pool.ipip_mode != api::EncapMode::kNever;
                      });
    if (ipip || ipip_enabled_) {
      dataplane::IpipSettings settings{
          .enabled = ipip, .tunnel_address = view.ipv4_ipip_tunnel_addr, .mtu = ipip_mtu()};
      if (Status status = dataplane::ensure_ipip_tunnel(netlink_, settings); !status)
        spdlog::warn("tunl0: {}", status.error().message);
      ipip_enabled_ = ipip;
    }
    for (VxlanDevice& device : vxlan_devices_)
      compute_vxlan(device);
    write_pod_mtu(ipip);
  }

  // Felix's /var/lib/calico/mtu: the smallest MTU of the encapsulations the pools ask for
  // (the host's with none), which the CNI plugin gives pods when its configuration's mtu is 0.
  // From the pools, not the devices, so a pod started before a tunnel address arrives gets
  // the MTU it will need. Written when it changes; a failed write is tried again at the next
  // change of the datastore.
  void write_pod_mtu(bool ipip) {
    const bool vxlan_backend = config_.backend != NetworkingBackend::kNone;
    const std::uint32_t pod =
        dataplane::compute_mtus(
            host_mtu(),
            {.ipip = config_.ipip_mtu,
             .vxlan = config_.vxlan_mtu,
             .vxlan_v6 = config_.vxlan_mtu_v6,
             .ipip_enabled = ipip,
             .vxlan_enabled = vxlan_backend && pools_want_vxlan(calc_, IpFamily::kV4),
             .vxlan_v6_enabled = vxlan_backend && ipv6() && pools_want_vxlan(calc_, IpFamily::kV6)})
            .pod;
    if (pod == written_pod_mtu_) return;
    if (Status written = dataplane::write_mtu_file(mtu_file_, pod); !written) {
      spdlog::warn("pod MTU: {}", written.error().message);
      return;
    }
    spdlog::info("pod MTU {} written to {}", pod, mtu_file_);
    written_pod_mtu_ = pod;
  }

  // One VXLAN device per IP family, as Felix runs one VXLAN manager per IP version:
  // vxlan.calico over IPv4, vxlan-v6.calico over IPv6.
  struct VxlanDevice {
    IpFamily family;
    bool enabled = false;  // the device is up, so turning VXLAN off removes it
    std::vector<dataplane::Route> routes;
    const char* name() const {
      return family == IpFamily::kV4 ? dataplane::kVxlanDevice : dataplane::kVxlanV6Device;
    }
  };

  // The family's device is up while a pool of the family wants VXLAN (IPv6 only with
  // FELIX_IPV6SUPPORT) and this node has an address and a VXLAN tunnel address of the family;
  // then it carries the routes to the other nodes' blocks of that family.
  void compute_vxlan(VxlanDevice& device) {
    const IpFamily family = device.family;
    const bool wanted = config_.backend != NetworkingBackend::kNone &&
                        (family == IpFamily::kV4 || ipv6()) && pools_want_vxlan(calc_, family);
    device.routes.clear();
    if (!wanted && !device.enabled) return;
    const std::string parent = vxlan_parent_interface(family);
    auto desired = vxlan_desired(
        calc_, {.family = family, .mtu = vxlan_mtu(family), .parent_interface = parent});
    dataplane::VxlanTunnelSettings settings{.enabled = false, .family = family};
    if (wanted && desired && desired->node_address && desired->tunnel_address) {
      settings = {.enabled = true,
                  .family = family,
                  .vni = config_.vxlan_vni,
                  .port = config_.vxlan_port,
                  .node_address = *desired->node_address,
                  .parent = parent,
                  .mac = desired->mac,
                  .tunnel_address = desired->tunnel_address,
                  .mtu = vxlan_mtu(family),
                  .remotes = desired->remotes};
      device.routes = desired->routes;
      spdlog::debug("{}: {} remote VTEPs, {} routes", device.name(), desired->remotes.size(),
                    desired->routes.size());
    } else if (wanted) {
      const char* missing = !desired || desired->node_address ? "VXLAN tunnel address"
                            : family == IpFamily::kV4         ? "IPv4 address"
                                                              : "IPv6 address";
      spdlog::warn("{}: this node has no {} yet{}", device.name(), missing,
                   desired ? "" : ": " + desired.error().message);
    }
    if (Status status = dataplane::ensure_vxlan_tunnel(netlink_, settings); !status)
      spdlog::warn("{}: {}", device.name(), status.error().message);
    device.enabled = settings.enabled;
  }

  // The NIC holding this node's address of the family (for CrossSubnet routes and the
  // device's parent); IPv4's is found once per datastore change for BGP too.
  std::string vxlan_parent_interface(IpFamily family) const {
    if (family == IpFamily::kV4) return parent_interface_;
    const std::optional<IpAddress> address = node_address().v6;
    if (!address) return {};
    auto interfaces = dataplane::list_interface_addresses();
    if (!interfaces) return {};
    auto local = find_local_address(*address, *interfaces);
    return local ? local->interface : std::string();
  }

  // The snapshot's routes into the pipeline: the local workloads', the BGP backend's own
  // (blackholes, reachableBy) and VXLAN's, each replaced whole (as many as the node's pods
  // and the cluster's blocks). The learned routes are derived again from the Loc-RIB only
  // when what they depend on changed (a pool's encapsulation, the node's subnet, the MTU...):
  // a new pod costs its own route, not a pass over a full table.
  void program_routes() {
    if (!snapshot_) return;
    routes_.set_source(RouteSource::kWorkload, local_workload_routes(*snapshot_, config_.nodename));
    if (bgp_ && desired_bgp_) {
      routes_.set_source(RouteSource::kBgpStatic, bgp_static_routes(route_context_));
      LearnedRouteInputs inputs = learned_route_inputs(route_context_);
      if (!learned_inputs_ || *learned_inputs_ != inputs) {
        learned_inputs_ = std::move(inputs);
        std::vector<dataplane::Route> learned;
        bgp_->visit_best_paths([&](const IpPrefix& prefix, const std::vector<LearnedPath>& paths) {
          if (auto route = learned_route(route_context_, prefix, paths))
            learned.push_back(std::move(*route));
        });
        routes_.set_source(RouteSource::kBgpLearned, learned);
      }
    }
    std::vector<dataplane::Route> vxlan;
    for (const VxlanDevice& device : vxlan_devices_)
      vxlan.insert(vxlan.end(), device.routes.begin(), device.routes.end());
    routes_.set_source(RouteSource::kVxlan, vxlan);
    snapshot_programmed_ = true;
    hold_routes_until_converged();
  }

  // The speaker's Loc-RIB changed: one route per changed prefix. Before the first snapshot
  // there is no context to derive them in; that snapshot derives them all.
  void program_learned_routes(const std::vector<LearnedPrefix>& changes) {
    if (!learned_inputs_) return;
    for (const LearnedPrefix& change : changes) {
      routes_.set_destination(RouteSource::kBgpLearned, change.prefix,
                              learned_route(route_context_, change.prefix, change.paths));
    }
  }

  // Until the datastore's routes are in and the speaker has heard every peer's End-of-RIB (or
  // given up waiting), routes from before a restart are kept: only additions and changes
  // are applied.
  void hold_routes_until_converged() {
    routes_.keep_unwanted(!snapshot_programmed_ || (bgp_ && !bgp_->converged()));
  }

  void on_routes_written(const RouteWriteReport& report) {
    if (!report.status) {
      metrics_.dataplane_failures.inc();
      spdlog::warn("routes: {}", report.status.error().message);
    }
    const RouteClaims& claims = routes_.claims();
    metrics_.routes_programmed.set({"4"}, static_cast<double>(claims.wanted_count(IpFamily::kV4)));
    metrics_.routes_programmed.set({"6"}, static_cast<double>(claims.wanted_count(IpFamily::kV6)));
    if (report.changes == 0) return;
    const auto& stats = reconciler_.stats();
    spdlog::debug("routes: {} written ({} queued); added {}, replaced {}, removed {}, failed {}",
                  report.changes, routes_.pending(), stats.added, stats.replaced, stats.removed,
                  stats.failures);
    metrics_.reconcile_duration.observe({"dataplane"}, report.took.count());
  }

  // ipam_blocks and ipam_allocations_in_use of this node, per pool; a deleted pool's series go.
  void publish_ipam_usage() {
    std::set<LabelValues> published;
    for (const PoolIpamUsage& usage : ipam_usage(calc_, config_.nodename)) {
      const LabelValues labels{usage.pool, config_.nodename};
      metrics_.ipam_blocks.set(labels, static_cast<double>(usage.blocks));
      metrics_.ipam_allocations_in_use.set(labels, static_cast<double>(usage.in_use));
      published.insert(labels);
    }
    for (const LabelValues& gone : pool_series_) {
      if (published.contains(gone)) continue;
      metrics_.ipam_blocks.remove(gone);
      metrics_.ipam_allocations_in_use.remove(gone);
    }
    pool_series_ = std::move(published);
  }

  // The syncer counts its own failures and listings; the counters take what is new.
  void publish_datastore_counters() {
    const auto add_new = [](CounterFamily& family, const LabelValues& labels, std::uint64_t total,
                            std::uint64_t& counted) {
      if (total > counted) family.inc(labels, static_cast<double>(total - counted));
      counted = total;
    };
    add_new(metrics_.datastore_errors, {"list"}, syncer_.list_errors(), list_errors_counted_);
    add_new(metrics_.datastore_errors, {"watch"}, syncer_.watch_errors(), watch_errors_counted_);
    add_new(metrics_.resyncs_started, {}, syncer_.resyncs(), resyncs_counted_);
  }

  // Felix's natOutgoing: the nftables tables, rewritten whole when the pools change, again
  // after a failure (every second) and every route refresh interval (repairing what others
  // changed), as routes are.
  void program_nat_outgoing() {
    dataplane::NatOutgoingPools pools;
    for (const api::IpPoolView& pool : pool_views(calc_.ip_pools)) {
      if (pool.cidr.family() == IpFamily::kV6 && !ipv6()) continue;
      pools.all.push_back(pool.cidr);
      if (pool.nat_outgoing) pools.masquerade.push_back(pool.cidr);
    }
    const auto now = std::chrono::steady_clock::now();
    if (nat_applied_ == pools && now - nat_applied_at_ < nat_refresh_interval()) return;
    // No pool masquerades and no table of ours can exist: nothing to do, and no need for nft
    // at all (a node without nf_tables that never uses natOutgoing must not fail here).
    if (pools.masquerade.empty() && !nat_table_may_exist_) {
      nat_applied_ = pools;
      nat_applied_at_ = now;
      return;
    }
    if (!nat_applied_ && now < nat_retry_at_) return;  // failed lately: not every tick
    if (Status applied = dataplane::run_nft_script(dataplane::nat_outgoing_script(pools));
        !applied) {
      metrics_.dataplane_failures.inc();
      if (applied.error().message != nat_last_error_)
        spdlog::warn("natOutgoing: {}", applied.error().message);
      nat_last_error_ = applied.error().message;
      nat_applied_.reset();
      nat_retry_at_ = now + std::chrono::seconds(10);
      // Without masquerading pools only the removal failed: nft cannot run here, so no table
      // of ours can be there either; stop trying until a pool asks for natOutgoing.
      if (pools.masquerade.empty()) nat_table_may_exist_ = false;
      return;
    }
    nat_table_may_exist_ = !pools.masquerade.empty();
    nat_last_error_.clear();
    if (nat_applied_ != pools)
      spdlog::info("natOutgoing: masquerading from {} pools", pools.masquerade.size());
    nat_applied_ = pools;
    nat_applied_at_ = now;
  }
  std::chrono::milliseconds nat_refresh_interval() const {
    return config_.route_refresh_interval.count() > 0 ? config_.route_refresh_interval
                                                      : std::chrono::milliseconds(24h);
  }

  void refresh_status() {
    publish_datastore_counters();
    api::NodeStatus status;
    status.node_name = config_.nodename;
    status.bgp_running = bgp_ != nullptr;
    std::set<LabelValues> peer_series;
    if (bgp_) {
      for (const BgpPeerReport& peer : bgp_->peers()) {
        (peer.family == IpFamily::kV4 ? status.ipv4_peers : status.ipv6_peers)
            .push_back(peer.status);
        const LabelValues labels{peer.status.address,
                                 std::string(api::peer_type_text(peer.status.type)),
                                 peer.family == IpFamily::kV4 ? "4" : "6"};
        metrics_.bgp_peer_up.set(labels, peer.established ? 1 : 0);
        // The info column starts with the RFC 4271 state name ("Active Socket: ...").
        const std::string& info = peer.status.info;
        metrics_.bgp_peer_state.set(labels, bgp_peer_state_value(info.substr(0, info.find(' '))));
        // The port counts per peer, across resets; the counter takes what is new.
        std::uint64_t& counted = transitions_counted_[peer.key];
        if (peer.established_transitions > counted) {
          metrics_.bgp_session_flaps.inc(
              labels, static_cast<double>(peer.established_transitions - counted));
          counted = peer.established_transitions;
        }
        metrics_.bgp_prefixes_received.set(labels,
                                           static_cast<double>(peer.status.prefixes_received));
        metrics_.bgp_prefixes_advertised.set(labels,
                                             static_cast<double>(peer.status.prefixes_advertised));
        peer_series.insert(labels);
      }
    }
    if (bgp_) {
      for (const RefusedConnections& refused : bgp_->refused_connections()) {
        std::uint64_t& counted = refusals_counted_[refused.reason];
        if (refused.count < counted) counted = 0;  // a replaced speaker counts from 0 again
        if (refused.count > counted)
          metrics_.bgp_incoming_refused.inc({refused.reason},
                                            static_cast<double>(refused.count - counted));
        counted = refused.count;
      }
    }
    // A peer that went away (or changed type) leaves no stale series behind.
    for (const LabelValues& gone : peer_series_) {
      if (peer_series.contains(gone)) continue;
      for (MetricFamily* family : std::initializer_list<MetricFamily*>{
               &metrics_.bgp_peer_up, &metrics_.bgp_peer_state, &metrics_.bgp_prefixes_received,
               &metrics_.bgp_prefixes_advertised, &metrics_.bgp_session_flaps})
        family->remove(gone);
    }
    peer_series_ = std::move(peer_series);
    {
      std::lock_guard lock(status_mutex_);
      status_ = status;
    }
    health_.report(kDatastoreReporter, {.live = true, .ready = syncer_.in_sync()});
    health_.report(kDataplaneReporter, {.live = true, .ready = reconciler_.in_sync()});
    if (bgp_) {
      // calico-node's -bird-ready rule: every peer Established (and the restart recovery
      // over) while starting, afterwards one Established peer is enough.
      std::vector<api::BgpPeerStatus> peers = status.ipv4_peers;
      peers.insert(peers.end(), status.ipv6_peers.begin(), status.ipv6_peers.end());
      health_.report(kBgpReporter,
                     bgp_readiness(peers, /*graceful_restart_in_progress=*/
                                   !bgp_->converged(), HealthClock::now() - started_));
    }
  }

  api::NodeStatus status_copy() const {
    std::lock_guard lock(status_mutex_);
    return status_;
  }

  void schedule_tick() {
    tick_.expires_after(1s);
    tick_.async_wait([this](boost::system::error_code error) {
      if (error) return;
      // A route the kernel refused (a device not ready yet, a next hop not yet reachable) is
      // retried every second, as Felix does, rather than at the next periodic resync.
      if (!reconciler_.in_sync()) {
        if (Status resynced = reconciler_.resync(); !resynced)
          spdlog::warn("routes: {}", resynced.error().message);
      }
      if (snapshot_) program_nat_outgoing();
      refresh_status();
      reread_secrets();
      // A convergence that just happened lets routes from before a restart go.
      if (bgp_ && bgp_->converged() != converged_) {
        converged_ = bgp_->converged();
        hold_routes_until_converged();
      }
      schedule_tick();
    });
  }

  // A BGP password is a Secret (a file here); calico-node watches Secrets, so a rotated
  // password takes effect without a datastore change: the sessions it protects renew, no other.
  void reread_secrets() {
    if (!bird() || !snapshot_) return;
    SecretValues secrets = read_secrets(calc_, secrets_dir_);
    if (secrets == calc_.secrets) return;
    spdlog::info("BGP: a password in {} changed", secrets_dir_);
    calc_.secrets = std::move(secrets);
    compute_bgp();
  }

  // calico-node's monitor-addresses: detect again every AUTODETECT_POLL_INTERVAL and update
  // the Node when the address moved.
  void schedule_redetection() {
    redetect_.expires_after(config_.autodetect_poll_interval);
    redetect_.async_wait([this](boost::system::error_code error) {
      if (error) return;
      // From the environment, as at start-up (calico-node reads FELIX_IPV6SUPPORT there; a
      // FelixConfiguration ipv6Support only reaches the running dataplane).
      const StartupSettings settings = StartupSettings::from(environment_);
      const StartupHost host = startup_host(config_);
      const AddressRedetection round = redetect_node_address(datastore_, settings, host);
      if (round.stop) {
        // Our Node no longer has the address: running on would leave it live and ready with
        // nothing to peer from. calico-node exits here and is restarted.
        fatal_ = Error{round.message};
        stop();
        io_.stop();
        return;
      }
      if (!round.message.empty()) spdlog::warn("{}", round.message);
      schedule_redetection();
    });
  }

  AgentConfig config_;                     // effective: the environment's with FelixConfiguration's
  const AgentConfig environment_;          // load_config's, which FelixConfiguration is laid under
  std::vector<std::string> felix_errors_;  // the invalid FelixConfiguration fields last logged
  std::vector<std::string> felix_ignored_;  // the fields without effect last warned about
  bool restart_requested_ = false;
  bool felix_changed_ = false;  // a live change was applied: resync the routes once
  asio::io_context& io_;
  api::Datastore& datastore_;
  dataplane::NetlinkLayer& netlink_;
  dataplane::RouteReconciler reconciler_;
  RoutePipeline routes_;
  dataplane::RouteSyncLoop route_loop_;
  DatastoreSyncer syncer_;
  HealthAggregator health_;
  MetricsRegistry registry_;
  AgentMetrics metrics_;
  HealthServer health_server_;
  MetricsServer metrics_server_;
  StatusServer status_server_;
  asio::steady_timer tick_;
  asio::steady_timer redetect_;
  std::unique_ptr<BgpPort> bgp_;
  std::string secrets_dir_;
  std::string mtu_file_;
  std::uint32_t written_pod_mtu_ = 0;  // 0: not written yet

  HealthClock::time_point started_;  // calico-node's readiness threshold counts from here
  const DatastoreSnapshot* snapshot_ = nullptr;
  api::Resource node_;
  ClusterSnapshot calc_;
  std::optional<DesiredBgp> desired_bgp_;
  BgpExport exports_;
  BgpRouteContext route_context_;
  // What the learned routes were last derived from; none: not yet (no BGP state).
  std::optional<LearnedRouteInputs> learned_inputs_;
  bool snapshot_programmed_ = false;
  VxlanDevice vxlan_devices_[2] = {{.family = IpFamily::kV4}, {.family = IpFamily::kV6}};
  std::map<std::string, std::string> last_pools_;
  std::set<std::string> warnings_seen_;
  std::map<std::string, std::uint64_t> transitions_counted_;  // by peer key
  std::map<std::string, std::uint64_t> refusals_counted_;     // by reason
  std::set<LabelValues> peer_series_;                         // per-peer series published
  std::set<LabelValues> pool_series_;                         // per-pool IPAM series published
  std::uint64_t list_errors_counted_ = 0, watch_errors_counted_ = 0, resyncs_counted_ = 0;
  std::optional<std::uint32_t> host_mtu_;
  std::string parent_interface_;
  std::string parent_interface_v6_;
  bool ipip_enabled_ = false;
  std::optional<dataplane::NatOutgoingPools> nat_applied_;  // none: not (successfully) applied
  std::chrono::steady_clock::time_point nat_applied_at_;
  std::chrono::steady_clock::time_point nat_retry_at_;  // after a failure
  bool nat_table_may_exist_ = true;                     // at start: perhaps left by an earlier run
  std::string nat_last_error_;
  bool converged_ = false;
  std::optional<Error> fatal_;

  mutable std::mutex status_mutex_;
  api::NodeStatus status_;
};

// The FelixConfiguration resources start-up has just ensured, read once before the dataplane
// starts. A datastore that cannot list them leaves the environment's settings: the watch
// applies the resources as soon as it syncs.
FelixSettingsUpdate startup_felix_settings(api::Datastore& datastore, const AgentConfig& config) {
  DatastoreSnapshot stored;
  if (auto listed = datastore.list(api::resource_prefix(api::Kind::kFelixConfiguration))) {
    stored = snapshot_from(*listed);
  } else {
    spdlog::warn("FelixConfiguration: cannot list ({}); using the environment's settings",
                 listed.error().message);
  }
  const std::string node_name = node_felix_configuration_name(config.nodename);
  FelixSettingsUpdate update =
      resolve_felix_settings(config, stored.find(api::Kind::kFelixConfiguration, "default"),
                             stored.find(api::Kind::kFelixConfiguration, node_name), config);
  for (const std::string& error : update.errors)
    spdlog::error("{}", error);
  for (const std::string& ignored : update.ignored)
    spdlog::warn("{}", ignored);
  for (const FelixSettingChange& change : update.changes)
    spdlog::info("FelixConfiguration sets {}={} (built-in {})", change.field, change.after,
                 change.before);
  spdlog::set_level(update.config.log_severity);
  return update;
}

}  // namespace

Status run_node_agent(const AgentConfig& config, const BgpPortFactory& make_bgp) {
  setup_logging("tabby-node", config.log_severity);
  for (const std::string& warning : config.warnings)
    spdlog::warn("{}", warning);
  spdlog::info("tabby-node starting: node {}, backend {}, datastore {}", config.nodename,
               to_string(config.backend),
               config.datastore.type == api::DatastoreConfig::Type::Etcdv3 ? "etcdv3" : "sqlite");
  if (!config.datastore.type_reason.empty())
    spdlog::info("datastore etcdv3: {}", config.datastore.type_reason);
  auto datastore = api::open_datastore(config.datastore);
  if (!datastore) return Error{"opening the datastore: " + datastore.error().message};

  const StartupHost host = startup_host(config);
  auto outcome = run_startup(**datastore, StartupSettings::from(config), host);
  if (!outcome) return outcome.error();
  spdlog::info("Node \"{}\" stored: {}", config.nodename, outcome->node.spec.dump());
  // calico-node's last start-up step: the CNI plugin reads the name from here when its
  // conflist gives none; as in Calico, an agent that cannot write it stops.
  if (Status written = write_nodename_file(config.nodename_file, config.nodename); !written)
    return written.error();

  const FelixSettingsUpdate felix = startup_felix_settings(**datastore, config);

  auto netlink = dataplane::LibnlNetlink::open();
  if (!netlink) return Error{"netlink: " + netlink.error().message};

  asio::io_context io;
  NodeAgent agent(config, felix, io, **datastore, **netlink);
  if (Status started = agent.start(make_bgp, *outcome); !started) return started;

  asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](boost::system::error_code error, int signal) {
    if (error) return;
    spdlog::info("signal {}: stopping", signal);
    agent.stop();
    io.stop();
  });
  spdlog::info("tabby-node running");
  io.run();
  if (agent.fatal()) return *agent.fatal();
  if (agent.restart_requested()) {
    spdlog::info("exiting {} to start again with the new configuration", kConfigChangedExitCode);
    spdlog::default_logger()->flush();
    std::exit(kConfigChangedExitCode);
  }
  return {};
}

}  // namespace tabby::agent
