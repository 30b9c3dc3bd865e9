// ringactor: the errors of the metrics registry's runtime calls.
#pragma once

#include <system_error>

namespace ringactor::metrics {

/// What family::get() returns instead of a child.
enum class errc : int {
  label_set_cap_reached = 1, ///< the family already holds its maximum of label sets
  label_count_mismatch,      ///< the number of label values differs from the label names
};

const std::error_category& errc_category() noexcept;

inline std::error_code make_error_code(errc x) noexcept {
  return {static_cast<int>(x), errc_category()};
}

} // namespace ringactor::metrics

template <>
struct std::is_error_code_enum<ringactor::metrics::errc> : std::true_type {};
