// ringactor: handles to actors. `actor` is a strong, untyped handle;
// `actor_addr` is a weak one that does not keep the actor alive.
#pragma once

#include <cstddef>
#include <functional>
#include <type_traits>
#include <utility>

#include "ringactor/abstract_actor.hpp"

namespace ringactor {

class actor;

/// A weak reference to an actor: comparable, hashable, and upgradable to a
/// strong reference while the actor lives. Down and exit messages carry one.
class actor_addr {
public:
  actor_addr() noexcept = default;
  explicit actor_addr(abstract_actor* x) noexcept : ptr_(x) {
    if (ptr_)
      detail::weak_ref(ptr_);
  }
  actor_addr(const actor_addr& other) noexcept : actor_addr(other.ptr_) {}
  actor_addr(actor_addr&& other) noexcept : ptr_(std::exchange(other.ptr_, nullptr)) {}
  actor_addr& operator=(actor_addr other) noexcept {
    std::swap(ptr_, other.ptr_);
    return *this;
  }
  ~actor_addr() {
    if (ptr_)
      detail::weak_release(ptr_);
  }

  /// A strong reference, or null if the actor is gone (strong count zero).
  strong_actor_ptr lock() const noexcept;

  actor_id id() const noexcept { return ptr_ ? ptr_->id() : 0; }
  explicit operator bool() const noexcept { return ptr_ != nullptr; }
  /// For identity only: the pointee may be a terminated actor.
  abstract_actor* get() const noexcept { return ptr_; }

  friend bool operator==(const actor_addr& x, const actor_addr& y) noexcept {
    return x.ptr_ == y.ptr_;
  }
  friend auto operator<=>(const actor_addr& x, const actor_addr& y) noexcept {
    return x.id() <=> y.id();
  }

private:
  abstract_actor* ptr_ = nullptr;
};

/// A strong, untyped handle: any message can be sent to it; one it has no
/// handler for is answered with unexpected_message (requests) or logged.
class actor {
public:
  actor() noexcept = default;
  explicit actor(strong_actor_ptr ptr) noexcept : ptr_(std::move(ptr)) {}

  actor_id id() const noexcept { return ptr_ ? ptr_->id() : 0; }
  actor_addr address() const noexcept { return actor_addr{ptr_.get()}; }
  explicit operator bool() const noexcept { return static_cast<bool>(ptr_); }
  const strong_actor_ptr& ctrl() const noexcept { return ptr_; }
  abstract_actor* get() const noexcept { return ptr_.get(); }

  friend bool operator==(const actor& x, const actor& y) noexcept { return x.ptr_ == y.ptr_; }
  friend auto operator<=>(const actor& x, const actor& y) noexcept { return x.id() <=> y.id(); }

private:
  strong_actor_ptr ptr_;
};

namespace detail {

/// Resolves any handle (or actor pointer) to the actor it refers to,
/// without taking a reference.
template <class Handle>
abstract_actor* actor_ptr_of(const Handle& x) noexcept {
  if constexpr (std::is_pointer_v<Handle>)
    return x;
  else
    return x.get();
}

} // namespace detail

} // namespace ringactor

template <>
struct std::hash<ringactor::actor_addr> {
  size_t operator()(const ringactor::actor_addr& x) const noexcept {
    return std::hash<ringactor::actor_id>{}(x.id());
  }
};
template <>
struct std::hash<ringactor::actor> {
  size_t operator()(const ringactor::actor& x) const noexcept {
    return std::hash<ringactor::actor_id>{}(x.id());
  }
};
