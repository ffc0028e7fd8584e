#include "tabby/dataplane/nat_outgoing.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace tabby::dataplane {
namespace {

// `table <family> tabby-nat` then `delete`: removes the table whether or not it exists.
std::string removal(const char* family) {
  return fmt::format("table {0} {1}\ndelete table {0} {1}\n", family, kNatTable);
}

std::string set(const char* name, const char* type, const std::vector<IpPrefix>& prefixes) {
  std::vector<std::string> elements;
  for (const IpPrefix& prefix : prefixes)
    elements.push_back(prefix.to_string());
  // auto-merge: overlapping pools (a /16 and a /22 inside it) would otherwise be refused.
  return fmt::format(
      "\tset {} {{\n\t\ttype {}\n\t\tflags interval\n\t\tauto-merge\n{}\t}}\n", name, type,
      elements.empty() ? std::string()
                       : fmt::format("\t\telements = {{ {} }}\n", fmt::join(elements, ", ")));
}

std::string family_script(IpFamily family, const NatOutgoingPools& pools) {
  const bool v4 = family == IpFamily::kV4;
  const char* nft_family = v4 ? "ip" : "ip6";
  std::vector<IpPrefix> masquerade, all;
  for (const IpPrefix& prefix : pools.masquerade)
    if (prefix.family() == family) masquerade.push_back(prefix);
  for (const IpPrefix& prefix : pools.all)
    if (prefix.family() == family) all.push_back(prefix);
  std::string script = removal(nft_family);
  if (masquerade.empty()) return script;
  const char* type = v4 ? "ipv4_addr" : "ipv6_addr";
  script += fmt::format("table {} {} {{\n", nft_family, kNatTable);
  script += set("masq_pools", type, masquerade);
  script += set("all_pools", type, all);
  script += fmt::format(
      "\tchain postrouting {{\n"
      "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
      "\t\t{0} saddr @masq_pools {0} daddr != @all_pools masquerade fully-random\n"
      "\t}}\n}}\n",
      nft_family);
  return script;
}

}  // namespace

std::string nat_outgoing_script(const NatOutgoingPools& pools) {
  return family_script(IpFamily::kV4, pools) + family_script(IpFamily::kV6, pools);
}

std::string nat_outgoing_removal_script() {
  return removal("ip") + removal("ip6");
}

Status run_nft_script(const std::string& script) {
  // nft reads the script from a file: one transaction, applied whole or not at all.
  const std::filesystem::path file = std::filesystem::temp_directory_path() /
                                     fmt::format("tabby-nft-{}.nft", static_cast<long>(::getpid()));
  {
    std::ofstream out(file, std::ios::trunc);
    out << script;
    if (!out) return Error{fmt::format("nft: cannot write {}", file.string())};
  }
  std::FILE* pipe = ::popen(fmt::format("nft -f '{}' 2>&1", file.string()).c_str(), "r");
  if (!pipe) {
    std::filesystem::remove(file);
    return Error{"nft: cannot start it"};
  }
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof(buffer), pipe))
    output += buffer;
  const int status = ::pclose(pipe);
  std::error_code ignored;
  std::filesystem::remove(file, ignored);
  if (status != 0) {
    while (!output.empty() && output.back() == '\n')
      output.pop_back();
    return Error{fmt::format("nft -f failed (status {}): {}", status,
                             output.empty() ? "no output (is nft installed?)" : output)};
  }
  return {};
}

}  // namespace tabby::dataplane
