#pragma once
// tabbyctl ipam show|check|release, with calicoctl's tables and messages.

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "tabby/api/datastore.h"

namespace tabby::ctl {

// Each returns the exit status and writes to out (results) and err (one line on failure).
// What `ipam show` shows: usage per pool (and per block), who holds one address, the addresses
// nodes borrowed from blocks they do not own, or the IPAM configuration.
struct IpamShowOptions {
  bool show_blocks = false;
  bool show_borrowed = false;
  bool show_configuration = false;
  std::string ip;
};
int ipam_show(api::Datastore& datastore, const IpamShowOptions& options, std::ostream& out,
              std::ostream& err);
// calicoctl ipam configure: changes only the settings given, keeps the rest.
struct IpamConfigureOptions {
  std::optional<std::string> strict_affinity;  // "true" / "false", as typed
  std::optional<std::string> max_blocks_per_host;
};
int ipam_configure(api::Datastore& datastore, const IpamConfigureOptions& options,
                   std::ostream& out, std::ostream& err);
// calicoctl ipam check: calicoctl's summary lines; with show_problem_ips each problem too, with
// show_all_ips every allocation and handle; with report_file the JSON report that
// `ipam release --from-report` reads.
struct IpamCheckOptions {
  bool show_problem_ips = false;
  bool show_all_ips = false;
  std::string report_file;
};
int ipam_check(api::Datastore& datastore, const IpamCheckOptions& options, std::ostream& out,
               std::ostream& err);
// calicoctl ipam release --from-report=FILE...: the addresses every report calls leaked and the
// handles every report calls empty, each only if it is still so now (checked again at release:
// tabby has no datastore lock, so a report is never trusted over the current state).
int ipam_release_from_reports(api::Datastore& datastore, const std::vector<std::string>& reports,
                              std::ostream& out, std::ostream& err);
// Releases one address (--ip), or everything under a handle (--handle), e.g. a handle that
// `ipam check` reports as holding nothing after a crash.
int ipam_release(api::Datastore& datastore, const std::string& ip, const std::string& handle,
                 std::ostream& out, std::ostream& err);

// calicoctl ipam split NUMBER --name=POOL | --cidr=CIDR (pool_split.h), with its messages.
int ipam_split(api::Datastore& datastore, int parts, const std::string& name,
               const std::string& cidr, std::ostream& out, std::ostream& err);

}  // namespace tabby::ctl
