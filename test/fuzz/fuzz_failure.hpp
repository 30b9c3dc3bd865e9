// How a fuzz target reports a broken property: a message on stderr, then
// abort(), which libFuzzer records as a crash and saves the input of.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace fuzz {

/// Prints "fuzz: TYPE: WHAT[: DETAIL]" and aborts.
[[noreturn]] inline void fail(std::string_view type, std::string_view what,
                              std::string_view detail = {}) {
  std::fprintf(stderr, "fuzz: %.*s: %.*s%s%.*s\n", static_cast<int>(type.size()), type.data(),
               static_cast<int>(what.size()), what.data(), detail.empty() ? "" : ": ",
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

} // namespace fuzz
