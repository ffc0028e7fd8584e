#include "tabby/dataplane/route_reconciler.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace tabby::dataplane {

RouteReconciler::RouteReconciler(NetlinkLayer& netlink, OwnershipPolicy policy)
    : netlink_(netlink), policy_(std::move(policy)) {}

void RouteReconciler::cache_put(const Route& route) {
  // One route per key: a notification or a write for a key supersedes what we had.
  kernel_[route.key()] = {route};
}

void RouteReconciler::cache_erase(const Route& route) {
  auto it = kernel_.find(route.key());
  if (it == kernel_.end()) return;
  std::erase(it->second, route);
  if (it->second.empty()) kernel_.erase(it);
}

Status RouteReconciler::apply(const RoutePlan& plan, bool repair) {
  std::vector<RouteOp> ops;
  ops.reserve(plan.size());
  for (const auto& route : plan.add)
    ops.push_back({RouteOp::Kind::kAdd, route});
  for (const auto& route : plan.replace)
    ops.push_back({RouteOp::Kind::kReplace, route});
  if (!keep_unwanted_) {
    for (const auto& route : plan.remove)
      ops.push_back({RouteOp::Kind::kDelete, route});
  }
  for (const auto& route : plan.conflicts) {
    ++stats_.conflicts;
    failed_keys_[route.key()] = "held by a route tabby does not own";
    spdlog::warn(
        "route {} not programmed: the kernel has a different route there that tabby "
        "does not own",
        route.to_string());
  }
  if (ops.empty()) return {};

  const auto results = netlink_.apply_routes(ops);
  std::size_t failed = 0;
  std::string first_error;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const RouteOp& op = ops[i];
    if (!results[i]) {
      ++failed;
      ++stats_.failures;
      failed_keys_[op.route.key()] = results[i].error().message;
      if (first_error.empty()) first_error = results[i].error().message;
      continue;
    }
    failed_keys_.erase(op.route.key());
    if (repair) ++stats_.repaired;
    switch (op.kind) {
      case RouteOp::Kind::kAdd:
        ++stats_.added;
        cache_put(op.route);
        break;
      case RouteOp::Kind::kReplace:
        ++stats_.replaced;
        cache_put(op.route);
        break;
      case RouteOp::Kind::kDelete:
        ++stats_.removed;
        cache_erase(op.route);
        break;
    }
  }
  if (failed) {
    return Error{
        fmt::format("{} of {} route changes failed; first: {}", failed, ops.size(), first_error)};
  }
  return {};
}

Status RouteReconciler::resync() {
  auto dumped = netlink_.dump_routes();
  if (!dumped) return Error{"route resync: " + dumped.error().message};
  kernel_.clear();
  std::vector<Route> managed;
  for (auto& route : *dumped) {
    if (std::find(policy_.tables.begin(), policy_.tables.end(), route.table) ==
        policy_.tables.end()) {
      continue;
    }
    kernel_[route.key()].push_back(route);
    managed.push_back(std::move(route));
  }
  synced_ = true;
  ++stats_.resyncs;
  failed_keys_.clear();
  return apply(plan_routes(desired_, managed, policy_), /*repair=*/false);
}

Status RouteReconciler::set_desired(const std::vector<Route>& routes) {
  desired_ = make_route_set(routes);
  return resync_or_plan();
}

Status RouteReconciler::resync_or_plan() {
  if (!synced_) return resync();
  std::vector<Route> kernel;
  for (const auto& [key, routes] : kernel_)
    kernel.insert(kernel.end(), routes.begin(), routes.end());
  failed_keys_.clear();
  return apply(plan_routes(desired_, kernel, policy_), /*repair=*/false);
}

Status RouteReconciler::reconcile_key(const RouteKey& key, bool repair) {
  RouteSet wanted;
  if (auto it = desired_.find(key); it != desired_.end()) wanted.emplace(key, it->second);
  std::vector<Route> present;
  if (auto it = kernel_.find(key); it != kernel_.end()) present = it->second;
  failed_keys_.erase(key);
  return apply(plan_routes(wanted, present, policy_), repair);
}

Status RouteReconciler::want(const Route& route) {
  const Route normal = route.normalized();
  desired_.insert_or_assign(normal.key(), normal);
  if (!synced_) return resync();
  return reconcile_key(normal.key(), false);
}

Status RouteReconciler::unwant(const RouteKey& key) {
  desired_.erase(key);
  if (!synced_) return resync();
  return reconcile_key(key, false);
}

Status RouteReconciler::update_desired(std::span<const DesiredRouteChange> changes) {
  // A key changed twice in one batch ends in its last state.
  RouteSet wanted;
  std::vector<RouteKey> keys;
  keys.reserve(changes.size());
  for (const DesiredRouteChange& change : changes) {
    if (change.route) {
      desired_.insert_or_assign(change.key, *change.route);
      wanted.insert_or_assign(change.key, *change.route);
    } else {
      desired_.erase(change.key);
      wanted.erase(change.key);
    }
    keys.push_back(change.key);
  }
  if (!synced_) return resync();
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  std::vector<Route> present;
  for (const RouteKey& key : keys) {
    failed_keys_.erase(key);
    if (auto it = kernel_.find(key); it != kernel_.end())
      present.insert(present.end(), it->second.begin(), it->second.end());
  }
  return apply(plan_routes(wanted, present, policy_), /*repair=*/false);
}

Status RouteReconciler::remove_unwanted() {
  if (!keep_unwanted_) return {};
  keep_unwanted_ = false;
  if (!synced_) return {};  // the first resync plans everything
  return resync_or_plan();
}

Status RouteReconciler::handle_events() {
  NetlinkEvents events = netlink_.read_events();
  if (events.overflowed || !synced_) return resync();
  std::vector<RouteKey> touched;
  for (const auto& event : events.routes) {
    const Route& route = event.route;
    if (std::find(policy_.tables.begin(), policy_.tables.end(), route.table) ==
        policy_.tables.end()) {
      continue;
    }
    // The echo of our own write (the route as we wrote it, or a delete of a key we no longer
    // hold) changes nothing: skipping it halves the work of a large batch.
    const auto cached = kernel_.find(route.key());
    bool echo = false;
    if (event.deleted) {
      echo = cached == kernel_.end();
      cache_erase(route);
    } else {
      echo = cached != kernel_.end() && cached->second.size() == 1 &&
             cached->second.front() == route.normalized();
      cache_put(route);
    }
    if (!echo) touched.push_back(route.key());
  }
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  std::string errors;
  for (const auto& key : touched) {
    if (auto status = reconcile_key(key, /*repair=*/true); !status) errors = status.error().message;
  }
  // A link that came back up (or a new one) may make a failed route possible now.
  if (events.links_changed && !failed_keys_.empty()) return resync();
  if (!errors.empty()) return Error{errors};
  return {};
}

}  // namespace tabby::dataplane
