// ringactor: the kernel's end of its K2K port (k2k_port.hpp), owned by the
// grid's leader thread inside the loop (loop_state): acknowledging route
// table versions at quiescent points, taking messages from inbound device
// channels, and sending over outbound ones (ctx.send).
//
// The loop calls quiesce() between messages only, never while a handler
// runs; that is what makes its acknowledgement mean "no use of a retired
// entry is in progress" (see the protocol in k2k_port.hpp).
//
// What it reads. The port is in the kernel's channel memory (mapped host
// memory on CUDA: every read is a PCIe round trip); the channels are in
// device memory. At a rescan the leader copies each live route and inbound
// entry into its port cache (k2k_port_cache, in the grid's scratch area)
// together with the channel's cursor; afterwards a send reads only the
// port's version (one word) and writes the slot, and a poll of the inbound
// channels reads only their slots' sequence numbers. A version that moved
// (an entry published or retired) makes the next send or quiesce() rescan,
// so a cached entry is never used past the version that retired it; the
// acknowledgement still waits for a quiescent point.
//
// Device-facing header (docs/device-headers.md): a kernel may include it; it
// and all it includes compile under nvcc, with no fmt, iostream or threads.
#pragma once

#include <cstdint>

#include "ringactor/gpu/device.hpp"
#include "ringactor/gpu/doorbell.hpp"
#include "ringactor/gpu/hlc_timestamp.hpp"
#include "ringactor/gpu/k2k_port.hpp"
#include "ringactor/gpu/ring.hpp"
#include "ringactor/gpu/slot.hpp"

namespace ringactor::detail {

class k2k_endpoint {
public:
  /// `cache`: the leader's port cache (grid_scratch::k2k_cache); unused
  /// when `port` is null.
  RINGACTOR_DEVICE k2k_endpoint(k2k_port* port, k2k_port_cache* cache) noexcept
    : port_(port), cache_(cache) {}

  /// At a quiescent point: if `look` (the loop's poll schedule says the
  /// port is due) and the host changed the port, rescans it; then
  /// acknowledges the version the cache reflects, if not done yet.
  RINGACTOR_DEVICE void quiesce(bool look = true) noexcept {
    if (port_ == nullptr)
      return;
    if (look)
      refresh();
    if (acknowledged_ == version_)
      return;
    acknowledged_ = version_;
    // Pairs with the host's acquire load in k2k_port_ref::acknowledged():
    // every use of an entry retired up to version_ (all before this point:
    // in earlier messages, or before the rescan that dropped it) happens
    // before the host frees it.
    dev::atomic_store(port_->seen_version, version_, mem_order::release);
  }

  /// Whether the host changed the port since the last rescan (a wake-up
  /// check only: refresh() reloads with acquire before acting).
  RINGACTOR_DEVICE bool changed() const noexcept {
    return port_ != nullptr && dev::atomic_load(port_->version, mem_order::relaxed) != version_;
  }

  /// Whether an inbound channel holds a message.
  RINGACTOR_DEVICE bool ready() const noexcept {
    for (std::uint32_t k = 0; k < inbound_count_; ++k)
      if (cache_->inbound[k].consumer.ready())
        return true;
    return false;
  }

  /// Copies the next inbound message (channels taken round robin) into
  /// `scratch` and frees its slot; false when every channel is empty.
  /// `max_payload` is what the scratch area holds.
  template <class Scratch>
  RINGACTOR_DEVICE bool take(Scratch scratch, std::size_t max_payload) noexcept {
    for (std::uint32_t k = 0; k < inbound_count_; ++k) {
      auto pos = (next_inbound_ + k) % inbound_count_;
      auto& in = cache_->inbound[pos];
      auto& c = in.consumer;
      auto msg = c.peek();
      if (msg.header == nullptr)
        continue;
      auto& h = scratch.header();
      h = *msg.header;
      auto limit = c.ring().payload_capacity() < max_payload ? c.ring().payload_capacity()
                                                             : max_payload;
      if (h.payload_size > limit)
        h.payload_size = static_cast<std::uint32_t>(limit);
      dev::copy_wide(scratch.payload(), msg.payload, h.payload_size);
      c.release();
      // Our own cursor; relaxed: slots are handed over by their sequences,
      // the host reads it for statistics only (and a rescan reloads it).
      dev::atomic_store(in.channel->consumed, c.cursor(), mem_order::relaxed);
      // HLC receive: later ticks are greater than the sender's stamp.
      auto w = h.stamp.word();
      if (w > clock_)
        clock_ = w;
      next_inbound_ = (pos + 1) % inbound_count_;
      return true;
    }
    return false;
  }

