#pragma once
// Which kernel routes are tabby's to change or delete. Calico's rule (calico-node.md §4.2),
// so a node moving from calico-node to tabby keeps forwarding: tabby adopts Felix's and
// BIRD's routes in place instead of deleting and re-adding them, and never touches a route
// it does not own.

#include <cstdint>
#include <string>
#include <vector>

#include "tabby/dataplane/route.h"

namespace tabby::dataplane {

struct OwnershipPolicy {
  // Protocols that only tabby (or the Felix/BIRD it replaces) uses.
  std::vector<std::uint8_t> exclusive_protocols = {kProtoFelix, kProtoBird};
  // Workload interfaces (Felix's InterfacePrefix).
  std::vector<std::string> workload_prefixes = {"cali"};
  // Felix's RemoveExternalRoutes: any route on a workload interface is ours, not only ours.
  bool remove_external_routes = true;
  // Devices tabby owns outright: every route on them is its.
  std::vector<std::string> owned_devices = {kVxlanDevice, kVxlanV6Device};
  // Tables tabby manages; routes in others are never touched.
  std::vector<std::uint32_t> tables = {kMainTable};

  bool is_workload_interface(const std::string& name) const;
  bool owns(const Route& route) const;
};

}  // namespace tabby::dataplane
