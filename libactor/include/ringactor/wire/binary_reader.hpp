// ringactor wire: the binary format's reader, an inspector that fills a
// value from bytes and validates as it goes. Bad input is an error naming
// the type, the field path and the byte offset; nothing is allocated for a
// length before the length is checked against the limits and the input.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstring>
#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include "ringactor/error.hpp"
#include "ringactor/inspect.hpp"
#include "ringactor/wire/encoding.hpp"
#include "ringactor/wire/enum_description.hpp"
#include "ringactor/wire/fast_layout.hpp"
#include "ringactor/wire_error.hpp"

namespace ringactor::wire {

/// The fewest bytes a value of T takes on the wire (0 for objects, whose
/// fields are not known at compile time).
template <class T>
constexpr std::size_t min_wire_size() noexcept {
  constexpr auto k = kind_of<T>;
  if constexpr (k == field_kind::boolean || k == field_kind::integer || k == field_kind::floating
                || k == field_kind::enumeration)
    return sizeof(T);
  else if constexpr (k == field_kind::duration)
    return sizeof(typename T::rep);
  else if constexpr (k == field_kind::array)
    return std::tuple_size_v<T> * min_wire_size<typename T::value_type>();
  else if constexpr (k == field_kind::actor_handle)
    return 16;
  else if constexpr (k == field_kind::object)
    return 0;
  else
    return 1; // a length, a flag, an index or an empty name
}

class binary_reader : public inspector_base<binary_reader> {
public:
  static constexpr bool is_loading = true;

  binary_reader(const std::byte* data, std::size_t size, const wire_limits& limits,
                std::string_view type) noexcept
    : data_(data), size_(size), limits_(limits), type_(type) {}
  /// The limits are kept by reference: a temporary would dangle.
  binary_reader(const std::byte*, std::size_t, const wire_limits&&, std::string_view) = delete;

  const error& get_error() const noexcept { return err_; }
  std::size_t offset() const noexcept { return pos_; }
  std::size_t remaining() const noexcept { return size_ - pos_; }

  /// An error at the current offset and path.
  bool fail(wire_errc code, std::string_view what) { return fail_at(pos_, code, what); }
  bool fail_at(std::size_t offset, wire_errc code, std::string_view what);

  // -- the inspector protocol ---------------------------------------------------

  bool begin_object(std::string_view) { return enter(); }
  bool end_object() {
    --depth_;
    return true;
  }
  bool begin_field(std::string_view) { return true; }
  bool end_field() { return true; }

  template <class T>
  bool value(T& x) {
    constexpr auto k = kind_of<T>;
    if constexpr (k == field_kind::boolean) {
      std::uint8_t b = 0;
      if (!raw(&b, 1))
        return false;
      if (b > 1)
        return fail_at(pos_ - 1, wire_errc::invalid_value, "a bool is neither 0 nor 1");
      x = b == 1;
      return true;
    } else if constexpr (k == field_kind::integer) {
      return raw(&x, sizeof(T));
    } else if constexpr (k == field_kind::floating) {
      if (!raw(&x, sizeof(T)))
        return false;
      return finite(x, pos_ - sizeof(T));
    } else if constexpr (k == field_kind::enumeration) {
      std::underlying_type_t<T> u{};
      if (!raw(&u, sizeof(u)))
        return false;
      x = static_cast<T>(u);
      if constexpr (described_enum<T>)
        if (!is_listed_enumerator(x))
          return fail_at(pos_ - sizeof(u), wire_errc::invalid_value, not_an_enumerator(x));
      return true;
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
      if (!enter())
        return false;
      for (std::size_t i = 0; i < x.size(); ++i) {
        push_index(i);
        if (!value(x[i]))
          return false;
        pop_path();
      }
      --depth_;
      return true;
    } else if constexpr (k == field_kind::optional) {
      std::uint8_t b = 0;
      if (!raw(&b, 1))
        return false;
      if (b > 1)
        return fail_at(pos_ - 1, wire_errc::invalid_value, "an optional's flag is neither 0 nor 1");
      if (b == 0) {
        x.reset();
        return true;
      }
      return value(x.emplace());
    } else if constexpr (k == field_kind::variant) {
      return variant(x, std::make_index_sequence<std::variant_size_v<T>>{});
    } else if constexpr (k == field_kind::map) {
      return map(x);
    } else if constexpr (k == field_kind::actor_handle) {
      actor_address addr;
      if (!raw(&addr.node, sizeof(addr.node)) || !raw(&addr.id, sizeof(addr.id)))
        return false;
      if constexpr (std::is_same_v<T, actor_address>) {
        x = addr;
        return true;
      } else {
        return fail_at(pos_ - 16, wire_errc::invalid_value,
                       "an actor handle cannot be read from the wire; declare the field as "
                       "actor_address");
      }
    } else if constexpr (k == field_kind::error) {
      return error_value(x);
    } else if constexpr (k == field_kind::object) {
      if (const auto& layout = fast_layout_of<T>(); layout.eligible) {
        auto at = pos_;
        if (fast(&x, sizeof(T), layout))
          return true;
        // Bad or short input: read it again field by field, which fails at
        // the same byte and names the field.
        pos_ = at;
      }
      return inspect(*this, x);
    } else {
      return false; // not a field type: field() and the entry points said so at compile time
    }
  }

