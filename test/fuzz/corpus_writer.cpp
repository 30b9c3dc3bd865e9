// Writes the seed corpus of a fuzz target: for each sample value
// (fuzz_samples.hpp) its valid encoding and a few near misses (truncated,
// one trailing byte, bytes that break one rule). The files are checked in
// under test/fuzz/corpus/; regenerate them after a format change with
//   build/test/fuzz/fuzz_corpus_writer binary test/fuzz/corpus/binary
//   build/test/fuzz/fuzz_corpus_writer json test/fuzz/corpus/json
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
#include <ringactor/json_format.hpp>

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

bytes from_text(std::string_view text) {
  bytes out(text.size());
  std::memcpy(out.data(), text.data(), text.size());
  return out;
}

enum class format { binary, json };

std::string_view extension(format f) {
  return f == format::binary ? ".bin" : ".json";
}

/// The valid encoding plus the near misses every type gets: truncated,
/// trailing bytes, the first byte 0xff.
bool write_variants(const std::filesystem::path& dir, format f, std::string_view name,
                    const bytes& valid) {
  std::string base{name};
  std::string ext{extension(f)};
  bool ok = write_file(dir / (base + ext), valid);
  if (!valid.empty()) {
    ok = ok && write_file(dir / (base + ".truncated" + ext), bytes(valid.begin(), valid.end() - 1));
    auto flipped = valid;
    flipped[0] = std::byte{0xff};
    ok = ok && write_file(dir / (base + ".first_ff" + ext), flipped);
  }
  auto trailing = valid;
  trailing.push_back(f == format::binary ? std::byte{0} : std::byte{'x'});
  return ok && write_file(dir / (base + ".trailing" + ext), trailing);
}

template <class T>
ringactor::expected<bytes> encode(format f, const T& x) {
  if (f == format::binary)
    return ringactor::to_bytes(x);
  auto text = ringactor::to_json(x);
  if (!text)
    return text.error();
  return from_text(*text);
}

template <class T>
bool write_samples(const std::filesystem::path& dir, format f,
                   const std::vector<fuzz::sample<T>>& samples) {
  for (const auto& s : samples) {
    auto encoded = encode(f, s.value);
    if (!encoded) {
      std::fprintf(stderr, "corpus_writer: %.*s does not encode: %s\n",
                   static_cast<int>(s.name.size()), s.name.data(),
                   ringactor::to_string(encoded.error()).c_str());
      return false;
    }
    if (!write_variants(dir, f, s.name, *encoded))
      return false;
  }
  return true;
}

/// Binary encodings that break one rule each where the layout is fixed (the
/// 32-byte pod: a bool that is 2, a NaN price; mixed's first length).
bool write_binary_rule_breakers(const std::filesystem::path& dir) {
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

/// `text` with its first `from` replaced by `to`; fails when `from` is not
/// there (the sample's JSON changed shape: update the rule breaker).
bool write_replaced(const std::filesystem::path& path, std::string text, std::string_view from,
                    std::string_view to) {
  auto at = text.find(from);
  if (at == std::string::npos) {
    std::fprintf(stderr, "corpus_writer: %s: '%.*s' not found in %s\n", path.c_str(),
                 static_cast<int>(from.size()), from.data(), text.c_str());
    return false;
  }
  text.replace(at, from.size(), to);
  return write_file(path, from_text(text));
}

/// JSON that breaks one rule each: an integer past its type, a bool that is
/// a number, NaN, an unknown field, a string where a number belongs, invalid
/// UTF-8, a nesting bomb, a duplicate key.
bool write_json_rule_breakers(const std::filesystem::path& dir) {
  auto pod = ringactor::to_json(fuzz::pod_samples()[1].value);
  auto mixed = ringactor::to_json(fuzz::mixed_samples()[1].value);
  auto deep = ringactor::to_json(fuzz::deep_samples()[1].value);
  if (!pod || !mixed || !deep)
    return false;
  std::string bomb = "{\"branches\":" + std::string(200, '[') + std::string(200, ']') + "}";
  return write_replaced(dir / "pod_typical.qty_overflow.json", *pod, "\"qty\":-3",
                        "\"qty\":99999999999")
         && write_replaced(dir / "pod_typical.bool_two.json", *pod, "\"urgent\":true",
                           "\"urgent\":2")
         && write_replaced(dir / "pod_typical.nan_price.json", *pod, "\"price\":9.5",
                           "\"price\":NaN")
         && write_replaced(dir / "pod_typical.unknown_field.json", *pod, "{",
                           "{\"unknown\":[1,{\"a\":null}],")
         && write_replaced(dir / "pod_typical.duplicate_key.json", *pod, "{", "{\"id\":1,")
         && write_replaced(dir / "pod_typical.string_for_number.json", *pod, "\"qty\":-3",
                           "\"qty\":\"-3\"")
         && write_replaced(dir / "mixed_full.invalid_utf8.json", *mixed, "rush", "ru\xff\xfeh")
         && write_replaced(dir / "mixed_full.escapes.json", *mixed, "rush",
                           "r\\u00fc\\ud83d\\ude00\\n\\\"")
         && write_replaced(dir / "mixed_full.lone_surrogate.json", *mixed, "rush", "\\ud800")
         && write_file(dir / "deep.nesting_bomb.json", from_text(bomb));
}

} // namespace

int main(int argc, char** argv) {
  std::string_view which = argc == 3 ? std::string_view{argv[1]} : std::string_view{};
  if (which != "binary" && which != "json") {
    std::fprintf(stderr, "usage: %s binary|json OUT_DIR\n", argv[0]);
    return 2;
  }
  auto f = which == "binary" ? format::binary : format::json;
  std::filesystem::path dir{argv[2]};
  std::filesystem::create_directories(dir);
  bool ok = write_samples(dir, f, fuzz::pod_samples())
            && write_samples(dir, f, fuzz::mixed_samples())
            && write_samples(dir, f, fuzz::leaf_samples())
            && write_samples(dir, f, fuzz::branch_samples())
            && write_samples(dir, f, fuzz::deep_samples())
            && (f == format::binary ? write_binary_rule_breakers(dir)
                                    : write_json_rule_breakers(dir));
  return ok ? 0 : 1;
}
