#include "resource_table.h"

#include <algorithm>
#include <sstream>

namespace tabby::ctl {
namespace {

using api::Json;
using api::Kind;
using api::Resource;

std::string text_of(const Json& value, const std::string& when_missing = "") {
  if (value.is_null()) return when_missing;
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  return value.dump();
}

std::string field(const Resource& r, const char* name, const std::string& when_missing = "") {
  return r.spec.contains(name) ? text_of(r.spec[name], when_missing) : when_missing;
}

std::vector<std::string> header(Kind kind, bool wide) {
  switch (kind) {
    case Kind::kIPPool:
      if (wide) {
        return {"NAME",    "CIDR", "NAT", "IPIPMODE", "VXLANMODE", "DISABLED", "DISABLEBGPEXPORT",
                "SELECTOR"};
      }
      return {"NAME", "CIDR", "SELECTOR"};
    case Kind::kBGPPeer:
      return {"NAME", "PEERIP", "NODE", "ASN"};
    case Kind::kBGPConfiguration:
      return {"NAME", "LOGSEVERITY", "MESHENABLED", "ASNUMBER"};
    case Kind::kBGPFilter:
      return {"NAME", "NUMEXPORTV4", "NUMIMPORTV4", "NUMEXPORTV6", "NUMIMPORTV6"};
    case Kind::kNode:
      if (wide) return {"NAME", "ASN", "IPV4", "IPV6"};
      return {"NAME"};
    case Kind::kWorkloadEndpoint:
      return {"NAMESPACE", "WORKLOAD", "NODE", "NETWORKS", "INTERFACE"};
    case Kind::kFelixConfiguration:
    case Kind::kIPReservation:
      return {"NAME"};
  }
  return {"NAME"};
}

std::string count(const Resource& r, const char* rules) {
  return r.spec.contains(rules) && r.spec[rules].is_array() ? std::to_string(r.spec[rules].size())
                                                            : "0";
}

std::vector<std::string> row(const Resource& r, bool wide) {
  const std::string& name = r.metadata.name;
  switch (r.kind) {
    case Kind::kIPPool:
      if (wide) {
        return {name,
                field(r, "cidr"),
                field(r, "natOutgoing", "false"),
                field(r, "ipipMode", "Never"),
                field(r, "vxlanMode", "Never"),
                field(r, "disabled", "false"),
                field(r, "disableBGPExport", "false"),
                field(r, "nodeSelector", "all()")};
      }
      return {name, field(r, "cidr"), field(r, "nodeSelector", "all()")};
    case Kind::kBGPPeer: {
      std::string node = field(r, "node");
      if (node.empty()) node = field(r, "nodeSelector");
      if (node.empty()) node = "(global)";
      return {name, field(r, "peerIP"), node, field(r, "asNumber")};
    }
    case Kind::kBGPConfiguration:
      return {name, field(r, "logSeverityScreen", "-"), field(r, "nodeToNodeMeshEnabled", "-"),
              field(r, "asNumber", "-")};
    case Kind::kBGPFilter:
      return {name, count(r, "exportV4"), count(r, "importV4"), count(r, "exportV6"),
              count(r, "importV6")};
    case Kind::kNode: {
      if (!wide) return {name};
      const Json bgp = r.spec.contains("bgp") ? r.spec["bgp"] : Json::object();
      const std::string asn = bgp.contains("asNumber") ? text_of(bgp["asNumber"]) : "(64512)";
      return {name, asn, bgp.contains("ipv4Address") ? text_of(bgp["ipv4Address"]) : "",
              bgp.contains("ipv6Address") ? text_of(bgp["ipv6Address"]) : ""};
    }
    case Kind::kWorkloadEndpoint: {
      std::string networks;
      if (r.spec.contains("ipNetworks") && r.spec["ipNetworks"].is_array()) {
        for (const auto& net : r.spec["ipNetworks"]) {
          networks += (networks.empty() ? "" : ",") + text_of(net);
        }
      }
      return {r.metadata.namespace_, field(r, "workload", field(r, "pod")), field(r, "node"),
              networks, field(r, "interfaceName")};
    }
    case Kind::kFelixConfiguration:
    case Kind::kIPReservation:
      return {name};
  }
  return {name};
}

// Columns padded to the widest cell plus three spaces, as calicoctl's tabwriter prints them.
std::string aligned(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths(rows.front().size(), 0);
  for (const auto& cells : rows) {
    for (std::size_t i = 0; i < cells.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], cells[i].size());
    }
  }
  std::ostringstream out;
  for (const auto& cells : rows) {
    std::string line;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      line += cells[i];
      if (i + 1 < cells.size()) line += std::string(widths[i] - cells[i].size() + 3, ' ');
    }
    out << line << "\n";
  }
  return out.str();
}

}  // namespace

std::string resource_table(const std::vector<Resource>& resources, bool wide) {
  if (resources.empty()) return "";
  std::vector<std::vector<std::string>> rows = {header(resources.front().kind, wide)};
  for (const auto& resource : resources)
    rows.push_back(row(resource, wide));
  return aligned(rows);
}

Result<std::string> resource_columns_table(Kind kind, const std::vector<Resource>& resources,
                                           const std::vector<std::string>& columns) {
  if (columns.empty()) return Error{"need to specify at least one column"};
  const std::vector<std::string> headings = header(kind, /*wide=*/true);
  std::vector<std::size_t> picked;
  for (const auto& column : columns) {
    auto it = std::find(headings.begin(), headings.end(), column);
    if (it == headings.end()) {
      std::string valid;
      for (const auto& heading : headings)
        valid += (valid.empty() ? "" : ", ") + heading;
      return Error{"unknown heading " + column + ", valid values are: " + valid};
    }
    picked.push_back(static_cast<std::size_t>(it - headings.begin()));
  }
  std::vector<std::vector<std::string>> rows = {columns};
  for (const auto& resource : resources) {
    const std::vector<std::string> full = row(resource, /*wide=*/true);
    std::vector<std::string> cells;
    for (std::size_t index : picked)
      cells.push_back(index < full.size() ? full[index] : "");
    rows.push_back(std::move(cells));
  }
  return aligned(rows);
}

}  // namespace tabby::ctl
