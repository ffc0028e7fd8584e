// Replays a fuzz target's checked-in corpus: every file is fed to LLVMFuzzerTestOneInput
// once. An empty or missing corpus is a failure, so a lost corpus cannot pass unnoticed.

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  std::error_code ec;
  std::size_t replayed = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(argv[1], ec)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                    std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
    ++replayed;
  }
  if (ec || replayed == 0) {
    std::fprintf(stderr, "corpus %s: %s\n", argv[1], ec ? ec.message().c_str() : "no inputs");
    return 1;
  }
  std::printf("replayed %zu inputs from %s\n", replayed, argv[1]);
  return 0;
}
