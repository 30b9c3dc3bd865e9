// ringactor: one request to many actors, completed by a policy, as CAF's
// fan_out_request:
//
//   self->fan_out_request<select_all>(workers, 1s, job{7})
//     .then([](std::vector<int> xs) { ... },     // every answer, in the order of `workers`
//           [](const error& err) { ... });       // the first error (or timeout)
//   self->fan_out_request<select_any>(replicas, 1s, read{k})
//     .then([](int x) { ... },                    // the first answer
//           [](const error& err) { ... });       // only when every request failed
//
// The response type comes from the handles' interface (as for request);
// for untyped handles the value handler's argument names it.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "ringactor/scheduled_actor.hpp"

namespace ringactor {

namespace detail {

template <class T>
struct vector_value {
  static constexpr bool is_vector = false;
};
template <class T>
struct vector_value<std::vector<T>> {
  static constexpr bool is_vector = true;
  using type = T;
};

/// The value type each response carries: the interface's response type,
/// or for untyped handles what the handler `F` takes (`AllOf`: F takes a
/// vector of it).
template <class Response, class F, bool AllOf>
constexpr auto fan_out_value_type() {
  if constexpr (!std::is_same_v<Response, dynamic_response>) {
    return std::type_identity<Response>{};
  } else if constexpr (num_args_v<F> == 0) {
    return std::type_identity<void>{};
  } else if constexpr (AllOf) {
    using arg = handled_type_t<F>;
    static_assert(vector_value<arg>::is_vector,
                  "ringactor: a select_all handler takes a std::vector of the response type");
    return std::type_identity<typename vector_value<arg>::type>{};
  } else {
    return std::type_identity<handled_type_t<F>>{};
  }
}

template <class Value, class F, bool AllOf>
constexpr void check_fan_out_callback() {
  if constexpr (std::is_void_v<Value>) {
    static_assert(num_args_v<F> == 0, "ringactor: these requests are answered with an empty "
                                      "response (result<void>): the handler takes no argument");
  } else if constexpr (AllOf) {
    static_assert(num_args_v<F> == 1 && std::is_same_v<handled_type_t<F>, std::vector<Value>>,
                  "ringactor: a select_all handler takes std::vector<R>, R being the response "
                  "type of the request in the actors' interface");
  } else {
    static_assert(num_args_v<F> == 1 && std::is_same_v<handled_type_t<F>, Value>,
                  "ringactor: a select_any handler takes the response type of the request in "
                  "the actors' interface");
  }
}

/// The requests a fan_out_request sent, not yet bound to a policy's state.
struct fan_out_requests {
  scheduled_actor* self;
  std::vector<message_id> ids;
  scheduled_actor::clock::time_point deadline;
};

template <class Handle, class T>
fan_out_requests send_fan_out(scheduled_actor& self, const std::vector<Handle>& dests,
                              timespan timeout, const T& msg) {
  static_assert(std::is_copy_constructible_v<std::remove_cvref_t<T>>,
                "ringactor: fan_out_request copies the message for each receiver: it must be "
                "copy constructible");
  fan_out_requests out{&self, {}, scheduled_actor::clock::time_point::max()};
  if (timeout != infinite)
    out.deadline = scheduled_actor::clock::now() + timeout;
  out.ids.reserve(dests.size());
  for (auto& dest : dests)
    out.ids.push_back(self.request(dest, timeout, std::remove_cvref_t<T>{msg}).id());
  return out;
}

} // namespace detail

template <class Policy, class Response>
class fan_out_handle;

/// Policy: wait for every response; deliver them all (in the order of the
/// handles) or the first error. No handles: an empty result at once.
struct select_all {
  static constexpr bool all_of = true;
  template <class Response, class Handle, class T>
  static auto start(scheduled_actor& self, const std::vector<Handle>& dests, timespan timeout,
                    const T& msg) {
    return fan_out_handle<select_all, Response>{detail::send_fan_out(self, dests, timeout, msg)};
  }
};

/// Policy: deliver the first response; fail (with the first error) only
/// once every request failed. No handles: an invalid_argument error at once.
struct select_any {
  static constexpr bool all_of = false;
  template <class Response, class Handle, class T>
  static auto start(scheduled_actor& self, const std::vector<Handle>& dests, timespan timeout,
                    const T& msg) {
    return fan_out_handle<select_any, Response>{detail::send_fan_out(self, dests, timeout, msg)};
  }
};

/// The pending outcome of scheduled_actor::fan_out_request.
template <class Policy, class Response>
class fan_out_handle {
public:
  explicit fan_out_handle(detail::fan_out_requests reqs) : reqs_(std::move(reqs)) {}

