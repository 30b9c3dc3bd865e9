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
#include "ringactor/json/json_pointer.hpp"
#include "ringactor/json/json_text.hpp"
#include "ringactor/json/json_variant_key.hpp"
#include "ringactor/wire/format_base.hpp"
#include "ringactor/wire_error.hpp"

namespace ringactor::wire {

class json_writer : public format_base<json_writer> {
public:
  static constexpr bool is_loading = false;

  /// Appends to `out`; `type` names the message in errors.
  json_writer(std::string& out, const wire_limits& limits, std::string_view type) noexcept
    : format_base(limits, type), out_(out) {}
  /// The limits are kept by reference: a temporary would dangle.
  json_writer(std::string&, const wire_limits&&, std::string_view) = delete;

  /// An error at the current path and JSON pointer.
  bool fail(wire_errc code, std::string_view what) {
    err_ = make_error(code, type_, path(), "at " + pointer_.str(), what);
    return false;
  }

  // -- the inspector protocol ---------------------------------------------------

  bool begin_object(std::string_view) {
    if (!enter())
      return false;
    out_ += '{';
    return true;
  }
  bool end_object() {
    out_ += '}';
    leave();
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

private:
  friend class format_base<json_writer>;

  // -- one handler per kind (format_base::value dispatches) ---------------------

  bool boolean(bool x) {
    out_ += x ? "true" : "false";
    return true;
  }

  template <class T>
  bool integer(T x) {
    if constexpr (std::is_signed_v<T>)
      append_json_integer(out_, static_cast<std::int64_t>(x));
    else
      append_json_integer(out_, static_cast<std::uint64_t>(x));
    return true;
  }

  template <class F>
  bool floating(F x) {
    if (std::isfinite(x)) {
      append_json_number(out_, x);
      return true;
    }
    if (!limits_.allow_nan)
      return fail(wire_errc::nan_not_allowed, "a float is NaN or infinite");
    out_ += std::isnan(x) ? "\"NaN\"" : x > 0 ? "\"Infinity\"" : "\"-Infinity\"";
    return true;
  }

  /// A described enum, by name (format_base checked that it has one).
  template <class E>
  bool enumerator(E x) {
    append_json_string(out_, enumerator_name(x));
    return true;
  }

  bool string(const std::string& x) {
    if (!check_length(x.size()))
      return false;
    if (auto bad = append_json_string(out_, x); bad < x.size())
      return fail(wire_errc::invalid_utf8,
                  "string is not valid UTF-8 (at its byte " + std::to_string(bad) + ")");
    return true;
  }

  template <class T>
  bool list(T& x) {
    return elements(x);
  }

  template <class T>
  bool array(T& x) {
    return elements(x);
  }

  template <class T>
  bool optional(T& x) {
    if (!x.has_value()) {
      out_ += "null";
      return true;
    }
    return value(*x);
  }

  template <class T>
  bool variant(T& x) {
    if (x.valueless_by_exception())
      return fail(wire_errc::invalid_value, "the variant is valueless");
    auto name = json_variant_key<T>(x.index());
    if (!enter())
      return false;
    out_ += '{';
    pointer_.push_key(name);
    if (!key(name) || !alternative_value(x))
      return false;
    pointer_.pop();
    out_ += '}';
    leave();
    return true;
  }

  // A map with std::string keys is an object; any other map is an array of
  // [key, value] pairs.
  template <class T>
  bool map(T& x) {
    constexpr bool string_keys = std::is_same_v<typename T::key_type, std::string>;
    if (!check_length(x.size()) || !enter())
      return false;
    out_ += string_keys ? '{' : '[';
    std::size_t i = 0;
    for (auto& entry : x) { // not a structured binding: clang 14 cannot capture one
      if (i > 0)
        out_ += ',';
      auto& k = entry.first;
      auto& v = entry.second;
      auto& key_ref = const_cast<typename T::key_type&>(k); // a saving walk writes nothing
      bool ok = at_index(i, [&] {
        if constexpr (string_keys) {
          pointer_.push_key(k);
          if (!key(k) || !value(v))
            return false;
          pointer_.pop();
          return true;
        } else {
          pointer_.push_index(i);
          if (!enter())
            return false;
          out_ += '[';
          if (!pointed(0, [&] { return value(key_ref); }))
            return false;
          out_ += ',';
          if (!pointed(1, [&] { return value(v); }))
            return false;
          out_ += ']';
          leave();
          pointer_.pop();
          return true;
        }
      });
      if (!ok)
        return false;
      ++i;
    }
    out_ += string_keys ? '}' : ']';
    leave();
    return true;
  }

  bool address(const actor_address& addr) {
    out_ += "{\"node\":";
    append_json_integer(out_, static_cast<std::uint64_t>(addr.node));
    out_ += ",\"id\":";
    append_json_integer(out_, static_cast<std::uint64_t>(addr.id));
    out_ += '}';
    return true;
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

  // -- the format's primitives --------------------------------------------------

  /// `"name":`
  bool key(std::string_view name) {
    if (append_json_string(out_, name) < name.size())
      return fail(wire_errc::invalid_utf8, "key is not valid UTF-8");
    out_ += ':';
    return true;
  }

  /// Runs `step()` with index i on the JSON pointer (kept on failure).
  template <class Step>
  bool pointed(std::size_t i, Step&& step) {
    pointer_.push_index(i);
    if (!step())
      return false;
    pointer_.pop();
    return true;
  }

  template <class Range>
  bool elements(Range& xs) {
    if (!check_length(xs.size()) || !enter())
      return false;
    out_ += '[';
    std::size_t i = 0;
    for (auto& y : xs) {
      if (i > 0)
        out_ += ',';
      if (!at_index(i, [&] { return pointed(i, [&] { return value(y); }); }))
        return false;
      ++i;
    }
    out_ += ']';
    leave();
    return true;
  }

  std::string& out_;
  json_pointer pointer_;
};

} // namespace ringactor::wire
