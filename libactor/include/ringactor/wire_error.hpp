// ringactor: the errors and limits of the wire formats (binary, JSON).
//
// Every decoder takes a wire_limits and answers bad input with an error of
// category "wire" whose context names the type, the field path and where in
// the input it went wrong:
//
//   shop.order: order.tags[3]: at byte 27: string is not valid UTF-8
//
//   auto r = from_bytes(bytes, my_order);
//   if (!r && r.error() == wire_errc::invalid_utf8) ...
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>

#include "ringactor/error.hpp"

namespace ringactor {

/// What went wrong while writing or reading a message in a wire format.
enum class wire_errc : int {
  none = 0,
  truncated = 1,    ///< the input ended before the value did
  trailing_bytes,   ///< bytes were left after the value
  limit_exceeded,   ///< a size or length is past a wire_limits bound (or the input)
  type_mismatch,    ///< a value has another type than the field (JSON), or a
                    ///< message another type than asked for
  unknown_type,     ///< no type is registered under the name or id
  unknown_field,    ///< the input names a field the type does not have (JSON)
  invalid_utf8,     ///< a string is not valid UTF-8
  integer_overflow, ///< an integer does not fit its field, or a varint has over 64 bits
  nan_not_allowed,  ///< a float is NaN (or infinite) and wire_limits::allow_nan is false
  depth_exceeded,   ///< objects and containers nest deeper than wire_limits::max_depth
  digest_mismatch,  ///< two schemas of the same type differ (see schema.hpp)
  invalid_value,    ///< a value is out of its domain: a bool not 0/1, a variant index
                    ///< past its alternatives, an unknown error category, ...
  missing_field,    ///< the input lacks a field the type has (JSON)
  not_inspectable,  ///< the registered type has no inspect(), so it has no wire form
};

const std::error_category& wire_category() noexcept;

inline std::error_code make_error_code(wire_errc x) noexcept {
  return {static_cast<int>(x), wire_category()};
}

} // namespace ringactor

template <>
struct std::is_error_code_enum<ringactor::wire_errc> : std::true_type {};

namespace ringactor {

/// The bounds every decoder enforces. Nothing is allocated in proportion to
/// a length prefix before the length is checked against these and against
/// the input that remains.
struct wire_limits {
  std::size_t max_message_size = std::size_t{64} << 20;    ///< bytes (or JSON characters)
  std::size_t max_container_length = std::size_t{1} << 20; ///< elements, entries or bytes
  std::size_t max_depth = 64;                              ///< nested objects and containers
  bool allow_unknown_fields = false;                       ///< JSON: skip fields the type lacks
  bool allow_nan = false;                                  ///< accept NaN and infinities in floats
};

namespace wire {

/// The limits a call without its own uses. A constant, so that the checks
/// of a small message against it fold away where the call is inlined.
inline constexpr wire_limits default_limits{};

} // namespace wire

namespace wire {

/// The error a decoder reports: `code` with the context
/// "<type>: <path>: <where>: <what>", e.g. where = "at byte 27" (binary) or
/// "at /tags/3" (JSON). Empty parts are left out.
error make_error(wire_errc code, std::string_view type, std::string_view path,
                 std::string_view where, std::string_view what);

/// Makes an error category known by name, so that a loaded `error` finds
/// it again. sec, exit_reason and wire are known from the start; gpu, k2k
/// and supervision register theirs. Thread-safe; idempotent: true if the
/// name was new.
bool register_error_category(const std::error_category& category);

/// The category registered under `name`, or null.
const std::error_category* find_error_category(std::string_view name) noexcept;

} // namespace wire

} // namespace ringactor