  /// Runs `f` with the policy's result (or `e` with the error) once it is
  /// known; other messages keep being processed meanwhile. Exactly one of
  /// them runs, once.
  template <class F, class E = void (*)(const error&)>
  void then(F f, E e = detail::default_error_handler) {
    bind(false, std::move(f), std::move(e));
  }

  /// Like then(), but the actor handles nothing else (except system
  /// messages) until every request was answered or failed.
  template <class F, class E = void (*)(const error&)>
  void await(F f, E e = detail::default_error_handler) {
    bind(true, std::move(f), std::move(e));
  }

  /// The ids of the requests, in the order of the handles.
  const std::vector<message_id>& ids() const noexcept { return reqs_.ids; }

private:
  template <class F, class E>
  void bind(bool awaited, F f, E e) {
    using value = typename decltype(detail::fan_out_value_type<Response, F,
                                                               Policy::all_of>())::type;
    detail::check_fan_out_callback<value, F, Policy::all_of>();
    auto n = reqs_.ids.size();
    if (n == 0) {
      if constexpr (Policy::all_of) {
        if constexpr (std::is_void_v<value>)
          f();
        else
          f(std::vector<value>{});
      } else {
        e(error{sec::invalid_argument, "fan_out_request<select_any> to no actors"});
      }
      return;
    }
    struct state {
      state(F fn, E en, size_t n) : f(std::move(fn)), e(std::move(en)), outstanding(n) {}
      F f;
      E e;
      size_t outstanding;
      bool done = false;
      error first_error;
      // select_all: the values so far, by handle position.
      std::vector<std::optional<std::conditional_t<std::is_void_v<value>, unit_t, value>>> values;
    };
    auto st = std::make_shared<state>(std::move(f), std::move(e), n);
    if constexpr (Policy::all_of)
      st->values.resize(n);
    for (size_t i = 0; i < n; ++i) {
      auto on_error = [st](const error& err) {
        if (st->done)
          return;
        if constexpr (Policy::all_of) {
          st->done = true;
          st->e(err);
        } else {
          if (!st->first_error)
            st->first_error = err;
          if (--st->outstanding == 0) {
            st->done = true;
            st->e(st->first_error);
          }
        }
      };
      auto on_value = [st, i](auto&&... x) {
        if (st->done)
          return;
        if constexpr (Policy::all_of) {
          if constexpr (std::is_void_v<value>)
            st->values[i].emplace(unit);
          else
            st->values[i].emplace(std::move(x)...);
          if (--st->outstanding == 0) {
            st->done = true;
            if constexpr (std::is_void_v<value>) {
              st->f();
            } else {
              std::vector<value> xs;
              xs.reserve(st->values.size());
              for (auto& v : st->values)
                xs.push_back(std::move(*v));
              st->f(std::move(xs));
            }
          }
        } else {
          static_cast<void>(i); // only all_of keeps values by index
          st->done = true;
          st->f(std::move(x)...);
        }
      };
      scheduled_actor::response_callback cb;
      if constexpr (std::is_void_v<value>)
        cb = detail::make_response_callback([on_value]() mutable { on_value(); }, on_error);
      else
        cb = detail::make_response_callback([on_value](value x) mutable { on_value(std::move(x)); },
                                            on_error);
      reqs_.self->add_response_handler(reqs_.ids[i], awaited, reqs_.deadline, std::move(cb));
    }
  }

  detail::fan_out_requests reqs_;
};

} // namespace ringactor
