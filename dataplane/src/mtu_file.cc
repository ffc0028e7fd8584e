#include "tabby/dataplane/mtu_file.h"

#include <fmt/format.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

namespace tabby::dataplane {
namespace {

// IPv4's minimum MTU (RFC 791); nothing smaller can carry a pod's traffic.
constexpr std::uint32_t kMinimumMtu = 68;
constexpr std::uint32_t kMaximumMtu = 65535;

}  // namespace

Status write_mtu_file(const std::filesystem::path& path, std::uint32_t mtu) {
  std::error_code error;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), error);
  if (error)
    return Error{
        fmt::format("MTU file {}: creating its directory: {}", path.string(), error.message())};
  // Written next to the file and renamed over it: rename is atomic within a filesystem.
  const std::filesystem::path temporary =
      path.string() + ".tmp." + std::to_string(static_cast<long>(::getpid()));
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << mtu << "\n";
    out.close();
    if (!out)
      return Error{fmt::format("MTU file {}: cannot write {}", path.string(), temporary.string())};
  }
  std::filesystem::rename(temporary, path, error);
  if (error) {
    std::filesystem::remove(temporary, error);
    return Error{fmt::format("MTU file {}: {}", path.string(), error.message())};
  }
  return {};
}

Result<std::optional<std::uint32_t>> read_mtu_file(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    if (error) return Error{fmt::format("MTU file {}: {}", path.string(), error.message())};
    return std::optional<std::uint32_t>();
  }
  std::ifstream in(path);
  if (!in) return Error{fmt::format("MTU file {}: cannot be read", path.string())};
  std::ostringstream contents;
  contents << in.rdbuf();
  std::string text = contents.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r'))
    text.pop_back();
  std::uint32_t mtu = 0;
  const auto [end, parsed] = std::from_chars(text.data(), text.data() + text.size(), mtu);
  if (parsed != std::errc() || end != text.data() + text.size() || mtu < kMinimumMtu ||
      mtu > kMaximumMtu) {
    return Error{fmt::format("MTU file {}: \"{}\" is not an MTU ({}-{})", path.string(), text,
                             kMinimumMtu, kMaximumMtu)};
  }
  return std::optional<std::uint32_t>(mtu);
}

}  // namespace tabby::dataplane
