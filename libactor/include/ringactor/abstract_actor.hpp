// ringactor: what every actor is to the runtime: an id, reference counts, a
// way to enqueue messages, monitors and links, and an exit reason.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ringactor/detail/small_pool.hpp"
#include "ringactor/detail/spin_lock.hpp"
#include "ringactor/error.hpp"
#include "ringactor/mailbox_element.hpp"

namespace ringactor {

class actor_system;
class actor_addr;
class named_actor_registry;

using actor_id = uint64_t;

namespace detail {
struct system_core;
class actor_registry;
void weak_ref(abstract_actor* x) noexcept;
void weak_release(abstract_actor* x) noexcept;
void release_strong(abstract_actor* x, uint32_t n) noexcept;
} // namespace detail

class abstract_actor {
public:
  explicit abstract_actor(actor_system& sys);
  abstract_actor(const abstract_actor&) = delete;
  abstract_actor& operator=(const abstract_actor&) = delete;
  virtual ~abstract_actor();

  // Spawned on one thread, often freed on another: pooled.
  RINGACTOR_SMALL_POOL_ALLOCATED

  // -- identity ---------------------------------------------------------------

  actor_id id() const noexcept { return id_; }
  actor_system& system() const noexcept;
  /// The runtime behind the system (survives the actor_system object while
  /// stragglers of a shutdown still run).
  detail::system_core& core() const noexcept { return *core_; }
  /// A name for logs and shutdown reports; "actor" unless set.
  std::string name() const;
  void set_name(std::string name);

  // -- messaging ------------------------------------------------------------

  /// Delivers `x`. If this actor is gone, a request is answered with
  /// dead_receiver and anything else is dropped. Returns whether `x` was
  /// accepted. Thread-safe.
  virtual bool enqueue(mailbox_element_ptr x) = 0;

  // -- monitors and links ---------------------------------------------------

  /// `observer` receives a down_msg when this actor exits (at once if it
  /// already has).
  void add_monitor(const actor_addr& observer);
  void remove_monitor(const actor_addr& observer);
  /// Records a link to `other`; returns false if this actor already exited
  /// (the caller then sends `other` the exit reason itself).
  bool add_link(const actor_addr& other);
  void remove_link(const actor_addr& other);

  // -- lifetime -------------------------------------------------------------

  bool is_terminated() const noexcept {
    // Pairs with the release store in finalize().
    return terminated_.load(std::memory_order_acquire);
  }
  /// True once the actor began to exit: from the moment it starts to release
  /// its state (before is_terminated() holds) on. Thread-safe.
  bool is_exiting() const noexcept {
    // Pairs with the release store in begin_exit().
    return exiting_.load(std::memory_order_acquire) || is_terminated();
  }
  /// The exit reason once the actor began to exit (see is_exiting()); normal
  /// is an empty error.
  error exit_reason() const;
  /// What a request left unanswered by an actor that exits with `reason`
  /// gets: `reason` itself when it is abnormal (the requester learns why, as
  /// a monitor does), dead_receiver when the actor exited normally.
  static error unanswered_error(const error& reason) {
    return reason ? reason : error{sec::dead_receiver};
  }

  // -- reference counting (use the handles instead) -------------------------

  size_t strong_count() const noexcept { return strong_.load(std::memory_order_relaxed); }

  friend void intrusive_ptr_add_ref(abstract_actor* x) noexcept;
  friend void intrusive_ptr_release(abstract_actor* x) noexcept;
  friend void detail::weak_ref(abstract_actor* x) noexcept;
  friend void detail::weak_release(abstract_actor* x) noexcept;
  friend void detail::release_strong(abstract_actor* x, uint32_t n) noexcept;
  friend class detail::actor_registry;
  friend class actor_addr;
  friend class named_actor_registry;

protected:
  /// Called once when the last strong reference is gone.
  virtual void on_unreachable() = 0;

  /// Marks the start of this actor's exit with `reason`, before it releases
  /// its state, so that a response promise dying with that state answers
  /// unanswered_error(reason). Records `reason` as exit_reason().
  void begin_exit(const error& reason);

  /// Marks this actor terminated with `reason`, sends down and exit
  /// messages to its monitors and links, and unregisters it. Idempotent:
  /// returns false if the actor already exited.
  bool finalize(error reason);

  /// Answers a request that can no longer be handled with `reason`.
  static void bounce(mailbox_element& x, const error& reason);
  /// Bounces a whole chain of elements with `reason` and frees it.
  static void bounce_all(mailbox_element* chain, const error& reason);

private:
  enum class attachable_kind : uint8_t { monitor, link, named };
  struct attachable;

  // Strong references; the strong references together hold one weak one.
  std::atomic<uint32_t> strong_{1};
  // Weak references; the object is freed when this drops to zero.
  std::atomic<uint32_t> weak_{1};
  // Written once in finalize() with release; read with acquire.
  std::atomic<bool> terminated_{false};
  // Written in begin_exit() with release (after the exit reason); read in
  // is_exiting().
  std::atomic<bool> exiting_{false};
  // Guards attachables_, exit_reason_ and name_ (short critical sections).
  mutable detail::spin_lock lock_;
  actor_id id_;
  detail::system_core* core_;
  // Rarely used state, allocated on first use to keep idle actors small.
  struct extras;
  std::unique_ptr<extras> extras_;
  // Set by the registry while this actor is in it (guarded by its shard).
  bool registered_ = false;
  // Links in the system's registry of live actors (guarded by its shard).
  abstract_actor* registry_prev_ = nullptr;
  abstract_actor* registry_next_ = nullptr;

  extras& get_extras(); // requires lock_

  /// Makes finalize() remove this actor's entries from the system's
  /// named_actor_registry (before monitors see the down message); false if
  /// this actor already terminated. Idempotent.
  bool watch_named_entries();
};

} // namespace ringactor
