#include "ipam_commands.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>
#include <vector>

#include "tabby/api/ipam_records.h"
#include "tabby/api/node_status.h"
#include "tabby/common/version.h"
#include "tabby/ipam/ipam.h"
#include "tabby/ipam/ipam_inspect.h"
#include "tabby/ipam/pool_split.h"

namespace tabby::ctl {
namespace {

// A boxed table like the one calicoctl prints (olekukonko/tablewriter): centred headers.
std::string box_table(const std::vector<std::string>& header,
                      const std::vector<std::vector<std::string>>& rows) {
  return api::render_bordered_table(header, rows);
}

std::string with_percent(std::uint64_t part, std::uint64_t whole) {
  const double percent =
      whole ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0;
  return fmt::format("{} ({:.0f}%)", part, percent);
}

}  // namespace

namespace {

int show_borrowed(api::Datastore& datastore, std::ostream& out, std::ostream& err) {
  auto found = ipam::borrowed_addresses(datastore);
  if (!found) {
    err << found.error().message << "\n";
    return 1;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& b : found->borrowed) {
    rows.push_back({b.address.to_string(), b.borrowing_node, b.block.to_string(), b.block_owner,
                    b.type, b.allocated_to});
  }
  out << box_table({"IP", "BORROWING-NODE", "BLOCK", "BLOCK OWNER", "TYPE", "ALLOCATED-TO"}, rows);
  if (found->unclassified > 0) {
    out << fmt::format(
        "\nNote: found {} IP allocations without an explicit node association. Unable to "
        "determine if they are borrowed.\n",
        found->unclassified);
  }
  return 0;
}

int show_configuration(api::Datastore& datastore, std::ostream& out, std::ostream& err) {
  auto config = ipam::Ipam(datastore).config();
  if (!config) {
    err << config.error().message << "\n";
    return 1;
  }
  const auto boolean = [](bool value) { return std::string(value ? "true" : "false"); };
  out << box_table({"PROPERTY", "VALUE"},
                   {{"StrictAffinity", boolean(config->strict_affinity)},
                    {"AutoAllocateBlocks", boolean(config->auto_allocate_blocks)},
                    {"MaxBlocksPerHost", std::to_string(config->max_blocks_per_host)}});
  return 0;
}

}  // namespace

int ipam_configure(api::Datastore& datastore, const IpamConfigureOptions& options,
                   std::ostream& out, std::ostream& err) {
  if (!options.strict_affinity && !options.max_blocks_per_host) {
    err << "at least one configuration option must be specified\n";
    return 1;
  }
  bool strict = false;
  if (options.strict_affinity) {
    if (*options.strict_affinity != "true" && *options.strict_affinity != "false") {
      err << "invalid value. Use true or false to set strictaffinity\n";
      return 1;
    }
    strict = *options.strict_affinity == "true";
  }
  std::uint32_t max_blocks = 0;
  if (options.max_blocks_per_host) {
    const std::string& text = *options.max_blocks_per_host;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), max_blocks);
    if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
      err << "invalid value for maxblockhost. Use a valid number\n";
      return 1;
    }
  }
  // Read, change what was given, write back at the revision read (another writer wins the
  // race and the user is told).
  auto stored = datastore.get(api::ipam_config_key());
  api::IpamConfig config;
  std::optional<api::Revision> revision;
  if (stored) {
    auto decoded = api::decode_ipam_config(stored->key, stored->value);
    if (!decoded) {
      err << "error: " << decoded.error().message << "\n";
      return 1;
    }
    config = *decoded;
    revision = stored->revision;
  } else if (!stored.is(api::DatastoreErrorKind::NotFound)) {
    err << "error: " << stored.error().message << "\n";
    return 1;
  }
  if (options.strict_affinity) config.strict_affinity = strict;
  if (options.max_blocks_per_host) config.max_blocks_per_host = max_blocks;
  if (auto valid = api::validate(config); !valid) {
    err << "error: " << valid.error().message << "\n";
    return 1;
  }
  const std::string value = api::encode(config);
  auto written = revision ? datastore.update(api::ipam_config_key(), value, *revision)
                          : datastore.create(api::ipam_config_key(), value);
  if (!written) {
    err << "error: " << written.error().message << "\n";
    return 1;
  }
  if (options.strict_affinity) {
    out << "Successfully set StrictAffinity to: " << *options.strict_affinity << "\n";
  }
  if (options.max_blocks_per_host) {
    out << "Successfully set MaxBlocksPerHost to: " << max_blocks << "\n";
  }
  return 0;
}

