// ringactor wire: the JSON format's reader, an inspector that fills a value
// from a parsed json_document and validates as it goes. Bad input is an
// error naming the type, the field path and the JSON pointer:
//   "shop.order: order.tags[3]: at /tags/3: expected a string, got an integer".
// json_format.hpp has the entry points (from_json) and the mapping.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "ringactor/error.hpp"
#include "ringactor/inspect.hpp"
#include "ringactor/json/json_node.hpp"
#include "ringactor/json/json_pointer.hpp"
#include "ringactor/json/json_variant_key.hpp"
#include "ringactor/wire/format_base.hpp"
#include "ringactor/wire_error.hpp"

namespace ringactor::wire {

class json_reader : public format_base<json_reader> {
public:
  static constexpr bool is_loading = true;

  /// Reads from `root`; `type` names the message in errors.
  json_reader(json_node root, const wire_limits& limits, std::string_view type) noexcept
    : format_base(limits, type), cur_(root) {}
  /// The limits are kept by reference: a temporary would dangle.
  json_reader(json_node, const wire_limits&&, std::string_view) = delete;

  /// An error at the current field path and JSON pointer.
  bool fail(wire_errc code, std::string_view what);

  // -- the inspector protocol ---------------------------------------------------
  // (The parser bounds the nesting: objects do not count depth here.)

  bool begin_object(std::string_view) {
    if (!expect(json_type::object, "an object"))
      return false;
    frames_.push_back(frame{cur_, names_.size(), 0});
    return true;
  }
  bool end_object();
  bool begin_field(std::string_view name) {
    auto& f = frames_.back();
    names_.push_back(name);
    cur_ = f.node.find(name);
    if (cur_)
      ++f.found;
    pointer_.push_key(name);
    return true;
  }
  bool end_field() {
    pointer_.pop();
    return true;
  }

  template <class T>
  bool value(T& x) {
    if (!cur_) { // a field the object lacks: only an optional may be absent
      if constexpr (kind_of<T> == field_kind::optional) {
        x.reset();
        return true;
      } else {
        return fail(wire_errc::missing_field, "the field is missing");
      }
    }
    return format_base::value(x);
  }

private:
  struct frame {
    json_node node;    // the object being read
    std::size_t first; // its field names start at names_[first]
    std::size_t found; // how many of its members were fields
  };

  friend class format_base<json_reader>;

  // -- one handler per kind (format_base::value dispatches) ---------------------

  bool boolean(bool& x) {
    if (!expect(json_type::boolean, "a bool"))
      return false;
    x = cur_.as_bool();
    return true;
  }

  template <class T>
  bool floating(T& x) {
    double d = 0;
    if (!number(d))
      return false;
    if constexpr (sizeof(T) < sizeof(double)) {
      if (std::isfinite(d) && std::fabs(d) > static_cast<double>(std::numeric_limits<T>::max()))
        return fail(wire_errc::invalid_value, "the number is out of the float's range");
    }
    x = static_cast<T>(d);
    return true;
  }

  /// A described enum, by name.
  template <class E>
  bool enumerator(E& x) {
    if (!expect(json_type::string, "an enumerator's name (a string)"))
      return false;
    auto name = cur_.as_string();
    auto e = enumerator_named<E>(name);
    if (!e)
      return fail(wire_errc::invalid_value, "\"" + std::string{name} + "\" is no enumerator of "
                                              + std::string{enum_traits<E>::description.name});
    x = *e;
    return true;
  }

  template <class T>
  bool array(T& x) {
    if (!expect(json_type::array, "an array"))
      return false;
    if (cur_.size() != x.size())
      return fail(wire_errc::invalid_value, "the array has " + std::to_string(cur_.size())
                                              + " elements, the field " + std::to_string(x.size()));
    return elements(cur_, x.size(), [&](std::size_t i) { return value(x[i]); });
  }

  template <class T>
  bool optional(T& x) {
    if (cur_.type() == json_type::null) {
      x.reset();
      return true;
    }
    return value(x.emplace());
  }

  // -- the format's primitives --------------------------------------------------

  bool expect(json_type t, std::string_view what) {
    auto got = cur_.type();
    if (got == t)
      return true;
    return fail(wire_errc::type_mismatch,
                "expected " + std::string{what} + ", got " + std::string{json_type_name(got)});
  }

