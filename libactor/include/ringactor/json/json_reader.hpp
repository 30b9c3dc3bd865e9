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
#include "ringactor/wire/enum_description.hpp"
#include "ringactor/json/json_node.hpp"
#include "ringactor/json/json_pointer.hpp"
#include "ringactor/json/json_variant_key.hpp"
#include "ringactor/wire_error.hpp"

namespace ringactor::wire {

class json_reader : public inspector_base<json_reader> {
public:
  static constexpr bool is_loading = true;

  /// Reads from `root`; `type` names the message in errors.
  json_reader(json_node root, const wire_limits& limits, std::string_view type) noexcept
    : cur_(root), limits_(limits), type_(type) {}
  /// The limits are kept by reference: a temporary would dangle.
  json_reader(json_node, const wire_limits&&, std::string_view) = delete;

  const error& get_error() const noexcept { return err_; }

  /// An error at the current field path and JSON pointer.
  bool fail(wire_errc code, std::string_view what);

  // -- the inspector protocol ---------------------------------------------------

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
    constexpr auto k = kind_of<T>;
    static_assert(check_field_type<T>());
    if (!cur_) { // a field the object lacks: only an optional may be absent
      if constexpr (k == field_kind::optional) {
        x.reset();
        return true;
      } else {
        return fail(wire_errc::missing_field, "the field is missing");
      }
    }
    if constexpr (k == field_kind::boolean) {
      if (!expect(json_type::boolean, "a bool"))
        return false;
      x = cur_.as_bool();
      return true;
    } else if constexpr (k == field_kind::integer) {
      return integer(x);
    } else if constexpr (k == field_kind::floating) {
      double d = 0;
      if (!number(d))
        return false;
      if constexpr (sizeof(T) < sizeof(double)) {
        if (std::isfinite(d) && std::fabs(d) > static_cast<double>(std::numeric_limits<T>::max()))
          return fail(wire_errc::invalid_value, "the number is out of the float's range");
      }
      x = static_cast<T>(d);
      return true;
    } else if constexpr (k == field_kind::enumeration) {
      if constexpr (described_enum<T>) { // by name
        if (!expect(json_type::string, "an enumerator's name (a string)"))
          return false;
        auto name = cur_.as_string();
        auto e = enumerator_named<T>(name);
        if (!e)
          return fail(wire_errc::invalid_value, "\"" + std::string{name} + "\" is no enumerator of "
                                                  + std::string{enum_traits<T>::description.name});
        x = *e;
        return true;
      } else {
        std::underlying_type_t<T> u{};
        if (!integer(u))
          return false;
        x = static_cast<T>(u);
        return true;
      }
    } else if constexpr (k == field_kind::duration) {
      typename T::rep count{};
      if (!value(count))
        return false;
      x = T{count};
      return true;
    } else if constexpr (k == field_kind::string) {
      return string(x);
    } else if constexpr (k == field_kind::list) {
      return list(x);
    } else if constexpr (k == field_kind::array) {
      if (!expect(json_type::array, "an array"))
        return false;
      if (cur_.size() != x.size())
        return fail(wire_errc::invalid_value, "the array has " + std::to_string(cur_.size())
                                                + " elements, the field "
                                                + std::to_string(x.size()));
      return elements(cur_, x.size(), [&](std::size_t i) { return value(x[i]); });
    } else if constexpr (k == field_kind::optional) {
      if (cur_.type() == json_type::null) {
        x.reset();
        return true;
      }
      return value(x.emplace());
    } else if constexpr (k == field_kind::variant) {
      return variant(x, std::make_index_sequence<std::variant_size_v<T>>{});
    } else if constexpr (k == field_kind::map) {
      return map(x);
    } else if constexpr (k == field_kind::actor_handle) {
      if constexpr (std::is_same_v<T, actor_address>) {
        return address(x);
      } else {
        return fail(wire_errc::invalid_value, "an actor handle cannot be read from the wire; "
                                              "declare the field as actor_address");
      }
    } else if constexpr (k == field_kind::error) {
      return error_value(x);
    } else {
      static_assert(k == field_kind::object);
      return inspect(*this, x);
    }
  }

private:
  struct frame {
    json_node node;    // the object being read
    std::size_t first; // its field names start at names_[first]
    std::size_t found; // how many of its members were fields
  };

  bool expect(json_type t, std::string_view what) {
    auto got = cur_.type();
    if (got == t)
      return true;
    return fail(wire_errc::type_mismatch,
                "expected " + std::string{what} + ", got " + std::string{json_type_name(got)});
  }

  bool length(std::size_t n) {
    if (n > limits_.max_container_length)
      return fail(wire_errc::limit_exceeded,
                  "length " + std::to_string(n) + " is past max_container_length ("
                    + std::to_string(limits_.max_container_length) + ")");
    return true;
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
      push_index(i);
      pointer_.push_index(i);
      if (!read(i))
        return false;
      pointer_.pop();
      pop_path();
    }
    return true;
  }

  template <class T>
  bool list(T& x) {
    if (!expect(json_type::array, "an array") || !length(cur_.size()))
      return false;
    auto node = cur_;
    x.clear();
    x.reserve(node.size()); // bounded: the parsed document has these elements
    return elements(node, node.size(), [&](std::size_t) { return value(x.emplace_back()); });
  }

  template <class T, std::size_t... Is>
  bool variant(T& x, std::index_sequence<Is...>) {
    if (!expect(json_type::object, "an object with one member (a variant)"))
      return false;
    if (cur_.size() != 1)
      return fail(wire_errc::invalid_value, "a variant is an object with one member, this one has "
                                              + std::to_string(cur_.size()));
    auto key = cur_.key_at(0);
    auto index = json_variant_index<T>(key);
    if (index >= sizeof...(Is))
      return fail(wire_errc::invalid_value,
                  "\"" + std::string{key} + "\" names no alternative of the variant");
    pointer_.push_key(key);
    cur_ = cur_.value_at(0);
    bool ok = false;
    static_cast<void>(((index == Is ? (ok = value(x.template emplace<Is>()), true) : false)
                       || ...));
    if (ok)
      pointer_.pop();
    return ok;
  }

  template <class T>
  bool map(T& x) {
    using key_type = typename T::key_type;
    constexpr bool string_keys = std::is_same_v<key_type, std::string>;
    auto node = cur_;
    if (!expect(string_keys ? json_type::object : json_type::array,
                string_keys ? "an object (a map)" : "an array of [key, value] pairs (a map)")
        || !length(node.size()))
      return false;
    x.clear();
    for (std::size_t i = 0; i < node.size(); ++i) {
      push_index(i);
      key_type k{};
      typename T::mapped_type v{};
      if constexpr (string_keys) {
        auto key = node.key_at(i);
        pointer_.push_key(key);
        if (!length(key.size()))
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
  const wire_limits& limits_;
  std::string_view type_;
  std::vector<frame> frames_;
  std::vector<std::string_view> names_; // the field names of every open object
  json_pointer pointer_;
  error err_;
};

} // namespace ringactor::wire