int ipam_show(api::Datastore& datastore, const IpamShowOptions& options, std::ostream& out,
              std::ostream& err) {
  const std::string& ip = options.ip;
  const bool show_blocks = options.show_blocks;
  if (ip.empty() && !show_blocks && options.show_borrowed)
    return show_borrowed(datastore, out, err);
  if (ip.empty() && !show_blocks && options.show_configuration) {
    return show_configuration(datastore, out, err);
  }
  if (!ip.empty()) {
    auto address = IpAddress::parse(ip);
    if (!address) {
      err << address.error().message << "\n";
      return 1;
    }
    auto owner = ipam::address_owner(datastore, *address);
    if (!owner) {
      err << owner.error().message << "\n";
      return 1;
    }
    if (!*owner) {
      out << ip << " is not assigned\n";
      return 0;
    }
    out << "IP " << ip << " is in use\n";
    if ((*owner)->handle_id) out << "Handle ID: " << *(*owner)->handle_id << "\n";
    out << "Attributes:\n";
    for (const auto& [key, value] : (*owner)->attributes)
      out << "  " << key << ": " << value << "\n";
    return 0;
  }
  auto usage = ipam::ipam_usage(datastore);
  if (!usage) {
    err << usage.error().message << "\n";
    return 1;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& pool : *usage) {
    rows.push_back({"IP Pool", pool.cidr.to_string(), std::to_string(pool.total),
                    with_percent(pool.in_use, pool.total),
                    with_percent(pool.total - pool.in_use, pool.total)});
    if (!show_blocks) continue;
    for (const auto& block : pool.blocks) {
      rows.push_back({"Block", block.cidr.to_string(), std::to_string(block.total),
                      with_percent(block.in_use, block.total),
                      with_percent(block.total - block.in_use, block.total)});
    }
  }
  out << box_table({"GROUPING", "CIDR", "IPS TOTAL", "IPS IN USE", "IPS FREE"}, rows);
  return 0;
}

namespace {

std::string attributes_text(const ipam::IpamAllocation& allocation) {
  std::string extra;
  for (const auto& [key, value] : allocation.attributes)
    extra += (extra.empty() ? "" : ",") + key + "=" + value;
  return fmt::format("Main:{} Extra:{}", allocation.handle.value_or("<none>"), extra);
}

std::size_t count_of(const ipam::IpamCheckReport& report, ipam::IpamProblemKind kind) {
  return static_cast<std::size_t>(
      std::count_if(report.problems.begin(), report.problems.end(),
                    [&](const ipam::IpamProblem& p) { return p.kind == kind; }));
}

// calicoctl's report, with tabby's datastore revision where calicoctl has its
// ClusterInformation's.
nlohmann::json report_json(const ipam::IpamCheckReport& report) {
  nlohmann::json allocations = nlohmann::json::object();
  for (const auto& a : report.allocation_list) {
    nlohmann::json entry = {{"ip", a.address.to_string()}};
    if (a.handle) entry["handle"] = *a.handle;
    for (const char* key : {"pod", "namespace", "node", "type", "timestamp"}) {
      if (auto it = a.attributes.find(key); it != a.attributes.end())
        entry[std::string(key) == "timestamp" ? "creationTimestamp" : key] = it->second;
    }
    entry["inUse"] = a.in_use;
    if (a.borrowed) entry["borrowed"] = true;
    entry["owners"] = a.owners;
    allocations[a.address.to_string()].push_back(entry);
  }
  nlohmann::json handles = nlohmann::json::array();
  for (const auto& [id, revision] : report.leaked_handles)
    handles.push_back({{"ID", id}, {"Revision", std::to_string(revision)}});
  nlohmann::json out = {{"version", std::string("v") + kVersion},
                        {"clusterGUID", ""},
                        {"datastoreLocked", false},
                        {"clusterInformationRevision", std::to_string(report.revision)},
                        {"clusterType", "tabby"},
                        {"allocations", allocations}};
  if (!handles.empty()) out["leakedHandles"] = handles;
  return out;
}

}  // namespace

