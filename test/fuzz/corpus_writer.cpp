// Writes the seed corpus of a fuzz target: for each sample value
// (fuzz_samples.hpp) its valid encoding and a few near misses (truncated,
// one trailing byte, bytes that break one rule). The files are checked in
// under test/fuzz/corpus/; regenerate them after a format change with
//   build/test/fuzz/fuzz_corpus_writer binary test/fuzz/corpus/binary
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <ringactor/binary_format.hpp>

#include "fuzz_samples.hpp"

namespace {

using bytes = std::vector<std::byte>;

bool write_file(const std::filesystem::path& path, const bytes& data) {
  std::ofstream out{path, std::ios::binary | std::ios::trunc};
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  if (!out) {
    std::fprintf(stderr, "corpus_writer: cannot write %s\n", path.c_str());
    return false;
  }
  return true;
}

/// The valid encoding plus the near misses every type gets.
bool write_variants(const std::filesystem::path& dir, std::string_view name, const bytes& valid) {
  std::string base{name};
  bool ok = write_file(dir / (base + ".bin"), valid);
  if (!valid.empty()) {
    ok = ok && write_file(dir / (base + ".truncated.bin"), bytes(valid.begin(), valid.end() - 1));
    auto flipped = valid;
    flipped[0] = std::byte{0xff};
    ok = ok && write_file(dir / (base + ".first_ff.bin"), flipped);
  }
  auto trailing = valid;
  trailing.push_back(std::byte{0});
  return ok && write_file(dir / (base + ".trailing.bin"), trailing);
}

template <class T>
bool write_samples(const std::filesystem::path& dir, const std::vector<fuzz::sample<T>>& samples) {
  for (const auto& s : samples) {
    auto encoded = ringactor::to_bytes(s.value);
    if (!encoded) {
      std::fprintf(stderr, "corpus_writer: %.*s does not encode: %s\n",
                   static_cast<int>(s.name.size()), s.name.data(),
                   ringactor::to_string(encoded.error()).c_str());
      return false;
    }
    if (!write_variants(dir, s.name, *encoded))
      return false;
  }
  return true;
}

/// Encodings that break one rule each where the layout is fixed (the
/// 32-byte pod: a bool that is 2, a NaN price).
bool write_rule_breakers(const std::filesystem::path& dir) {
  auto valid = ringactor::to_bytes(fuzz::pod_samples()[1].value);
  if (!valid || valid->size() != sizeof(fuzz::pod))
    return false;
  auto bool_two = *valid;
  bool_two[offsetof(fuzz::pod, urgent)] = std::byte{2};
  auto nan_price = *valid;
  double nan = std::numeric_limits<double>::quiet_NaN();
  std::memcpy(nan_price.data() + offsetof(fuzz::pod, price), &nan, sizeof nan);
  // A length prefix of 2^35 where mixed's name begins.
  auto mixed = ringactor::to_bytes(fuzz::mixed_samples()[1].value);
  if (!mixed)
    return false;
  bytes huge_length{std::byte{0xff}, std::byte{0xff}, std::byte{0xff}, std::byte{0xff},
                    std::byte{0x7f}};
  huge_length.insert(huge_length.end(), mixed->begin() + 1, mixed->end());
  return write_file(dir / "pod_typical.bool_two.bin", bool_two)
         && write_file(dir / "pod_typical.nan_price.bin", nan_price)
         && write_file(dir / "mixed_full.huge_length.bin", huge_length);
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 3 || std::string_view{argv[1]} != "binary") {
    std::fprintf(stderr, "usage: %s binary OUT_DIR\n", argv[0]);
    return 2;
  }
  std::filesystem::path dir{argv[2]};
  std::filesystem::create_directories(dir);
  bool ok = write_samples(dir, fuzz::pod_samples()) && write_samples(dir, fuzz::mixed_samples())
            && write_samples(dir, fuzz::leaf_samples())
            && write_samples(dir, fuzz::branch_samples())
            && write_samples(dir, fuzz::deep_samples()) && write_rule_breakers(dir);
  return ok ? 0 : 1;
}
