// ringactor: the inspect protocol (CAF style, non-intrusive). A message type
// is described once, in its own namespace, and every format (binary, JSON,
// the schema digest) walks that one description:
//
//   namespace shop {
//   struct order { std::uint64_t id; std::int32_t qty; std::vector<std::string> tags; };
//   template <class Inspector>
//   bool inspect(Inspector& f, order& x) {
//     return f.object(x).fields(f.field("id", x.id), f.field("qty", x.qty),
//                               f.field("tags", x.tags));
//   }
//   RINGACTOR_TYPE(order, "shop.order") // type_registry.hpp: the stable name
//   } // namespace shop
//
// A format is an inspector deriving from wire::inspector_base<Derived>. The
// base turns `f.object(x).fields(...)` into calls of the derived class, in
// order: begin_object(type_name), then for each field begin_field(name),
// value(ref), end_field() (stopping at the first false), then end_object().
// The base keeps the field path ("order.tags[3]") for error messages.
// Saving inspectors (is_loading == false) never write into the object.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ringactor/type_id.hpp"
#include "ringactor/wire/field_kind.hpp"

namespace ringactor::wire {

template <class Derived>
class inspector_base;

namespace detail {

/// The inspector that `inspectable<T>` probes with; never called.
class probe_inspector;

template <class T>
concept has_stable_name = requires(T* ptr) {
  { ringactor_type_name(ptr) } -> std::convertible_to<std::string_view>;
};

} // namespace detail

/// The name a type has on the wire: the stable name given to RINGACTOR_TYPE
/// (found by argument-dependent lookup), else the compiler's spelling.
template <class T>
constexpr std::string_view wire_name_of() noexcept {
  if constexpr (detail::has_stable_name<T>)
    return ringactor_type_name(static_cast<T*>(nullptr));
  else
    return type_name_of<T>();
}

/// One step of a field path: a field's name or a container's index.
struct path_segment {
  std::string_view name; ///< empty for an index
  std::size_t index = 0;
};

/// The `f.field(name, ref)` of an inspect function.
template <class T>
struct field_ref {
  std::string_view name;
  T* ref;
};

/// What `f.object(x)` returns; `fields(...)` runs the walk.
template <class Derived, class T>
class object_ref {
public:
  object_ref(Derived& f, std::string_view type_name) noexcept : f_(f), type_name_(type_name) {}

  /// Overrides the name begin_object() sees (CAF's pretty_name).
  object_ref& pretty_name(std::string_view name) noexcept {
    type_name_ = name;
    return *this;
  }

  template <class... Ts>
  bool fields(field_ref<Ts>... fs) {
    if (!f_.begin_object(type_name_))
      return false;
    if (!(f_.apply_field(fs) && ...))
      return false;
    return f_.end_object();
  }

private:
  Derived& f_;
  std::string_view type_name_;
};

/// The CRTP base of every format's inspector.
template <class Derived>
class inspector_base {
public:
  template <class T>
  object_ref<Derived, T> object(T&) noexcept {
    auto name = wire_name_of<T>();
    if (depth_ == 0 && root_.empty())
      root_ = short_name(name);
    return {derived(), name};
  }

  /// A field of the object being inspected. A type that cannot be a field
  /// fails to compile here, naming it.
  template <class T>
  field_ref<T> field(std::string_view name, T& ref) noexcept;

  /// The path of the value being inspected, e.g. "order.tags[3]".
  std::string path() const {
    std::string out{root_};
    for (std::size_t i = 0; i < depth_; ++i) {
      auto& seg = i < inline_depth ? inline_[i] : deep_[i - inline_depth];
      if (seg.name.empty()) {
        out += '[';
        out += std::to_string(seg.index);
        out += ']';
      } else {
        if (!out.empty())
          out += '.';
        out.append(seg.name);
      }
    }
    return out;
  }

  // -- for formats: the path ----------------------------------------------------

  void push_field(std::string_view name) { push(path_segment{name, 0}); }
  void push_index(std::size_t i) { push(path_segment{{}, i}); }
  void pop_path() noexcept {
    if (depth_ > inline_depth)
      deep_.pop_back();
    --depth_;
  }

  /// Used by object_ref: one field's begin/value/end with the path kept.
  template <class T>
  bool apply_field(field_ref<T> fld) {
    push_field(fld.name);
    bool ok = derived().begin_field(fld.name) && derived().value(*fld.ref) && derived().end_field();
    if (ok)
      pop_path(); // on failure the path stays, for the error that follows
    return ok;
  }

protected:
  Derived& derived() noexcept { return static_cast<Derived&>(*this); }