int ipam_check(api::Datastore& datastore, const IpamCheckOptions& options, std::ostream& out,
               std::ostream& err) {
  using Kind = ipam::IpamProblemKind;
  auto report = ipam::check_ipam(datastore);
  if (!report) {
    err << report.error().message << "\n";
    return 1;
  }
  out << fmt::format("Checking IPAM: {} blocks, {} allocations, {} handles.\n", report->blocks,
                     report->allocations, report->handles);
  if (options.show_all_ips) {
    for (const auto& allocation : report->allocation_list) {
      out << fmt::format("  {} allocated; attrs {}\n", allocation.address.to_string(),
                         attributes_text(allocation));
      for (const auto& owner : allocation.owners)
        out << fmt::format("  {} belongs to {}\n", allocation.address.to_string(), owner);
    }
  }
  if (options.show_problem_ips || options.show_all_ips) {
    for (const auto& problem : report->problems)
      out << "  " << problem.description << "\n";
  }
  const std::size_t empty_handles = count_of(*report, Kind::kEmptyHandle);
  std::set<std::string> missing_handles;
  for (const auto& problem : report->problems) {
    if (problem.kind == Kind::kMissingHandle && problem.handle)
      missing_handles.insert(*problem.handle);
  }
  out << fmt::format("Found {} IPs that are allocated in IPAM but not actually in use.\n",
                     count_of(*report, Kind::kLeaked));
  out << fmt::format("Found {} in-use IPs that are not in active IP pools.\n",
                     count_of(*report, Kind::kOutsidePools));
  out << fmt::format(
      "Found {} in-use IPs that are in active IP pools but have no corresponding IPAM "
      "allocation.\n",
      count_of(*report, Kind::kNotAllocated));
  out << fmt::format("Found {} handles with no matching IPs (and {} handles with matches).\n",
                     empty_handles, report->handles - empty_handles);
  out << fmt::format("Found {} handles mentioned in blocks with no matching handle resource.\n",
                     missing_handles.size());
  out << fmt::format(
      "Found {} other inconsistencies (handle counts, block affinities, attributes).\n",
      count_of(*report, Kind::kInconsistent));
  out << fmt::format("Check complete; found {} problems.\n", report->problems.size());
  if (!options.report_file.empty()) {
    std::ofstream file(options.report_file);
    file << report_json(*report).dump(2) << "\n";
    if (!file) {
      err << fmt::format("writing the report to {}: {}\n", options.report_file,
                         std::strerror(errno));
      return 1;
    }
  }
  return 0;
}

int ipam_release_from_reports(api::Datastore& datastore, const std::vector<std::string>& reports,
                              std::ostream& out, std::ostream& err) {
  // What every report calls leaked: address -> handle, and empty handles -> revision.
  std::optional<std::map<std::string, std::string>> leaked;
  std::optional<std::map<std::string, std::string>> empty_handles;
  for (const auto& path : reports) {
    std::ifstream stream(path);
    if (!stream) {
      err << fmt::format("failed to read the report {}: {}\n", path, std::strerror(errno));
      return 1;
    }
    nlohmann::json report;
    try {
      stream >> report;
    } catch (const nlohmann::json::exception& error) {
      err << fmt::format("the report {} is not JSON: {}\n", path, error.what());
      return 1;
    }
    if (!report.is_object() || !report.contains("allocations") ||
        !report["allocations"].is_object()) {
      err << fmt::format("the report {} is not an IPAM report (no \"allocations\")\n", path);
      return 1;
    }
    std::map<std::string, std::string> these_ips, these_handles;
    for (const auto& [ip, entries] : report["allocations"].items()) {
      if (!entries.is_array()) continue;
      for (const auto& entry : entries) {
        if (entry.is_object() && entry.value("inUse", true) == false)
          these_ips[ip] = entry.value("handle", "");
      }
    }
    for (const auto& handle : report.value("leakedHandles", nlohmann::json::array())) {
      if (handle.is_object() && handle.contains("ID") && handle["ID"].is_string())
        these_handles[handle["ID"]] = handle.value("Revision", "");
    }
    const auto intersect = [](std::optional<std::map<std::string, std::string>>& all,
                              const std::map<std::string, std::string>& more) {
      if (!all) {
        all = more;
        return;
      }
      std::erase_if(*all, [&](const auto& item) {
        auto it = more.find(item.first);
        return it == more.end() || it->second != item.second;
      });
    };
    intersect(leaked, these_ips);
    intersect(empty_handles, these_handles);
  }

  // The state now: only what is still leaked, under the same handle, goes.
  auto now = ipam::check_ipam(datastore);
  if (!now) {
    err << now.error().message << "\n";
    return 1;
  }
  std::vector<IpAddress> to_release;
  std::size_t cleaned_up = 0;
  for (const auto& entry : leaked.value_or(std::map<std::string, std::string>{})) {
    const std::string& ip = entry.first;
    const std::string& handle = entry.second;
    const auto still =
        std::find_if(now->allocation_list.begin(), now->allocation_list.end(),
                     [&](const ipam::IpamAllocation& a) { return a.address.to_string() == ip; });
    if (still == now->allocation_list.end() || still->in_use ||
        still->handle.value_or("") != handle) {
      ++cleaned_up;
      continue;
    }
    to_release.push_back(still->address);
  }
  if (leaked && !leaked->empty()) {
    out << fmt::format("Releasing {} old IPs...\n", to_release.size());
    auto not_allocated = ipam::Ipam(datastore).release_ips(to_release);
    if (!not_allocated) {
      err << fmt::format(
          "An error occurred while releasing some IPs: {}.  Try regenerating the IPAM report and "
          "retry.\n",
          not_allocated.error().message);
      return 1;
    }
    out << fmt::format("Released {} IPs successfully\n", to_release.size() - not_allocated->size());
    if (cleaned_up + not_allocated->size() > 0) {
      out << fmt::format(
          "{} addresses marked as leaked in the report had already been cleaned up.\n",
          cleaned_up + not_allocated->size());
    }
  } else {
    out << "Report didn't contain any leaked IPs to clean up.\n";
  }

  if (empty_handles && !empty_handles->empty()) {
    out << fmt::format("Deleting {} handles...\n", empty_handles->size());
    std::size_t deleted = 0, skipped = 0, errors = 0;
    for (const auto& entry : *empty_handles) {
      const std::string& id = entry.first;
      const std::string& revision = entry.second;
      const bool still_empty = std::any_of(
          now->leaked_handles.begin(), now->leaked_handles.end(),
          [&](const auto& h) { return h.first == id && std::to_string(h.second) == revision; });
      if (!still_empty) {
        ++skipped;
        continue;
      }
      auto removed = datastore.remove(api::handle_key(id), std::stoll(revision));
      if (removed) {
        ++deleted;
      } else if (removed.is(api::DatastoreErrorKind::NotFound) ||
                 removed.is(api::DatastoreErrorKind::Conflict)) {
        ++skipped;
      } else {
        ++errors;
        err << removed.error().message << "\n";
      }
    }
    out << fmt::format("Released {} handles; {} skipped; {} errors.\n", deleted, skipped, errors);
    if (errors > 0) return 1;
  } else {
    out << "Report didn't contain any handles to clean up.\n";
  }
  return 0;
}

