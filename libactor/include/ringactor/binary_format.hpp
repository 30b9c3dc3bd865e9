// ringactor: the binary wire format's entry points. The layout (little
// endian, LEB128 lengths, a memcpy fast path) and its limits are described
// in docs/architecture.md, "Wire format".
//
//   auto bytes = to_bytes(shop::order{1, 2, {"a"}});          // expected<std::vector<std::byte>>
//   shop::order back;
//   if (auto r = from_bytes(*bytes, back); !r) log_error("{}", r.error());
//   auto msg = from_bytes("shop.order", *bytes);              // expected<dynamic_message>
#pragma once

#include <atomic>
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
#include "ringactor/wire/fast_plan.hpp"
#include "ringactor/wire_error.hpp"

namespace ringactor {

namespace wire::detail {

/// True for types whose whole value may be one memcpy (when their
/// fast_layout is eligible): trivially copyable object types.
template <class T>
inline constexpr bool may_be_one_copy = kind_of<T> == field_kind::object
                                        && std::is_trivially_copyable_v<T>;

/// append_copy when `out` must grow: out of line, so that append_copy's
/// own path stays free of calls (and of the registers they make it save).
template <std::size_t N>
[[gnu::noinline]] void append_copy_growing(std::vector<std::byte>& out, const void* src) {
  auto at = out.size();
  out.resize(at + N);
  std::memcpy(out.data() + at, src, N);
}

/// Appends the N bytes at `src` to `out`. Out of line: the vector's growth
/// is inlined here (flatten) whatever the caller's translation unit leaves
/// to the inliner, and with room in `out` it is a capacity check, the copy
/// and a size update, less than the out-of-line std::vector::resize the
/// caller would otherwise call.
template <std::size_t N>
[[gnu::noinline, gnu::flatten]] void append_copy(std::vector<std::byte>& out, const void* src) {
  // The room is computed as std::vector::resize computes it (end of storage
  // minus end), so that the compiler sees that the resize below neither
  // reallocates nor calls, and the path saves no register.
  std::byte* end = out.data() + out.size();
  if (static_cast<std::size_t>(out.data() + out.capacity() - end) < N) [[unlikely]] {
    append_copy_growing<N>(out, src);
    return;
  }
  auto at = out.size();
  out.resize(at + N);
  std::memcpy(out.data() + at, src, N);
}

/// to_bytes with an inspector.
template <class T>
expected<void> to_bytes_inspected(const T& x, std::vector<std::byte>& out,
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

/// What to_bytes does when its inlined copy is not allowed: computes T's
/// plan on first use, copies a value whose described enums are valid, and
/// writes anything else with the inspector (kept out of line: the inlined
/// path stays a few instructions).
template <class T>
[[gnu::noinline]] expected<void> to_bytes_slow(const T& x, std::vector<std::byte>& out,
                                               const wire_limits& limits) {
  if constexpr (may_be_one_copy<T>) {
    if (const auto& plan = fast_plan_of<T>(); plan.eligible && sizeof(T) <= limits.max_message_size
                                              && fast_enums_valid(&x, *plan.layout)) {
      append_copy<sizeof(T)>(out, &x);
      return {};
    }
  }
  return to_bytes_inspected(x, out, limits);
}

/// from_bytes with an inspector.
template <class T>
expected<void> from_bytes_inspected(std::span<const std::byte> in, T& out,
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

/// What from_bytes does when its inlined copy is not allowed or the masks
/// refuse the input: computes T's plan on first use, copies input that
/// passes every check (the lists, described enums), and reads anything else
/// with the inspector, which reports where and why it is wrong.
template <class T>
[[gnu::noinline]] expected<void> from_bytes_slow(std::span<const std::byte> in, T& out,
                                                 const wire_limits& limits) {
  if constexpr (may_be_one_copy<T>) {
    if (const auto& plan = fast_plan_of<T>(); plan.eligible && in.size() == sizeof(T)
                                              && sizeof(T) <= limits.max_message_size
                                              && fast_plan_valid(in.data(), plan, limits)) {
      std::memcpy(&out, in.data(), sizeof(T));
      return {};
    }
  }
  return from_bytes_inspected(in, out, limits);
}

} // namespace wire::detail

/// Appends the wire form of `x` to `out` (left as it was on error).
template <class T>
[[gnu::always_inline]] inline expected<void> to_bytes(
  const T& x, std::vector<std::byte>& out, const wire_limits& limits = wire::default_limits) {
  static_assert(wire::check_field_type<T>());
  // The whole value is its wire form: no inspector, one copy. Inlined: for
  // a small message a call would cost as much as the copy. Anything else
  // (a plan not yet computed, enums to check, a size past the limit) goes
  // out of line, where an error names the field.
  if constexpr (wire::detail::may_be_one_copy<T>) {
    // Pairs with the release store of fill_fast_plan.
    if (sizeof(T) <= limits.max_message_size
        && wire::detail::fast_plan_storage<T>.store_by_copy.load(std::memory_order_acquire)) {
      wire::detail::append_copy<sizeof(T)>(out, &x);
      return {};
    }
  }
  return wire::detail::to_bytes_slow(x, out, limits);
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
  // The whole value is one copy of bytes the masks accept: a size check, one
  // load, a few mask operations, one store. Inlined, as to_bytes. Anything
  // else (short, long or invalid input, a type without masks, a plan not
  // yet computed) goes out of line, where an error says where and why.
  if constexpr (wire::detail::may_be_one_copy<T> && wire::fast_mask_bytes<T> != 0) {
    if (in.size() == sizeof(T) && sizeof(T) <= limits.max_message_size) {
      // Pairs with the release stores of fill_fast_plan. Until T's plan is
      // computed, the masks refuse every value.
      const auto& plan = wire::detail::fast_plan_storage<T>;
      const auto* masks = (limits.allow_nan ? plan.load_nan_ok : plan.load_strict)
                            .load(std::memory_order_acquire);
      wire::fast_padded<T> padded;
      std::memcpy(padded.bytes, in.data(), sizeof(T));
      if (wire::fast_masks_pass(padded.bytes, *masks)) [[likely]] {
        std::memcpy(&out, padded.bytes, sizeof(T));
        return {};
      }
    }
  }
  return wire::detail::from_bytes_slow(in, out, limits);
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
