// ringactor: one message in a mailbox: sender, id, trace context and a
// typed payload, allocated once and moved through queues by pointer (never
// copied).
#pragma once

#include <memory>
#include <type_traits>
#include <utility>

#include "ringactor/detail/small_pool.hpp"
#include "ringactor/intrusive_ptr.hpp"
#include "ringactor/message_id.hpp"
#include "ringactor/trace_scope.hpp"
#include "ringactor/type_id.hpp"

namespace ringactor {

class abstract_actor;

/// A strong, owning reference to an actor of any kind.
using strong_actor_ptr = intrusive_ptr<abstract_actor>;

void intrusive_ptr_add_ref(abstract_actor* x) noexcept;
void intrusive_ptr_release(abstract_actor* x) noexcept;

class mailbox_element {
public:
  /// The element carries the thread's current trace context (see
  /// trace_scope.hpp): a message made inside a handler continues the trace
  /// of the message being handled.
  mailbox_element(strong_actor_ptr sender, message_id mid, type_id_t type) noexcept
    : sender(std::move(sender)), mid(mid), type(type), trace_ref(detail::outgoing_trace()) {}
  mailbox_element(const mailbox_element&) = delete;
  mailbox_element& operator=(const mailbox_element&) = delete;
  virtual ~mailbox_element() = default;

  // Allocated by the sender's thread, freed by the receiver's: pooled.
  RINGACTOR_SMALL_POOL_ALLOCATED

  /// Link for intrusive queues; owned by whichever queue holds the element.
  mailbox_element* next = nullptr;
  /// Who sent it; null for anonymous sends and timer events.
  strong_actor_ptr sender;
  message_id mid;
  type_id_t type;
  /// The trace this message belongs to, shared with the other messages of
  /// its span; null when untraced (8 bytes, no allocation).
  detail::trace_ref trace_ref;

  /// The trace this message belongs to; empty when untraced.
  const trace_context& trace() const noexcept { return trace_ref.get(); }

  virtual void* payload() noexcept = 0;

  template <class T>
  T* get_if() noexcept {
    return type == type_id_of<T>() ? static_cast<T*>(payload()) : nullptr;
  }

  template <class T>
  bool is() const noexcept {
    return type == type_id_of<T>();
  }
};

using mailbox_element_ptr = std::unique_ptr<mailbox_element>;

/// A request is a new span of its trace: called on a request's element
/// before it is sent. Nothing but a test when untraced.
inline void begin_request_span(mailbox_element& x) {
  if (x.trace_ref) [[unlikely]]
    x.trace_ref = detail::trace_ref{x.trace().make_child()};
}

template <class T>
class mailbox_element_for final : public mailbox_element {
public:
  template <class... Args>
  mailbox_element_for(strong_actor_ptr sender, message_id mid, Args&&... args)
    : mailbox_element(std::move(sender), mid, type_id_of<T>()),
      value(std::forward<Args>(args)...) {}

  void* payload() noexcept override { return std::addressof(value); }

  T value;
};

/// Allocates an element holding `value` (one allocation per message).
template <class T>
mailbox_element_ptr make_mailbox_element(strong_actor_ptr sender, message_id mid, T&& value) {
  using value_type = std::remove_cvref_t<T>;
  static_assert(std::is_move_constructible_v<value_type>,
                "ringactor: a message must be a movable type");
  return std::make_unique<mailbox_element_for<value_type>>(std::move(sender), mid,
                                                           std::forward<T>(value));
}

} // namespace ringactor
