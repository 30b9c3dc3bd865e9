// ringactor: where a kernel's snapshots outlive the kernel. A supervisor's
// child factory passes the same store to every spawn of a kernel, so that a
// kernel restarted after kernel_fault or kernel_stalled continues from the
// last snapshot its predecessor published instead of its initial state.
//
//   auto store = kernel_snapshot_store<counter_state>::make();
//   child_spec{.name = "counter",
//              .start = [store](actor_system& sys) {
//                return spawn_kernel<counter_if>(sys, counter{},
//                                                {.snapshots = store, .snapshot_interval = 1});
//              }}
//
// How it works: spawn_kernel gives each kernel a fresh snapshot area
// (snapshot_area.hpp) in memory the host can read, which the kernel's channel
// and the store share; the kernel's leader publishes into it after every
// snapshot_interval-th message that did not fault (and when it drains). The
// store reads the area directly, so it sees the last good snapshot even of a
// kernel that faulted or hangs, with nothing to do on the kernel's way out.
// On the next spawn the store hands that snapshot to spawn_kernel, which
// calls restore() on its copy of the kernel before the kernel starts, and
// the store follows the new kernel's area from then on.
//
// A store follows one kernel at a time (the last one spawned with it): give
// each supervised kernel its own store. Workers of a pool are interchangeable
// and should not share one.
//
// What a restarted kernel has lost: the messages after the last snapshot
// (none with snapshot_interval = 1, except the one that faulted, whose
// half-done effects are never published). A stalled message that completes
// after its kernel was declared stalled may or may not be in the snapshot,
// depending on whether it completed before the restart (its request was
// answered with an error either way, as with a request that timed out).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "ringactor/gpu/channel.hpp"
#include "ringactor/gpu/cuda_backend.hpp"
#include "ringactor/gpu/kernel_config.hpp"
#include "ringactor/gpu/snapshot_area.hpp"
#include "ringactor/gpu/snapshot_hooks.hpp"

namespace ringactor {

/// A snapshot and where it came from.
template <class S>
struct snapshot_record {
  S state;
  /// Messages the kernel that published it had handled (since it started).
  std::uint64_t messages = 0;
  /// Which kernel published it: 1 for the first spawned with the store, 2
  /// for the next (its first restart), ...; 0 for one given to save().
  std::uint64_t kernel = 0;
};

namespace detail {

/// One kernel's snapshot area and the memory it lives in; shared by the
/// kernel's channel (so that it outlives the kernel) and its store (so that
/// the host can read the last snapshot after the kernel is gone).
class snapshot_memory {
public:
  /// `region`: zeroed, at least snapshot_area_ref::bytes_for(size) bytes.
  snapshot_memory(shared_region region, std::uint32_t size, std::uint32_t interval);

  snapshot_area_ref host_view() const noexcept { return snapshot_area_ref{region_.host()}; }
  std::byte* device() const noexcept { return region_.device(); }

private:
  shared_region region_;
};

template <class S>
inline constexpr char snapshot_type_tag = 0;

} // namespace detail

/// The part of kernel_snapshot_store<S> that does not depend on S (what
/// kernel_config holds). Thread-safe.
class kernel_snapshot_store_base {
public:
  kernel_snapshot_store_base(const kernel_snapshot_store_base&) = delete;
  kernel_snapshot_store_base& operator=(const kernel_snapshot_store_base&) = delete;

  /// sizeof(snapshot_type).
  std::uint32_t snapshot_size() const noexcept { return size_; }
  /// Whether this is a store for snapshots of type S.
  template <class S>
  bool holds() const noexcept {
    return tag_ == &detail::snapshot_type_tag<S>;
  }

  /// Forgets every snapshot and the kernel it follows: the next kernel
  /// spawned with the store starts from its initial state.
  void clear();

  // -- used by spawn_kernel ---------------------------------------------------

  /// Copies the latest snapshot to `seed` (snapshot_size() bytes; returns
  /// whether there was one) and follows `area` from now on, keeping that
  /// snapshot until the new kernel publishes one. One step, under the lock.
  bool attach(std::shared_ptr<const detail::snapshot_memory> area, void* seed);

protected:
  kernel_snapshot_store_base(std::uint32_t size, const void* tag) : size_(size), tag_(tag) {}
  ~kernel_snapshot_store_base() = default;

  /// The latest snapshot's bytes into `dst`; false if none.
  bool latest_bytes(void* dst, std::uint64_t& messages, std::uint64_t& kernel) const;
  /// Replaces everything with the snapshot at `src` (kernel number 0).
  void save_bytes(const void* src);

private:
  bool read_area(void* dst, std::uint64_t& messages) const;

