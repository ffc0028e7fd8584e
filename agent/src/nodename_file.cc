#include "tabby/agent/nodename_file.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "tabby/agent/text_lists.h"

namespace tabby::agent {

std::string nodename_file_path(const Environment& environment) {
  if (auto it = environment.find("CALICO_NODENAME_FILE"); it != environment.end()) {
    if (std::string path = trim_blanks(it->second); !path.empty()) return path;
  }
  return kDefaultNodenameFile;
}

std::optional<std::string> read_nodename_file(const std::string& path) {
  std::ifstream file(path);
  if (!file) return std::nullopt;
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

Status write_nodename_file(const std::string& path, const std::string& name) {
  namespace fs = std::filesystem;
  const auto fail = [&](const std::string& why) {
    return Error{fmt::format("writing the node name to {}: {}", path, why)};
  };
  const fs::path target(path);
  std::error_code error;
  if (target.has_parent_path()) {
    fs::create_directories(target.parent_path(), error);
    if (error) return fail(error.message());
  }
  const std::string temporary = path + ".tmp";
  {
    std::ofstream file(temporary, std::ios::trunc);
    if (!file) return fail(std::strerror(errno));
    file << name;
    file.close();
    if (!file) return fail(std::strerror(errno));
  }
  // Readable by the CNI plugin whatever the umask.
  if (::chmod(temporary.c_str(), 0644) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(temporary.c_str());
    return fail(why);
  }
  fs::rename(temporary, target, error);
  if (error) {
    std::remove(temporary.c_str());
    return fail(error.message());
  }
  return {};
}

}  // namespace tabby::agent
