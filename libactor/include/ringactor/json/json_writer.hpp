// ringactor wire: the JSON format's writer, an inspector that appends a
// value's JSON text to a string. json_format.hpp has the entry points
// (to_json) and the mapping of every field kind to JSON.
#pragma once

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "ringactor/error.hpp"
#include "ringactor/inspect.hpp"
#include "ringactor/wire/enum_description.hpp"
#include "ringactor/json/json_pointer.hpp"
#include "ringactor/json/json_text.hpp"
#include "ringactor/json/json_variant_key.hpp"
#include "ringactor/wire_error.hpp"

namespace ringactor::wire {

class json_writer : public inspector_base<json_writer> {
public:
  static constexpr bool is_loading = false;

  /// Appends to `out`; `type` names the message in errors.
  json_writer(std::string& out, const wire_limits& limits, std::string_view type) noexcept
    : out_(out), limits_(limits), type_(type) {}
  /// The limits are kept by reference: a temporary would dangle.
  json_writer(std::string&, const wire_limits&&, std::string_view) = delete;

  const error& get_error() const noexcept { return err_; }

  // -- the inspector protocol ---------------------------------------------------

  bool begin_object(std::string_view) {
    if (!enter())
      return false;
    out_ += '{';
    return true;
  }
  bool end_object() {
    out_ += '}';
    --depth_;
    return true;
  }
  bool begin_field(std::string_view name) {
    if (out_.back() != '{')
      out_ += ',';
    pointer_.push_key(name);
    return key(name);
  }
  bool end_field() {
    pointer_.pop();
    return true;
  }

  template <class T>
  bool value(T& x) {
    constexpr auto k = kind_of<T>;
    static_assert(check_field_type<T>());
    if constexpr (k == field_kind::boolean) {
      out_ += x ? "true" : "false";
      return true;
    } else if constexpr (k == field_kind::integer) {
      if constexpr (std::is_signed_v<T>)
        append_json_integer(out_, static_cast<std::int64_t>(x));
      else
        append_json_integer(out_, static_cast<std::uint64_t>(x));
      return true;
    } else if constexpr (k == field_kind::floating) {
      return number(x);
    } else if constexpr (k == field_kind::enumeration) {
      if constexpr (described_enum<T>) { // by name
        auto name = enumerator_name(x);
        if (name.empty())
          return fail(wire_errc::invalid_value, not_an_enumerator(x));
        append_json_string(out_, name);
        return true;
      } else {
        auto u = static_cast<std::underlying_type_t<T>>(x);
        return value(u);
      }
    } else if constexpr (k == field_kind::duration) {
      auto count = x.count();
      return value(count);
    } else if constexpr (k == field_kind::string) {
      return string(x);
    } else if constexpr (k == field_kind::list || k == field_kind::array) {
      return elements(x);
    } else if constexpr (k == field_kind::optional) {
      if (!x.has_value()) {
        out_ += "null";
        return true;
      }
      return value(*x);
    } else if constexpr (k == field_kind::variant) {
      if (x.valueless_by_exception())
        return fail(wire_errc::invalid_value, "the variant is valueless");
      auto name = json_variant_key<T>(x.index());
      if (!enter())
        return false;
      out_ += '{';
      pointer_.push_key(name);
      if (!key(name) || !std::visit([this](auto& y) { return this->value(y); }, x))
        return false;
      pointer_.pop();
      out_ += '}';
      --depth_;
      return true;
    } else if constexpr (k == field_kind::map) {
      return map(x);
    } else if constexpr (k == field_kind::actor_handle) {
      actor_address addr = address_of(x);
      out_ += "{\"node\":";
      append_json_integer(out_, static_cast<std::uint64_t>(addr.node));
      out_ += ",\"id\":";
      append_json_integer(out_, static_cast<std::uint64_t>(addr.id));
      out_ += '}';
      return true;
    } else if constexpr (k == field_kind::error) {
      return error_value(x);
    } else {
      static_assert(k == field_kind::object);
      return inspect(*this, x);
    }
  }

private:
  bool enter() {
    if (++depth_ > limits_.max_depth)
      return fail(wire_errc::depth_exceeded, "nesting is deeper than max_depth");
    return true;
  }

