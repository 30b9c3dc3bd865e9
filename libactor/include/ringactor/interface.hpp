// ringactor: typed interfaces. A signature `result<R>(M)` (or plainly
// `R(M)`) says that an actor handles M and answers a request with an R.
#pragma once

#include <type_traits>

#include "ringactor/detail/callable_trait.hpp"
#include "ringactor/result.hpp"

namespace ringactor {

template <class... Ts>
struct type_list {};

namespace detail {

template <class Sig>
struct signature_trait {
  static_assert(always_false_v<Sig>, "ringactor: an interface signature reads result<R>(Message)");
};

template <class R, class M>
struct signature_trait<result<R>(M)> {
  using message_type = std::remove_cvref_t<M>;
  using response_type = R;
};

template <class R, class M>
  requires(!std::is_same_v<R, void>)
struct signature_trait<R(M)> {
  using message_type = std::remove_cvref_t<M>;
  using response_type = R;
};

template <class M>
struct signature_trait<void(M)> {
  using message_type = std::remove_cvref_t<M>;
  using response_type = void;
};

template <class M, class... Sigs>
inline constexpr bool interface_accepts_v =
  (std::is_same_v<std::remove_cvref_t<M>, typename signature_trait<Sigs>::message_type> || ...);

template <class M, class... Sigs>
struct response_type_of;

template <class M>
struct response_type_of<M> {
  using type = void;
};

template <class M, class Sig, class... Sigs>
struct response_type_of<M, Sig, Sigs...> {
  using type = std::conditional_t<
    std::is_same_v<std::remove_cvref_t<M>, typename signature_trait<Sig>::message_type>,
    typename signature_trait<Sig>::response_type, typename response_type_of<M, Sigs...>::type>;
};

/// Instantiated with the offending message type, so the compiler names it
/// in the line "required from ... [with Message = ...]".
template <class Message, bool Accepted>
struct message_accepted_by_interface {
  static_assert(Accepted, "ringactor: this typed actor's interface has no handler for the message "
                          "type named first in 'message_accepted_by_interface<Type, false>' above; "
                          "add a signature result<R>(Type) to the interface or send a message it "
                          "accepts");
  static constexpr bool value = Accepted;
};

} // namespace detail

/// True if an actor with interface signatures Sigs... handles M.
template <class M, class... Sigs>
concept accepted_by = detail::interface_accepts_v<M, Sigs...>;

} // namespace ringactor
