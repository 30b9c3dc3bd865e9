// ringactor: the memory a host and one kernel share, and the host's end of it.
//
// Layout of one region (pinned mapped host memory on CUDA, plain host memory
// on the CPU backend), every part 64-byte aligned:
//
//   control_block (192 B) | K2H doorbell (64 B) | k2k_port | H2K slots | K2H slots
//
// The k2k_port (k2k_port.hpp) is the kernel's route table and list of
// inbound device channels, edited by a K2K broker while the kernel runs.
//
// The host side of the channel is single-threaded by contract: one owner (the
// proxy actor, or a test) pushes to H2K, pops K2H and raises commands.
//
// nvcc-safe host header (docs/device-headers.md): a .cu file may include it
// (register_kernel.cuh does); it and all it includes pull in no fmt or threads.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

#include "ringactor/gpu/control_block.hpp"
#include "ringactor/gpu/doorbell.hpp"
#include "ringactor/gpu/k2k_port.hpp"
#include "ringactor/gpu/kernel_params.hpp"
#include "ringactor/gpu/message_list.hpp"
#include "ringactor/gpu/ring.hpp"
#include "ringactor/gpu/slot.hpp"

namespace ringactor {

namespace detail {

/// 64-byte aligned host memory.
struct aligned_free {
  void operator()(std::byte* p) const noexcept { ::operator delete[](p, std::align_val_t{64}); }
};
using aligned_bytes = std::unique_ptr<std::byte[], aligned_free>;

/// Zeroed, 64-byte aligned host memory of `size` bytes (rounded up to 64).
/// Throws std::bad_alloc when that cannot be had.
aligned_bytes allocate_aligned(std::size_t size);

} // namespace detail

/// Sizes of a channel's rings.
struct channel_geometry {
  std::uint32_t h2k_capacity = 1024;           ///< slots, a power of two
  std::uint32_t k2h_capacity = 1024;           ///< slots, a power of two
  std::uint32_t slot_size = default_slot_size; ///< bytes, a multiple of 64, >= 128

  /// Whether both rings have a valid geometry (see ring_view::valid_geometry).
  constexpr bool valid() const noexcept {
    return ring_view::valid_geometry(h2k_capacity, slot_size)
           && ring_view::valid_geometry(k2h_capacity, slot_size);
  }
};

/// A block of memory visible to the host and to a kernel, at `host()` for the
/// host and `device()` for the kernel (the same address on the CPU backend).
/// Move-only; frees itself through the function it was made with.
class shared_region {
public:
  using release_fn = void (*)(void* context, std::byte* host) noexcept;

