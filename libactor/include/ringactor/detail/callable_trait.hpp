// ringactor: argument and result types of lambdas and functions.
#pragma once

#include <cstddef>
#include <tuple>
#include <type_traits>

namespace ringactor::detail {

template <class R, class... Ts>
struct callable_signature {
  using result_type = R;
  using arg_types = std::tuple<Ts...>;
  static constexpr size_t num_args = sizeof...(Ts);
};

template <class F>
struct callable_trait : callable_trait<decltype(&std::remove_cvref_t<F>::operator())> {};

template <class R, class... Ts>
struct callable_trait<R (*)(Ts...)> : callable_signature<R, Ts...> {};
template <class R, class... Ts>
struct callable_trait<R(Ts...)> : callable_signature<R, Ts...> {};
template <class C, class R, class... Ts>
struct callable_trait<R (C::*)(Ts...)> : callable_signature<R, Ts...> {};
template <class C, class R, class... Ts>
struct callable_trait<R (C::*)(Ts...) const> : callable_signature<R, Ts...> {};
template <class C, class R, class... Ts>
struct callable_trait<R (C::*)(Ts...) noexcept> : callable_signature<R, Ts...> {};
template <class C, class R, class... Ts>
struct callable_trait<R (C::*)(Ts...) const noexcept> : callable_signature<R, Ts...> {};
template <class R, class... Ts>
struct callable_trait<R (*)(Ts...) noexcept> : callable_signature<R, Ts...> {};

template <class F, size_t I>
using arg_t = std::tuple_element_t<I, typename callable_trait<F>::arg_types>;

template <class F>
using first_arg_t = arg_t<F, 0>;

template <class F>
using result_t = typename callable_trait<F>::result_type;

template <class F>
inline constexpr size_t num_args_v = callable_trait<F>::num_args;

/// The decayed message type a one-argument handler accepts.
template <class F>
using handled_type_t = std::remove_cvref_t<first_arg_t<F>>;

template <class>
inline constexpr bool always_false_v = false;

} // namespace ringactor::detail
