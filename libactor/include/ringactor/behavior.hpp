// ringactor: a behavior is a set of message handlers selected by type.
//
//   behavior b{
//     [](const add& m) { return m.a + m.b; },   // answers a request with an int
//     [](reset) { },                            // answers with unit
//     [](later) { return skip; },               // stays in the mailbox (skip.hpp)
//     after(1s) >> [] { },                      // idle timeout, optional, last
//   };
#pragma once

#include <chrono>
#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>

#include "ringactor/detail/callable_trait.hpp"
#include "ringactor/mailbox_element.hpp"
#include "ringactor/skip.hpp"
#include "ringactor/timeout_definition.hpp"

namespace ringactor {

class local_actor;
class behavior;

namespace detail {

/// Sends the outcome of a handler for `request` (defined in local_actor.hpp).
template <class R>
void respond(local_actor* self, mailbox_element& request, R&& outcome);
void respond_unit(local_actor* self, mailbox_element& request);

} // namespace detail

/// What a behavior did with a message.
enum class invoke_result : unsigned char {
  unmatched, ///< no handler accepts its type
  handled,   ///< a handler ran
  skipped,   ///< a handler ran and returned skip: the message stays queued
};

namespace detail {

/// "No idle timeout".
inline constexpr auto no_idle_timeout = std::chrono::nanoseconds::max();

class behavior_impl {
public:
  virtual ~behavior_impl() = default;
  /// Runs the handler for x's payload type.
  virtual invoke_result invoke(local_actor* self, mailbox_element& x) = 0;
  virtual bool accepts(type_id_t type) const noexcept = 0;
  /// Runs the idle timeout's handler (after(d) >> f).
  virtual void handle_idle_timeout() {}

  /// The idle timeout, or no_idle_timeout.
  std::chrono::nanoseconds idle_timeout() const noexcept { return idle_timeout_; }

protected:
  std::chrono::nanoseconds idle_timeout_ = no_idle_timeout;
};

/// Calls `f` with the payload of `x`, moving it when `f` takes its argument
/// by value or rvalue reference.
template <class F, class T>
decltype(auto) call_with_payload(F& f, T& payload) {
  using arg = first_arg_t<F>;
  if constexpr (std::is_lvalue_reference_v<arg>)
    return f(payload);
  else
    return f(std::move(payload));
}

template <class... Fs>
class behavior_impl_for : public behavior_impl {
public:
  explicit behavior_impl_for(Fs... fs) : fs_(std::move(fs)...) {}

  invoke_result invoke(local_actor* self, mailbox_element& x) override {
    auto result = invoke_result::unmatched;
    invoke_first(self, x, result, std::index_sequence_for<Fs...>{});
    return result;
  }

  bool accepts([[maybe_unused]] type_id_t type) const noexcept override {
    return ((type == type_id_of<handled_type_t<Fs>>()) || ...);
  }

private:
  template <size_t... Is>
  void invoke_first([[maybe_unused]] local_actor* self, [[maybe_unused]] mailbox_element& x,
                    [[maybe_unused]] invoke_result& result, std::index_sequence<Is...>) {
    // A behavior of only an idle timeout has no handler to try.
    if constexpr (sizeof...(Is) > 0)
      static_cast<void>((try_invoke<Is>(self, x, result) || ...));
  }

  template <size_t I>
  bool try_invoke(local_actor* self, mailbox_element& x, invoke_result& result) {
    using fun = std::tuple_element_t<I, std::tuple<Fs...>>;
    using value_type = handled_type_t<fun>;
    if (x.type != type_id_of<value_type>())
      return false;
    auto& f = std::get<I>(fs_);
    auto& payload = *static_cast<value_type*>(x.payload());
    using res = result_t<fun>;
    result = invoke_result::handled;
    if constexpr (std::is_void_v<res>) {
      call_with_payload(f, payload);
      respond_unit(self, x);
    } else if constexpr (std::is_same_v<std::remove_cvref_t<res>, skip_t>) {
      call_with_payload(f, payload);
      result = invoke_result::skipped;
    } else {
      respond(self, x, call_with_payload(f, payload));
    }
    return true;
  }

  std::tuple<Fs...> fs_;
};

/// A behavior_impl_for whose behavior has an idle timeout.
template <class Timeout, class... Fs>
class timed_behavior_impl final : public behavior_impl_for<Fs...> {
public:
  timed_behavior_impl(std::chrono::nanoseconds delay, Timeout on_timeout, Fs... fs)
    : behavior_impl_for<Fs...>(std::move(fs)...), on_timeout_(std::move(on_timeout)) {
    this->idle_timeout_ = delay;
  }

