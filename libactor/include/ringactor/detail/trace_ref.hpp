// ringactor: a shared, immutable trace context for messages. A message
// holds one pointer (null when untraced) instead of the 32-byte context, so
// that an untraced message stays as small as before; the messages of one
// span share one node.
#pragma once

#include <atomic>
#include <cstddef>
#include <utility>

#include "ringactor/detail/small_pool.hpp"
#include "ringactor/trace_context.hpp"

namespace ringactor::detail {

/// One trace context with a reference count. Immutable once made.
struct trace_node {
  explicit trace_node(const trace_context& x) noexcept : ctx(x) {}

  RINGACTOR_SMALL_POOL_ALLOCATED

  // Counts references (mutable: shared through const pointers). Relaxed
  // increments (a new reference comes from an existing one, which
  // keeps the node alive); acq_rel decrements, so that the last one sees
  // every use of the node before it deletes it.
  mutable std::atomic<std::size_t> refs{1};
  const trace_context ctx;
};

/// The empty context, for untraced messages.
inline const trace_context no_trace{};

/// A counted reference to a trace_node; null for "untraced". Copies of a
/// null reference touch no atomic.
class trace_ref {
public:
  trace_ref() noexcept = default;

  /// A node for `ctx`; null (no allocation) for an empty context.
  explicit trace_ref(const trace_context& ctx)
    : node_(ctx.valid() ? new trace_node(ctx) : nullptr) {}

  /// A new reference to `node` (may be null).
  static trace_ref share(const trace_node* node) noexcept {
    trace_ref out;
    if (node != nullptr) {
      node->refs.fetch_add(1, std::memory_order_relaxed); // see trace_node::refs
      out.node_ = const_cast<trace_node*>(node);
    }
    return out;
  }

  trace_ref(const trace_ref& other) noexcept : trace_ref(share(other.node_)) {}
  trace_ref(trace_ref&& other) noexcept : node_(std::exchange(other.node_, nullptr)) {}
  trace_ref& operator=(trace_ref other) noexcept {
    std::swap(node_, other.node_);
    return *this;
  }
  ~trace_ref() {
    if (node_ != nullptr)
      release(node_);
  }

  /// The context; the empty one for a null reference.
  const trace_context& get() const noexcept { return node_ != nullptr ? node_->ctx : no_trace; }
  const trace_node* node() const noexcept { return node_; }
  explicit operator bool() const noexcept { return node_ != nullptr; }

private:
  static void release(trace_node* node) noexcept {
    // acq_rel: see trace_node::refs.
    if (node->refs.fetch_sub(1, std::memory_order_acq_rel) == 1)
      delete node;
  }

  trace_node* node_ = nullptr;
};

} // namespace ringactor::detail
