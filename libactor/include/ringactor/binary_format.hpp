// ringactor: the binary wire format's entry points. The layout (little
// endian, LEB128 lengths, a memcpy fast path) and its limits are described
// in docs/architecture.md, "Wire format".
//
//   auto bytes = to_bytes(shop::order{1, 2, {"a"}});          // expected<std::vector<std::byte>>
//   shop::order back;
//   if (auto r = from_bytes(*bytes, back); !r) log_error("{}", r.error());
//   auto msg = from_bytes("shop.order", *bytes);              // expected<dynamic_message>
#pragma once

#include <cstddef>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include <fmt/format.h>

#include "ringactor/dynamic_message.hpp"
#include "ringactor/expected.hpp"
#include "ringactor/inspect.hpp"
#include "ringactor/wire/binary_reader.hpp"
#include "ringactor/wire/binary_writer.hpp"
#include "ringactor/wire_error.hpp"

namespace ringactor {

namespace wire::detail {

/// True for types whose whole value may be one memcpy (when their
/// fast_layout is eligible): trivially copyable object types.
template <class T>
inline constexpr bool may_be_one_copy = kind_of<T> == field_kind::object
                                        && std::is_trivially_copyable_v<T>;

/// to_bytes with an inspector (kept out of line: the memcpy path stays a
/// small function).
template <class T>
[[gnu::noinline]] expected<void> to_bytes_inspected(const T& x, std::vector<std::byte>& out,
                                                    const wire_limits& limits) {
  auto start = out.size();
  binary_writer f{out, limits, wire_name_of<T>()};
  // A saving inspector never writes into the object it walks.
  if (!f.value(const_cast<T&>(x))) {
    out.resize(start);
    return f.get_error();
  }
  if (auto n = out.size() - start; n > limits.max_message_size) {
    out.resize(start);
    return make_error(wire_errc::limit_exceeded, wire_name_of<T>(), {}, {},
                      fmt::format("the message has {} bytes, past max_message_size ({})", n,
                                  limits.max_message_size));
  }
  return {};
}

/// from_bytes with an inspector (out of line, as to_bytes_inspected).
template <class T>
[[gnu::noinline]] expected<void> from_bytes_inspected(std::span<const std::byte> in, T& out,
                                                      const wire_limits& limits) {
  auto name = wire_name_of<T>();
  if (in.size() > limits.max_message_size)
    return make_error(wire_errc::limit_exceeded, name, {}, "at byte 0",
                      fmt::format("the message has {} bytes, past max_message_size ({})", in.size(),
                                  limits.max_message_size));
  binary_reader f{in.data(), in.size(), limits, name};
  if (!f.value(out))
    return f.get_error();
  if (f.remaining() != 0)
    return make_error(wire_errc::trailing_bytes, name, {}, fmt::format("at byte {}", f.offset()),
                      fmt::format("{} bytes are left after the value", f.remaining()));
  return {};
}

} // namespace wire::detail

/// Appends the wire form of `x` to `out` (left as it was on error).
template <class T>
[[gnu::always_inline]] inline expected<void> to_bytes(
  const T& x, std::vector<std::byte>& out, const wire_limits& limits = wire::default_limits) {
  static_assert(wire::check_field_type<T>());
  // The whole value is its wire form: no inspector, one copy. Anything the
  // copy cannot take (an enum that is no enumerator, a size past the limit)
  // goes the inspector's way, which names the field in its error. Inlined:
  // for a small message the call would cost as much as the copy.
  if constexpr (wire::detail::may_be_one_copy<T>) {
    if (const auto& plan = wire::fast_plan_of<T>();
        plan.eligible && sizeof(T) <= limits.max_message_size
        && (!plan.has_enums || wire::fast_enums_valid(&x, *plan.layout))) {
      auto at = out.size();
      out.resize(at + sizeof(T));
      std::memcpy(out.data() + at, &x, sizeof(T));
      return {};
    }
  }
  return wire::detail::to_bytes_inspected(x, out, limits);
}

/// The wire form of `x`.
template <class T>
expected<std::vector<std::byte>> to_bytes(const T& x,
                                          const wire_limits& limits = wire::default_limits) {
  std::vector<std::byte> out;
  if (auto r = to_bytes(x, out, limits); !r)
    return r.error();
  return out;
}

/// Reads `out` from `in`, which must hold exactly one value of T.
template <class T>
[[gnu::always_inline]] inline expected<void> from_bytes(
  std::span<const std::byte> in, T& out, const wire_limits& limits = wire::default_limits) {
  static_assert(wire::check_field_type<T>());
  // The whole value is one copy of valid bytes: no inspector. Short, long or
  // invalid input goes the inspector's way, which reports where and why.
  // Inlined, as to_bytes.
  if constexpr (wire::detail::may_be_one_copy<T>) {
    if (const auto& plan = wire::fast_plan_of<T>();
        plan.eligible && in.size() == sizeof(T) && sizeof(T) <= limits.max_message_size
        && wire::fast_plan_valid(in.data(), plan, limits)) {
      std::memcpy(&out, in.data(), sizeof(T));
      return {};
    }
  }
  return wire::detail::from_bytes_inspected(in, out, limits);
}

/// Reads a message of the type registered as `type_name` (see
/// type_registry.hpp): unknown_type if none is, not_inspectable if it has
/// no wire form.
expected<dynamic_message> from_bytes(std::string_view type_name, std::span<const std::byte> in,
                                     const wire_limits& limits = wire::default_limits);

/// The wire form of a dynamic message's payload, whose type must be
/// registered and inspectable.
expected<std::vector<std::byte>> to_bytes(const dynamic_message& x,
                                          const wire_limits& limits = wire::default_limits);

} // namespace ringactor
