// ringactor: a behavior is a set of message handlers selected by type.
//
//   behavior b{
//     [](const add& m) { return m.a + m.b; },   // answers a request with an int
//     [](reset) { },                            // answers with unit
//   };
#pragma once

#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>

#include "ringactor/detail/callable_trait.hpp"
#include "ringactor/mailbox_element.hpp"

namespace ringactor {

class local_actor;
class behavior;

namespace detail {

/// Sends the outcome of a handler for `request` (defined in local_actor.hpp).
template <class R>
void respond(local_actor* self, mailbox_element& request, R&& outcome);
void respond_unit(local_actor* self, mailbox_element& request);

class behavior_impl {
public:
  virtual ~behavior_impl() = default;
  /// Runs the handler for x's payload type; false if there is none.
  virtual bool invoke(local_actor* self, mailbox_element& x) = 0;
  virtual bool accepts(type_id_t type) const noexcept = 0;
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
class behavior_impl_for final : public behavior_impl {
public:
  explicit behavior_impl_for(Fs... fs) : fs_(std::move(fs)...) {}

  bool invoke(local_actor* self, mailbox_element& x) override {
    return invoke_first(self, x, std::index_sequence_for<Fs...>{});
  }

  bool accepts(type_id_t type) const noexcept override {
    return ((type == type_id_of<handled_type_t<Fs>>()) || ...);
  }

private:
  template <size_t... Is>
  bool invoke_first(local_actor* self, mailbox_element& x, std::index_sequence<Is...>) {
    return (try_invoke<Is>(self, x) || ...);
  }

  template <size_t I>
  bool try_invoke(local_actor* self, mailbox_element& x) {
    using fun = std::tuple_element_t<I, std::tuple<Fs...>>;
    using value_type = handled_type_t<fun>;
    if (x.type != type_id_of<value_type>())
      return false;
    auto& f = std::get<I>(fs_);
    auto& payload = *static_cast<value_type*>(x.payload());
    using res = result_t<fun>;
    if constexpr (std::is_void_v<res>) {
      call_with_payload(f, payload);
      respond_unit(self, x);
    } else {
      respond(self, x, call_with_payload(f, payload));
    }
    return true;
  }

  std::tuple<Fs...> fs_;
};

template <class F>
concept message_handler = requires { typename callable_trait<F>::arg_types; }
                          && callable_trait<F>::num_args == 1;

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
    static_assert((detail::message_handler<F> && ... && detail::message_handler<Fs>),
                  "ringactor: each handler of a behavior takes exactly one argument, "
                  "the message (use a struct for several values)");
    impl_ = std::make_unique<detail::behavior_impl_for<F, Fs...>>(std::move(f), std::move(fs)...);
  }

  explicit operator bool() const noexcept { return static_cast<bool>(impl_); }

  /// Runs the matching handler; false if no handler accepts x.
  bool invoke(local_actor* self, mailbox_element& x) { return impl_ && impl_->invoke(self, x); }

  bool accepts(type_id_t type) const noexcept { return impl_ && impl_->accepts(type); }

private:
  std::unique_ptr<detail::behavior_impl> impl_;
};

/// Tag for become(keep_behavior, b): push b and keep the old behavior for unbecome().
struct keep_behavior_t {};
inline constexpr keep_behavior_t keep_behavior{};

} // namespace ringactor
