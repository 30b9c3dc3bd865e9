// ringactor wire: what every format's inspector shares. The binary and JSON
// writers and readers derive from format_base<Derived>, which keeps the
// limits, the type name and the first error, counts nesting against
// max_depth, checks lengths against max_container_length, and dispatches
// each value by its kind (field_kind.hpp) to the format's handler for that
// kind. What reads and writes the same in every format is done here, once:
// a duration is its count; an enum without RINGACTOR_ENUM its underlying
// integer; a described enum that is no listed enumerator cannot be written;
// a saved actor handle is its actor_address, and only an actor_address can
// be loaded.
//
// A format provides fail(code, what) (an error at the current path and
// position) and one handler per kind: boolean, integer, floating,
// enumerator (described enums only), string, list, array, optional,
// variant, map, address (an actor_address), error_value; object_value is
// inspect(*this, x) unless the format replaces it (the binary format's
// memcpy path). Handlers may be private: format_base is a friend.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include "ringactor/error.hpp"
#include "ringactor/inspect.hpp"
#include "ringactor/wire/enum_description.hpp"
#include "ringactor/wire_error.hpp"

namespace ringactor::wire {

/// The address an actor handle is written as.
template <class Handle>
actor_address address_of(const Handle& x) {
  if constexpr (std::is_same_v<Handle, actor_address>)
    return x;
  else
    return actor_address{0, x.id()};
}

template <class Derived>
class format_base : public inspector_base<Derived> {
public:
  /// `type` names the message in errors; the limits are kept by reference.
  format_base(const wire_limits& limits, std::string_view type) noexcept
    : limits_(limits), type_(type) {}

  const error& get_error() const noexcept { return err_; }

  // -- the inspector protocol (defaults) ----------------------------------------

  bool begin_object(std::string_view) { return enter(); }
  bool end_object() {
    leave();
    return true;
  }
  bool begin_field(std::string_view) { return true; }
  bool end_field() { return true; }

  /// Hands `x` to the format's handler for its kind.
  template <class T>
  bool value(T& x) {
    static_assert(check_field_type<T>());
    constexpr auto k = kind_of<T>;
    auto& f = this->derived();
    if constexpr (k == field_kind::boolean) {
      return f.boolean(x);
    } else if constexpr (k == field_kind::integer) {
      return f.integer(x);
    } else if constexpr (k == field_kind::floating) {
      return f.floating(x);
    } else if constexpr (k == field_kind::enumeration && described_enum<T>) {
      if constexpr (!Derived::is_loading)
        if (!is_listed_enumerator(x))
          return f.fail(wire_errc::invalid_value, not_an_enumerator(x));
      return f.enumerator(x);
    } else if constexpr (k == field_kind::enumeration) {
      using under = std::underlying_type_t<T>;
      return as<under>(
        x, [](T e) { return static_cast<under>(e); }, [](under u) { return static_cast<T>(u); });
    } else if constexpr (k == field_kind::duration) {
      using rep = typename T::rep;
      return as<rep>(
        x, [](const T& d) { return d.count(); }, [](rep r) { return T{r}; });
    } else if constexpr (k == field_kind::string) {
      return f.string(x);
    } else if constexpr (k == field_kind::list) {
      return f.list(x);
    } else if constexpr (k == field_kind::array) {
      return f.array(x);
    } else if constexpr (k == field_kind::optional) {
      return f.optional(x);
    } else if constexpr (k == field_kind::variant) {
      return f.variant(x);
    } else if constexpr (k == field_kind::map) {
      return f.map(x);
    } else if constexpr (k == field_kind::actor_handle) {
      if constexpr (!Derived::is_loading) {
        actor_address addr = address_of(x);
        return f.address(addr);
      } else if constexpr (std::is_same_v<T, actor_address>) {
        return f.address(x);
      } else {
        return f.fail(wire_errc::invalid_value, "an actor handle cannot be read from the wire; "
                                                "declare the field as actor_address");
      }
    } else if constexpr (k == field_kind::error) {
      return f.error_value(x);
    } else {
      static_assert(k == field_kind::object);
      return f.object_value(x);
    }
  }

protected:
  /// A nested inspectable type: its inspect() walks its fields.
  template <class T>
  bool object_value(T& x) {
    return inspect(this->derived(), x);
  }

  /// One level deeper (an object or container); depth_exceeded past max_depth.
  bool enter() {
    if (++depth_ > limits_.max_depth)
      return this->derived().fail(wire_errc::depth_exceeded, "nesting is deeper than max_depth");
    return true;
  }
  /// Back out of what enter() went into.
  void leave() noexcept { --depth_; }

  /// limit_exceeded when a container's length `n` is past max_container_length.
  bool check_length(std::size_t n) {
    if (n <= limits_.max_container_length)
      return true;
    return this->derived().fail(wire_errc::limit_exceeded,
                                "a length of " + std::to_string(n)
                                  + " is past max_container_length ("
                                  + std::to_string(limits_.max_container_length) + ")");
  }

  /// Runs `step()` with index i on the field path; on failure the path
  /// stays there, for the error.
  template <class Step>
  bool at_index(std::size_t i, Step&& step) {
    this->push_index(i);
    if (!step())
      return false;
    this->pop_path();
    return true;
  }

  /// Saving: the value of the variant's alternative.
  template <class V>
  bool alternative_value(V& x) {
    return std::visit([this](auto& y) { return this->derived().value(y); }, x);
  }

  /// Loading: makes alternative `index` (< variant_size_v<V>) of x and reads it.
  template <class V>
  bool emplace_alternative(V& x, std::size_t index) {
    bool ok = false;
    [&]<std::size_t... Is>(std::index_sequence<Is...>) {
      static_cast<void>(((index == Is ? (ok = this->derived().value(x.template emplace<Is>()), true)
                                      : false)
                         || ...));
    }(std::make_index_sequence<std::variant_size_v<V>>{});
    return ok;
  }

  /// Writes or reads `x` as its stand-in of type U: `to(x)` on the way
  /// out, `x = from(u)` on the way in.
  template <class U, class T, class To, class From>
  bool as(T& x, To to, From from) {
    if constexpr (Derived::is_loading) {
      U u{};
      if (!this->derived().value(u))
        return false;
      x = from(u);
      return true;
    } else {
      U u = to(x);
      return this->derived().value(u);
    }
  }

  const wire_limits& limits_;
  std::string_view type_;
  std::size_t depth_ = 0; ///< objects and containers open (enter/leave)
  error err_;             ///< the first error
};

} // namespace ringactor::wire