  /// Reads a length (a varint) and checks it against the limit and against
  /// the input left, where each unit takes at least `min_unit` bytes.
  bool length(std::size_t& n, std::size_t min_unit);

private:
  bool enter() {
    if (++depth_ > limits_.max_depth)
      return fail(wire_errc::depth_exceeded, "nesting is deeper than max_depth");
    return true;
  }

  bool raw(void* dst, std::size_t n) {
    if (n > remaining())
      return fail(wire_errc::truncated, "the input ends inside a value");
    if (n > 0)
      std::memcpy(dst, data_ + pos_, n);
    pos_ += n;
    return true;
  }

  template <class F>
  bool finite(F x, std::size_t at) {
    if (!limits_.allow_nan && !std::isfinite(x))
      return fail_at(at, wire_errc::nan_not_allowed, "a float is NaN or infinite");
    return true;
  }

  bool string(std::string& x);
  bool error_value(ringactor::error& x);
  /// The memcpy path: false, with no error set and nothing consumed, when
  /// the input is short or a value fails validation.
  bool fast(void* dst, std::size_t n, const fast_layout& layout);

  template <class T>
  bool list(T& x) {
    using elem = typename T::value_type;
    constexpr bool bulk = std::is_arithmetic_v<elem> && !std::is_same_v<elem, bool>;
    std::size_t n = 0;
    if (!length(n, min_wire_size<elem>()) || !enter())
      return false;
    x.clear();
    if constexpr (bulk) {
      x.resize(n);
      if (!raw(x.data(), n * sizeof(elem)))
        return false;
      if constexpr (std::is_floating_point_v<elem>) {
        for (std::size_t i = 0; i < n; ++i) {
          if (!limits_.allow_nan && !std::isfinite(x[i])) {
            push_index(i);
            return finite(x[i], pos_ - (n - i) * sizeof(elem));
          }
        }
      }
    } else {
      // n is checked against the input (n * min_wire_size <= remaining), but
      // an element may be far larger in memory than on the wire: reserve a
      // bounded amount and let the vector grow with what is really read.
      x.reserve(std::min<std::size_t>(n, 1024));
      for (std::size_t i = 0; i < n; ++i) {
        push_index(i);
        if (!value(x.emplace_back()))
          return false;
        pop_path();
      }
    }
    --depth_;
    return true;
  }

  template <class T, std::size_t... Is>
  bool variant(T& x, std::index_sequence<Is...>) {
    auto at = pos_;
    std::size_t index = 0;
    if (!varint(index))
      return false;
    if (index >= sizeof...(Is))
      return fail_at(at, wire_errc::invalid_value, "a variant's index is past its alternatives");
    bool ok = false;
    static_cast<void>(((index == Is ? (ok = value(x.template emplace<Is>()), true) : false)
                       || ...));
    return ok;
  }

  template <class T>
  bool map(T& x) {
    std::size_t n = 0;
    using key = typename T::key_type;
    using mapped = typename T::mapped_type;
    if (!length(n, min_wire_size<key>() + min_wire_size<mapped>()) || !enter())
      return false;
    x.clear();
    for (std::size_t i = 0; i < n; ++i) {
      push_index(i);
      auto at = pos_;
      typename T::key_type key{};
      typename T::mapped_type val{};
      if (!value(key) || !value(val))
        return false;
      if (!x.emplace(std::move(key), std::move(val)).second)
        return fail_at(at, wire_errc::invalid_value, "a map has a key twice");
      pop_path();
    }
    --depth_;
    return true;
  }

  bool varint(std::size_t& x);

  const std::byte* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
  const wire_limits& limits_;
  std::string_view type_;
  std::size_t depth_ = 0;
  error err_;
};

} // namespace ringactor::wire
