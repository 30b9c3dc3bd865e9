// ringactor: the trace context of the running thread. While an actor
// handles a message, the thread's context is that message's; outside any
// handler it is the innermost trace_scope's, or none. Every message made on
// the thread carries the current context (see mailbox_element), so a
// handler's sends, replies and delegations continue its trace, and a
// request starts a child span.
//
//   // the service edge, on a network thread:
//   auto ctx = trace_context::parse(headers["traceparent"]);
//   trace_scope scope{ctx ? *ctx : trace_context::make_root()};
//   self->request(worker, 1s, job{...});   // carries a child span of ctx
#pragma once

#include "ringactor/detail/trace_ref.hpp"
#include "ringactor/trace_context.hpp"

namespace ringactor {

namespace detail {

/// The trace node that messages made on this thread share; null for none.
/// Written only by its own thread (trace_scope, handler dispatch).
extern thread_local constinit const trace_node* current_trace_slot
  [[gnu::tls_model("initial-exec")]];

/// The reference a message made now holds: to the current node, or null.
inline trace_ref outgoing_trace() noexcept {
  return trace_ref::share(current_trace_slot);
}

} // namespace detail

/// The current context of this thread (empty when none): the context of the
/// message being handled, inside a handler; the innermost trace_scope's,
/// outside.
trace_context current_trace() noexcept;

/// Sets this thread's trace context for its lifetime: every message sent
/// from this thread outside a handler (a scoped_actor's requests, anon_send)
/// carries it. Scopes nest; the destructor restores the previous context.
/// An empty `ctx` makes messages untraced within the scope.
class trace_scope {
public:
  explicit trace_scope(const trace_context& ctx) : ref_(ctx), saved_(detail::current_trace_slot) {
    detail::current_trace_slot = ref_.node();
  }
  trace_scope(const trace_scope&) = delete;
  trace_scope& operator=(const trace_scope&) = delete;
  ~trace_scope() { detail::current_trace_slot = saved_; }

  const trace_context& context() const noexcept { return ref_.get(); }

private:
  detail::trace_ref ref_;
  const detail::trace_node* saved_;
};

} // namespace ringactor