  /// "shop.order" -> "order", "app::order" -> "order".
  static std::string_view short_name(std::string_view name) noexcept {
    auto pos = name.find_last_of(".:");
    return pos == std::string_view::npos ? name : name.substr(pos + 1);
  }

private:
  static constexpr std::size_t inline_depth = 16;

  void push(path_segment seg) {
    if (depth_ < inline_depth)
      inline_[depth_] = seg;
    else
      deep_.push_back(seg);
    ++depth_;
  }

  // The path lives inline up to inline_depth steps: a walk allocates nothing
  // for it unless a message nests deeper.
  std::string_view root_;
  std::size_t depth_ = 0;
  path_segment inline_[inline_depth];
  std::vector<path_segment> deep_;
};

namespace detail {

class probe_inspector : public inspector_base<probe_inspector> {
public:
  static constexpr bool is_loading = false;
  bool begin_object(std::string_view);
  bool end_object();
  bool begin_field(std::string_view);
  bool end_field();
  template <class T>
  bool value(T&);
};

} // namespace detail

/// True when `inspect(f, x)` is found for T by argument-dependent lookup.
template <class T>
concept inspectable = requires(detail::probe_inspector& f, T& x) {
  { inspect(f, x) } -> std::convertible_to<bool>;
};

/// The kind of T as every format sees it.
template <class T>
inline constexpr field_kind kind_of = [] {
  using type = std::remove_cv_t<T>;
  constexpr auto k = detail::value_kind<type>();
  if constexpr (k != field_kind::none)
    return k;
  else if constexpr (inspectable<type>)
    return field_kind::object;
  else
    return field_kind::none;
}();

namespace detail {

template <class T, field_kind = kind_of<T>>
struct first_bad {
  using type = void;
};
template <class T>
struct first_bad<T, field_kind::none> {
  using type = T;
};
template <class T>
struct first_bad<T, field_kind::list> : first_bad<typename T::value_type> {};
template <class T>
struct first_bad<T, field_kind::array> : first_bad<typename T::value_type> {};
template <class T>
struct first_bad<T, field_kind::optional> : first_bad<typename T::value_type> {};
template <class T>
struct first_bad<T, field_kind::map> {
  using key = typename first_bad<typename T::key_type>::type;
  using type = std::conditional_t<std::is_void_v<key>,
                                  typename first_bad<typename T::mapped_type>::type, key>;
};
template <class... Ts>
struct first_bad_of {
  using type = void;
};
template <class T, class... Ts>
struct first_bad_of<T, Ts...> {
  using head = typename first_bad<T>::type;
  using type = std::conditional_t<std::is_void_v<head>, typename first_bad_of<Ts...>::type, head>;
};
template <class... Ts>
struct first_bad<std::variant<Ts...>, field_kind::variant> : first_bad_of<Ts...> {};

} // namespace detail

/// Named after the offending type so that a failed check names it.
template <class Type, bool Inspectable>
struct field_type_is_inspectable {
  static_assert(Inspectable,
                "ringactor wire: the type named first in 'field_type_is_inspectable<Type, "
                "false>' above cannot be a field: it is no integer, float, bool, enum, "
                "std::string, vector, array, optional, variant, map, duration, actor handle "
                "or error, and no inspect(Inspector&, Type&) is found for it; write one in "
                "the namespace of Type");
  static constexpr bool value = Inspectable;
};

/// The type inside T (T itself, an element, a key, an alternative) that
/// cannot be a field, or void.
template <class T>
using first_non_inspectable_t = typename detail::first_bad<std::remove_cv_t<T>>::type;

/// True for every type that may be a field (checked all the way down).
template <class T>
inline constexpr bool field_type = std::is_void_v<first_non_inspectable_t<T>>;

/// Compile-time check with a readable message naming the offending type.
template <class T>
constexpr bool check_field_type() {
  using bad = first_non_inspectable_t<T>;
  if constexpr (std::is_void_v<bad>)
    return true;
  else
    return field_type_is_inspectable<bad, false>::value;
}

template <class Derived>
template <class T>
field_ref<T> inspector_base<Derived>::field(std::string_view name, T& ref) noexcept {
  static_assert(check_field_type<T>());
  return {name, &ref};
}

} // namespace ringactor::wire

namespace ringactor {

using wire::inspectable;

} // namespace ringactor

/// Gives `type` a stable name for the formats and schemas without
/// registering it (RINGACTOR_TYPE in type_registry.hpp does both). Use it in the namespace of
/// `type`, e.g. for a type that only ever travels nested in another.
#define RINGACTOR_TYPE_NAME(type, name)                                               \
  [[maybe_unused]] constexpr ::std::string_view ringactor_type_name(type*) noexcept { \
    return name;                                                                      \
  }
