// tabbyctl. `version` works now; the datastore verbs arrive with the datastore (issue 4), and
// until then they say so and exit non-zero.

#include <cstdio>
#include <string_view>

#include "tabby/common/version.h"

int main(int argc, char** argv) {
  const std::string_view verb = argc > 1 ? argv[1] : "";
  if (verb == "version" || verb == "--version") {
    std::printf("Client Version:    v%s\n", tabby::kVersion);
    return 0;
  }
  if (verb.empty() || verb == "-h" || verb == "--help") {
    std::printf("Usage: tabbyctl <command>\n\nCommands available in this build:\n  version\n");
    return verb.empty() ? 1 : 0;
  }
  std::fprintf(stderr,
               "tabbyctl: \"%.*s\" needs the datastore, which this build does not have yet\n",
               static_cast<int>(verb.size()), verb.data());
  return 2;
}