  shared_region() noexcept = default;
  shared_region(std::byte* host, std::byte* device, std::size_t size, release_fn release,
                void* context) noexcept
    : host_(host), device_(device), size_(size), release_(release), context_(context) {}
  shared_region(shared_region&& other) noexcept
    : host_(std::exchange(other.host_, nullptr)),
      device_(std::exchange(other.device_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      release_(std::exchange(other.release_, nullptr)),
      context_(std::exchange(other.context_, nullptr)) {}
  shared_region& operator=(shared_region other) noexcept {
    swap(other);
    return *this;
  }
  shared_region(const shared_region&) = delete;
  /// Releases the memory: `release` gets the host address, or the device
  /// address of device-only memory (host() null).
  ~shared_region() {
    if (release_ != nullptr && (host_ != nullptr || device_ != nullptr))
      release_(context_, host_ != nullptr ? host_ : device_);
  }

  /// Zeroed, 64-byte aligned host memory (the CPU backend's region).
  static shared_region allocate_host(std::size_t size);

  std::byte* host() const noexcept { return host_; }
  std::byte* device() const noexcept { return device_; }
  std::size_t size() const noexcept { return size_; }
  explicit operator bool() const noexcept { return host_ != nullptr || device_ != nullptr; }

  void swap(shared_region& other) noexcept {
    std::swap(host_, other.host_);
    std::swap(device_, other.device_);
    std::swap(size_, other.size_);
    std::swap(release_, other.release_);
    std::swap(context_, other.context_);
  }

private:
  std::byte* host_ = nullptr;
  std::byte* device_ = nullptr;
  std::size_t size_ = 0;
  release_fn release_ = nullptr;
  void* context_ = nullptr;
};

/// The host's end of the control block and rings shared with one kernel.
class kernel_channel {
public:
  /// Bytes of shared memory a channel with geometry `g` needs.
  static std::size_t bytes_for(const channel_geometry& g) noexcept;

  /// Formats `memory` (at least bytes_for(g) bytes) as a channel.
  /// Throws std::invalid_argument for an invalid geometry or a short region.
  kernel_channel(const channel_geometry& g, shared_region memory);

  /// A channel in plain host memory (the CPU backend).
  explicit kernel_channel(const channel_geometry& g = {})
    : kernel_channel(g, shared_region::allocate_host(bytes_for(g))) {}

  kernel_channel(const kernel_channel&) = delete;
  kernel_channel& operator=(const kernel_channel&) = delete;

  // -- sending to the kernel (H2K) --------------------------------------------

  /// Pushes a message and wakes the kernel if it parked. False when H2K is
  /// full: the caller keeps the message and retries later (backpressure).
  bool try_send(const slot_header& header, const void* payload) noexcept {
    if (!h2k_.try_push(header, payload))
      return false;
    control().wake();
    return true;
  }

  /// Pushes without waking the kernel; call wake() after a batch.
  bool try_push(const slot_header& header, const void* payload) noexcept {
    return h2k_.try_push(header, payload);
  }

  /// Sends `msg`, an input of Kernel (a request when request_id != 0).
  template <class Kernel, class T>
  bool try_send_message(const T& msg, std::uint64_t request_id = 0,
                        std::uint64_t sender_id = 0) noexcept {
    static_assert(std::is_trivially_copyable_v<T>,
                  "ringactor: a message for a kernel must be trivially copyable");
    slot_header h;
    h.type_id = input_type_id<Kernel, T>();
    h.payload_size = sizeof(T);
    h.request_id = request_id;
    h.sender_id = sender_id;
    return fits(sizeof(T)) && try_send(h, &msg);
  }

  /// Wakes the kernel if it parked.
  void wake() noexcept { control().wake(); }

  /// Whether a payload of `size` bytes fits a slot.
  bool fits(std::size_t size) const noexcept {
    return size <= geometry_.slot_size - slot_payload_offset;
  }

  // -- receiving from the kernel (K2H) ----------------------------------------

  /// Pops the next reply or message from the kernel; false when K2H is empty.
  /// `payload` must hold payload_capacity() bytes.
  bool try_receive(slot_header& header, void* payload) noexcept {
    return k2h_.try_pop(header, payload);
  }

  /// The next K2H slot in place (null header if none); release_received()
  /// hands it back.
  slot_ref peek_received() const noexcept { return k2h_.peek(); }
  void release_received() noexcept { k2h_.release(); }

  /// Waits up to `timeout` for `ready()` (a check without side effects; it
  /// runs several times), woken by the kernel's K2H pushes, heartbeats and
  /// exit (CPU backend) or by polling every poll_slice() (CUDA, whose device
  /// cannot wake a host thread). Returns ready(). Host side: one waiter.
  template <class Ready>
  bool wait_until(Ready&& ready, std::chrono::nanoseconds timeout);

  /// Waits up to `timeout` for a K2H slot and pops it.
  bool receive(slot_header& header, void* payload, std::chrono::nanoseconds timeout) {
    return wait_until([this] { return peek_received().header != nullptr; }, timeout)
           && try_receive(header, payload);
  }

  /// How long a waiter sleeps between checks when nothing wakes it.
  std::chrono::nanoseconds poll_slice() const noexcept { return poll_slice_; }
  void set_poll_slice(std::chrono::nanoseconds x) noexcept { poll_slice_ = x; }

  // -- control and statistics -------------------------------------------------

  control_block_ref control() const noexcept { return control_block_ref{*control_}; }
  /// Messages pushed to H2K and not yet taken by the kernel.
  std::uint64_t h2k_depth() const noexcept { return h2k_.cursor() - control().h2k_consumed(); }
  /// Messages the kernel pushed to K2H that the host has not popped.
  std::uint64_t k2h_depth() const noexcept { return control().k2h_produced() - k2h_.cursor(); }
  std::uint64_t h2k_pushed() const noexcept { return h2k_.cursor(); }
  std::uint64_t k2h_popped() const noexcept { return k2h_.cursor(); }
  std::size_t payload_capacity() const noexcept {
    return geometry_.slot_size - slot_payload_offset;
  }
  const channel_geometry& geometry() const noexcept { return geometry_; }

  // -- the kernel's end ---------------------------------------------------------

  /// Launch parameters that point at this channel through the kernel's
  /// mapping of the memory; the backend fills in kernel, scratch and timing.
  kernel_params device_params() const noexcept;

  /// The doorbell the kernel rings for the host (in the shared region).
  doorbell& k2h_doorbell() const noexcept { return *k2h_doorbell_; }

  /// Points device_params() at a snapshot area (snapshot_area.hpp) at
  /// `device` in the kernel's address space, in memory of its own that
  /// `owner` keeps alive at least as long as the channel (and so the kernel
  /// writing into it). Before any runner takes the parameters.
  void attach_snapshot_area(std::byte* device, std::shared_ptr<const void> owner) noexcept {
    snapshot_device_ = device;
    snapshot_owner_ = std::move(owner);
  }

  /// The kernel's K2K port as the host sees it (k2k_port_ref edits it), and
  /// the same port at the kernel's address (what route entries of other
  /// kernels point into).
  k2k_port& k2k_port_host() const noexcept { return *k2k_port_; }
  k2k_port* k2k_port_device() const noexcept;

private:
  channel_geometry geometry_;
  shared_region memory_;
  control_block* control_;
  doorbell* k2h_doorbell_;
  k2k_port* k2k_port_;
  ring_producer h2k_;
  ring_consumer k2h_;
  std::chrono::nanoseconds poll_slice_ = std::chrono::milliseconds{10};
  std::byte* snapshot_device_ = nullptr;
  std::shared_ptr<const void> snapshot_owner_;
};

template <class Ready>
bool kernel_channel::wait_until(Ready&& ready, std::chrono::nanoseconds timeout) {
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + timeout;
  for (;;) {
    if (ready())
      return true;
    auto now = clock::now();
    if (now >= deadline)
      return ready();
    auto slice = std::min<std::chrono::nanoseconds>(deadline - now, poll_slice_);
    park(*k2h_doorbell_, ready, slice);
  }
}

} // namespace ringactor