  /// Reads any JSON integer into `x` (int64_t or uint64_t), exactly.
  bool integer64(std::int64_t& s, std::uint64_t& u, bool& negative);
  /// Reads a number (or, with allow_nan, "NaN", "Infinity", "-Infinity").
  bool number(double& x);
  bool string(std::string& x);
  bool address(actor_address& x);
  bool error_value(ringactor::error& x);

  template <class T>
  bool integer(T& x) {
    std::int64_t s = 0;
    std::uint64_t u = 0;
    bool negative = false;
    if (!integer64(s, u, negative))
      return false;
    using lim = std::numeric_limits<T>;
    bool fits;
    if (negative)
      fits = std::is_signed_v<T> && s >= static_cast<std::int64_t>(lim::min());
    else
      fits = u <= static_cast<std::uint64_t>(lim::max());
    if (!fits)
      return fail(wire_errc::integer_overflow,
                  (negative ? std::to_string(s) : std::to_string(u)) + " does not fit a "
                    + std::to_string(sizeof(T) * 8) + "-bit "
                    + (std::is_signed_v<T> ? "signed" : "unsigned") + " integer");
    x = negative ? static_cast<T>(s) : static_cast<T>(u);
    return true;
  }

  /// Runs `read(i)` for each element i of the array `node`, with cur_ and
  /// the paths at the element.
  template <class F>
  bool elements(json_node node, std::size_t n, F&& read) {
    for (std::size_t i = 0; i < n; ++i) {
      cur_ = node.at(i);
      pointer_.push_index(i);
      if (!at_index(i, [&] { return read(i); }))
        return false;
      pointer_.pop();
    }
    return true;
  }

  template <class T>
  bool list(T& x) {
    if (!expect(json_type::array, "an array") || !check_length(cur_.size()))
      return false;
    auto node = cur_;
    x.clear();
    x.reserve(node.size()); // bounded: the parsed document has these elements
    return elements(node, node.size(), [&](std::size_t) { return value(x.emplace_back()); });
  }

  template <class T>
  bool variant(T& x) {
    if (!expect(json_type::object, "an object with one member (a variant)"))
      return false;
    if (cur_.size() != 1)
      return fail(wire_errc::invalid_value, "a variant is an object with one member, this one has "
                                              + std::to_string(cur_.size()));
    auto key = cur_.key_at(0);
    auto index = json_variant_index<T>(key);
    if (index >= std::variant_size_v<T>)
      return fail(wire_errc::invalid_value,
                  "\"" + std::string{key} + "\" names no alternative of the variant");
    pointer_.push_key(key);
    cur_ = cur_.value_at(0);
    if (!emplace_alternative(x, index))
      return false;
    pointer_.pop();
    return true;
  }

  template <class T>
  bool map(T& x) {
    using key_type = typename T::key_type;
    constexpr bool string_keys = std::is_same_v<key_type, std::string>;
    auto node = cur_;
    if (!expect(string_keys ? json_type::object : json_type::array,
                string_keys ? "an object (a map)" : "an array of [key, value] pairs (a map)")
        || !check_length(node.size()))
      return false;
    x.clear();
    for (std::size_t i = 0; i < node.size(); ++i) {
      push_index(i);
      key_type k{};
      typename T::mapped_type v{};
      if constexpr (string_keys) {
        auto key = node.key_at(i);
        pointer_.push_key(key);
        if (!check_length(key.size()))
          return false;
        k.assign(key.data(), key.size());
        cur_ = node.value_at(i);
        if (!value(v))
          return false;
      } else {
        pointer_.push_index(i);
        cur_ = node.at(i);
        if (!expect(json_type::array, "a [key, value] pair"))
          return false;
        if (cur_.size() != 2)
          return fail(wire_errc::invalid_value, "a map entry is not a [key, value] pair");
        auto pair = cur_;
        bool ok = elements(pair, 2, [&](std::size_t j) { return j == 0 ? value(k) : value(v); });
        if (!ok)
          return false;
      }
      if (!x.emplace(std::move(k), std::move(v)).second)
        return fail(wire_errc::invalid_value, "a map has a key twice");
      pointer_.pop();
      pop_path();
    }
    return true;
  }

  json_node cur_;
  std::vector<frame> frames_;
  std::vector<std::string_view> names_; // the field names of every open object
  json_pointer pointer_;
};

} // namespace ringactor::wire