  /// Sets the signed offset, in nanoseconds, that turns the loop's clock
  /// into Unix time (measured by the loop at its start).
  RINGACTOR_DEVICE void set_clock_offset(std::int64_t offset_ns) noexcept {
    clock_offset_ns_ = offset_ns;
  }

  /// Sends `size` bytes of the sender's output type `output_id` to
  /// `destination`. A host or broker route goes through `push_host(receiver,
  /// type_id, payload, size, routed_to, stamp)` (K2H), which returns ok,
  /// too_large (it does not fit a K2H slot) or queue_full (K2H stayed full
  /// until the host asked the kernel to terminate); `routed_to` is the
  /// destination for a broker route, else 0.
  template <class PushHost>
  RINGACTOR_DEVICE k2k_send_result send(std::uint64_t destination, std::uint32_t output_id,
                                        const void* payload, std::uint32_t size,
                                        std::uint64_t now_ns, PushHost&& push_host) noexcept {
    if (port_ == nullptr)
      return count(nullptr, k2k_send_result::not_found);
    // A route retired since the last rescan is still ours to read until we
    // acknowledge it, but no longer to use: a handler that sends in a loop
    // must see the retirement without waiting for its next quiescent point;
    // and a route published just before the message that triggers this
    // send must be found. Both bump the version: one read per send.
    if (changed())
      refresh();
    k2k_cached_route* r = find(destination);
    if (r == nullptr)
      return count(&port_->not_found, k2k_send_result::not_found);
    if (r->kind == static_cast<std::uint32_t>(k2k_route_kind::host)) {
      auto pushed = push_host(r->host_receiver, output_id, payload, size, std::uint64_t{0},
                              hlc_timestamp{});
      return count_host_push(pushed, &port_->sent_to_host);
    }
    if (r->kind == static_cast<std::uint32_t>(k2k_route_kind::broker)) {
      // Stamped: the broker merges the stamp into its clock.
      auto pushed = push_host(r->host_receiver, output_id, payload, size, destination,
                              tick(now_ns));
      return count_host_push(pushed, &port_->sent_to_broker);
    }
    std::uint32_t input_id = output_id >= 1 && output_id <= k2k_max_outputs
                               ? r->type_map[output_id - 1]
                               : 0;
    if (input_id == 0)
      return count(&port_->not_accepted, k2k_send_result::not_accepted);
    if (size > r->producer.ring().payload_capacity())
      return count(&port_->too_large, k2k_send_result::too_large);
    slot_header h;
    h.type_id = input_id;
    h.kind = slot_kind::message;
    h.flags = slot_flags::k2k;
    h.payload_size = size;
    h.sender_id = self_;
    h.receiver_id = destination;
    h.stamp = tick(now_ns);
    if (!r->producer.try_push(h, payload))
      return count(&r->channel->queue_full, k2k_send_result::queue_full);
    // The producer's cursor is ours alone (relaxed, see k2k_port.hpp); a
    // rescan reloads it from here.
    dev::atomic_store(r->channel->produced, r->producer.cursor(), mem_order::relaxed);
#if !RINGACTOR_DEVICE_PASS
    // A CPU kernel may park on its H2K doorbell; a CUDA kernel never parks,
    // and a device-side ring would cost a round trip to mapped memory.
    ring_if_sleeping(*r->wake);
#endif
    return k2k_send_result::ok;
  }

private:
  /// Rescans the port if its version moved (acquire), without
  /// acknowledging: that waits for a quiescent point (quiesce()).
  RINGACTOR_DEVICE void refresh() noexcept {
    // Pairs with the host's release store in k2k_port_ref::bump(): entries
    // published or retired and identity fields stored before it are visible
    // below.
    auto v = dev::atomic_load(port_->version, mem_order::acquire);
    if (v == version_)
      return;
    version_ = v;
    rescan();
  }

