// ringactor: the list of message types a kernel accepts (`inputs`) or sends to
// the host (`outputs`), and the type ids that name them inside ring slots.
//
// A type id in a slot is the 1-based position of the type in the kernel's
// list; 0 means "no type" (the unit reply). Positions are the same for nvcc
// and the host compiler, which a hash of the type's spelling would not be.
//
//   struct adder {
//     using inputs = ringactor::message_list<add, reset>;   // add = 1, reset = 2
//     ...
//   };
//
// Device-facing header (docs/device-headers.md): a kernel may include it; it
// and all it includes compile under nvcc, with no fmt, iostream or threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "ringactor/gpu/device.hpp"

namespace ringactor {

template <class... Ts>
struct message_list {
  static constexpr std::size_t size = sizeof...(Ts);
};

namespace detail {

template <class T, class List>
struct message_index;

template <class T>
struct message_index<T, message_list<>> {
  static constexpr std::uint32_t value = 0;
};

template <class T, class U, class... Us>
struct message_index<T, message_list<U, Us...>> {
  static constexpr std::uint32_t value = std::is_same_v<T, U> ? 1
                                         : message_index<T, message_list<Us...>>::value == 0
                                           ? 0
                                           : 1 + message_index<T, message_list<Us...>>::value;
};

template <class List>
struct all_trivially_copyable;

template <class... Ts>
struct all_trivially_copyable<message_list<Ts...>>
  : std::bool_constant<(std::is_trivially_copyable_v<Ts> && ...)> {};

template <class Kernel>
concept has_outputs = requires { typename Kernel::outputs; };

} // namespace detail

/// The 1-based position of T in List, or 0 when List does not contain T.
template <class T, class List>
inline constexpr std::uint32_t
  message_type_id_v = detail::message_index<std::remove_cvref_t<T>, List>::value;

/// The id of an input message of Kernel; a compile error names the type when
/// the kernel does not accept it.
template <class Kernel, class T>
RINGACTOR_HOST_DEVICE constexpr std::uint32_t input_type_id() noexcept {
  constexpr auto id = message_type_id_v<T, typename Kernel::inputs>;
  static_assert(id != 0, "ringactor: the kernel does not accept this message type: add it to "
                         "the kernel's `using inputs = ringactor::message_list<...>`");
  return id;
}

/// The id of a message a kernel sends to the host: its position in the
/// kernel's `outputs`, or 0 when it declares none or T is not in it (the
/// receiver then identifies the type by context, as a reply's requester does).
template <class Kernel, class T>
RINGACTOR_HOST_DEVICE constexpr std::uint32_t output_type_id() noexcept {
  if constexpr (detail::has_outputs<Kernel>)
    return message_type_id_v<T, typename Kernel::outputs>;
  else
    return 0;
}

} // namespace ringactor
