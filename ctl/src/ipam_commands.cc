#include "ipam_commands.h"

#include <fmt/format.h>

#include <algorithm>
#include <ostream>
#include <vector>

#include "tabby/api/ipam_records.h"
#include "tabby/api/node_status.h"
#include "tabby/ipam/ipam.h"
#include "tabby/ipam/ipam_inspect.h"

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

int ipam_show(api::Datastore& datastore, bool show_blocks, const std::string& ip, std::ostream& out,
              std::ostream& err) {
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

int ipam_check(api::Datastore& datastore, std::ostream& out, std::ostream& err) {
  auto report = ipam::check_ipam(datastore);
  if (!report) {
    err << report.error().message << "\n";
    return 1;
  }
  out << fmt::format("Checking IPAM: {} blocks, {} allocations, {} handles.\n", report->blocks,
                     report->allocations, report->handles);
  for (const auto& problem : report->problems)
    out << "  " << problem.description << "\n";
  out << fmt::format("Check complete; found {} problems.\n", report->problems.size());
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

}  // namespace tabby::ctl