  RINGACTOR_DEVICE void rescan() noexcept {
    route_count_ = 0;
    for (std::uint32_t i = 0; i < k2k_max_routes; ++i) {
      auto& e = port_->routes[i];
      // Pairs with the host's release store in k2k_port_ref::publish_route():
      // the entry's fields are complete once we see it live.
      if (dev::atomic_load(e.state, mem_order::acquire)
          != static_cast<std::uint32_t>(k2k_entry_state::live))
        continue;
      auto& c = cache_->routes[route_count_++];
      c.destination = e.destination;
      c.kind = e.kind;
      c.host_receiver = e.host_receiver;
      c.channel = e.channel;
      c.wake = e.wake;
      for (std::uint32_t k = 0; k < k2k_max_outputs; ++k)
        c.type_map[k] = e.type_map[k];
      c.producer = ring_producer{};
      if (e.kind == static_cast<std::uint32_t>(k2k_route_kind::device)) {
        // The producer's cursor is ours alone (relaxed, see k2k_port.hpp).
        c.producer = ring_producer{ring_view{e.slots, e.capacity, e.slot_size, mem_scope::device},
                                   dev::atomic_load(e.channel->produced, mem_order::relaxed)};
      }
    }
    std::uint8_t live[k2k_max_inbound];
    std::uint32_t live_count = 0;
    for (std::uint32_t i = 0; i < k2k_max_inbound; ++i) {
      // Pairs with the host's release store in k2k_port_ref::publish_inbound().
      if (dev::atomic_load(port_->inbound[i].state, mem_order::acquire)
          == static_cast<std::uint32_t>(k2k_entry_state::live))
        live[live_count++] = static_cast<std::uint8_t>(i);
    }
    // Polled: every live entry but those with an older live entry from the
    // same source (see k2k_inbound::order). Retiring the older one bumps the
    // version, and the rescan it causes takes the newer one in.
    inbound_count_ = 0;
    for (std::uint32_t k = 0; k < live_count; ++k) {
      auto& in = port_->inbound[live[k]];
      bool newer = false;
      for (std::uint32_t j = 0; j < live_count && !newer; ++j) {
        auto& other = port_->inbound[live[j]];
        newer = j != k && other.source == in.source && other.order < in.order;
      }
      if (newer)
        continue;
      auto& c = cache_->inbound[inbound_count_++];
      c.channel = in.channel;
      // Our own cursor (relaxed, see take()).
      c.consumer = ring_consumer{ring_view{in.slots, in.capacity, in.slot_size, mem_scope::device},
                                 dev::atomic_load(in.channel->consumed, mem_order::relaxed)};
    }
    next_inbound_ = 0;
    // Relaxed: published by the version we loaded with acquire.
    self_ = dev::atomic_load(port_->self_address, mem_order::relaxed);
    node_ = dev::atomic_load(port_->node, mem_order::relaxed);
  }

  RINGACTOR_DEVICE k2k_cached_route* find(std::uint64_t destination) const noexcept {
    for (std::uint32_t k = 0; k < route_count_; ++k)
      if (cache_->routes[k].destination == destination)
        return &cache_->routes[k];
    return nullptr;
  }

  /// Counts the outcome of a push to K2H (a host or broker route): a full
  /// K2H that the kernel gave up on because it terminates is no oversized
  /// message, and has its own counter.
  RINGACTOR_DEVICE k2k_send_result count_host_push(k2k_send_result pushed,
                                                   std::uint64_t* sent) noexcept {
    if (pushed == k2k_send_result::ok)
      return count(sent, k2k_send_result::ok);
    if (pushed == k2k_send_result::too_large)
      return count(&port_->too_large, k2k_send_result::too_large);
    return count(&port_->host_queue_full, k2k_send_result::queue_full);
  }

  /// Counts an outcome in a counter only the leader writes.
  RINGACTOR_DEVICE static k2k_send_result count(std::uint64_t* counter,
                                                k2k_send_result r) noexcept {
    if (counter != nullptr) {
      // Single writer: load-add-store; relaxed (statistics).
      dev::atomic_store(*counter, dev::atomic_load(*counter, mem_order::relaxed) + 1,
                        mem_order::relaxed);
    }
    return r;
  }

  /// HLC send event on the leader's clock (a single writer: no CAS). The
  /// physical part is the loop's clock moved to Unix time by the signed
  /// offset measured at the loop's start, clamped to the stamp's range.
  RINGACTOR_DEVICE hlc_timestamp tick(std::uint64_t now_ns) noexcept {
    auto physical = hlc_timestamp::physical_from_ns(now_ns, clock_offset_ns_);
    auto w = physical << hlc_timestamp::logical_bits;
    clock_ = w > clock_ ? w : clock_ + 1;
    return hlc_timestamp::from_word(clock_, node_);
  }

  k2k_port* port_;
  k2k_port_cache* cache_;
  std::uint64_t version_ = 0;      // the port version the cache reflects
  std::uint64_t acknowledged_ = 0; // the last version stored in seen_version
  std::uint64_t self_ = 0;
  std::int64_t clock_offset_ns_ = 0;
  std::uint64_t clock_ = 0; ///< the HLC word: physical << 12 | logical
  std::uint32_t node_ = 0;
  std::uint32_t route_count_ = 0;
  std::uint32_t inbound_count_ = 0;
  std::uint32_t next_inbound_ = 0;
};

} // namespace ringactor::detail