  bool length(std::size_t n) {
    if (n > limits_.max_container_length)
      return fail(wire_errc::limit_exceeded, "length is past max_container_length");
    return true;
  }

  /// `"name":`
  bool key(std::string_view name) {
    if (append_json_string(out_, name) < name.size())
      return fail(wire_errc::invalid_utf8, "key is not valid UTF-8");
    out_ += ':';
    return true;
  }

  bool string(const std::string& x) {
    if (!length(x.size()))
      return false;
    if (auto bad = append_json_string(out_, x); bad < x.size())
      return fail(wire_errc::invalid_utf8,
                  "string is not valid UTF-8 (at its byte " + std::to_string(bad) + ")");
    return true;
  }

  template <class F>
  bool number(F x) {
    if (std::isfinite(x)) {
      append_json_number(out_, x);
      return true;
    }
    if (!limits_.allow_nan)
      return fail(wire_errc::nan_not_allowed, "a float is NaN or infinite");
    out_ += std::isnan(x) ? "\"NaN\"" : x > 0 ? "\"Infinity\"" : "\"-Infinity\"";
    return true;
  }

  template <class Range>
  bool elements(Range& xs) {
    if (!length(xs.size()) || !enter())
      return false;
    out_ += '[';
    std::size_t i = 0;
    for (auto& y : xs) {
      if (i > 0)
        out_ += ',';
      push_index(i);
      pointer_.push_index(i);
      if (!value(y))
        return false;
      pointer_.pop();
      pop_path();
      ++i;
    }
    out_ += ']';
    --depth_;
    return true;
  }

  // A map with std::string keys is an object; any other map is an array of
  // [key, value] pairs.
  template <class T>
  bool map(T& x) {
    constexpr bool string_keys = std::is_same_v<typename T::key_type, std::string>;
    if (!length(x.size()) || !enter())
      return false;
    out_ += string_keys ? '{' : '[';
    std::size_t i = 0;
    for (auto& [k, v] : x) {
      if (i > 0)
        out_ += ',';
      push_index(i);
      auto& key_ref = const_cast<typename T::key_type&>(k); // a saving walk writes nothing
      if constexpr (string_keys) {
        pointer_.push_key(k);
        if (!key(k) || !value(v))
          return false;
        pointer_.pop();
      } else {
        pointer_.push_index(i);
        if (!enter())
          return false;
        out_ += '[';
        pointer_.push_index(0);
        if (!value(key_ref))
          return false;
        pointer_.pop();
        out_ += ',';
        pointer_.push_index(1);
        if (!value(v))
          return false;
        pointer_.pop();
        out_ += ']';
        --depth_;
        pointer_.pop();
      }
      pop_path();
      ++i;
    }
    out_ += string_keys ? '}' : ']';
    --depth_;
    return true;
  }

  template <class Handle>
  static actor_address address_of(const Handle& x) {
    if constexpr (std::is_same_v<Handle, actor_address>)
      return x;
    else
      return actor_address{0, x.id()};
  }

  // {"category":"wire","code":3,"context":"..."}, or null for no error.
  bool error_value(const ringactor::error& x) {
    if (!x) {
      out_ += "null";
      return true;
    }
    out_ += "{\"category\":";
    append_json_string(out_, x.category_name());
    out_ += ",\"code\":";
    append_json_integer(out_, static_cast<std::int64_t>(x.code().value()));
    out_ += ",\"context\":";
    pointer_.push_key("context");
    auto ctx = x.context();
    if (auto bad = append_json_string(out_, ctx); bad < ctx.size())
      return fail(wire_errc::invalid_utf8, "the error's context is not valid UTF-8");
    pointer_.pop();
    out_ += '}';
    return true;
  }

  bool fail(wire_errc code, std::string_view what) {
    err_ = make_error(code, type_, path(), "at " + pointer_.str(), what);
    return false;
  }

  std::string& out_;
  const wire_limits& limits_;
  std::string_view type_;
  std::size_t depth_ = 0;
  json_pointer pointer_;
  error err_;
};

} // namespace ringactor::wire
