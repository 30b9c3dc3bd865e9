// ringactor wire: the primitives of JSON text the writer appends: strings
// (escaped, validated as UTF-8) and numbers (integers exactly, floats in the
// shortest form that reads back to the same value).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ringactor::wire {

/// Appends `str` as a JSON string literal: quotes, `"` `\` and control
/// characters escaped, everything else as is (UTF-8). Returns the offset
/// of the first byte of `str` that is not valid UTF-8 (then nothing is
/// appended), or str.size() on success.
std::size_t append_json_string(std::string& out, std::string_view str);

void append_json_integer(std::string& out, std::int64_t x);
void append_json_integer(std::string& out, std::uint64_t x);

/// Appends a finite float in the shortest form that reads back to the same
/// double (or float): 0.1 -> "0.1", 1.0 -> "1", 1e300 -> "1e+300".
void append_json_number(std::string& out, double x);
void append_json_number(std::string& out, float x);

} // namespace ringactor::wire
