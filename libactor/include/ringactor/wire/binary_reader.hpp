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
#include "ringactor/wire/fast_layout.hpp"
#include "ringactor/wire/format_base.hpp"
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

class binary_reader : public format_base<binary_reader> {
public:
  static constexpr bool is_loading = true;

  binary_reader(const std::byte* data, std::size_t size, const wire_limits& limits,
                std::string_view type) noexcept
    : format_base(limits, type), data_(data), size_(size) {}
  /// The limits are kept by reference: a temporary would dangle.
  binary_reader(const std::byte*, std::size_t, const wire_limits&&, std::string_view) = delete;

  std::size_t offset() const noexcept { return pos_; }
  std::size_t remaining() const noexcept { return size_ - pos_; }

  /// An error at the current offset and path.
  bool fail(wire_errc code, std::string_view what) { return fail_at(pos_, code, what); }
  bool fail_at(std::size_t offset, wire_errc code, std::string_view what);

  /// Reads a length (a varint) and checks it against the limit and against
  /// the input left, where each unit takes at least `min_unit` bytes.
  bool length(std::size_t& n, std::size_t min_unit);

private:
  friend class format_base<binary_reader>;

  // -- one handler per kind (format_base::value dispatches) ---------------------

  bool boolean(bool& x) {
    std::uint8_t b = 0;
    if (!raw(&b, 1))
      return false;
    if (b > 1)
      return fail_at(pos_ - 1, wire_errc::invalid_value, "a bool is neither 0 nor 1");
    x = b == 1;
    return true;
  }

  template <class T>
  bool integer(T& x) {
    return raw(&x, sizeof(T));
  }

  template <class T>
  bool floating(T& x) {
    return raw(&x, sizeof(T)) && finite(x, pos_ - sizeof(T));
  }

  template <class E>
  bool enumerator(E& x) {
    std::underlying_type_t<E> u{};
    if (!raw(&u, sizeof(u)))
      return false;
    x = static_cast<E>(u);
    if (!is_listed_enumerator(x))
      return fail_at(pos_ - sizeof(u), wire_errc::invalid_value, not_an_enumerator(x));
    return true;
  }

  bool string(std::string& x);

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
      for (std::size_t i = 0; i < n; ++i)
        if (!at_index(i, [&] { return value(x.emplace_back()); }))
          return false;
    }
    leave();
    return true;
  }

  template <class T>
  bool array(T& x) {
    if (!enter())
      return false;
    for (std::size_t i = 0; i < x.size(); ++i)
      if (!at_index(i, [&] { return value(x[i]); }))
        return false;
    leave();
    return true;
  }

  template <class T>
  bool optional(T& x) {
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
  }

  template <class T>
  bool variant(T& x) {
    auto at = pos_;
    std::size_t index = 0;
    if (!varint(index))
      return false;
    if (index >= std::variant_size_v<T>)
      return fail_at(at, wire_errc::invalid_value, "a variant's index is past its alternatives");
    return emplace_alternative(x, index);
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
      auto at = pos_;
      key k{};
      mapped v{};
      bool ok = at_index(i, [&] {
        if (!value(k) || !value(v))
          return false;
        if (!x.emplace(std::move(k), std::move(v)).second)
          return fail_at(at, wire_errc::invalid_value, "a map has a key twice");
        return true;
      });
      if (!ok)
        return false;
    }
    leave();
    return true;
  }

  bool address(actor_address& x) {
    return raw(&x.node, sizeof(x.node)) && raw(&x.id, sizeof(x.id));
  }

  bool error_value(ringactor::error& x);

  /// The memcpy path for the types that qualify (fast_layout.hpp).
  template <class T>
  bool object_value(T& x) {
    if (const auto& layout = fast_layout_of<T>(); layout.eligible) {
      auto at = pos_;
      if (fast(&x, sizeof(T), layout))
        return true;
      // Bad or short input: read it again field by field, which fails at
      // the same byte and names the field.
      pos_ = at;
    }
    return inspect(*this, x);
  }

  // -- the format's primitives --------------------------------------------------

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

  /// The memcpy path: false, with no error set and nothing consumed, when
  /// the input is short or a value fails validation.
  bool fast(void* dst, std::size_t n, const fast_layout& layout);

  bool varint(std::size_t& x);

  const std::byte* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

} // namespace ringactor::wire
