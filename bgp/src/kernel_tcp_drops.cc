#include "tabby/bgp/kernel_tcp_drops.h"

#include <charconv>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace tabby::bgp {
namespace {

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t at = 0;
  while (at < line.size()) {
    const std::size_t start = line.find_first_not_of(' ', at);
    if (start == std::string_view::npos) break;
    const std::size_t end = std::min(line.find(' ', start), line.size());
    out.push_back(line.substr(start, end - start));
    at = end;
  }
  return out;
}

}  // namespace

Result<KernelTcpDrops> parse_kernel_tcp_drops(std::string_view netstat) {
  std::vector<std::string_view> lines;
  for (std::size_t at = 0; at < netstat.size();) {
    const std::size_t end = std::min(netstat.find('\n', at), netstat.size());
    lines.push_back(netstat.substr(at, end - at));
    at = end + 1;
  }
  constexpr std::string_view kPrefix = "TcpExt:";
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    if (!lines[i].starts_with(kPrefix) || !lines[i + 1].starts_with(kPrefix)) continue;
    const auto names = words(lines[i].substr(kPrefix.size()));
    const auto values = words(lines[i + 1].substr(kPrefix.size()));
    if (names.size() != values.size())
      return Error{"/proc/net/netstat: TcpExt has " + std::to_string(names.size()) + " names but " +
                   std::to_string(values.size()) + " values"};
    KernelTcpDrops drops;
    const std::pair<std::string_view, std::uint64_t*> wanted[] = {
        {"TCPMD5NotFound", &drops.md5_not_found},
        {"TCPMD5Unexpected", &drops.md5_unexpected},
        {"TCPMD5Failure", &drops.md5_failure},
        {"TCPMinTTLDrop", &drops.min_ttl_drop}};
    for (std::size_t n = 0; n < names.size(); ++n)
      for (const auto& [name, target] : wanted) {
        if (names[n] != name) continue;
        const std::string_view value = values[n];
        const auto parsed = std::from_chars(value.data(), value.data() + value.size(), *target);
        if (parsed.ec != std::errc{} || parsed.ptr != value.data() + value.size())
          return Error{"/proc/net/netstat: TcpExt " + std::string(name) + " is '" +
                       std::string(value) + "', not a count"};
      }
    return drops;
  }
  return Error{"/proc/net/netstat: no TcpExt header and value lines"};
}

Result<KernelTcpDrops> read_kernel_tcp_drops() {
  std::ifstream in("/proc/net/netstat");
  if (!in) return Error{"cannot open /proc/net/netstat"};
  std::stringstream text;
  text << in.rdbuf();
  return parse_kernel_tcp_drops(text.str());
}

}  // namespace tabby::bgp
