// ringactor: device channels, the memory through which a kernel sends to
// another kernel with no host involvement (kernel to kernel, K2K).
//
// A device channel is a single-producer single-consumer ring with the slot
// protocol of ring.hpp (per-slot sequence numbers, release/acquire), in
// memory both kernels can reach (host memory on the CPU backend, device
// memory on CUDA: the host reaches it only through write_k2k_channel and
// read_k2k_channel_counters in kernel_ports.hpp), preceded by a header that
// holds the two cursors and the producer's queue_full count:
//
//   k2k_channel_header (128 B) | slots (capacity x slot_size)
//
// Each kernel's shared channel memory (channel.hpp) holds a k2k_port: a
// route table (destination address -> outbound device channel, or a host
// actor reached through K2H) and the list of inbound device channels its
// loop polls besides H2K. The host (the K2K broker) edits the port while the
// kernel runs:
//
// - Publishing an entry: the host writes the fields of a free entry (which
//   the kernel does not read), then stores `state = live` with release. The
//   kernel loads `state` with acquire before it reads any field.
// - Retiring an entry: the host stores `state = free`, then bumps `version`
//   (release) and wakes the kernel. The kernel looks at `version` at every
//   quiescent point of its loop (between messages, never inside a handler),
//   rescans the table, and stores `seen_version` (release). Once the host's
//   acquire load of `seen_version` reaches its bump, or the kernel's state is
//   terminated or faulted (its loop no longer runs), the kernel will not
//   touch the entry, or the channel it named, again: the host may then free
//   the channel and reuse the entry.
//
// So the kernel never reads a half-written entry and never uses a freed
// channel. The kernel also caches the indices of the live entries at each
// rescan; they stay valid until the next version, which it sees first.
//
// Addresses. A kernel names a destination by a 64-bit K2K address, the
// FNV-1a hash of the name it is registered under at the broker
// (k2k_address("decoder-0"), constexpr and usable in device code); 0 is no
// address.
//
// Device-facing header (docs/device-headers.md): a kernel may include it; it
// and all it includes compile under nvcc, with no fmt, iostream or threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ringactor/gpu/device.hpp"
#include "ringactor/gpu/doorbell.hpp"
#include "ringactor/gpu/ring.hpp"
#include "ringactor/gpu/slot.hpp"

namespace ringactor {

/// The K2K address of the endpoint registered under `name`: FNV-1a of the
/// name's bytes (never 0: a name hashing to 0 maps to 1).
RINGACTOR_HOST_DEVICE constexpr std::uint64_t k2k_address(const char* name,
                                                          std::size_t size) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (std::size_t i = 0; i < size; ++i) {
    h ^= static_cast<unsigned char>(name[i]);
    h *= 0x100000001b3ull;
  }
  return h == 0 ? 1 : h;
}

/// The K2K address of `name` (host code).
constexpr std::uint64_t k2k_address(std::string_view name) noexcept {
  return k2k_address(name.data(), name.size());
}

/// What ctx.send(destination, msg) did. A queue_full is counted: per device
/// channel, or, for a send to a host endpoint or the broker (K2H stayed full
/// until the host asked the kernel to terminate), in k2k_port::host_queue_full.
enum class k2k_send_result : std::uint32_t {
  ok = 0,           ///< in the destination's device channel, or in K2H for a host endpoint
  not_found = 1,    ///< no route to the destination (unknown, or not yet published)
  queue_full = 2,   ///< the device channel (to the host: K2H, at termination) is full; not sent
  not_accepted = 3, ///< the destination kernel does not accept this message type
  too_large = 4,    ///< the message does not fit a slot of the channel (or of K2H)
  not_leader = 5,   ///< called on a thread other than the grid's leader: nothing sent
};

/// Route table entries per kernel, inbound channels per kernel, and the
/// output types (positions in a kernel's `outputs`) a route translates.
inline constexpr std::uint32_t k2k_max_routes = 32;
inline constexpr std::uint32_t k2k_max_inbound = 16;
inline constexpr std::uint32_t k2k_max_outputs = 32;

/// The front of a device channel's memory. Each cache line has one writer.
struct k2k_channel_header {
  /// The producer's cursor: messages pushed. Written by the producing
  /// kernel's leader only; relaxed (slots are handed over by their own
  /// sequence numbers); the host reads it (relaxed) for statistics.
  alignas(64) std::uint64_t produced = 0;
  /// Sends refused because the ring was full. Producer only; relaxed.
  std::uint64_t queue_full = 0;
  /// The consumer's cursor: messages taken. Consuming kernel's leader only;
  /// relaxed, like produced.
  alignas(64) std::uint64_t consumed = 0;
};

static_assert(sizeof(k2k_channel_header) == 128);

/// Bytes of a device channel of `capacity` slots of `slot_size` bytes.
constexpr std::size_t k2k_channel_bytes(std::uint32_t capacity, std::uint32_t slot_size) noexcept {
  return sizeof(k2k_channel_header) + ring_view::bytes_for(capacity, slot_size);
}

/// An entry's `state`.
enum class k2k_entry_state : std::uint32_t { free = 0, live = 1 };

