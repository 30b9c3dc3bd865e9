// The JSON reader's non-template parts (json/json_reader.hpp).
#include "ringactor/json/json_reader.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

#include "ringactor/wire/encoding.hpp"

namespace ringactor::wire {

bool json_reader::fail(wire_errc code, std::string_view what) {
  err_ = make_error(code, type_, path(), "at " + pointer_.str(), what);
  return false;
}

bool json_reader::end_object() {
  auto f = frames_.back();
  frames_.pop_back();
  auto first = names_.begin() + static_cast<std::ptrdiff_t>(f.first);
  if (f.found != f.node.size() && !limits_.allow_unknown_fields) {
    for (std::size_t i = 0; i < f.node.size(); ++i) {
      auto key = f.node.key_at(i);
      if (std::find(first, names_.end(), key) == names_.end()) {
        pointer_.push_key(key);
        return fail(wire_errc::unknown_field,
                    "the type has no field \"" + std::string{key}
                      + "\" (wire_limits::allow_unknown_fields skips such fields)");
      }
    }
  }
  names_.erase(first, names_.end());
  return true;
}

bool json_reader::integer64(std::int64_t& s, std::uint64_t& u, bool& negative) {
  switch (cur_.type()) {
    case json_type::int64:
      s = cur_.as_int64();
      negative = s < 0;
      u = negative ? 0 : static_cast<std::uint64_t>(s);
      return true;
    case json_type::uint64:
      u = cur_.as_uint64();
      negative = false;
      return true;
    case json_type::floating: {
      // The parser keeps integers that fit 64 bits exactly; a double here
      // is either written with a fraction or exponent, or an integer past
      // 64 bits (which the parser could only round).
      double d = cur_.as_double();
      if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) >= 9223372036854775808.0)
        return fail(wire_errc::integer_overflow, "the integer does not fit 64 bits");
      return fail(wire_errc::type_mismatch,
                  "expected an integer, got a number with a fraction or exponent");
    }
    default:
      return fail(wire_errc::type_mismatch,
                  "expected an integer, got " + std::string{json_type_name(cur_.type())});
  }
}

bool json_reader::number(double& x) {
  auto t = cur_.type();
  if (t == json_type::string) {
    auto str = cur_.as_string();
    double special = 0;
    if (str == "NaN")
      special = std::numeric_limits<double>::quiet_NaN();
    else if (str == "Infinity")
      special = std::numeric_limits<double>::infinity();
    else if (str == "-Infinity")
      special = -std::numeric_limits<double>::infinity();
    else
      return fail(wire_errc::type_mismatch, "expected a number, got a string");
    if (!limits_.allow_nan)
      return fail(wire_errc::nan_not_allowed,
                  "\"" + std::string{str} + "\" is not allowed (wire_limits::allow_nan)");
    x = special;
    return true;
  }
  if (t != json_type::int64 && t != json_type::uint64 && t != json_type::floating)
    return fail(wire_errc::type_mismatch,
                "expected a number, got " + std::string{json_type_name(t)});
  x = cur_.as_double();
  // The parser reads a number past the double range (1e400) as infinite.
  if (!std::isfinite(x) && !limits_.allow_nan)
    return fail(wire_errc::nan_not_allowed, "the number is past the double range");
  return true;
}

bool json_reader::string(std::string& x) {
  if (!expect(json_type::string, "a string"))
    return false;
  auto str = cur_.as_string();
  if (!check_length(str.size()))
    return false;
  // The parser validated UTF-8 already; this keeps the reader safe on its own.
  if (auto bad = utf8_invalid_at(str); bad < str.size())
    return fail(wire_errc::invalid_utf8, "string is not valid UTF-8");
  x.assign(str.data(), str.size());
  return true;
}

bool json_reader::address(actor_address& x) {
  if (!expect(json_type::object, "an object {\"node\": .., \"id\": ..} (an actor address)"))
    return false;
  auto node = cur_;
  actor_address out;
  bool ok = begin_object({}) && apply_field(field_ref<std::uint64_t>{"node", &out.node})
            && apply_field(field_ref<actor_id>{"id", &out.id}) && end_object();
  if (!ok)
    return false;
  cur_ = node;
  x = out;
  return true;
}

bool json_reader::error_value(ringactor::error& x) {
  if (cur_.type() == json_type::null) {
    x = ringactor::error{};
    return true;
  }
  if (!expect(json_type::object, "null or an object {\"category\", \"code\", \"context\"}"))
    return false;
  std::string category;
  std::int32_t code = 0;
  std::optional<std::string> context;
  bool ok = begin_object({}) && apply_field(field_ref<std::string>{"category", &category})
            && apply_field(field_ref<std::int32_t>{"code", &code})
            && apply_field(field_ref<std::optional<std::string>>{"context", &context})
            && end_object();
  if (!ok)
    return false;
  auto* cat = find_error_category(category);
  if (cat == nullptr) {
    pointer_.push_key("category");
    return fail(wire_errc::invalid_value,
                "\"" + category + "\" is no known error category (wire::register_error_category)");
  }
  if (code == 0) {
    pointer_.push_key("code");
    return fail(wire_errc::invalid_value, "an error with a category has code 0");
  }
  x = ringactor::error{std::error_code{code, *cat}, context ? std::move(*context) : std::string{}};
  return true;
}

} // namespace ringactor::wire
