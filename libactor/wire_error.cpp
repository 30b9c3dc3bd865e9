#include "ringactor/wire_error.hpp"

#include <algorithm>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include <fmt/format.h>

namespace ringactor {

namespace {

class wire_category_impl final : public std::error_category {
public:
  const char* name() const noexcept override { return "wire"; }
  std::string message(int code) const override {
    switch (static_cast<wire_errc>(code)) {
      case wire_errc::none: return "no error";
      case wire_errc::truncated: return "the input ended before the value did";
      case wire_errc::trailing_bytes: return "bytes were left after the value";
      case wire_errc::limit_exceeded: return "a size or length is past a wire limit";
      case wire_errc::type_mismatch: return "a value has another type than expected";
      case wire_errc::unknown_type: return "no type is registered under this name or id";
      case wire_errc::unknown_field: return "the input names a field the type does not have";
      case wire_errc::invalid_utf8: return "a string is not valid UTF-8";
      case wire_errc::integer_overflow: return "an integer does not fit its field";
      case wire_errc::nan_not_allowed: return "a float is NaN or infinite where not allowed";
      case wire_errc::depth_exceeded: return "values nest deeper than the limit";
      case wire_errc::digest_mismatch: return "the two sides describe the type differently";
      case wire_errc::invalid_value: return "a value is outside its domain";
      case wire_errc::missing_field: return "the input lacks a field of the type";
      case wire_errc::not_inspectable: return "the type has no inspect function and no wire form";
    }
    return fmt::format("unknown wire code {}", code);
  }
};

struct category_table {
  std::shared_mutex mtx;
  std::vector<const std::error_category*> xs; // guarded by mtx
};

category_table& categories() {
  static category_table instance{{}, {&sec_category(), &exit_reason_category(), &wire_category()}};
  return instance;
}

} // namespace

const std::error_category& wire_category() noexcept {
  static const wire_category_impl instance;
  return instance;
}

namespace wire {

error make_error(wire_errc code, std::string_view type, std::string_view path,
                 std::string_view where, std::string_view what) {
  std::string ctx;
  for (auto part : {type, path, where, what}) {
    if (part.empty())
      continue;
    if (!ctx.empty())
      ctx += ": ";
    ctx.append(part);
  }
  return error{code, std::move(ctx)};
}

bool register_error_category(const std::error_category& category) {
  auto& t = categories();
  std::unique_lock guard{t.mtx};
  auto same = [&](const std::error_category* x) {
    return std::string_view{x->name()} == category.name();
  };
  if (std::any_of(t.xs.begin(), t.xs.end(), same))
    return false;
  t.xs.push_back(&category);
  return true;
}

const std::error_category* find_error_category(std::string_view name) noexcept {
  auto& t = categories();
  std::shared_lock guard{t.mtx};
  for (auto* x : t.xs)
    if (name == x->name())
      return x;
  return nullptr;
}

} // namespace wire

} // namespace ringactor