/// Where a route leads.
enum class k2k_route_kind : std::uint32_t {
  device = 1, ///< a device channel to a kernel on the same device
  host = 2,   ///< a host actor, through K2H (the completion poller delivers it)
  /// A destination the broker reaches through its routes (other brokers):
  /// through K2H to the broker actor, which routes it like any send (hop
  /// limit, priorities, receipts kept by message id).
  broker = 3,
};

/// One route of a kernel's table. Fields other than `state` are plain: the
/// host writes them only while the entry is free and acknowledged (see the
/// protocol above), the kernel reads them only after seeing `state == live`.
struct alignas(64) k2k_route {
  /// A k2k_entry_state. Host: release store (live) after writing the
  /// fields, relaxed store (free) before bumping the port's version.
  /// Kernel: acquire load at each rescan, before reading the fields.
  std::uint32_t state = 0;
  std::uint32_t kind = 0; ///< a k2k_route_kind
  std::uint64_t destination = 0;
  /// device: the channel (device pointers), and the doorbell the receiving
  /// kernel parks on (its H2K doorbell).
  k2k_channel_header* channel = nullptr;
  std::byte* slots = nullptr;
  doorbell* wake = nullptr;
  std::uint32_t capacity = 0;
  std::uint32_t slot_size = 0;
  /// host and broker: the actor id K2H slots are addressed to.
  std::uint64_t host_receiver = 0;
  /// device: the receiver's input type id for each of the sender's outputs
  /// (index = output type id - 1); 0 = the receiver does not accept it.
  std::uint8_t type_map[k2k_max_outputs] = {};
};

/// One inbound device channel of a kernel (same state protocol as k2k_route).
struct alignas(64) k2k_inbound {
  std::uint32_t state = 0;
  std::uint32_t capacity = 0;
  std::uint32_t slot_size = 0;
  k2k_channel_header* channel = nullptr;
  std::byte* slots = nullptr;
  /// The producing kernel: its actor id, which stays the same when it is
  /// registered again under another name (its K2K address would not).
  std::uint64_t source = 0;
  /// Publication order (the host numbers every entry it publishes, across
  /// kernels). Of two live entries with one source (the old channel of a
  /// sender or receiver registered again, under any name, still draining,
  /// and the new one) the kernel takes from the older only, until it is
  /// retired: so a sender's messages arrive in the order it sent them.
  std::uint64_t order = 0;
};

static_assert(sizeof(k2k_route) == 128 && sizeof(k2k_inbound) == 64);

/// The K2K part of a kernel's channel memory.
struct alignas(64) k2k_port {
  // -- written by the host ------------------------------------------------------

  /// Bumped (release) after entries were retired or the fields below
  /// changed; the kernel's acquire load at a quiescent point then sees them.
  alignas(64) std::uint64_t version = 0;
  /// The kernel's own K2K address (0: not registered at a broker) and the
  /// node id of its clock. Stored relaxed before a version bump and loaded
  /// relaxed after the kernel's acquire load of that version. (The offset
  /// from the loop's clock to Unix time is the kernel's own measurement at
  /// its start: kernel_params::host_clock_ns.)
  std::uint64_t self_address = 0;
  std::uint32_t node = 0;

  // -- written by the kernel (its leader) ------------------------------------------

  /// The last version the kernel acted on. Release store at a quiescent
  /// point; the host's acquire load then knows that no use of a retired
  /// entry is still in progress.
  alignas(64) std::uint64_t seen_version = 0;
  /// ctx.send outcomes that sent nothing (queue_full on a device channel
  /// is counted per channel, on a host or broker route in host_queue_full).
  /// Relaxed: statistics.
  std::uint64_t not_found = 0;
  std::uint64_t not_accepted = 0;
  std::uint64_t too_large = 0;
  /// Sends to host endpoints that went into K2H.
  std::uint64_t sent_to_host = 0;
  /// Sends handed to the broker to route (broker routes), through K2H.
  std::uint64_t sent_to_broker = 0;
  /// Sends to host endpoints or the broker given up (queue_full) because
  /// K2H stayed full until the host asked the kernel to terminate.
  std::uint64_t host_queue_full = 0;

  k2k_route routes[k2k_max_routes];
  k2k_inbound inbound[k2k_max_inbound];
};

static_assert(sizeof(k2k_port) == 128 + 128 * k2k_max_routes + 64 * k2k_max_inbound);

namespace detail {

/// A live route as the kernel's leader caches it at a rescan of its port:
/// the entry's fields (which the host does not change while the entry is
/// live) and the channel's producer end with its cursor and credit, so
/// that a send reads nothing of the port but its version (on CUDA the port
/// is in mapped host memory: each field read is a PCIe round trip).
struct k2k_cached_route {
  std::uint64_t destination = 0;
  std::uint32_t kind = 0; ///< a k2k_route_kind
  std::uint64_t host_receiver = 0;
  k2k_channel_header* channel = nullptr;
  doorbell* wake = nullptr;
  ring_producer producer; ///< device scope; cursor from channel->produced
  std::uint8_t type_map[k2k_max_outputs] = {};
};

/// A polled inbound channel as the leader caches it at a rescan.
struct k2k_cached_inbound {
  k2k_channel_header* channel = nullptr;
  ring_consumer consumer; ///< device scope; cursor from channel->consumed
};

/// The leader's cache of its port (in the grid's scratch area, device
/// memory on CUDA; see grid_scratch::k2k_cache).
struct alignas(64) k2k_port_cache {
  k2k_cached_route routes[k2k_max_routes];
  k2k_cached_inbound inbound[k2k_max_inbound];
};

} // namespace detail

