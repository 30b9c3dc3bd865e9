// Runs a fuzz target's LLVMFuzzerTestOneInput once on each file of the
// directories (or files) given on the command line, the way a libFuzzer
// binary replays a corpus, for builds without clang: the seed corpus is a
// test of every build (suite "fuzz"), and the sanitizer runs check it too.
//   fuzz_binary_corpus test/fuzz/corpus/binary
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

int replay(const std::filesystem::path& file) {
  std::ifstream in{file, std::ios::binary};
  if (!in) {
    std::fprintf(stderr, "corpus_replay: cannot read %s\n", file.c_str());
    return 1;
  }
  std::vector<char> bytes{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
  // Its own allocation, so that AddressSanitizer sees a read past the end.
  std::vector<std::uint8_t> input(bytes.begin(), bytes.end());
  LLVMFuzzerTestOneInput(input.data(), input.size());
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
    return 2;
  }
  std::size_t count = 0;
  int rc = 0;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path arg{argv[i]};
    std::error_code ec;
    if (std::filesystem::is_directory(arg, ec)) {
      for (const auto& entry : std::filesystem::directory_iterator{arg}) {
        if (entry.is_regular_file()) {
          rc |= replay(entry.path());
          ++count;
        }
      }
    } else {
      rc |= replay(arg);
      ++count;
    }
  }
  if (count == 0) {
    std::fprintf(stderr, "corpus_replay: no inputs found\n");
    return 1;
  }
  std::printf("corpus_replay: %zu inputs, no property broken\n", count);
  return rc;
}