  const std::uint32_t size_;
  const void* const tag_;
  mutable std::mutex mutex_; // guards everything below
  std::shared_ptr<const detail::snapshot_memory> area_;
  std::uint64_t kernels_ = 0;   // kernels attached so far; area_'s is number kernels_
  std::vector<std::byte> kept_; // the snapshot kept from before area_ (empty: none)
  std::uint64_t kept_messages_ = 0;
  std::uint64_t kept_kernel_ = 0;
};

/// Snapshots of type S (a kernel's snapshot_type) that outlive the kernels
/// that publish them; see the top of this file. Thread-safe.
template <class S>
class kernel_snapshot_store final : public kernel_snapshot_store_base {
public:
  static_assert(std::is_trivially_copyable_v<S> && sizeof(S) <= max_snapshot_size,
                "ringactor: a snapshot type is trivially copyable and at most "
                "max_snapshot_size (1024) bytes");

  static std::shared_ptr<kernel_snapshot_store> make() {
    return std::make_shared<kernel_snapshot_store>();
  }

  kernel_snapshot_store() : kernel_snapshot_store_base(sizeof(S), &detail::snapshot_type_tag<S>) {}

  /// The latest snapshot: the last one the kernel the store follows
  /// published (it may still be running), else the one kept from before it;
  /// nullopt if there is none.
  std::optional<snapshot_record<S>> latest_record() const {
    alignas(S) std::byte bytes[sizeof(S)];
    std::uint64_t messages = 0, kernel = 0;
    if (!latest_bytes(bytes, messages, kernel))
      return std::nullopt;
    // S is trivially copyable: its bytes, copied into aligned storage, are an S.
    return snapshot_record<S>{*std::launder(reinterpret_cast<const S*>(bytes)), messages, kernel};
  }

  /// The state of latest_record().
  std::optional<S> latest() const {
    auto r = latest_record();
    return r ? std::optional<S>{r->state} : std::nullopt;
  }

  /// The next kernel spawned with the store starts from `s`; the kernel the
  /// store followed is forgotten (its later snapshots are ignored).
  void save(const S& s) { save_bytes(&s); }
};

namespace detail {

/// What spawn_kernel launches: a copy of the kernel, restored from the
/// store's latest snapshot when cfg.snapshots has one, and the snapshot area
/// the kernel publishes into (null without a store).
template <class Kernel>
struct kernel_start {
  Kernel state;
  std::shared_ptr<const snapshot_memory> area;

  /// Points `ch`'s launch parameters at the area (before a runner uses it).
  void attach_to(kernel_channel& ch) const {
    if (area)
      ch.attach_snapshot_area(area->device(), area);
  }
};

/// Validates cfg's snapshot settings for Kernel (std::invalid_argument) and
/// prepares its start; allocates the area where `backend` can write it.
template <class Kernel>
kernel_start<Kernel> prepare_kernel_start(const Kernel& kernel, const kernel_config& cfg,
                                          kernel_backend backend) {
  kernel_start<Kernel> start{kernel, nullptr};
  if (!cfg.snapshots)
    return start;
  if constexpr (!snapshot_kernel<Kernel>) {
    throw std::invalid_argument("ringactor: kernel_config::snapshots is set for a kernel type "
                                "without snapshot hooks (see snapshot_hooks.hpp)");
  } else {
    using S = typename Kernel::snapshot_type;
    if (!cfg.snapshots->holds<S>())
      throw std::invalid_argument("ringactor: kernel_config::snapshots is a store for another "
                                  "type than the kernel's snapshot_type");
    if (cfg.snapshot_interval == 0)
      throw std::invalid_argument("ringactor: kernel_config::snapshot_interval must be >= 1");
    constexpr auto size = static_cast<std::uint32_t>(sizeof(S));
    auto bytes = snapshot_area_ref::bytes_for(size);
    auto region = backend == kernel_backend::cuda ? allocate_mapped(bytes)
                                                  : shared_region::allocate_host(bytes);
    start.area = std::make_shared<const snapshot_memory>(std::move(region), size,
                                                         cfg.snapshot_interval);
    alignas(S) std::byte seed[sizeof(S)];
    if (cfg.snapshots->attach(start.area, seed))
      start.state.restore(*std::launder(reinterpret_cast<const S*>(seed)));
  }
  return start;
}

} // namespace detail

} // namespace ringactor