  void handle_idle_timeout() override { on_timeout_(); }

private:
  Timeout on_timeout_;
};

template <class F>
concept message_handler = requires { typename callable_trait<F>::arg_types; }
                          && callable_trait<F>::num_args == 1;

/// A message handler, or (checked elsewhere) the idle timeout.
template <class F>
constexpr bool is_handler_or_timeout() {
  if constexpr (is_timeout_definition_v<F>)
    return true;
  else
    return message_handler<F>;
}

template <class... Ts>
using last_of_t = std::tuple_element_t<sizeof...(Ts) - 1, std::tuple<Ts...>>;

/// Builds the implementation of a behavior whose last entry is a
/// timeout_definition: `xs` holds the handlers, then the timeout.
template <class Tuple, size_t... Is>
std::unique_ptr<behavior_impl> make_timed_behavior(Tuple xs, std::index_sequence<Is...>) {
  auto& timeout = std::get<sizeof...(Is)>(xs);
  using timeout_handler = decltype(timeout.handler);
  using impl = timed_behavior_impl<timeout_handler, std::tuple_element_t<Is, Tuple>...>;
  return std::make_unique<impl>(timeout.delay, std::move(timeout.handler),
                                std::move(std::get<Is>(xs))...);
}

} // namespace detail

/// A set of handlers, one per message type. Move-only; an empty behavior
/// (default-constructed) ends an actor that has no other behavior.
class behavior {
public:
  behavior() noexcept = default;
  behavior(behavior&&) noexcept = default;
  behavior& operator=(behavior&&) noexcept = default;

  template <class F, class... Fs>
    requires(!std::is_same_v<std::decay_t<F>, behavior>)
  behavior(F f, Fs... fs) { // NOLINT: implicit from handlers by design
    constexpr size_t timeouts = (size_t{detail::is_timeout_definition_v<F>} + ...
                                 + size_t{detail::is_timeout_definition_v<Fs>});
    static_assert(timeouts <= 1,
                  "ringactor: a behavior has at most one idle timeout, after(d) >> f");
    static_assert(timeouts == 0 || detail::is_timeout_definition_v<detail::last_of_t<F, Fs...>>,
                  "ringactor: the idle timeout, after(d) >> f, is a behavior's last entry");
    static_assert((detail::is_handler_or_timeout<F>() && ...
                   && detail::is_handler_or_timeout<Fs>()),
                  "ringactor: each handler of a behavior takes exactly one argument, "
                  "the message (use a struct for several values)");
    if constexpr (timeouts == 1)
      impl_ = detail::make_timed_behavior(std::tuple<F, Fs...>{std::move(f), std::move(fs)...},
                                          std::make_index_sequence<sizeof...(Fs)>{});
    else
      impl_ = std::make_unique<detail::behavior_impl_for<F, Fs...>>(std::move(f), std::move(fs)...);
  }

  /// False for a default-constructed behavior. A behavior with only an idle
  /// timeout is not empty.
  explicit operator bool() const noexcept { return static_cast<bool>(impl_); }

  /// Runs the matching handler.
  invoke_result invoke(local_actor* self, mailbox_element& x) {
    return impl_ ? impl_->invoke(self, x) : invoke_result::unmatched;
  }

  bool accepts(type_id_t type) const noexcept { return impl_ && impl_->accepts(type); }

  /// The idle timeout (after(d) >> f), or detail::no_idle_timeout.
  std::chrono::nanoseconds idle_timeout() const noexcept {
    return impl_ ? impl_->idle_timeout() : detail::no_idle_timeout;
  }
  /// True if this behavior has an idle timeout. Inline: checked after every
  /// message.
  bool has_idle_timeout() const noexcept {
    return impl_ && impl_->idle_timeout() != detail::no_idle_timeout;
  }
  /// Runs the idle timeout's handler.
  void handle_idle_timeout() {
    if (impl_)
      impl_->handle_idle_timeout();
  }

private:
  std::unique_ptr<detail::behavior_impl> impl_;
};

/// Tag for become(keep_behavior, b): push b and keep the old behavior for unbecome().
struct keep_behavior_t {};
inline constexpr keep_behavior_t keep_behavior{};

} // namespace ringactor
