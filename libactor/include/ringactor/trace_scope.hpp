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

#include "ringactor/trace_context.hpp"

namespace ringactor {

namespace detail {

/// The context that messages made on this thread carry; null for none.
/// Written only by its own thread (trace_scope, handler dispatch).
extern thread_local constinit const trace_context* current_trace_slot
  [[gnu::tls_model("initial-exec")]];

/// The context a message made now carries: the current one, or empty.
inline trace_context outgoing_trace() noexcept {
  auto* ptr = current_trace_slot;
  return ptr != nullptr ? *ptr : trace_context{};
}

/// Makes `ctx` the thread's context until destroyed (then the previous one
/// is back). `ctx` must outlive it. Used around handlers.
class trace_slot_guard {
public:
  explicit trace_slot_guard(const trace_context* ctx) noexcept : saved_(current_trace_slot) {
    current_trace_slot = ctx;
  }
  trace_slot_guard(const trace_slot_guard&) = delete;
  trace_slot_guard& operator=(const trace_slot_guard&) = delete;
  ~trace_slot_guard() { current_trace_slot = saved_; }

private:
  const trace_context* saved_;
};

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
  explicit trace_scope(const trace_context& ctx) noexcept
    : ctx_(ctx), guard_(ctx_.valid() ? &ctx_ : nullptr) {}
  trace_scope(const trace_scope&) = delete;
  trace_scope& operator=(const trace_scope&) = delete;

  const trace_context& context() const noexcept { return ctx_; }

private:
  trace_context ctx_;
  detail::trace_slot_guard guard_;
};

} // namespace ringactor