int ipam_release(api::Datastore& datastore, const std::string& ip, const std::string& handle,
                 std::ostream& out, std::ostream& err) {
  if (ip.empty() == handle.empty()) {
    err << "ipam release needs exactly one of --ip and --handle\n";
    return 1;
  }
  if (!handle.empty()) {
    if (!datastore.get(api::handle_key(handle))) {
      err << "IPAM handle " << handle << " does not exist\n";
      return 1;
    }
    ipam::Ipam ipam(datastore);
    if (auto status = ipam.release_by_handle(handle); !status) {
      err << status.error().message << "\n";
      return 1;
    }
    out << "Successfully released handle " << handle << "\n";
    return 0;
  }
  auto address = IpAddress::parse(ip);
  if (!address) {
    err << address.error().message << "\n";
    return 1;
  }
  ipam::Ipam ipam(datastore);
  auto not_allocated = ipam.release_ips({*address});
  if (!not_allocated) {
    err << not_allocated.error().message << "\n";
    return 1;
  }
  if (!not_allocated->empty()) {
    err << "IP address " << ip << " is not assigned\n";
    return 1;
  }
  out << "Successfully released IP address " << ip << "\n";
  return 0;
}

int ipam_split(api::Datastore& datastore, int parts, const std::string& name,
               const std::string& cidr, std::ostream& out, std::ostream& err) {
  std::optional<IpPrefix> prefix;
  if (!cidr.empty()) {
    auto parsed = IpPrefix::parse(cidr);
    if (!parsed) {
      err << "--cidr: " << parsed.error().message << "\n";
      return 1;
    }
    prefix = *parsed;
  }
  auto made = ipam::split_ip_pool(datastore, name, prefix, parts);
  if (!made) {
    err << made.error().message << "\n";
    return 1;
  }
  out << fmt::format("IP Pool {} was successfully split into {} smaller pools.\n",
                     name.empty() ? cidr : name, made->size());
  for (const auto& part : *made)
    out << fmt::format("Created {} with CIDR {}.\n", part.name, part.cidr.to_string());
  return 0;
}

}  // namespace tabby::ctl
