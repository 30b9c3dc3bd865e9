// ringactor: typed behaviors and typed event-based actors. A typed behavior
// must handle every message of its interface, and each handler must answer
// with the interface's response type; both are checked at compile time.
#pragma once

#include <type_traits>
#include <utility>

#include "ringactor/behavior.hpp"
#include "ringactor/interface.hpp"
#include "ringactor/response_promise.hpp"
#include "ringactor/scheduled_actor.hpp"
#include "ringactor/typed_actor.hpp"

namespace ringactor {

namespace detail {

/// Named after the message type so that a failed check names it.
template <class Message, bool Handled>
struct interface_message_has_handler {
  static_assert(Handled, "ringactor: the typed behavior has no handler for the message type named "
                         "first in 'interface_message_has_handler<Type, false>' above, which its "
                         "interface declares");
  static constexpr bool value = Handled;
};

template <class Message, bool Declared>
struct handler_message_in_interface {
  static_assert(Declared, "ringactor: the typed behavior has a handler for the message type named "
                          "first in 'handler_message_in_interface<Type, false>' above, which its "
                          "interface does not declare");
  static constexpr bool value = Declared;
};

template <class Message, class Returned, bool Ok>
struct handler_returns_interface_response {
  static_assert(Ok, "ringactor: a handler returns a type that does not convert to the response "
                    "type its interface declares (see handler_returns_interface_response"
                    "<Message, Returned, false> above)");
  static constexpr bool value = Ok;
};

template <class R, class Response>
inline constexpr bool returns_compatible_v =
  std::is_void_v<R> ? std::is_void_v<Response>
                    : (std::is_convertible_v<R, result<Response>>
                       || std::is_same_v<std::remove_cvref_t<R>, response_promise>
                       || std::is_same_v<std::remove_cvref_t<R>, typed_response_promise<Response>>
                       || std::is_same_v<std::remove_cvref_t<R>, delegated<Response>>
                       || std::is_same_v<std::remove_cvref_t<R>, skip_t>);

/// Whether F handles Message (an idle timeout handles none).
template <class F, class Message>
constexpr bool handles() {
  if constexpr (is_timeout_definition_v<F>)
    return false;
  else
    return std::is_same_v<handled_type_t<F>, Message>;
}

template <class F, class... Sigs>
constexpr bool check_message_handler() {
  using msg = handled_type_t<F>;
  constexpr bool declared = interface_accepts_v<msg, Sigs...>;
  static_assert(handler_message_in_interface<msg, declared>::value);
  if constexpr (declared) {
    using response = typename response_type_of<msg, Sigs...>::type;
    using returned = result_t<F>;
    static_assert(handler_returns_interface_response<
                  msg, returned, returns_compatible_v<returned, response>>::value);
  }
  return true;
}

template <class F, class... Sigs>
constexpr bool check_handler() {
  if constexpr (is_timeout_definition_v<F>)
    return true; // the idle timeout handles no message
  else
    return check_message_handler<F, Sigs...>();
}

template <class Sig, class... Fs>
constexpr bool check_signature() {
  using msg = typename signature_trait<Sig>::message_type;
  static_assert(interface_message_has_handler<msg, (handles<Fs, msg>() || ...)>::value);
  return true;
}

} // namespace detail

/// A behavior checked against an interface. Like behavior, it may end with
/// an idle timeout, `after(d) >> f`.
template <class... Sigs>
class typed_behavior {
public:
  using signatures = type_list<Sigs...>;

  typed_behavior() noexcept = default;

  template <class... Fs>
    requires(sizeof...(Fs) > 0) && (!(std::is_same_v<std::decay_t<Fs>, behavior> || ...))
            && (!(std::is_same_v<std::decay_t<Fs>, typed_behavior> || ...))
  typed_behavior(Fs... fs) { // NOLINT: implicit from handlers, as behavior
    static_assert((detail::is_handler_or_timeout<Fs>() && ...),
                  "ringactor: each handler takes exactly one argument, the message");
    static_assert((detail::check_handler<Fs, Sigs...>() && ...));
    static_assert((detail::check_signature<Sigs, Fs...>() && ...));
    bhvr_ = behavior{std::move(fs)...};
  }

  /// Wraps a behavior composed at run time (a pool or a kernel proxy that
  /// forwards every message of the interface, plus internal messages). The
  /// caller vouches that `bhvr` handles every message of the interface.
  static typed_behavior make_unchecked(behavior bhvr) {
    typed_behavior result;
    result.bhvr_ = std::move(bhvr);
    return result;
  }

  explicit operator bool() const noexcept { return static_cast<bool>(bhvr_); }
  behavior& unbox() noexcept { return bhvr_; }

private:
  behavior bhvr_;
};

/// The self type of typed actors; derive from it for class-based typed
/// actors and override make_behavior().
template <class... Sigs>
class typed_event_based_actor : public scheduled_actor {
public:
  using scheduled_actor::scheduled_actor;
  using signatures = type_list<Sigs...>;
  using behavior_type = typed_behavior<Sigs...>;
  using handle_type = typed_actor<Sigs...>;

  virtual behavior_type make_behavior() { return {}; }

  using scheduled_actor::become;
  void become(behavior_type bhvr) { scheduled_actor::become(std::move(bhvr.unbox())); }
  void become(keep_behavior_t, behavior_type bhvr) {
    scheduled_actor::become(keep_behavior, std::move(bhvr.unbox()));
  }
};

} // namespace ringactor