/// The host's end of a kernel's port: publishing and retiring entries,
/// reading the kernel's counters. One host owner at a time (the broker that
/// claimed the kernel), single-threaded by contract; the owner tracks which
/// entries are in use or retired and not yet acknowledged.
class k2k_port_ref {
public:
  explicit k2k_port_ref(k2k_port& port) noexcept : port_(&port) {}

  /// Sets the kernel's identity. Takes effect at the kernel's next rescan
  /// (this bumps the version).
  void set_identity(std::uint64_t address, std::uint32_t node) noexcept {
    // Relaxed: published by the release store of the version below.
    dev::atomic_store(port_->self_address, address, mem_order::relaxed);
    dev::atomic_store(port_->node, node, mem_order::relaxed);
    bump();
  }

  /// Writes route `i` (free, and acknowledged if it was used before) and
  /// makes it live.
  void publish_route(std::uint32_t i, const k2k_route& r) noexcept {
    auto& e = port_->routes[i];
    // The entry is free and acknowledged: the kernel reads none of these.
    e.kind = r.kind;
    e.destination = r.destination;
    e.channel = r.channel;
    e.slots = r.slots;
    e.wake = r.wake;
    e.capacity = r.capacity;
    e.slot_size = r.slot_size;
    e.host_receiver = r.host_receiver;
    for (std::uint32_t k = 0; k < k2k_max_outputs; ++k)
      e.type_map[k] = r.type_map[k];
    // Pairs with the kernel's acquire load of state at its rescan.
    dev::atomic_store(e.state, static_cast<std::uint32_t>(k2k_entry_state::live),
                      mem_order::release);
    bump();
  }

  void publish_inbound(std::uint32_t i, const k2k_inbound& in) noexcept {
    auto& e = port_->inbound[i];
    e.capacity = in.capacity;
    e.slot_size = in.slot_size;
    e.channel = in.channel;
    e.slots = in.slots;
    e.source = in.source;
    e.order = in.order;
    // Pairs with the kernel's acquire load of state at its rescan.
    dev::atomic_store(e.state, static_cast<std::uint32_t>(k2k_entry_state::live),
                      mem_order::release);
    bump();
  }

  /// Retires route `i`; returns the version whose acknowledgement says the
  /// kernel stopped using it.
  std::uint64_t retire_route(std::uint32_t i) noexcept {
    // Relaxed: the release store of the version in bump() publishes it.
    dev::atomic_store(port_->routes[i].state, std::uint32_t{0}, mem_order::relaxed);
    return bump();
  }
  std::uint64_t retire_inbound(std::uint32_t i) noexcept {
    // As retire_route.
    dev::atomic_store(port_->inbound[i].state, std::uint32_t{0}, mem_order::relaxed);
    return bump();
  }

  /// Whether the kernel has acted on `version` (see the protocol above).
  bool acknowledged(std::uint64_t version) const noexcept {
    // Pairs with the kernel's release store of seen_version: its uses of
    // entries retired before `version` happen before our return.
    return dev::atomic_load(port_->seen_version, mem_order::acquire) >= version;
  }

  /// The kernel's counters (relaxed: statistics).
  std::uint64_t not_found() const noexcept {
    return dev::atomic_load(port_->not_found, mem_order::relaxed);
  }
  std::uint64_t not_accepted() const noexcept {
    return dev::atomic_load(port_->not_accepted, mem_order::relaxed);
  }
  std::uint64_t too_large() const noexcept {
    return dev::atomic_load(port_->too_large, mem_order::relaxed);
  }
  std::uint64_t sent_to_host() const noexcept {
    return dev::atomic_load(port_->sent_to_host, mem_order::relaxed);
  }
  std::uint64_t sent_to_broker() const noexcept {
    return dev::atomic_load(port_->sent_to_broker, mem_order::relaxed);
  }
  std::uint64_t host_queue_full() const noexcept {
    return dev::atomic_load(port_->host_queue_full, mem_order::relaxed);
  }

  k2k_port& get() const noexcept { return *port_; }

private:
  std::uint64_t bump() noexcept {
    // The host is the only writer of version: load-add-store suffices.
    auto v = dev::atomic_load(port_->version, mem_order::relaxed) + 1;
    // Pairs with the kernel's acquire load of version at its quiescent
    // points: the entries retired and the fields stored before are visible.
    dev::atomic_store(port_->version, v, mem_order::release);
    return v;
  }

  k2k_port* port_;
};

} // namespace ringactor
