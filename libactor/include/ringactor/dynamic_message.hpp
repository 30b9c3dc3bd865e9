// ringactor: a message whose type is known at run time only. K2K brokers
// carry payloads as dynamic messages and hand them to endpoints as ordinary
// typed messages; kernels' routed sends arrive at a broker as one.
//
//   auto m = dynamic_message::from(temperature{21.5f});
//   m.type() == type_id_of<temperature>();
#pragma once

#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

#include "ringactor/actor.hpp"
#include "ringactor/error.hpp"
#include "ringactor/local_actor.hpp"
#include "ringactor/mailbox_element.hpp"
#include "ringactor/scheduled_actor.hpp"
#include "ringactor/type_id.hpp"

namespace ringactor {

class dynamic_message {
public:
  /// Runs once with null when the receiver answered (with any value or
  /// nothing), or with the error: its error answer, request_timeout,
  /// dead_receiver, unexpected_message.
  using completion = std::function<void(const error* err)>;

  dynamic_message() noexcept = default;
  dynamic_message(dynamic_message&&) noexcept = default;
  dynamic_message& operator=(dynamic_message&&) noexcept = default;

  /// Wraps `x`. No compile-time routability check: a broker checks the
  /// registry at run time (use make_send for a checked, typed send).
  template <class T>
    requires(!std::is_same_v<std::remove_cvref_t<T>, dynamic_message>)
  static dynamic_message from(T&& x) {
    dynamic_message out;
    out.impl_ = std::make_unique<model<std::remove_cvref_t<T>>>(std::forward<T>(x));
    return out;
  }

  /// The payload's type id; null if empty.
  type_id_t type() const noexcept { return impl_ ? impl_->type() : nullptr; }
  explicit operator bool() const noexcept { return static_cast<bool>(impl_); }

  /// The payload, or null if empty.
  const void* data() const noexcept { return impl_ ? impl_->value() : nullptr; }

  template <class T>
  T* get_if() noexcept {
    return impl_ && impl_->type() == type_id_of<T>() ? static_cast<T*>(impl_->value()) : nullptr;
  }

  /// Sends the payload (moved out; this becomes empty) to `dest` as a
  /// request of `self` with `timeout`; `done` runs in `self` with the outcome.
  void request(scheduled_actor* self, const actor& dest, timespan timeout, completion done) {
    auto impl = std::move(impl_);
    impl->request(self, dest, timeout, std::move(done));
  }

  /// Sends the payload (moved out; this becomes empty) to `dest` as an
  /// ordinary message from `self` (null: no sender, as anon_send), where
  /// the handler for its type sees it as if it had been sent typed. False,
  /// sending nothing, if this is empty or `dest` is invalid.
  bool send(local_actor* self, const actor& dest) {
    if (!impl_ || !dest)
      return false;
    auto impl = std::move(impl_);
    impl->send(self != nullptr ? self->ctrl() : strong_actor_ptr{}, dest);
    return true;
  }

  /// send(nullptr, dest).
  bool anon_send(const actor& dest) { return send(nullptr, dest); }

  /// The payload (moved out; this becomes empty) as a mailbox element from
  /// `sender` with id `mid`, ready to enqueue anywhere: what a decoder
  /// hands to a proxy or a binding that sets sender and id itself. Null if
  /// this is empty.
  mailbox_element_ptr to_element(strong_actor_ptr sender, message_id mid) {
    if (!impl_)
      return nullptr;
    auto impl = std::move(impl_);
    return impl->to_element(std::move(sender), mid);
  }

private:
  struct concept_t {
    virtual ~concept_t() = default;
    virtual type_id_t type() const noexcept = 0;
    virtual void* value() noexcept = 0;
    virtual void send(strong_actor_ptr sender, const actor& dest) = 0;
    virtual mailbox_element_ptr to_element(strong_actor_ptr sender, message_id mid) = 0;
    virtual void request(scheduled_actor* self, const actor& dest, timespan timeout,
                         completion done) = 0;
  };

  template <class T>
  struct model final : concept_t {
    template <class U>
    explicit model(U&& x) : payload(std::forward<U>(x)) {}
    type_id_t type() const noexcept override { return type_id_of<T>(); }
    void* value() noexcept override { return std::addressof(payload); }
    void send(strong_actor_ptr sender, const actor& dest) override {
      dest.ctrl()->enqueue(to_element(std::move(sender), message_id{}));
    }
    mailbox_element_ptr to_element(strong_actor_ptr sender, message_id mid) override {
      return make_mailbox_element(std::move(sender), mid, std::move(payload));
    }
    void request(scheduled_actor* self, const actor& dest, timespan timeout,
                 completion done) override {
      self->request(dest, timeout, std::move(payload))
        .then_raw([done = std::move(done)](mailbox_element* x, const error* err) {
          if (err != nullptr)
            done(err);
          else if (auto reply_err = x->get_if<error>())
            done(reply_err);
          else
            done(nullptr);
        });
    }
    T payload;
  };

  std::unique_ptr<concept_t> impl_;
};

} // namespace ringactor
